"""An elliptical Gaussian fitted independently: astropy.modeling (Gaussian2D, Levenberg-Marquardt)
to a FITS image's first plane around a pixel, placed on the sky with astropy.wcs.

usage: src_fit_gaussian.py IMAGE.fits X Y HALF_WIDTH
X, Y are 0-based pixels; the fit uses the (2 HALF_WIDTH + 1)² box around them, background zero.
prints JSON: peak (image units), raDeg, decDeg, majorArcsec, minorArcsec, paDeg (FWHM, east of north).
"""
import json
import sys
import warnings

import numpy as np
from astropy.io import fits
from astropy.modeling import fitting, models
from astropy.wcs import WCS

path, x0, y0, half = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
with fits.open(path) as hdul:
    header = hdul[0].header
    plane = np.asarray(hdul[0].data, dtype=np.float64).reshape(header["NAXIS2"], header["NAXIS1"])
wcs = WCS(header).celestial
cx, cy = int(round(x0)), int(round(y0))
ys, xs = np.mgrid[cy - half : cy + half + 1, cx - half : cx + half + 1]
box = plane[cy - half : cy + half + 1, cx - half : cx + half + 1]
sigma = header["BMAJ"] / abs(header["CDELT2"]) / 2.3548
start = models.Gaussian2D(amplitude=box.max(), x_mean=x0, y_mean=y0, x_stddev=sigma, y_stddev=sigma, theta=0.0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    fit = fitting.LevMarLSQFitter()(start, xs, ys, box, maxiter=500)

# The pixel-frame covariance carried to (east, north) arcsec by the WCS's local Jacobian.
c, s = np.cos(fit.theta.value), np.sin(fit.theta.value)
rot = np.array([[c, -s], [s, c]])
cov_pix = rot @ np.diag([fit.x_stddev.value ** 2, fit.y_stddev.value ** 2]) @ rot.T
ra, dec = wcs.wcs_pix2world([[fit.x_mean.value, fit.y_mean.value]], 0)[0]
step = wcs.wcs_pix2world([[fit.x_mean.value + 1, fit.y_mean.value], [fit.x_mean.value, fit.y_mean.value + 1]], 0)
cosd = np.cos(np.radians(dec))
wrap = lambda d: (d + 180) % 360 - 180
jac = np.array([[wrap(step[0][0] - ra) * cosd, wrap(step[1][0] - ra) * cosd], [step[0][1] - dec, step[1][1] - dec]]) * 3600
cov_sky = jac @ cov_pix @ jac.T
values, vectors = np.linalg.eigh(cov_sky)
east, north = vectors[:, 1]
print(json.dumps({
    "peak": float(fit.amplitude.value),
    "raDeg": float(ra % 360),
    "decDeg": float(dec),
    "majorArcsec": float(2.3548200450309493 * np.sqrt(values[1])),
    "minorArcsec": float(2.3548200450309493 * np.sqrt(values[0])),
    "paDeg": float(np.degrees(np.arctan2(east, north)) % 180),
}))
