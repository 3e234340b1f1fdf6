"""How two MeasurementSets' FLAG columns differ, read with python-casacore.

usage: flag_compare.py MS_A MS_B
prints JSON over the cross-correlation rows whose DATA is not all exactly zero (in A): the samples
compared, the fractions flagged in A and in B, and the fraction of samples flagged differently.
"""
import json
import sys

import numpy as np
from casacore.tables import table

a, b = (table(path, ack=False) for path in sys.argv[1:3])
rows = (a.getcol("ANTENNA1") != a.getcol("ANTENNA2")) & (np.abs(a.getcol("DATA")) > 0).any(axis=(1, 2))
flag_a, flag_b = a.getcol("FLAG")[rows], b.getcol("FLAG")[rows]
print(json.dumps({
    "samples": int(flag_a.size),
    "flaggedA": float(flag_a.mean()),
    "flaggedB": float(flag_b.mean()),
    "differ": float((flag_a != flag_b).mean()),
}))
