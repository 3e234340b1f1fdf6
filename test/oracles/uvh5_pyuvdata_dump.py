"""Dump pyuvdata's reading of UVH5 files: uvh5_pyuvdata_dump.py OUT_DIR FILE...

For the i-th FILE, OUT_DIR/i/meta.json holds the scalars, strings and keywords, and names one
little-endian raw file per array: {"arrays": {name: {"dtype", "shape", "file"}}, ...}.
data_array is written as float64 (re, im) pairs, flag_array as uint8.

Files are read with `UVData.from_file(path)` and its default checks. pyuvdata's type check rejects
float32 uvw_array (the DSA-110 raw layout); for those files the oracle reads with run_check=False,
promotes uvw_array to float64 (as the incumbent pipeline does) and then runs the same default
check() explicitly. meta.json records which path was taken in "uvw_promoted".
"""
import json
import os
import sys
import warnings

import numpy as np
from pyuvdata import UVData

from pyuvdata_header import header_summary

UVW_TYPE_ERROR = "_uvw_array is not the appropriate type"


def read(path):
    try:
        return UVData.from_file(path), False
    except ValueError as error:
        if UVW_TYPE_ERROR not in str(error):
            raise
    uvd = UVData.from_file(path, run_check=False)
    uvd.uvw_array = uvd.uvw_array.astype(np.float64)
    uvd.check(check_extra=True, run_check_acceptability=True, strict_uvw_antpos_check=False, check_autos=True, fix_autos=True)
    return uvd, True


def plain(value):
    """A JSON-ready copy of a keyword or catalog value."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def dump(path, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        uvd, uvw_promoted = read(path)
    tel = uvd.telescope
    arrays = {
        "time_array": uvd.time_array,
        "integration_time": uvd.integration_time,
        "uvw_array": uvd.uvw_array,
        "ant_1_array": uvd.ant_1_array,
        "ant_2_array": uvd.ant_2_array,
        "freq_array": uvd.freq_array,
        "channel_width": uvd.channel_width,
        "spw_array": uvd.spw_array,
        "flex_spw_id_array": uvd.flex_spw_id_array,
        "polarization_array": uvd.polarization_array,
        "antenna_numbers": tel.antenna_numbers,
        "antenna_positions": tel.antenna_positions,
        "antenna_diameters": tel.antenna_diameters,
        "phase_center_id_array": uvd.phase_center_id_array,
        "data_array": None if uvd.data_array is None else uvd.data_array.astype(np.complex128).view(np.float64),
        "flag_array": None if uvd.flag_array is None else uvd.flag_array.astype(np.uint8),
        "nsample_array": uvd.nsample_array,
    }
    meta = {
        "uvw_promoted": uvw_promoted,
        "data_array_dtype": str(uvd.data_array.dtype),
        **header_summary(uvd),
        "extra_keywords": {k: plain(v) for k, v in uvd.extra_keywords.items()},
        "phase_center_catalog": {str(k): {ck: plain(cv) for ck, cv in v.items()} for k, v in uvd.phase_center_catalog.items()},
        "arrays": {},
    }
    for name, array in arrays.items():
        if array is None:
            continue
        contiguous = np.ascontiguousarray(array)
        dtype = contiguous.dtype.newbyteorder("<")
        contiguous.astype(dtype).tofile(os.path.join(out_dir, name + ".bin"))
        meta["arrays"][name] = {"dtype": dtype.str, "shape": list(contiguous.shape), "file": name + ".bin"}
    with open(os.path.join(out_dir, "meta.json"), "w") as f:
        json.dump(meta, f)


if __name__ == "__main__":
    out = sys.argv[1]
    for i, file in enumerate(sys.argv[2:]):
        dump(file, os.path.join(out, str(i)))
