"""Malformed copies of a good UVH5 file, with h5py: mutate_uvh5.py JOBS_JSON

JOBS_JSON is a list of {"src", "dst", "op", "path", "value"}; each job copies src to dst, then:
  delete   PATH            removes the dataset or group (a missing header field)
  shrink   PATH            rewrites the dataset with its last axis one shorter (a wrong shape)
  nonfinite PATH VALUE     sets the first row of the visibilities (a compound or complex dataset) to VALUE ("nan" or "inf")
  add      PATH VALUE      adds VALUE to every element of a numeric dataset (a different time or declination)
  nohdr                    removes every member of the file but Data (HDF5, but not UVH5)
"""
import json
import shutil
import sys

import h5py
import numpy as np


def shrink(f, path):
    data = f[path][()]
    del f[path]
    f.create_dataset(path, data=data[..., :-1])


def nonfinite(f, path, value):
    dataset = f[path]
    row = dataset[0:1]
    bad = np.float32(value)
    if row.dtype.names:
        for name in row.dtype.names:
            row[name] = bad
    else:
        row[...] = bad + 1j * bad
    dataset[0:1] = row


def main():
    for job in json.loads(sys.argv[1]):
        shutil.copyfile(job["src"], job["dst"])
        with h5py.File(job["dst"], "r+") as f:
            op, path = job["op"], job.get("path")
            if op == "delete":
                del f[path]
            elif op == "shrink":
                shrink(f, path)
            elif op == "nonfinite":
                nonfinite(f, path, job["value"])
            elif op == "add":
                f[path][...] = f[path][()] + job["value"]
            elif op == "nohdr":
                for name in [n for n in f if n != "Data"]:
                    del f[name]
            else:
                raise SystemExit(f"unknown op {op}")


if __name__ == "__main__":
    main()
