"""Write a small MeasurementSet with python-casacore: make_ms.py OUTPUT_PATH NROWS.

The default MS columns and subtables plus a fixed-shape Complex DATA column (4 channels x 2
correlations) stored with TiledColumnStMan, as a real visibility MS would be.
"""
import sys

import numpy as np
from casacore import tables as pt

N_CHAN, N_CORR = 4, 2


def main(path: str, nrows: int) -> None:
    ms = pt.default_ms(path)
    data = pt.makearrcoldesc("DATA", 0j, valuetype="complex", ndim=2, shape=[N_CHAN, N_CORR])
    ms.addcols(
        pt.maketabdesc(data),
        dminfo={"TYPE": "TiledColumnStMan", "NAME": "TiledDATA",
                "SPEC": {"DEFAULTTILESHAPE": [N_CORR, N_CHAN, 64]}},
    )
    ms.addrows(nrows)
    rows = np.arange(nrows)
    ms.putcol("TIME", 5.0e9 + 10.0 * rows)
    ms.putcol("ANTENNA1", (rows % 3).astype(np.int32))
    ms.putcol("ANTENNA2", (rows % 3 + 1).astype(np.int32))
    ms.putcol("UVW", np.stack([rows, -rows, 0.5 * rows], axis=1).astype(np.float64))
    vis = (rows[:, None, None] + 1j * np.arange(N_CHAN)[None, :, None]) * np.ones((1, 1, N_CORR))
    ms.putcol("DATA", vis.astype(np.complex64))
    ms.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
