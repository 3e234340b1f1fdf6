"""CASA (casatools/casatasks from PyPI) as the reference for calibration.

usage:
  cal_casa.py apply MS_OURS MS_CASA TABLE...    applycal with our tables on MS_CASA (a copy of the
      MS before our apply); compares its CORRECTED_DATA and FLAG with ours in MS_OURS.
  cal_casa.py bench MS WORKDIR TABLE...         bandpass + gaincal (phase, 60 s) + gaincal (amplitude
      and phase, inf) + applycal on MS with our reference antenna, timed; then the agreement of
      its CORRECTED_DATA with ours (our TABLEs applied to a copy).
Tables named ..._bpcal are interpolated nearest in time, others linearly. Prints JSON.
"""
import json
import shutil
import sys
import time
from pathlib import Path

import cal_casa_env  # noqa: F401  (before casatools)
import numpy as np
from casacore.tables import table
from casatasks import applycal, bandpass, gaincal


def interp(tables):
    return ["nearest" if t.rstrip("/").endswith("bpcal") else "linear" for t in tables]


def columns(ms):
    with table(ms, ack=False) as t:
        cross = t.getcol("ANTENNA1") != t.getcol("ANTENNA2")
        return t.getcol("CORRECTED_DATA")[cross], t.getcol("FLAG")[cross]


def compare(ours_ms, casa_ms):
    ours, ours_flag = columns(ours_ms)
    casa, casa_flag = columns(casa_ms)
    both = ~ours_flag & ~casa_flag
    ratio = ours[both] / casa[both]
    return {
        "maxRelative": float((np.abs(ours[both] - casa[both]) / np.abs(casa[both]).max()).max()),
        "medianAmplitudePct": float(np.median(np.abs(np.abs(ratio) - 1)) * 100),
        "medianPhaseDeg": float(np.degrees(np.median(np.abs(np.angle(ratio))))),
        "flagsAgree": float(np.mean(ours_flag == casa_flag)),
        "compared": int(both.sum()),
    }


def apply_mode(ours_ms, casa_ms, tables):
    applycal(vis=casa_ms, gaintable=tables, interp=interp(tables), calwt=True, flagbackup=False)
    print(json.dumps(compare(ours_ms, casa_ms)))


def bench_mode(ms, workdir, tables):
    work = Path(workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    with table(tables[0], ack=False) as t:
        refant = str(int(t.getcol("ANTENNA2")[0]))
    casa_ms, ours_ms = str(work / "casa.ms"), str(work / "ours.ms")
    shutil.copytree(ms, casa_ms)
    shutil.copytree(ms, ours_ms)
    b, gp, ga = str(work / "casa_bpcal"), str(work / "casa_gpcal"), str(work / "casa_gacal")
    start = time.perf_counter()
    bandpass(vis=casa_ms, caltable=b, solint="inf", refant=refant, minsnr=5.0, solnorm=False)
    bandpass_s = time.perf_counter() - start
    start = time.perf_counter()
    gaincal(vis=casa_ms, caltable=gp, solint="60s", refant=refant, calmode="p", minsnr=5.0, gaintable=[b])
    gaincal(vis=casa_ms, caltable=ga, solint="inf", refant=refant, calmode="ap", minsnr=5.0, gaintable=[b, gp], interp=["nearest", "linear"])
    gaincal_s = time.perf_counter() - start
    start = time.perf_counter()
    applycal(vis=casa_ms, gaintable=[b, gp, ga], interp=["nearest", "linear", "linear"], calwt=True, flagbackup=False)
    applycal_s = time.perf_counter() - start
    applycal(vis=ours_ms, gaintable=tables, interp=interp(tables), calwt=True, flagbackup=False)
    agreement = compare(ours_ms, casa_ms)
    print(json.dumps({"bandpassS": bandpass_s, "gaincalS": gaincal_s, "applycalS": applycal_s,
                      "amplitudePct": agreement["medianAmplitudePct"], "phaseDeg": agreement["medianPhaseDeg"]}))


if __name__ == "__main__":
    mode, first, second, *rest = sys.argv[1:]
    (apply_mode if mode == "apply" else bench_mode)(first, second, rest)
