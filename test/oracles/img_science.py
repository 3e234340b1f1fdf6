"""The science check of an image against a simulated group's ground truth, computed independently
with astropy (FITS, WCS, coordinates), scipy (Bessel J1, least squares) and python-casacore.

usage: img_science.py DIR MS TRUTH.json   (DIR holds image.fits and pbcor.fits)
prints JSON: per true source its expected apparent flux (the simulator's S(nu) times the Airy power
beam of a 4.65 m dish, averaged over the MS's channels and over the integrations of the drift
scan, the beam pointing at the meridian, RA = LST, all apparent of date), the pixel astropy's WCS puts it at, an
elliptical Gaussian fitted to the image around there (peak, integrated flux, centre, offset from
the truth in arcsec and in restoring beams), the image value at the nearest pixel, the integrated
flux of the same fit to the primary-beam-corrected image with the intrinsic flux expected there (S(nu) averaged over the
channels), and the noise of the image away from the sources.
"""
import json
import os
import sys

import numpy as np
import astropy.units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS
from casacore.tables import table
from scipy import optimize, special

C = 299792458.0
DISH_M = 4.65

directory, ms_path, truth_path = sys.argv[1:4]


def read_plane(name):
    with fits.open(os.path.join(directory, f"{name}.fits")) as hdul:
        data = np.asarray(hdul[0].data, dtype=np.float64)
        return hdul[0].header, data.reshape(data.shape[-2], data.shape[-1])


header, plane = read_plane("image")
plane_pbcor = read_plane("pbcor")[1]
wcs = WCS(header).celestial
cell_deg = abs(header["CDELT2"])
bmaj_px, bmin_px = header["BMAJ"] / cell_deg, header["BMIN"] / cell_deg

with table(ms_path + "/SPECTRAL_WINDOW", ack=False) as spw:
    freqs = np.concatenate([np.ravel(f) for f in spw.getcol("CHAN_FREQ")])
with open(truth_path) as f:
    truth = json.load(f)
# One pointing per integration: the beam drifts across the sky during the group.
pointings = SkyCoord(np.array(truth["observation"]["lstDeg"]) * u.deg, truth["pointing"]["decDeg"] * u.deg)


def airy_power(theta_rad, nu):
    x = np.pi * DISH_M * np.sin(theta_rad) * nu / C
    return np.where(x == 0, 1.0, (2 * special.j1(x) / np.where(x == 0, 1, x)) ** 2)


def gaussian(params, yy, xx):
    amp, x0, y0, sx, sy, rot = params
    c, s = np.cos(rot), np.sin(rot)
    dx, dy = xx - x0, yy - y0
    a, b = (c * dx + s * dy) / sx, (-s * dx + c * dy) / sy
    return amp * np.exp(-0.5 * (a * a + b * b))


def fit_gaussian(image, ex, ey):
    """Peak, centre (pixels) and integrated flux of an elliptical Gaussian fitted within a beam major of (ex, ey)."""
    ix, iy = int(round(ex)), int(round(ey))
    half = int(np.ceil(bmaj_px))
    y_lo, x_lo = iy - half, ix - half
    box = image[y_lo : iy + half + 1, x_lo : ix + half + 1]
    yy, xx = np.indices(box.shape)
    start = [image[iy, ix], ex - x_lo, ey - y_lo, bmin_px / 2.3548, bmaj_px / 2.3548, 0.0]
    fit = optimize.least_squares(lambda p: (gaussian(p, yy, xx) - box).ravel(), start)
    amp, x0, y0, sx, sy = fit.x[:5]
    # Integrated flux density: the fitted Gaussian's volume over the restoring beam's (both in pixels).
    integrated = amp * abs(sx * sy) / ((bmaj_px / 2.3548) * (bmin_px / 2.3548))
    return amp, x0 + x_lo, y0 + y_lo, integrated


sources = []
yy_all, xx_all = np.indices(plane.shape)
source_free = np.isfinite(plane)
for s in truth["sources"]:
    position = SkyCoord(s["raJ2000Deg"] * u.deg, s["decJ2000Deg"] * u.deg)
    apparent = SkyCoord(s["apparentAtMid"]["raDeg"] * u.deg, s["apparentAtMid"]["decDeg"] * u.deg)
    theta = pointings.separation(apparent).radian[:, np.newaxis]
    flux = s["fluxJy"] * (freqs / s["referenceFrequencyHz"]) ** s["spectralIndex"]
    beam = airy_power(theta, freqs)
    expected = float(np.mean(flux * beam))
    ex, ey = (float(v) for v in wcs.world_to_pixel(position))
    ix, iy = int(round(ex)), int(round(ey))
    amp, fx, fy, integrated = fit_gaussian(plane, ex, ey)
    integrated_pbcor = fit_gaussian(plane_pbcor, ex, ey)[3]
    found = wcs.pixel_to_world(fx, fy)
    offset = float(position.separation(found).arcsec)
    sources.append({
        "name": s["name"],
        "expectedJy": expected,
        "beam": float(np.mean(beam)),
        "expectedPixel": [ex, ey],
        "fittedPixel": [float(fx), float(fy)],
        "fitPeakJy": float(amp),
        "fitIntegratedJy": float(integrated),
        "pixelJy": float(plane[iy, ix]),
        "intrinsicJy": float(np.mean(flux)),
        "pbcorIntegratedJy": float(integrated_pbcor),
        "offsetArcsec": offset,
        "offsetBeams": offset / (header["BMIN"] * 3600),
    })
    source_free &= (xx_all - ex) ** 2 + (yy_all - ey) ** 2 > (3 * bmaj_px) ** 2

print(json.dumps({
    "sources": sources,
    "rmsJy": float(np.sqrt(np.mean(plane[source_free] ** 2))),
    "beamArcsec": [header["BMAJ"] * 3600, header["BMIN"] * 3600],
    "frequencyHz": float(header["CRVAL3"]) if header["CTYPE3"].startswith("FREQ") else None,
}))
