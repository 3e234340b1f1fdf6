#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

#include "simulate_kernel.h"

namespace contimg {

// A dataset for the file's Header/ (or any other group): shape [] is a scalar.
struct Hdf5Dataset {
  enum class Type { Float64, Float32, Int32, Int64, String };
  std::string path;  // e.g. "Header/Nblts"; parent groups are created as needed
  Type type = Type::Float64;
  std::vector<hsize_t> shape;
  std::vector<uint8_t> bytes;        // numeric data, native byte order
  std::vector<std::string> strings;  // Type::String: fixed-length, null-padded, as h5py writes bytes
};

// Writes a UVH5 file as h5py/pyuvdata write one: the given datasets, then Data/visdata
// (complex64 as the compound {r, i}), Data/flags (h5py's bool: an enum FALSE/TRUE over int8) and
// Data/nsamples (float32), each shaped (nBlts, 1, nFreqs, nPols). Throws std::runtime_error
// carrying HDF5's own message.
void WriteUvh5(const std::string& path, const std::vector<Hdf5Dataset>& datasets, const Visibilities& data,
               hsize_t nBlts, hsize_t nFreqs, hsize_t nPols);

}  // namespace contimg
