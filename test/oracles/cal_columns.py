"""Compares two data columns of a MeasurementSet over its unflagged cross-correlations (python-casacore).

usage: cal_columns.py MS COLUMN_A COLUMN_B
prints JSON: the largest and the RMS of |A - B| / max|B|, max |B|, and the visibilities compared.
"""
import json
import sys

import numpy as np
from casacore.tables import table

ms, column_a, column_b = sys.argv[1:4]
with table(ms, ack=False) as t:
    cross = t.getcol("ANTENNA1") != t.getcol("ANTENNA2")
    a = t.getcol(column_a)[cross]
    b = t.getcol(column_b)[cross]
    flag = t.getcol("FLAG")[cross]
keep = ~flag
scale = float(np.abs(b[keep]).max())
difference = np.abs(a[keep] - b[keep]) / scale
print(json.dumps({
    "maxRelative": float(difference.max()),
    "rmsRelative": float(np.sqrt(np.mean(difference**2))),
    "maxAbsB": scale,
    "compared": int(keep.sum()),
}))
