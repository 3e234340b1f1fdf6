"""astropy's ZScaleInterval limits of a FITS image's first plane (the dashboard's zscale reference).

usage: img_zscale.py FITS     prints JSON [vmin, vmax]
"""
import json
import sys

import numpy as np
from astropy.io import fits
from astropy.visualization import ZScaleInterval

with fits.open(sys.argv[1]) as hdul:
    data = np.asarray(hdul[0].data, dtype=np.float64)
plane = data.reshape((-1,) + data.shape[-2:])[0]
print(json.dumps([float(v) for v in ZScaleInterval().get_limits(plane)]))
