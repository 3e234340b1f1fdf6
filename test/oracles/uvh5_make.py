"""Write synthetic DSA-110-like UVH5 files with h5py: uvh5_make.py OUT.uvh5 SPEC_JSON [OUT.uvh5 SPEC_JSON]...

SPEC_JSON (every key optional; "{}" is a full-size DSA-110 subband) picks the size, the on-disk variant and an optional defect:
  nants_telescope (117), inactive (the DSA-110 inactive stations), ntimes (24), nfreqs (48), npols (2),
  layout "4d" | "3d", vis "complex64" | "complex128" | "int32", flags "bool" | "bool-lzf",
  nsamples "float32" | "float32-lzf", uvw "float32" | "float64", freq_shape "2d" | "1d",
  channel_width "scalar" | "array", seed (0),
  writer "h5py" | "pyuvdata" (re-write the h5py file with pyuvdata's write_uvh5: 3-D, phase_center_catalog),
  defect null | "missing-freq_array" | "visdata-nfreqs" | "nblts-mismatch".
Arrays are written whole: h5py's scalar broadcast is very slow.
"""
import json
import os
import sys
import warnings

import h5py
import numpy as np

DSA110_INACTIVE = [10, 21, 22, 23, *range(52, 68), 117]
OVRO = {"latitude": 37.2339, "longitude": -118.2825, "altitude": 1222.0}
INTEGRATION_S = 12.884902
TOP_FREQ_HZ = 1498.75e6
CHANNEL_HZ = 244140.625
START_JD = 2460676.25


def antenna_positions(n_ants, rng):
    """ECEF positions relative to the site and their ENU offsets, for ENU offsets within ~2 km."""
    from pyuvdata.utils import ECEF_from_ENU, XYZ_from_LatLonAlt

    lat, lon = np.radians(OVRO["latitude"]), np.radians(OVRO["longitude"])
    enu = np.column_stack([rng.uniform(-1200, 1200, n_ants), rng.uniform(-1000, 1000, n_ants), rng.uniform(-3, 3, n_ants)])
    ecef = ECEF_from_ENU(enu, latitude=lat, longitude=lon, altitude=OVRO["altitude"])
    return ecef - XYZ_from_LatLonAlt(lat, lon, OVRO["altitude"]), enu


