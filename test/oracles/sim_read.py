"""pyuvdata's reading of simulated DSA-110 files: sim_read.py FILE... prints one JSON object per file (a list).

Each file is read with `UVData.from_file(path, file_type="uvh5", run_check=False)`, uvw_array is
promoted to float64 (pyuvdata's type check rejects the float32 that DSA-110 writes; the incumbent
promotes the same way) and then the default `check()` runs; its warnings are reported. h5py reads
the raw datasets alongside, to compare dtypes and the stored float32 uvw.

Reported per file: dims, telescope, frequencies, times, antennas, polarisations, data/flag dtypes,
warnings, per-antenna flagging, autocorrelation sanity, noise statistics of the unflagged
cross- and autocorrelations (mean, std of re and im, excess kurtosis), and per integration the
extremes of the unflagged cross-correlations.
"""
import json
import sys
import warnings

import h5py
import numpy as np
from pyuvdata import UVData

from pyuvdata_header import header_summary


def stats(values):
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return None
    centred = values - values.mean()
    std = centred.std()
    return {"n": int(values.size), "mean": float(values.mean()), "std": float(std),
            "excess_kurtosis": float((centred**4).mean() / std**4 - 3) if std > 0 else None}


def summarise(path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        uvd = UVData.from_file(path, file_type="uvh5", run_check=False)
        uvd.uvw_array = uvd.uvw_array.astype(np.float64)
        uvd.check()
    with h5py.File(path, "r") as f:
        raw_uvw = f["Header/uvw_array"][()]
        raw = {name: {"dtype": str(f[f"Data/{name}"].dtype), "shape": list(f[f"Data/{name}"].shape)} for name in ["visdata", "flags", "nsamples"]}
        raw["uvw_array"] = {"dtype": str(raw_uvw.dtype), "shape": list(raw_uvw.shape)}
        extra = {k: (v[()].decode() if isinstance(v[()], bytes) else float(v[()])) for k, v in f["Header/extra_keywords"].items()}

    data = uvd.data_array  # (Nblts, Nfreqs, Npols)
    flags = uvd.flag_array
    autos = uvd.ant_1_array == uvd.ant_2_array
    tel = uvd.telescope
    per_antenna = {}
    for ant in np.unique(np.concatenate([uvd.ant_1_array, uvd.ant_2_array])):
        rows = (uvd.ant_1_array == ant) | (uvd.ant_2_array == ant)
        per_antenna[int(ant)] = {"all_flagged": bool(flags[rows].all()), "any_flagged": bool(flags[rows].any()),
                                 "all_zero": bool((data[rows] == 0).all())}
    good_cross = (~autos)[:, None, None] & ~flags
    good_auto = autos[:, None, None] & ~flags
    return {
        "file": path,
        "warnings": [str(w.message) for w in caught],
        **header_summary(uvd),
        "antenna_numbers": [int(n) for n in tel.antenna_numbers],
        "antenna_positions": tel.antenna_positions.tolist(),
        "antenna_diameters": tel.antenna_diameters.tolist(),
        "freq_array": uvd.freq_array.tolist(),
        "channel_width": uvd.channel_width.tolist(),
        "polarization_array": uvd.polarization_array.tolist(),
        "unique_times_jd": np.unique(uvd.time_array).tolist(),
        "integration_time": np.unique(uvd.integration_time).tolist(),
        "phase_center_catalog": {str(k): v.get("cat_type") for k, v in uvd.phase_center_catalog.items()},
        "extra_keywords": extra,
        "raw": raw,
        "data_dtype": str(data.dtype),
        "flag_dtype": str(flags.dtype),
        "nsample_values": np.unique(uvd.nsample_array).tolist(),
        "uvw_equals_stored_float32": bool(np.array_equal(uvd.uvw_array, raw_uvw.astype(np.float64))),
        "max_abs_auto_uvw": float(np.abs(uvd.uvw_array[autos]).max()),
        "ant_pairs_first": [[int(a), int(b)] for a, b in zip(uvd.ant_1_array[:3], uvd.ant_2_array[:3])],
        "per_antenna": per_antenna,
        "autos": {"max_abs_imag": float(np.abs(data[autos].imag).max()), "min_real_unflagged": float(data[good_auto].real.min()) if good_auto.any() else None},
        "cross_re": stats(data.real[good_cross]),
        "cross_im": stats(data.imag[good_cross]),
        "auto_re": stats(data.real[good_auto]),
        "per_integration": [integration(data, good_cross, uvd.time_array == jd) for jd in np.unique(uvd.time_array)],
    }


def integration(data, good_cross, rows):
    """Extremes of the unflagged cross-correlations of one integration."""
    values = data[rows][good_cross[rows]]
    return {"max_abs_imag": float(np.abs(values.imag).max()), "min_real": float(values.real.min()), "max_real": float(values.real.max())}


if __name__ == "__main__":
    print(json.dumps([summarise(path) for path in sys.argv[1:]]))
