"""pyuvdata reads the raw files, phases them to the centre of a contimg MS and writes its own MS;
this compares the two MeasurementSets.

usage: ms_pyuvdata.py MS FILE...
pyuvdata reads the files; their true phasing is declared (pyuvdata takes phase_type "drift" as
unprojected zenith data, old w = 0; the correlator phased each integration to hour angle 0 at the
apparent pointing declination, so uvw_array's w, recomputed in float64 from the antenna positions,
is the old w and the catalog entry is marked "driftscan" so that phase() uses it); then phase() to
the MS's J2000 FIELD centre and write_ms(). Astrometry: UT1 = UTC, no polar motion (as contimg
without IERS tables). pyuvdata finds the position angle of J2000 north by a finite difference over
0.5 degrees, which tilts its (u, v) by ~2.6 microradians against the tangent direction; the step is
set to 1e-5 rad here, as contimg uses. prints JSON: max |UVW difference| (m), max relative DATA
difference once each side's own w is taken out (V_ours = V_pyuvdata exp(+2 pi i (w_pyuvdata - w_ours)
nu / c)), whether TIME and frequencies are identical, max antenna-position difference (m).
"""
import json
import sys
import tempfile
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

import pyuvdata.utils.phasing as phasing  # noqa: E402
from casacore.tables import table  # noqa: E402
from pyuvdata import UVData  # noqa: E402

_frame_pos_angle = phasing.calc_frame_pos_angle
phasing.calc_frame_pos_angle = lambda **kw: _frame_pos_angle(**{"offset_pos": 1e-5, **kw})

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
theirs_path = tempfile.mkdtemp() + "/pyuvdata.ms"
uv.write_ms(theirs_path)


def load(path):
    main = table(path, ack=False)
    names = table(path + "/ANTENNA", ack=False).getcol("NAME")
    spw = table(path + "/DATA_DESCRIPTION", ack=False).getcol("SPECTRAL_WINDOW_ID")
    return {
        "time": main.getcol("TIME"),
        "a1": [names[i] for i in main.getcol("ANTENNA1")],
        "a2": [names[i] for i in main.getcol("ANTENNA2")],
        "spw": spw[main.getcol("DATA_DESC_ID")],
        "uvw": main.getcol("UVW"),
        "data": main.getcol("DATA"),
        "freqs": table(path + "/SPECTRAL_WINDOW", ack=False).getcol("CHAN_FREQ"),
        "positions": dict(zip(names, table(path + "/ANTENNA", ack=False).getcol("POSITION"))),
    }


ours, theirs = load(ms_path), load(theirs_path)
# pyuvdata writes an MS with UVW = X1 - X2 and conjugated DATA, contimg keeps the UVH5 sense
# (X2 - X1); (-uvw, conj V) and (uvw, V) describe the same measurement.
theirs["uvw"] = -theirs["uvw"]
theirs["data"] = np.conj(theirs["data"])
our_freqs = np.ravel(ours["freqs"])
their_freqs = np.ravel(theirs["freqs"])
nchan = ours["freqs"].shape[1]
row_of = {(t, i, j): r for r, (t, i, j) in enumerate(zip(theirs["time"], theirs["a1"], theirs["a2"]))}
their_chan = {f: k for k, f in enumerate(their_freqs)}
uvw_err = 0.0
data_err = 0.0
times_match = True
for r in range(len(ours["time"])):
    k = row_of.get((ours["time"][r], ours["a1"][r], ours["a2"][r]))
    if k is None:
        times_match = False
        continue
    uvw_err = max(uvw_err, float(np.abs(ours["uvw"][r] - theirs["uvw"][k]).max()))
    nu = ours["freqs"][ours["spw"][r]]
    channels = [their_chan[f] for f in nu]
    shift = np.exp(2j * np.pi * (theirs["uvw"][k, 2] - ours["uvw"][r, 2]) * nu / C)[:, None]
    expected = theirs["data"][k][channels] * shift
    data_err = max(data_err, float((np.abs(ours["data"][r] - expected) / np.maximum(np.abs(expected), 1e-6)).max()))

print(json.dumps({
    "uvwMaxDiffM": uvw_err,
    "dataMaxRelDiff": data_err,
    "timesMatch": times_match,
    "freqsEqual": bool(np.array_equal(np.sort(our_freqs), np.sort(their_freqs))),
    "antennaMaxDiffM": max(float(np.abs(p - theirs["positions"][n]).max()) for n, p in ours["positions"].items() if n in theirs["positions"]),
    "rows": len(ours["time"]),
    "theirRows": len(theirs["time"]),
}))
