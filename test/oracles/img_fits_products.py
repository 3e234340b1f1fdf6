"""Opens every FITS product of an image directory with astropy, warnings as errors, and locates sources.

usage: img_fits_products.py DIR RA,DEC [RA,DEC ...]
prints JSON: per product its header facts; per position (J2000 deg) the pixel astropy's WCS puts
it at, the fitted peak near there (parabola through the brightest pixel and its neighbours), the
sky position of that peak and its offset from the position (arcsec), and the image and pbcor
values there.
"""
import json
import os
import sys
import warnings

warnings.simplefilter("error")  # any astropy warning (FITSFixedWarning, unit, verify) fails the oracle

import numpy as np  # noqa: E402
import astropy.units as u  # noqa: E402
from astropy.coordinates import SkyCoord  # noqa: E402
from astropy.io import fits  # noqa: E402
from astropy.wcs import WCS  # noqa: E402

PRODUCTS = ["image", "residual", "psf", "model", "pb", "pbcor"]
directory = sys.argv[1]
positions = [tuple(float(v) for v in p.split(",")) for p in sys.argv[2:]]

out = {"products": {}, "sources": []}
planes = {}
for name in PRODUCTS:
    path = os.path.join(directory, f"{name}.fits")
    with fits.open(path) as hdul:
        hdul.verify("exception")
        header = hdul[0].header
        data = np.asarray(hdul[0].data, dtype=float)
    wcs = WCS(header)
    unit = str(u.Unit(header["BUNIT"], format="fits")) if "BUNIT" in header else None
    freq_axis = [i for i in range(1, header["NAXIS"] + 1) if header[f"CTYPE{i}"].startswith("FREQ")][0]
    out["products"][name] = {
        "shape": list(data.shape),
        "unit": unit,
        "bmajDeg": header.get("BMAJ"),
        "bminDeg": header.get("BMIN"),
        "bpaDeg": header.get("BPA"),
        "dateObs": header.get("DATE-OBS"),
        "telescope": header.get("TELESCOP"),
        "object": header.get("OBJECT"),
        "frequencyHz": header[f"CRVAL{freq_axis}"],
        "celestial": list(wcs.celestial.wcs.ctype),
        "radesys": wcs.wcs.radesys,
        "finite": int(np.isfinite(data).sum()),
        "max": float(np.nanmax(data)),
    }
    planes[name] = (data.reshape(data.shape[-2], data.shape[-1]), wcs.celestial, header)


def vertex(a, b, c):
    d = a - 2 * b + c
    return 0.0 if d == 0 else 0.5 * (a - c) / d


image, wcs, header = planes["image"]
beam_px = header["BMAJ"] / abs(header["CDELT2"])
half = int(np.ceil(beam_px))
for ra, dec in positions:
    ex, ey = wcs.world_to_pixel_values(ra, dec)
    ix, iy = int(round(float(ex))), int(round(float(ey)))
    box = image[iy - half : iy + half + 1, ix - half : ix + half + 1]
    by, bx = np.unravel_index(np.nanargmax(box), box.shape)
    py, px = iy - half + by, ix - half + bx
    fx = px + vertex(image[py, px - 1], image[py, px], image[py, px + 1])
    fy = py + vertex(image[py - 1, px], image[py, px], image[py + 1, px])
    peak_ra, peak_dec = wcs.pixel_to_world_values(fx, fy)
    offset = SkyCoord(ra * u.deg, dec * u.deg).separation(SkyCoord(float(peak_ra) * u.deg, float(peak_dec) * u.deg)).arcsec
    out["sources"].append({
        "raDeg": ra, "decDeg": dec,
        "expectedPixel": [float(ex), float(ey)],
        "peakPixel": [float(fx), float(fy)],
        "peakWorld": [float(peak_ra), float(peak_dec)],
        "offsetArcsec": float(offset),
        "imageJy": float(image[py, px]),
        "pbcorJy": float(planes["pbcor"][0][py, px]),
        "pb": float(planes["pb"][0][py, px]),
    })
print(json.dumps(out))
