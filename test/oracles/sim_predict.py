"""Independent prediction of a noise-free, gain-free simulated file: sim_predict.py FILE TRUTH_JSON

For every source listed in the truth (J2000 position, 1.4 GHz flux, spectral index) and every
integration, astropy gives the topocentric apparent place (TETE at the site in the file header,
UT1 = UTC as the simulator assumes) and the local apparent sidereal time; the phase centre is hour
angle 0 at the file's extra_keywords/phase_center_dec. With the uvw the file stores (float32,
promoted) and pyuvdata's sign convention (phasing multiplies by exp(-2 pi i w / lambda), so a
source at direction cosines (l, m, n) contributes S A exp(+2 pi i (u l + v m + w (n - 1)) / lambda)),
and an Airy power beam (2 J1(x) / x)^2 of a 4.65 m dish (scipy's J1), the expected visibilities are
compared with pyuvdata's reading of the file.

Prints JSON: the amplitude ratio file/prediction over the cross-correlations, the position offset
(arcsec) that best explains the phase differences, the phase residual once that offset is removed,
the largest |file - prediction| relative to the largest prediction, and the autocorrelations'
largest relative deviation from SEFD + sum S A.
"""
import json
import sys
import warnings

import numpy as np
from astropy.utils import iers

iers.conf.auto_download = False

import astropy.units as u  # noqa: E402
from astropy.coordinates import TETE, EarthLocation, SkyCoord  # noqa: E402
from astropy.time import Time  # noqa: E402
from pyuvdata import UVData  # noqa: E402
from scipy.special import j1  # noqa: E402

C = 299792458.0
DISH_M = 4.65
ARCSEC = np.pi / 180 / 3600


def airy(sin_theta, freq):
    x = np.pi * DISH_M * sin_theta * freq / C
    safe = np.where(x == 0, 1.0, x)
    return np.where(x == 0, 1.0, (2 * j1(safe) / safe) ** 2)


def main(path, truth_path):
    truth = json.load(open(truth_path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        uvd = UVData.from_file(path, file_type="uvh5", run_check=False)
    uvw = uvd.uvw_array.astype(np.float64)
    freq = uvd.freq_array  # (Nfreqs,)
    dec0 = uvd.extra_keywords["phase_center_dec"]
    site = EarthLocation.from_geodetic(uvd.telescope.location.lon, uvd.telescope.location.lat, uvd.telescope.location.height)

    model = np.zeros((uvd.Nblts, uvd.Nfreqs), dtype=np.complex128)
    power = np.zeros((uvd.Nblts, uvd.Nfreqs))
    for jd in np.unique(uvd.time_array):
        rows = uvd.time_array == jd
        t = Time(jd, format="jd", scale="utc", location=site)
        t.delta_ut1_utc = 0.0
        lst = t.sidereal_time("apparent").rad
        for s in truth["sources"]:
            app = SkyCoord(s["raJ2000Deg"] * u.deg, s["decJ2000Deg"] * u.deg, frame="icrs").transform_to(TETE(obstime=t, location=site))
            ra, dec = app.ra.rad, app.dec.rad
            l = np.cos(dec) * np.sin(ra - lst)
            m = np.sin(dec) * np.cos(dec0) - np.cos(dec) * np.sin(dec0) * np.cos(ra - lst)
            n = np.sin(dec) * np.sin(dec0) + np.cos(dec) * np.cos(dec0) * np.cos(ra - lst)
            flux = s["fluxJy"] * (freq / s["referenceFrequencyHz"]) ** s["spectralIndex"] * airy(np.hypot(l, m), freq)
            path_m = uvw[rows, 0] * l + uvw[rows, 1] * m + uvw[rows, 2] * (n - 1)
            model[rows] += flux[None, :] * np.exp(2j * np.pi * path_m[:, None] * freq[None, :] / C)
            power[rows] += flux[None, :]

    cross = uvd.ant_1_array != uvd.ant_2_array
    good = cross & ~uvd.flag_array[:, :, 0].all(axis=1)
    result = {"sources": len(truth["sources"])}
    for p, pol in enumerate(["XX", "YY"]):
        data = uvd.data_array[:, :, p]
        ratio = np.abs(data[good]) / np.abs(model[good])
        dphi = np.angle(data[good] * np.conj(model[good]))
        wavelengths = freq[None, :] / C
        design = np.stack([(2 * np.pi * uvw[good, 0][:, None] * wavelengths).ravel(), (2 * np.pi * uvw[good, 1][:, None] * wavelengths).ravel()], axis=1)
        offset, *_ = np.linalg.lstsq(design, dphi.ravel(), rcond=None)
        residual = dphi.ravel() - design @ offset
        autos = ~cross & ~uvd.flag_array[:, :, p].all(axis=1)
        expected_auto = truth["noise"]["sefdJy"] + power[autos]
        result[pol] = {
            "amplitude_ratio_min": float(ratio.min()),
            "amplitude_ratio_max": float(ratio.max()),
            "offset_arcsec": [float(offset[0] / ARCSEC), float(offset[1] / ARCSEC)],
            "phase_rms_rad": float(np.sqrt((dphi**2).mean())),
            "phase_residual_max_rad": float(np.abs(residual).max()),
            "max_rel_difference": float(np.abs(data[good] - model[good]).max() / np.abs(model[good]).max()),
            "auto_max_rel_difference": float(np.abs(uvd.data_array[autos, :, p].real - expected_auto).max() / truth["noise"]["sefdJy"]),
            "max_uv_wavelengths": float(np.hypot(uvw[good, 0], uvw[good, 1]).max() * freq.max() / C),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
