"""The h5py reference for bench/uvh5.ts: uvh5_h5py_read.py headers|data FILE...

headers: reads every dataset under Header/ (extra_keywords included) of each FILE;
data:    reads Data/visdata, Data/flags and Data/nsamples of each FILE whole (as pyuvdata does).
Prints {"ms": wall time of the reads (after `import h5py`), "maxrss_kb": peak RSS of this process}.
"""
import json
import resource
import sys
import time

import h5py


def read_group(group):
    for item in group.values():
        if isinstance(item, h5py.Group):
            read_group(item)
        else:
            item[()]


def main(mode, files):
    start = time.perf_counter()
    for path in files:
        with h5py.File(path, "r") as f:
            if mode == "headers":
                read_group(f["Header"])
            else:
                for name in ("visdata", "flags", "nsamples"):
                    f["Data"][name][()]
    ms = (time.perf_counter() - start) * 1000
    print(json.dumps({"ms": ms, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