def make(path, spec):
    rng = np.random.default_rng(spec.get("seed", 0))
    n_tel = spec.get("nants_telescope", 117)
    numbers = np.arange(1, n_tel + 1)
    inactive = set(spec.get("inactive", DSA110_INACTIVE))
    active = [n for n in numbers if n not in inactive]
    ntimes, nfreqs, npols = spec.get("ntimes", 24), spec.get("nfreqs", 48), spec.get("npols", 2)
    pairs = np.array([(a, b) for i, a in enumerate(active) for b in active[i:]], dtype=np.int32)
    nbls = len(pairs)
    nblts = nbls * ntimes

    positions, enu = antenna_positions(n_tel, rng)
    ant1 = np.tile(pairs[:, 0], ntimes)
    ant2 = np.tile(pairs[:, 1], ntimes)
    uvw = enu[ant2 - 1] - enu[ant1 - 1]
    times = np.repeat(START_JD + np.arange(ntimes) * INTEGRATION_S / 86400.0, nbls)
    freqs = TOP_FREQ_HZ - CHANNEL_HZ * np.arange(nfreqs)

    layout_4d = spec.get("layout", "4d") == "4d"
    vis_nfreqs = nfreqs - 1 if spec.get("defect") == "visdata-nfreqs" else nfreqs

    def data_shape(nf):
        return (nblts, 1, nf, npols) if layout_4d else (nblts, nf, npols)

    vis_kind = spec.get("vis", "complex64")
    if vis_kind == "int32":
        vis = np.empty(data_shape(vis_nfreqs), dtype=[("r", "<i4"), ("i", "<i4")])
        vis["r"] = rng.integers(-(2**20), 2**20, vis.shape)
        vis["i"] = rng.integers(-(2**20), 2**20, vis.shape)
    else:
        shape = data_shape(vis_nfreqs)
        vis = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(vis_kind)
    # pyuvdata (fix_autos) zeroes the imaginary part of XX/YY autocorrelations: write them real and positive.
    autos = ant1 == ant2
    parallel_hands = (..., slice(0, min(npols, 2)))
    auto_vis = vis[autos]
    if vis_kind == "int32":
        auto_vis["r"][parallel_hands] = np.abs(auto_vis["r"][parallel_hands])
        auto_vis["i"][parallel_hands] = 0
    else:
        auto_vis[parallel_hands] = np.abs(auto_vis[parallel_hands])
    vis[autos] = auto_vis
    flags = rng.random(data_shape(nfreqs)) < 0.05
    nsamples = rng.choice(np.array([0.0, 0.5, 1.0], dtype=np.float32), data_shape(nfreqs), p=[0.05, 0.05, 0.9])

    with h5py.File(path, "w") as f:
        h = f.create_group("Header")
        nblts_written = nblts + 1 if spec.get("defect") == "nblts-mismatch" else nblts
        for name, value in [("Nblts", nblts_written), ("Nbls", nbls), ("Ntimes", ntimes), ("Nfreqs", nfreqs),
                            ("Npols", npols), ("Nspws", 1), ("Nants_data", len(active)), ("Nants_telescope", n_tel)]:
            h[name] = np.int64(value)
        for name, value in OVRO.items():
            h[name] = np.float64(value)
        h["telescope_name"] = np.bytes_("DSA_110")
        h["instrument"] = np.bytes_("DSA")
        h["object_name"] = np.bytes_("drift")
        h["history"] = np.bytes_("written by test/oracles/uvh5_make.py")
        h["vis_units"] = np.bytes_("uncalib")
        h["phase_type"] = np.bytes_("drift")
        h["antenna_numbers"] = numbers.astype(np.int64)
        h["antenna_names"] = np.array([f"pad{n}" for n in numbers], dtype="S")
        h["antenna_positions"] = positions
        h["antenna_diameters"] = np.full(n_tel, 4.65)
        h["ant_1_array"] = ant1
        h["ant_2_array"] = ant2
        h["time_array"] = times
        h["integration_time"] = np.full(nblts, INTEGRATION_S)
        h["uvw_array"] = uvw.astype(spec.get("uvw", "float32"))
        if spec.get("defect") != "missing-freq_array":
            h["freq_array"] = freqs[np.newaxis, :] if spec.get("freq_shape", "2d") == "2d" else freqs
        h["channel_width"] = np.float64(CHANNEL_HZ) if spec.get("channel_width", "scalar") == "scalar" else np.full(nfreqs, CHANNEL_HZ)
        h["spw_array"] = np.array([0], dtype=np.int64)
        h["polarization_array"] = np.array([-5, -6, -7, -8][:npols], dtype=np.int64)
        k = h.create_group("extra_keywords")
        k["phase_center_dec"] = np.float64(np.radians(54.5734))
        k["ha_phase_center"] = np.float64(0.0)
        k["phase_center_epoch"] = np.bytes_("J2000")
        k["fs_table"] = np.bytes_("fs_table_3.npy")
        k["applied_delays_ns"] = np.bytes_(" ".join(str(i) for i in range(8)))
        k.create_dataset("observer", data="DSA-110 synthetic (variable-length string)", dtype=h5py.string_dtype())

        d = f.create_group("Data")
        d.create_dataset("visdata", data=vis)
        lzf = {"compression": "lzf"}
        d.create_dataset("flags", data=flags, **(lzf if spec.get("flags") == "bool-lzf" else {}))
        d.create_dataset("nsamples", data=nsamples, **(lzf if spec.get("nsamples") == "float32-lzf" else {}))

    if spec.get("writer") == "pyuvdata":
        from pyuvdata import UVData

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            uvd = UVData.from_file(path)
            os.remove(path)
            uvd.write_uvh5(path)


if __name__ == "__main__":
    args = sys.argv[1:]
    for out, spec in zip(args[::2], args[1::2]):
        make(out, json.loads(spec))
