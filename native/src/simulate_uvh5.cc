#include "simulate_uvh5.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "async_worker.h"
#include "simulate_hdf5.h"
#include "simulate_kernel.h"

namespace contimg {
namespace {

struct SimulateBaton {
  std::string path;
  std::vector<Hdf5Dataset> header;
  SkyInput sky;
  double computeSeconds = 0;
  double writeSeconds = 0;
};

template <typename T>
std::vector<T> CopyArray(const Napi::Object& spec, const char* key) {
  const auto array = spec.Get(key).As<Napi::TypedArrayOf<T>>();
  return std::vector<T>(array.Data(), array.Data() + array.ElementLength());
}

int GetInt(const Napi::Object& spec, const char* key) { return spec.Get(key).As<Napi::Number>().Int32Value(); }
double GetDouble(const Napi::Object& spec, const char* key) { return spec.Get(key).As<Napi::Number>().DoubleValue(); }

Hdf5Dataset ReadDataset(const Napi::Object& entry) {
  Hdf5Dataset dataset;
  dataset.path = entry.Get("path").As<Napi::String>().Utf8Value();
  const auto shape = entry.Get("shape").As<Napi::Array>();
  for (uint32_t d = 0; d < shape.Length(); ++d) {
    dataset.shape.push_back(static_cast<hsize_t>(shape.Get(d).As<Napi::Number>().Int64Value()));
  }
  const Napi::Value data = entry.Get("data");
  if (!data.IsTypedArray()) {
    const auto strings = data.As<Napi::Array>();
    dataset.type = Hdf5Dataset::Type::String;
    for (uint32_t i = 0; i < strings.Length(); ++i) dataset.strings.push_back(strings.Get(i).As<Napi::String>().Utf8Value());
    return dataset;
  }
  const auto array = data.As<Napi::TypedArray>();
  switch (array.TypedArrayType()) {
    case napi_float64_array: dataset.type = Hdf5Dataset::Type::Float64; break;
    case napi_float32_array: dataset.type = Hdf5Dataset::Type::Float32; break;
    case napi_int32_array: dataset.type = Hdf5Dataset::Type::Int32; break;
    default: dataset.type = Hdf5Dataset::Type::Int64; break;  // BigInt64Array, the only other type the facade passes
  }
  const auto* bytes = static_cast<const uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  dataset.bytes.assign(bytes, bytes + array.ByteLength());
  return dataset;
}

void ReadSpec(const Napi::Object& spec, SimulateBaton& baton) {
  baton.path = spec.Get("path").As<Napi::String>().Utf8Value();
  const auto header = spec.Get("header").As<Napi::Array>();
  for (uint32_t i = 0; i < header.Length(); ++i) baton.header.push_back(ReadDataset(header.Get(i).As<Napi::Object>()));

  SkyInput& sky = baton.sky;
  sky.nTimes = GetInt(spec, "nTimes");
  sky.nAnts = GetInt(spec, "nAnts");
  sky.nPols = GetInt(spec, "nPols");
  sky.ant1 = CopyArray<int32_t>(spec, "ant1");
  sky.ant2 = CopyArray<int32_t>(spec, "ant2");
  sky.antennaUvw = CopyArray<double>(spec, "antennaUvwM");
  const auto freqs = CopyArray<double>(spec, "freqHz");
  sky.nFreqs = static_cast<int>(freqs.size());
  sky.firstFreqHz = freqs.front();
  sky.stepFreqHz = freqs.size() > 1 ? freqs[1] - freqs[0] : 0.0;
  sky.lmn = CopyArray<double>(spec, "sourceLmn");
  sky.nSources = static_cast<int>(sky.lmn.size() / (3 * static_cast<size_t>(sky.nTimes)));
  sky.fluxJy = CopyArray<float>(spec, "sourceFluxJy");
  sky.gains = CopyArray<float>(spec, "gains");
  sky.bandpass = CopyArray<float>(spec, "bandpass");
  sky.dead = CopyArray<uint8_t>(spec, "dead");
  sky.systemJy = GetDouble(spec, "systemJy");
  sky.crossSigmaJy = GetDouble(spec, "crossSigmaJy");
  sky.autoSigmaJy = GetDouble(spec, "autoSigmaJy");
  sky.rfi = CopyArray<double>(spec, "rfi");
  sky.seed = static_cast<uint64_t>(GetDouble(spec, "seed"));
  sky.threads = GetInt(spec, "threads");
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Runs on the libuv pool: only the baton, no node-addon-api calls.
void Simulate(SimulateBaton& baton) {
  const SkyInput& sky = baton.sky;
  Visibilities data;
  auto start = std::chrono::steady_clock::now();
  SimulateVisibilities(sky, data);
  baton.computeSeconds = SecondsSince(start);
  start = std::chrono::steady_clock::now();
  WriteUvh5(baton.path, baton.header, data, static_cast<hsize_t>(sky.nTimes) * sky.nBls(), sky.nFreqs, sky.nPols);
  baton.writeSeconds = SecondsSince(start);
}

}  // namespace

Napi::Value SimulateUvh5(const Napi::CallbackInfo& info) {
  auto baton = std::make_shared<SimulateBaton>();
  ReadSpec(info[0].As<Napi::Object>(), *baton);
  return PromiseWorker::Start(
      info.Env(), "contimg:simulateUvh5", "", [baton] { Simulate(*baton); },
      [baton](Napi::Env env) -> Napi::Value {
        Napi::Object timing = Napi::Object::New(env);
        timing.Set("computeSeconds", baton->computeSeconds);
        timing.Set("writeSeconds", baton->writeSeconds);
        return timing;
      },
      Napi::Object::New(info.Env()));
}

}  // namespace contimg
