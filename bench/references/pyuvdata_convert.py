"""The pyuvdata reference for `npm run bench -- convert`: read a group's UVH5 subband files, join
them in frequency, phase them to the meridian at the group's mid-time (the MS centre contimg
uses) and write a MeasurementSet, as a pyuvdata user would.

usage: pyuvdata_convert.py OUT.ms FILE...
"""
import sys
import warnings

import numpy as np
from pyuvdata import UVData

warnings.simplefilter("ignore")
out, files = sys.argv[1], sorted(sys.argv[2:])
parts = []
for path in files:
    part = UVData.from_file(path, file_type="uvh5", run_check=False)
    part.uvw_array = part.uvw_array.astype(np.float64)  # float32 on disk; pyuvdata's checks want float64
    parts.append(part)
uv = parts[0].fast_concat(parts[1:], axis="freq", inplace=False, run_check=False) if len(parts) > 1 else parts[0]
uv.reorder_freqs(channel_order="freq")
times = np.unique(uv.time_array)
uv.phase_to_time(times[len(times) // 2])
uv.write_ms(out, clobber=True)
