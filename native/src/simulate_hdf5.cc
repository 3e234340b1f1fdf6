#include "simulate_hdf5.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace contimg {
namespace {

// The innermost entry of this thread's HDF5 error stack: the most specific message.
herr_t KeepInnermost(unsigned /*n*/, const H5E_error2_t* error, void* data) {
  if (error->desc != nullptr) *static_cast<std::string*>(data) = error->desc;
  return 0;
}

[[noreturn]] void Fail(const std::string& what) {
  std::string detail;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, KeepInnermost, &detail);
  H5Eclear2(H5E_DEFAULT);
  throw std::runtime_error("HDF5: " + what + (detail.empty() ? "" : ": " + detail));
}

// An hid_t that closes itself.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t), const std::string& what) : id_(id), close_(close) {
    if (id_ < 0) Fail(what);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, -1)), close_(other.close_) {}
  Handle& operator=(Handle&& other) noexcept {
    std::swap(id_, other.id_);
    std::swap(close_, other.close_);
    return *this;
  }
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  hid_t get() const { return id_; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

void Check(herr_t status, const std::string& what) {
  if (status < 0) Fail(what);
}

Handle Space(const std::vector<hsize_t>& shape) {
  if (shape.empty()) return Handle(H5Screate(H5S_SCALAR), H5Sclose, "scalar dataspace");
  return Handle(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr), H5Sclose, "dataspace");
}

// Object creation properties without timestamps, so that equal inputs give byte-identical files.
Handle Untimed(hid_t propertyClass) {
  Handle properties(H5Pcreate(propertyClass), H5Pclose, "property list");
  Check(H5Pset_obj_track_times(properties.get(), false), "object times");
  return properties;
}

// Opens or creates every group on the way to `path`'s parent; returns the parent.
Handle ParentGroup(hid_t file, const std::string& path) {
  const Handle groupProperties = Untimed(H5P_GROUP_CREATE);
  Handle group(H5Gopen2(file, "/", H5P_DEFAULT), H5Gclose, "open /");
  size_t start = 0;
  for (size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', start)) {
    const std::string name = path.substr(start, slash - start);
    const htri_t exists = H5Lexists(group.get(), name.c_str(), H5P_DEFAULT);
    Check(exists, "look up group " + path.substr(0, slash));
    group = exists > 0 ? Handle(H5Gopen2(group.get(), name.c_str(), H5P_DEFAULT), H5Gclose, "open group " + name)
                       : Handle(H5Gcreate2(group.get(), name.c_str(), H5P_DEFAULT, groupProperties.get(), H5P_DEFAULT), H5Gclose,
                                "create group " + path.substr(0, slash));
    start = slash + 1;
  }
  return group;
}

std::string LeafName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

void WriteDataset(hid_t file, hid_t type, hid_t memType, const std::string& path, const std::vector<hsize_t>& shape,
                  const void* data) {
  Handle parent = ParentGroup(file, path);
  Handle space = Space(shape);
  const Handle properties = Untimed(H5P_DATASET_CREATE);
  Handle dataset(H5Dcreate2(parent.get(), LeafName(path).c_str(), type, space.get(), H5P_DEFAULT, properties.get(), H5P_DEFAULT),
                 H5Dclose, "create dataset " + path);
  Check(H5Dwrite(dataset.get(), memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "write " + path);
}

void WriteStrings(hid_t file, const Hdf5Dataset& dataset) {
  size_t width = 1;
  for (const auto& s : dataset.strings) width = std::max(width, s.size());
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
  Check(H5Tset_size(type.get(), width), "string size");
  Check(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), "string padding");
  std::string packed(width * dataset.strings.size(), '\0');
  for (size_t i = 0; i < dataset.strings.size(); ++i) dataset.strings[i].copy(&packed[i * width], width);
  WriteDataset(file, type.get(), type.get(), dataset.path, dataset.shape, packed.data());
}

void WriteNumbers(hid_t file, const Hdf5Dataset& dataset) {
  using Type = Hdf5Dataset::Type;
  const std::pair<hid_t, hid_t> types = [&]() -> std::pair<hid_t, hid_t> {
    switch (dataset.type) {
      case Type::Float64: return {H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE};
      case Type::Float32: return {H5T_IEEE_F32LE, H5T_NATIVE_FLOAT};
      case Type::Int32: return {H5T_STD_I32LE, H5T_NATIVE_INT32};
      case Type::Int64: return {H5T_STD_I64LE, H5T_NATIVE_INT64};
      case Type::String: break;
    }
    throw std::logic_error("not a numeric dataset: " + dataset.path);
  }();
  WriteDataset(file, types.first, types.second, dataset.path, dataset.shape, dataset.bytes.data());
}

}  // namespace

void WriteUvh5(const std::string& path, const std::vector<Hdf5Dataset>& datasets, const Visibilities& data,
               hsize_t nBlts, hsize_t nFreqs, hsize_t nPols) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors are reported through Fail, not printed
  Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose, "create " + path);
  for (const auto& dataset : datasets) {
    if (dataset.type == Hdf5Dataset::Type::String) {
      WriteStrings(file.get(), dataset);
    } else {
      WriteNumbers(file.get(), dataset);
    }
  }

  const std::vector<hsize_t> shape{nBlts, 1, nFreqs, nPols};
  Handle complexFile(H5Tcreate(H5T_COMPOUND, 8), H5Tclose, "complex type");
  Check(H5Tinsert(complexFile.get(), "r", 0, H5T_IEEE_F32LE), "complex type r");
  Check(H5Tinsert(complexFile.get(), "i", 4, H5T_IEEE_F32LE), "complex type i");
  Handle complexMemory(H5Tcreate(H5T_COMPOUND, 8), H5Tclose, "complex type");
  Check(H5Tinsert(complexMemory.get(), "r", 0, H5T_NATIVE_FLOAT), "complex type r");
  Check(H5Tinsert(complexMemory.get(), "i", 4, H5T_NATIVE_FLOAT), "complex type i");
  WriteDataset(file.get(), complexFile.get(), complexMemory.get(), "Data/visdata", shape, data.vis.data());

  Handle boolean(H5Tenum_create(H5T_NATIVE_INT8), H5Tclose, "bool type");
  const int8_t no = 0, yes = 1;
  Check(H5Tenum_insert(boolean.get(), "FALSE", &no), "bool type FALSE");
  Check(H5Tenum_insert(boolean.get(), "TRUE", &yes), "bool type TRUE");
  WriteDataset(file.get(), boolean.get(), boolean.get(), "Data/flags", shape, data.flags.data());
  WriteDataset(file.get(), H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, "Data/nsamples", shape, data.nsamples.data());
  Check(H5Fflush(file.get(), H5F_SCOPE_LOCAL), "flush " + path);
}

}  // namespace contimg
