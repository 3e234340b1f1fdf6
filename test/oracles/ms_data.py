"""DATA, FLAG, WEIGHT_SPECTRUM, TIME and ANTENNA1/2 of a contimg MS against the raw UVH5 files (h5py).

usage: ms_data.py MS STATIONS_CSV FILE...
Each raw visibility is reordered to ascending frequency and rephased from its integration's meridian
centre (hour angle 0 at the apparent pointing declination) to the MS phase centre with the MS's own
w: expected = raw * exp(+2 pi i (w_meridian - w_ms) nu / c), w_meridian from astropy's WGS84 -> ITRF.
prints JSON: maximum relative DATA error, flag/weight/time/antenna mismatches.
"""
import json
import sys

import h5py
import numpy as np
from astropy import units as u
from astropy.coordinates import EarthLocation
from casacore.tables import table

C = 299792458.0
ms_path, stations_csv, files = sys.argv[1], sys.argv[2], sys.argv[3:]
OVRO = EarthLocation.from_geodetic(lon=-118.2825 * u.deg, lat=37.2339 * u.deg, height=1222 * u.m)
site = np.array([OVRO.x.to_value(u.m), OVRO.y.to_value(u.m), OVRO.z.to_value(u.m)])

main = table(ms_path, ack=False)
names = table(ms_path + "/ANTENNA", ack=False).getcol("NAME")
spw_freqs = table(ms_path + "/SPECTRAL_WINDOW", ack=False).getcol("CHAN_FREQ")
n_spw = spw_freqs.shape[0]

stations = {}
for line in open(stations_csv):
    parts = line.strip().split(",")
    if len(parts) >= 4 and parts[1].startswith("DSA-") and parts[2]:
        height = float(parts[4]) if len(parts) > 4 and parts[4] else 1182.6
        loc = EarthLocation.from_geodetic(lon=float(parts[3]) * u.deg, lat=float(parts[2]) * u.deg, height=height * u.m)
        stations[parts[1]] = np.array([loc.x.to_value(u.m), loc.y.to_value(u.m), loc.z.to_value(u.m)]) - site

raw = []
for path in files:
    with h5py.File(path, "r") as f:
        h = f["Header"]
        vis = f["Data/visdata"][()]
        vis = vis.reshape(vis.shape[0], vis.shape[-2], vis.shape[-1])
        raw.append({
            "freq": np.ravel(h["freq_array"][()]),
            "vis": vis,
            "flags": f["Data/flags"][()].reshape(vis.shape).astype(bool),
            "nsamples": f["Data/nsamples"][()].reshape(vis.shape),
            "ant1": h["ant_1_array"][()],
            "ant2": h["ant_2_array"][()],
            "time": h["time_array"][()],
            "dec": float(h["extra_keywords/phase_center_dec"][()]),
            "names": [n.decode() if isinstance(n, bytes) else n for n in h["antenna_names"][()]],
            "numbers": list(h["antenna_numbers"][()]),
            "nbls": int(h["Nbls"][()]),
        })

lon = np.arctan2(site[1], site[0])
dec = raw[0]["dec"]
s_old = np.array([np.cos(dec) * np.cos(-lon), -np.cos(dec) * np.sin(-lon), np.sin(dec)])

data = main.getcol("DATA")
flag = main.getcol("FLAG")
wspec = main.getcol("WEIGHT_SPECTRUM")
uvw = main.getcol("UVW")
a1 = main.getcol("ANTENNA1")
a2 = main.getcol("ANTENNA2")
time = main.getcol("TIME")
ddid = main.getcol("DATA_DESC_ID")

worst = 0.0
mismatches = {"flag": 0, "weight": 0, "time": 0, "antenna": 0, "ddid": 0}
for s in range(n_spw):
    # The raw file whose frequencies, ascending, are this SPW's.
    match = [r for r in raw if np.allclose(np.sort(r["freq"]), spw_freqs[s], rtol=0, atol=1e-3)]
    assert len(match) == 1, f"spw {s} matches {len(match)} files"
    r = match[0]
    order = np.argsort(r["freq"])
    nbls = r["nbls"]
    ntimes = r["vis"].shape[0] // nbls
    for t in range(ntimes):
        rows = np.arange(nbls) + (t * n_spw + s) * nbls
        src = np.arange(nbls) + t * nbls
        name1 = [r["names"][r["numbers"].index(n)] for n in r["ant1"][src]]
        name2 = [r["names"][r["numbers"].index(n)] for n in r["ant2"][src]]
        mismatches["antenna"] += int(sum(names[i] != n for i, n in zip(a1[rows], name1)) + sum(names[j] != n for j, n in zip(a2[rows], name2)))
        mismatches["time"] += int(np.sum(np.abs(time[rows] - (r["time"][src] - 2400000.5) * 86400) > 1e-4))
        mismatches["ddid"] += int(np.sum(ddid[rows] != s))
        b = np.array([stations[n2] - stations[n1] for n1, n2 in zip(name1, name2)])
        dw = b @ s_old - uvw[rows, 2]
        phase = np.exp(2j * np.pi * dw[:, None] * spw_freqs[s][None, :] / C)
        expected = r["vis"][src][:, order, :] * phase[:, :, None]
        got = data[rows]
        err = np.abs(got - expected) / np.maximum(np.abs(expected), 1e-6)
        worst = max(worst, float(err.max()))
        mismatches["flag"] += int(np.sum(flag[rows] != r["flags"][src][:, order, :]))
        mismatches["weight"] += int(np.sum(wspec[rows] != r["nsamples"][src][:, order, :]))

print(json.dumps({"maxRelativeError": worst, "mismatches": mismatches, "rows": int(main.nrows())}))
