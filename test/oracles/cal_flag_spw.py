"""Flags every visibility of one spectral window of a MeasurementSet (a bad-input fixture).

usage: cal_flag_spw.py MS SPW
"""
import sys

from casacore.tables import table

ms, spw = sys.argv[1], int(sys.argv[2])
with table(ms, readonly=False, ack=False) as t:
    rows = t.getcol("DATA_DESC_ID") == spw
    flag = t.getcol("FLAG")
    flag[rows] = True
    t.putcol("FLAG", flag)
print(int(rows.sum()))
