"""pyuvdata's reading and phasing of the raw files against a contimg MS (no MS written by pyuvdata).

usage: ms_pyuvdata.py MS FILE...
pyuvdata reads the files; their true phasing is declared (pyuvdata takes phase_type "drift" as
unprojected zenith data, old w = 0; the correlator phased each integration to hour angle 0 at the
apparent pointing declination, so uvw_array's w, recomputed in float64 from the antenna positions,
is the old w and the catalog entry is marked "driftscan" so that phase() uses it); then phase() to
the MS's J2000 FIELD centre. Astrometry as the simulator and casacore here: UT1 = UTC, no polar
motion. prints JSON: max |UVW difference| (m), max relative DATA difference once each side's own w
is taken out (V_ours = V_pyuvdata exp(+2 pi i (w_pyuvdata - w_ours) nu / c)), time/frequency checks.
"""
import json
import sys
import warnings

import numpy as np
from astropy import units as u
from astropy.time import Time
from astropy.utils import iers

warnings.simplefilter("ignore")
iers.conf.auto_download = False
iers.conf.iers_degraded_accuracy = "ignore"
Time._get_delta_ut1_utc = lambda self, jd1=None, jd2=None: np.zeros(self.shape)
_table = type(iers.earth_orientation_table.get())


def _no_polar_motion(self, jd1, jd2=0.0, return_status=False):
    zeros = np.zeros(np.shape(getattr(jd1, "jd1", jd1))) * u.arcsec
    return (zeros, zeros, np.zeros(zeros.shape, dtype=int)) if return_status else (zeros, zeros)


_table.pm_xy = _no_polar_motion

from casacore.tables import table  # noqa: E402
from pyuvdata import UVData  # noqa: E402

C = 299792458.0
ms_path, files = sys.argv[1], sys.argv[2:]
parts = []
for path in sorted(files):
    part = UVData.from_file(path, file_type="uvh5", run_check=False)
    part.uvw_array = part.uvw_array.astype(np.float64)  # float32 on disk
    parts.append(part)
uv = parts[0].fast_concat(parts[1:], axis="freq", inplace=False, run_check=False) if len(parts) > 1 else parts[0]
uv.reorder_freqs(channel_order="freq")
dec_app = float(uv.extra_keywords["phase_center_dec"])

# Float64 uvw towards the raw phase centre (HA 0, apparent dec), from the antenna positions.
site = uv.telescope.location
lon = np.arctan2(site.y.to_value(u.m), site.x.to_value(u.m))
s_old = np.array([np.cos(dec_app) * np.cos(-lon), -np.cos(dec_app) * np.sin(-lon), np.sin(dec_app)])
v_old = np.array([np.sin(dec_app) * np.cos(-lon) * -1, np.sin(dec_app) * np.sin(-lon), np.cos(dec_app)])
e_old = np.cross(v_old, s_old)
index = {n: i for i, n in enumerate(uv.telescope.antenna_numbers)}
pos = uv.telescope.antenna_positions
b = pos[[index[n] for n in uv.ant_2_array]] - pos[[index[n] for n in uv.ant_1_array]]
uv.uvw_array = np.stack([b @ e_old, b @ v_old, b @ s_old], axis=1)
for entry in uv.phase_center_catalog.values():
    entry["cat_type"] = "driftscan"
    entry["cat_frame"] = "altaz"
    entry["cat_lon"] = np.pi
    entry["cat_lat"] = np.pi / 2 - abs(np.radians(37.2339) - dec_app)

field = table(ms_path + "/FIELD", ack=False)
ra, dec = field.getcol("PHASE_DIR")[0, 0]
uv.phase(lon=ra, lat=dec, epoch="J2000", phase_frame="fk5", cat_name="ms_centre")

ms = table(ms_path, ack=False)
time = ms.getcol("TIME")
a1 = ms.getcol("ANTENNA1")
a2 = ms.getcol("ANTENNA2")
ddid = ms.getcol("DATA_DESC_ID")
uvw = ms.getcol("UVW")
data = ms.getcol("DATA")
freqs = table(ms_path + "/SPECTRAL_WINDOW", ack=False).getcol("CHAN_FREQ")
nchan = freqs.shape[1]
names = table(ms_path + "/ANTENNA", ack=False).getcol("NAME")
number = {n: int(n.split("-")[1]) for n in names}

key = {}
for r, (t, i, j) in enumerate(zip(uv.time_array, uv.ant_1_array, uv.ant_2_array)):
    key[(round((t - 2400000.5) * 86400, 3), int(i), int(j))] = r
uvw_err = 0.0
data_err = 0.0
for r in range(ms.nrows()):
    k = key[(round(time[r], 3), number[names[a1[r]]], number[names[a2[r]]])]
    uvw_err = max(uvw_err, float(np.abs(uvw[r] - uv.uvw_array[k]).max()))
    s = ddid[r]
    nu = freqs[s]
    theirs = uv.data_array[k, s * nchan:(s + 1) * nchan, :]
    shift = np.exp(2j * np.pi * (uv.uvw_array[k, 2] - uvw[r, 2]) * nu / C)[:, None]
    expected = theirs * shift
    data_err = max(data_err, float((np.abs(data[r] - expected) / np.maximum(np.abs(expected), 1e-6)).max()))

print(json.dumps({
    "uvwMaxDiffM": uvw_err,
    "dataMaxRelDiff": data_err,
    "freqsEqual": bool(np.array_equal(np.ravel(freqs), uv.freq_array)),
    "rows": int(ms.nrows()),
}))
