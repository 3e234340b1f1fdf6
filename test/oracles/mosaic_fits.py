"""Opens a mosaic and its weight map with astropy (warnings as errors), locates sources, and rebuilds
the mosaic independently with reproject (bilinear) from its tiles.

usage: mosaic_fits.py MOSAIC WEIGHT PBCUTOFF --source RA,DEC [...] --tile IMAGE,PB [...]
prints JSON: header facts of both files; per source (J2000 deg) the pixel astropy's WCS puts it
at, the weight there (bilinear, scipy), an elliptical Gaussian fitted (scipy) to the 11 × 11
pixels around it: its amplitude and its centre's sky offset from the source (arcsec); and, with
tiles, Σ pb·I / Σ pb² and Σ pb² from reproject_interp of each tile onto the mosaic's grid, compared
pixel by pixel with the files (where both are finite).
"""
import argparse
import json
import warnings

warnings.simplefilter("error")  # any astropy warning (FITSFixedWarning, unit, verify) fails the oracle

import numpy as np  # noqa: E402
import astropy.units as u  # noqa: E402
from astropy.coordinates import SkyCoord  # noqa: E402
from astropy.io import fits  # noqa: E402
from astropy.wcs import WCS  # noqa: E402
from scipy.ndimage import map_coordinates  # noqa: E402
from scipy.optimize import curve_fit  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("mosaic")
parser.add_argument("weight")
parser.add_argument("pbcutoff", type=float)
parser.add_argument("--source", action="append", default=[])
parser.add_argument("--tile", action="append", default=[])
args = parser.parse_args()


def load(path):
    with fits.open(path) as hdul:
        hdul.verify("exception")
        header = hdul[0].header
        data = np.asarray(hdul[0].data, dtype=float)
    return header, data, WCS(header)


out = {"products": {}, "sources": []}
mosaic_header, mosaic, wcs = load(args.mosaic)
weight_header, weight, _ = load(args.weight)
for name, header, data in (("mosaic", mosaic_header, mosaic), ("weight", weight_header, weight)):
    out["products"][name] = {
        "shape": list(data.shape),
        "unit": str(u.Unit(header["BUNIT"], format="fits")),
        "ctype": list(WCS(header).wcs.ctype),
        "radesys": WCS(header).wcs.radesys,
        "dateObs": header.get("DATE-OBS"),
        "bmajDeg": header.get("BMAJ"),
        "ntiles": header.get("NTILES"),
        "finite": int(np.isfinite(data).sum()),
    }


def gaussian(coords, amplitude, x0, y0, sx, sy, theta):
    x, y = coords
    c, s = np.cos(theta), np.sin(theta)
    u_ = c * (x - x0) + s * (y - y0)
    v_ = -s * (x - x0) + c * (y - y0)
    return amplitude * np.exp(-0.5 * ((u_ / sx) ** 2 + (v_ / sy) ** 2))


for text in args.source:
    ra, dec = (float(v) for v in text.split(","))
    x, y = wcs.world_to_pixel(SkyCoord(ra * u.deg, dec * u.deg, frame="fk5"))
    ix, iy = int(round(float(x))), int(round(float(y)))
    ys, xs = np.mgrid[iy - 5 : iy + 6, ix - 5 : ix + 6]
    box = mosaic[iy - 5 : iy + 6, ix - 5 : ix + 6]
    (amplitude, fx, fy, *_), _ = curve_fit(
        gaussian, (xs.ravel(), ys.ravel()), box.ravel(), p0=(np.nanmax(box), float(x), float(y), 2.0, 2.0, 0.0)
    )
    peak_sky = wcs.pixel_to_world(fx, fy)
    out["sources"].append({
        "pixel": [float(x), float(y)],
        "weightAtPixel": float(map_coordinates(weight, [[float(y)], [float(x)]], order=1)[0]),
        "fittedPixel": [float(fx), float(fy)],
        "peakJy": float(amplitude),
        "offsetArcsec": float(peak_sky.separation(SkyCoord(ra * u.deg, dec * u.deg, frame="fk5")).arcsec),
    })

if args.tile:
    from reproject import reproject_interp

    total = np.zeros_like(mosaic)
    weights = np.zeros_like(mosaic)
    for pair in args.tile:
        image_path, pb_path = pair.split(",")
        with fits.open(image_path) as hdul:
            tile_wcs = WCS(hdul[0].header).celestial
            image = np.asarray(hdul[0].data, dtype=float).reshape(hdul[0].data.shape[-2:])
        with fits.open(pb_path) as hdul:
            pb = np.asarray(hdul[0].data, dtype=float).reshape(hdul[0].data.shape[-2:])
        image_on, _ = reproject_interp((image, tile_wcs), wcs, shape_out=mosaic.shape, order="bilinear")
        pb_on, _ = reproject_interp((pb, tile_wcs), wcs, shape_out=mosaic.shape, order="bilinear")
        use = np.isfinite(pb_on) & np.isfinite(image_on) & (pb_on >= args.pbcutoff)
        total[use] += pb_on[use] * image_on[use]
        weights[use] += pb_on[use] ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        rebuilt = np.where(weights > 0, total / weights, np.nan)
    both = np.isfinite(rebuilt) & np.isfinite(mosaic)
    out["reproject"] = {
        "compared": int(both.sum()),
        "onlyReproject": int((np.isfinite(rebuilt) & ~np.isfinite(mosaic)).sum()),
        "onlyOurs": int((~np.isfinite(rebuilt) & np.isfinite(mosaic)).sum()),
        "maxAbsDiffJy": float(np.max(np.abs(rebuilt[both] - mosaic[both]))),
        "maxAbsWeightDiff": float(np.max(np.abs(weights[both] - weight[both]))),
        "peakJy": float(np.nanmax(rebuilt)),
    }

print(json.dumps(out))
