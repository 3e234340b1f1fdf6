"""Pixel ↔ sky through astropy's WCS of a FITS image's header (celestial axes), independent of wcslib's binding here.

usage: img_wcs.py FITS REQUEST.json   with {"pixels": [[x, y], ...], "sky": [[ra, dec], ...]} (FITS 1-based pixels, degrees)
prints JSON: {"sky": [[ra, dec], ...] for the pixels, "pixels": [[x, y], ...] for the sky positions}
"""
import json
import sys
import warnings

warnings.simplefilter("error")  # a header astropy must fix or guess at fails the oracle

from astropy.io import fits  # noqa: E402
from astropy.wcs import WCS  # noqa: E402

request = json.load(open(sys.argv[2]))
with fits.open(sys.argv[1]) as hdul:
    wcs = WCS(hdul[0].header).celestial
pixels = request.get("pixels", [])
sky = request.get("sky", [])
to_sky = wcs.all_pix2world([p[0] for p in pixels], [p[1] for p in pixels], 1) if pixels else ([], [])
to_pix = wcs.all_world2pix([s[0] for s in sky], [s[1] for s in sky], 1) if sky else ([], [])
print(json.dumps({"sky": [[float(a), float(b)] for a, b in zip(*to_sky)], "pixels": [[float(a), float(b)] for a, b in zip(*to_pix)]}))
