"""Brightest pixel of a WSClean FITS image and where a J2000 position falls in it (astropy WCS).

usage: ms_image_peak.py IMAGE.fits RA_DEG DEC_DEG
prints JSON: peak {x, y, value} (0-based pixels, refined by a parabola through the brightest pixel and its neighbours), expected {x, y} for (RA, Dec), beam FWHM in pixels.
"""
import json
import sys

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

path, ra, dec = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
with fits.open(path) as hdul:
    header = hdul[0].header
    image = np.asarray(hdul[0].data, dtype=float)
plane = image.reshape(image.shape[-2], image.shape[-1])
y, x = np.unravel_index(np.nanargmax(plane), plane.shape)


def vertex(a, b, c):
    """Offset of the vertex of the parabola through (-1, a), (0, b), (1, c)."""
    d = a - 2 * b + c
    return 0.0 if d == 0 else 0.5 * (a - c) / d


fx = x + vertex(plane[y, x - 1], plane[y, x], plane[y, x + 1])
fy = y + vertex(plane[y - 1, x], plane[y, x], plane[y + 1, x])
wcs = WCS(header).celestial
ex, ey = wcs.world_to_pixel_values(ra, dec)
# The point-mirrored position about the phase centre, which the wrong visibility sign would give.
cx, cy = wcs.world_to_pixel_values(header["CRVAL1"], header["CRVAL2"])
cell = abs(header["CDELT1"]) * 3600
print(json.dumps({
    "peak": {"x": float(fx), "y": float(fy), "value": float(plane[y, x])},
    "expected": {"x": float(ex), "y": float(ey)},
    "mirrored": {"x": float(2 * cx - ex), "y": float(2 * cy - ey)},
    "cellArcsec": cell,
    "beamMajorArcsec": float(header.get("BMAJ", 0)) * 3600,
}))
