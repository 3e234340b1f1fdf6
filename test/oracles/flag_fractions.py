"""Flag fractions of a MeasurementSet read with python-casacore, and how the flags meet the simulator's RFI truth.

usage: flag_fractions.py MS [TRUTH_JSON]
prints JSON: overall flagged fraction; per antenna (ANTENNA names, antennas with rows only) and per
channel (SPW after SPW); with a truth file, over cross-correlations of live antennas: the fraction of
RFI-affected samples flagged and of clean samples flagged, and the dead antennas' flagged fraction.
"""
import json
import sys

import numpy as np
from casacore.tables import table

ms_path = sys.argv[1]
main = table(ms_path, ack=False)
flag = main.getcol("FLAG")  # [row, chan, corr]
a1, a2 = main.getcol("ANTENNA1"), main.getcol("ANTENNA2")
dd = main.getcol("DATA_DESC_ID")
times = main.getcol("TIME")
spw_of_dd = table(ms_path + "/DATA_DESCRIPTION", ack=False).getcol("SPECTRAL_WINDOW_ID")
spw = spw_of_dd[dd]
names = table(ms_path + "/ANTENNA", ack=False).getcol("NAME")
freqs = table(ms_path + "/SPECTRAL_WINDOW", ack=False).getcol("CHAN_FREQ")  # [spw, chan]
n_spw, n_chan = freqs.shape

per_row = flag.sum(axis=(1, 2)).astype(float)
samples = flag.shape[1] * flag.shape[2]
antennas, per_antenna = [], []
for a in range(len(names)):
    rows = (a1 == a) | (a2 == a)
    if rows.any():
        antennas.append(names[a])
        per_antenna.append(per_row[rows].sum() / (rows.sum() * samples))
per_channel = []
for s in range(n_spw):
    rows = spw == s
    per_channel.extend((flag[rows].sum(axis=(0, 2)) / (rows.sum() * flag.shape[2])).tolist())
out = {"flaggedFraction": float(flag.mean()), "antennas": antennas, "perAntenna": per_antenna, "perChannel": per_channel}

if len(sys.argv) > 2:
    truth = json.load(open(sys.argv[2]))
    number_of = {name: n for name, n in zip(truth["antennas"]["names"], truth["antennas"]["numbers"])}
    dead_numbers = set(truth["antennas"]["dead"])
    dead = np.array([number_of.get(n) in dead_numbers for n in names])
    integration = np.searchsorted(np.unique(times), times)
    rfi = np.zeros(flag.shape[:2], dtype=bool)  # [row, chan]
    for event in truth["rfi"]:
        in_time = (integration >= event["firstIntegration"]) & (integration < event["endIntegration"])
        row_freqs = freqs[spw]  # [row, chan]
        in_band = (row_freqs >= event["lowHz"]) & (row_freqs <= event["highHz"])
        rfi |= in_time[:, None] & in_band
    live_cross = (a1 != a2) & ~dead[a1] & ~dead[a2]
    flagged = flag.any(axis=2)
    rfi_live = rfi & live_cross[:, None]
    clean_live = ~rfi & live_cross[:, None]
    touches_dead = dead[a1] | dead[a2]
    out["rfiSamples"] = int(rfi_live.sum())
    out["rfiFlaggedFraction"] = float(flagged[rfi_live].mean()) if rfi_live.any() else None
    out["cleanFlaggedFraction"] = float(flagged[clean_live].mean())
    out["deadFlaggedFraction"] = float(flag[touches_dead].mean()) if touches_dead.any() else None
    out["autoFlaggedFraction"] = float(flag[a1 == a2].mean())
print(json.dumps(out))
