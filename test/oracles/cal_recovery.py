"""Compares solved calibration tables with the simulator's ground truth (python-casacore, numpy).

usage: cal_recovery.py MS TRUTH_JSON BPCAL GPCAL GACAL [KCAL]
For every antenna with solutions, receptor, SPW channel and integration, the solved corruption
K(nu) B(nu) Gp(t) Ga (K, when given, exp(2 pi i tau (nu - nu_mid)) with nu_mid the SPW's channel
nChan/2 as in CASA's KJones; Gp linear in amplitude and phase between its solution times, held beyond them)
is divided by the truth g(t) b(nu); each ratio should be 1 after removing the reference antenna's
phase. Also the calibrated flux: sum Re(CORRECTED conj(MODEL)) / sum |MODEL|^2 over unflagged
cross-correlations. Prints JSON.
"""
import json
import sys

import numpy as np
from casacore.tables import table

ms, truth_path, bp_path, gp_path, ga_path = sys.argv[1:6]
k_path = sys.argv[6] if len(sys.argv) > 6 else None
truth = json.load(open(truth_path))


def read(path):
    with table(path, ack=False) as t:
        return {c: t.getcol(c) for c in ("TIME", "SPECTRAL_WINDOW_ID", "ANTENNA1", "ANTENNA2", "CPARAM", "FLAG")}


bp, gp, ga = read(bp_path), read(gp_path), read(ga_path)
if k_path:
    with table(k_path, ack=False) as t:
        k = {c: t.getcol(c) for c in ("SPECTRAL_WINDOW_ID", "ANTENNA1", "FPARAM", "FLAG")}
with table(ms + "/ANTENNA", ack=False) as t:
    names = list(t.getcol("NAME"))
with table(ms + "/SPECTRAL_WINDOW", ack=False) as t:
    spw_freqs = t.getcol("CHAN_FREQ")
with table(ms, ack=False) as t:
    times = np.unique(t.getcol("TIME"))

truth_freqs = np.concatenate([np.array(f) for f in truth["band"]["frequenciesHz"]])
number_of = dict(zip(truth["antennas"]["names"], truth["antennas"]["numbers"]))
ref = int(bp["ANTENNA2"][0])
pols = ["XX", "YY"]


def solved(antenna, spw, p):
    """[nChan, nTime] solved corruption, or None where flagged."""
    b_rows = (bp["ANTENNA1"] == antenna) & (bp["SPECTRAL_WINDOW_ID"] == spw)
    b = bp["CPARAM"][b_rows][0][:, p]
    b_flag = bp["FLAG"][b_rows][0][:, p]
    if k_path:
        k_rows = (k["ANTENNA1"] == antenna) & (k["SPECTRAL_WINDOW_ID"] == spw)
        freqs = spw_freqs[spw]
        b = b * np.exp(2j * np.pi * k["FPARAM"][k_rows][0][0, p] * 1e-9 * (freqs - freqs[len(freqs) // 2]))
        b_flag = b_flag | k["FLAG"][k_rows][0][0, p]
    g_rows = (gp["ANTENNA1"] == antenna) & (gp["SPECTRAL_WINDOW_ID"] == spw) & ~gp["FLAG"][:, 0, p]
    if not g_rows.any():
        return None
    g_times = gp["TIME"][g_rows]
    g_vals = gp["CPARAM"][g_rows][:, 0, p]
    order = np.argsort(g_times)
    g_times, g_vals = g_times[order], g_vals[order]
    amp = np.interp(times, g_times, np.abs(g_vals))
    phase = np.interp(times, g_times, np.unwrap(np.angle(g_vals)))
    a_rows = (ga["ANTENNA1"] == antenna) & (ga["SPECTRAL_WINDOW_ID"] == spw)
    if ga["FLAG"][a_rows][0][0, p]:
        return None
    a = ga["CPARAM"][a_rows][0][0, p]
    out = b[:, None] * (amp * np.exp(1j * phase))[None, :] * a
    out[b_flag, :] = np.nan
    return out


def true_value(antenna, spw, p):
    number = str(number_of[names[antenna]])
    gains = np.array(truth["gains"]["antennas"][number][pols[p]])
    g = gains[:, 0] + 1j * gains[:, 1]
    index = [int(np.argmin(np.abs(truth_freqs - f))) for f in spw_freqs[spw]]
    bps = np.array(truth["bandpasses"]["antennas"][number][pols[p]])[index]
    return (bps[:, 0] + 1j * bps[:, 1])[:, None] * g[None, :]


antennas = sorted(set(int(a) for a in bp["ANTENNA1"]))
amp_errors, phase_errors = [], []
for spw in range(len(spw_freqs)):
    for p in range(2):
        ref_solved = solved(ref, spw, p)
        ref_ratio = ref_solved / true_value(ref, spw, p)
        for antenna in antennas:
            s = solved(antenna, spw, p)
            if s is None:
                continue
            ratio = s / true_value(antenna, spw, p)
            keep = np.isfinite(ratio) & np.isfinite(ref_ratio)
            amp_errors.append(np.abs(np.abs(ratio[keep]) - 1))
            phase_errors.append(np.abs(np.angle(ratio[keep] * np.conj(ref_ratio[keep]) / np.abs(ref_ratio[keep]))))
amp_errors = np.concatenate(amp_errors)
phase_errors = np.degrees(np.concatenate(phase_errors))

with table(ms, ack=False) as t:
    cross = t.getcol("ANTENNA1") != t.getcol("ANTENNA2")
    corrected = t.getcol("CORRECTED_DATA")[cross]
    model = t.getcol("MODEL_DATA")[cross]
    flag = t.getcol("FLAG")[cross]
keep = ~flag
flux_ratio = float(np.sum((corrected[keep] * np.conj(model[keep])).real) / np.sum(np.abs(model[keep]) ** 2))
print(json.dumps({
    "compared": int(amp_errors.size),
    "maxAmplitudeError": float(amp_errors.max()),
    "rmsAmplitudeError": float(np.sqrt(np.mean(amp_errors**2))),
    "maxPhaseErrorDeg": float(phase_errors.max()),
    "rmsPhaseErrorDeg": float(np.sqrt(np.mean(phase_errors**2))),
    "fluxRatio": flux_ratio,
    "antennas": len(antennas),
}))
