"""Reads a contimg MeasurementSet with python-casacore and checks it against independent computations.

usage: ms_check.py MS STATIONS_CSV
prints JSON: every table opened (name -> rows), SPW frequencies, antenna-position error vs astropy,
UVW error vs astropy (topocentric ITRS directions of the J2000 phase centre, with diurnal
aberration; UT1 = UTC as the simulator assumes), main-table shape facts, and DATA of the first rows.
"""
import json
import sys
import warnings

import numpy as np
from astropy import units as u
from astropy.coordinates import ITRS, EarthLocation, SkyCoord
from astropy.time import Time
from astropy.utils import iers
from casacore.tables import table

warnings.simplefilter("ignore")
iers.conf.auto_download = False
iers.conf.iers_degraded_accuracy = "ignore"
# The simulator (and casacore without IERS tables) neglects polar motion and takes UT1 = UTC; so does
# this oracle, or its ~0.35" of extrapolated polar motion would move 2.5 km baselines by ~4 mm.
import astropy.coordinates.builtin_frames.intermediate_rotation_transforms as _irt  # noqa: E402
import astropy.coordinates.builtin_frames.utils as _frame_utils  # noqa: E402

_frame_utils.get_polar_motion = lambda time: (np.zeros(np.shape(time.jd1)), np.zeros(np.shape(time.jd1)))
_irt.get_polar_motion = _frame_utils.get_polar_motion

ms_path, stations_csv = sys.argv[1], sys.argv[2]
OVRO = EarthLocation.from_geodetic(lon=-118.2825 * u.deg, lat=37.2339 * u.deg, height=1222 * u.m)

main = table(ms_path, ack=False)
tables = {"MAIN": main.nrows()}
for name in main.getkeywords():
    value = main.getkeyword(name)
    if isinstance(value, str) and value.startswith("Table: "):
        sub = table(value[len("Table: "):], ack=False)
        tables[name] = sub.nrows()
        for col in sub.colnames():
            if sub.nrows() > 0 and sub.iscelldefined(col, 0):
                sub.getcol(col)  # every defined column reads back
        sub.close()

spw = table(ms_path + "/SPECTRAL_WINDOW", ack=False)
freqs = [list(map(float, f)) for f in spw.getcol("CHAN_FREQ")]
field = table(ms_path + "/FIELD", ack=False)
ra, dec = field.getcol("PHASE_DIR")[0, 0]
obs = table(ms_path + "/OBSERVATION", ack=False)
pol = table(ms_path + "/POLARIZATION", ack=False)

# Antenna positions vs astropy's WGS84 -> ITRF of the station table.
ant = table(ms_path + "/ANTENNA", ack=False)
names = ant.getcol("NAME")
positions = ant.getcol("POSITION")
stations = {}
for line in open(stations_csv):
    parts = line.strip().split(",")
    if len(parts) >= 4 and parts[1].startswith("DSA-"):
        if not parts[2]:
            continue
        height = float(parts[4]) if len(parts) > 4 and parts[4] else 1182.6
        stations[parts[1]] = EarthLocation.from_geodetic(lon=float(parts[3]) * u.deg, lat=float(parts[2]) * u.deg, height=height * u.m)
reference = np.array([[stations[n].x.to_value(u.m), stations[n].y.to_value(u.m), stations[n].z.to_value(u.m)] for n in names])
antenna_error = float(np.abs(positions - reference).max())

# UVW vs astropy: per time, the topocentric ITRS unit vectors (with diurnal aberration) of the
# centre and of a point just north.
time = main.getcol("TIME")
a1 = main.getcol("ANTENNA1")
a2 = main.getcol("ANTENNA2")
uvw = main.getcol("UVW")
rel = reference - np.array([OVRO.x.to_value(u.m), OVRO.y.to_value(u.m), OVRO.z.to_value(u.m)])
uvw_error = 0.0
for t in np.unique(time):
    rows = time == t
    obstime = Time(t / 86400.0, format="mjd", scale="utc")
    obstime.delta_ut1_utc = 0.0
    frame = ITRS(obstime=obstime, location=OVRO)

    def unit(d):
        c = SkyCoord(ra * u.rad, d * u.rad, frame="fk5", equinox="J2000").transform_to(frame)
        v = c.cartesian.xyz.value
        return v / np.linalg.norm(v)

    w = unit(dec)
    n = unit(dec + 1e-5)
    v = n - np.dot(n, w) * w
    v /= np.linalg.norm(v)
    e = np.cross(v, w)
    b = rel[a2[rows]] - rel[a1[rows]]
    expected = np.stack([b @ e, b @ v, b @ w], axis=1)
    uvw_error = max(uvw_error, float(np.abs(uvw[rows] - expected).max()))

data = main.getcol("DATA", 0, min(main.nrows(), 200))
model = main.getcol("MODEL_DATA", 0, 10)
corrected = main.getcol("CORRECTED_DATA", 0, 200)
weight_spectrum = main.getcol("WEIGHT_SPECTRUM", 0, 10)
cross = a1 != a2
print(json.dumps({
    "tables": tables,
    "columns": main.colnames(),
    "freqs": freqs,
    "phaseCentre": {"raDeg": float(np.degrees(ra)), "decDeg": float(np.degrees(dec))},
    "telescope": obs.getcol("TELESCOPE_NAME")[0],
    "timeRange": list(map(float, obs.getcol("TIME_RANGE")[0])),
    "corrType": list(map(int, pol.getcol("CORR_TYPE")[0])),
    "times": sorted(map(float, np.unique(time))),
    "antennaNames": list(names),
    "antennaErrorM": antenna_error,
    "uvwErrorM": uvw_error,
    "zeroUvwCross": int((np.abs(uvw[cross]).sum(axis=1) == 0).sum()),
    "firstDataRe": data[..., 0].real.tolist() if False else None,
    "correctedEqualsData": bool(np.array_equal(data, corrected)),
    "modelValues": sorted(set(map(complex, np.unique(model)))).__repr__(),
    "weightSpectrumMax": float(weight_spectrum.max()),
    "dataMaxImagOverAbs": float((np.abs(data[cross[:data.shape[0]]].imag) / np.maximum(np.abs(data[cross[:data.shape[0]]]), 1e-30)).max()),
    "dataAbsRange": [float(np.abs(data[cross[:data.shape[0]]]).min()), float(np.abs(data[cross[:data.shape[0]]]).max())],
}))
