#include "flag_ms.h"

#include "async_worker.h"
#include "casacore_lock.h"

#include <aoflagger.h>
#include <casacore/casa/Arrays/Array.h>
#include <casacore/casa/Arrays/Vector.h>
#include <casacore/tables/Tables/ArrayColumn.h>
#include <casacore/tables/Tables/ScalarColumn.h>
#include <casacore/tables/Tables/Table.h>
#include <casacore/tables/Tables/TableRecord.h>

#include <algorithm>
#include <chrono>
#include <complex>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace contimg {
namespace {

struct FlagBaton {
  std::string path;
  bool reset = false;
  bool zeros = false;
  bool autos = false;
  std::string strategy;  // AOFlagger Lua strategy file; empty: no AOFlagger
  int threads = 1;

  uint64_t rows = 0;
  int nAnt = 0, nCorr = 0, nChan = 0, nSpw = 0;
  double flagged = 0, total = 0, zeroSamples = 0, autoSamples = 0;
  double readSeconds = 0, aoflaggerSeconds = 0, writeSeconds = 0;
  std::vector<std::string> antennaNames;             // [nAnt]
  std::vector<double> antennaFlagged, antennaTotal;  // [nAnt]
  std::vector<double> channelFlagged, channelTotal;  // [nSpw * nChan], SPW after SPW
};

// The main table's columns the pass needs, read whole into memory: [row][chan][corr], as casacore stores them.
struct MainTable {
  std::vector<casacore::Int> ant1, ant2, spw;
  std::vector<double> time;
  std::vector<std::complex<float>> data;  // empty unless zeros or AOFlagger need it
  std::unique_ptr<casacore::Bool[]> flags;
};

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

template <typename T>
std::vector<T> ReadScalars(const casacore::Table& ms, const char* column) {
  const casacore::Vector<T> values = casacore::ScalarColumn<T>(ms, column).getColumn();
  return std::vector<T>(values.begin(), values.end());
}

MainTable Read(FlagBaton& b, bool needData) {
  const std::lock_guard<std::mutex> lock(CasacoreMutex());
  const casacore::Table ms(b.path, casacore::Table::Old);

  const casacore::Table dataDescription = ms.keywordSet().asTable("DATA_DESCRIPTION");
  const std::vector<casacore::Int> spwOfDd = ReadScalars<casacore::Int>(dataDescription, "SPECTRAL_WINDOW_ID");
  const casacore::Table spectralWindows = ms.keywordSet().asTable("SPECTRAL_WINDOW");
  const std::vector<casacore::Int> numChan = ReadScalars<casacore::Int>(spectralWindows, "NUM_CHAN");
  b.nSpw = static_cast<int>(numChan.size());
  b.nChan = b.nSpw > 0 ? numChan[0] : 0;
  for (casacore::Int n : numChan) {
    if (n != b.nChan) throw std::runtime_error("SPECTRAL_WINDOW: the SPWs have different channel counts; flag fractions per channel need equal ones");
  }
  const casacore::Table antennas = ms.keywordSet().asTable("ANTENNA");
  b.nAnt = static_cast<int>(antennas.nrow());
  for (const casacore::String& name : casacore::ScalarColumn<casacore::String>(antennas, "NAME").getColumn()) b.antennaNames.push_back(name);

  b.rows = ms.nrow();
  MainTable t;
  t.ant1 = ReadScalars<casacore::Int>(ms, "ANTENNA1");
  t.ant2 = ReadScalars<casacore::Int>(ms, "ANTENNA2");
  t.time = ReadScalars<double>(ms, "TIME");
  const std::vector<casacore::Int> dd = ReadScalars<casacore::Int>(ms, "DATA_DESC_ID");
  t.spw.resize(b.rows);
  for (casacore::rownr_t r = 0; r < b.rows; ++r) {
    if (t.ant1[r] < 0 || t.ant2[r] < 0 || t.ant1[r] >= b.nAnt || t.ant2[r] >= b.nAnt) throw std::runtime_error("ANTENNA1/ANTENNA2 of row " + std::to_string(r) + " outside the ANTENNA table");
    if (dd[r] < 0 || dd[r] >= static_cast<casacore::Int>(spwOfDd.size())) throw std::runtime_error("DATA_DESC_ID of row " + std::to_string(r) + " outside DATA_DESCRIPTION");
    t.spw[r] = spwOfDd[dd[r]];
  }
  if (b.rows == 0) return t;

  const casacore::ArrayColumn<casacore::Bool> flagCol(ms, "FLAG");
  const casacore::IPosition cell = flagCol.shape(0);
  b.nCorr = static_cast<int>(cell[0]);
  if (cell[1] != b.nChan) throw std::runtime_error("FLAG: a row's channel count differs from its SPW's");
  const casacore::IPosition shape(3, cell[0], cell[1], static_cast<ssize_t>(b.rows));
  // casacore Arrays over our own buffers (SHARE): the columns are read straight into them, without a copy.
  t.flags = std::make_unique<casacore::Bool[]>(shape.product());
  if (b.reset) {
    std::fill_n(t.flags.get(), shape.product(), false);
  } else {
    casacore::Array<casacore::Bool> flags(shape, t.flags.get(), casacore::SHARE);
    flagCol.getColumn(flags);
  }
  if (needData) {
    t.data.resize(shape.product());
    casacore::Array<casacore::Complex> data(shape, t.data.data(), casacore::SHARE);
    casacore::ArrayColumn<casacore::Complex>(ms, "DATA").getColumn(data);
  }
  return t;
}

// The rows of each cross-correlation baseline and SPW, in time order: one AOFlagger time-frequency image each.
std::vector<std::vector<casacore::rownr_t>> BaselineImages(const FlagBaton& b, const MainTable& t) {
  std::vector<int> image(static_cast<size_t>(b.nAnt) * b.nAnt * b.nSpw, -1);
  std::vector<std::vector<casacore::rownr_t>> images;
  for (casacore::rownr_t r = 0; r < b.rows; ++r) {
    if (t.ant1[r] == t.ant2[r]) continue;
    int& index = image[(static_cast<size_t>(t.ant1[r]) * b.nAnt + t.ant2[r]) * b.nSpw + t.spw[r]];
    if (index < 0) {
      index = static_cast<int>(images.size());
      images.emplace_back();
    }
    images[index].push_back(r);
  }
  for (auto& rows : images) std::stable_sort(rows.begin(), rows.end(), [&](casacore::rownr_t x, casacore::rownr_t y) { return t.time[x] < t.time[y]; });
  return images;
}

bool AllZero(const MainTable& t, const std::vector<casacore::rownr_t>& rows, size_t cellSize) {
  return std::all_of(rows.begin(), rows.end(), [&](casacore::rownr_t r) {
    return std::all_of(&t.data[r * cellSize], &t.data[(r + 1) * cellSize], [](std::complex<float> v) { return v == std::complex<float>(0, 0); });
  });
}

// Images [begin, end) through one Strategy; their flags are OR-ed into t.flags for every correlation.
// An image whose visibilities are all exactly zero (a dead antenna) is skipped: the zero flags cover it.
void FlagImages(aoflagger::AOFlagger& flagger, const FlagBaton& b, MainTable& t, const std::vector<std::vector<casacore::rownr_t>>& images, size_t begin, size_t end) {
  aoflagger::Strategy strategy = flagger.LoadStrategyFile(b.strategy);
  const size_t cellSize = static_cast<size_t>(b.nChan) * b.nCorr;
  for (size_t i = begin; i < end; ++i) {
    const std::vector<casacore::rownr_t>& rows = images[i];
    if (AllZero(t, rows, cellSize)) continue;
    aoflagger::ImageSet set = flagger.MakeImageSet(rows.size(), b.nChan, 2 * b.nCorr);
    const size_t stride = set.HorizontalStride();
    for (int p = 0; p < b.nCorr; ++p) {
      float* real = set.ImageBuffer(2 * p);
      float* imaginary = set.ImageBuffer(2 * p + 1);
      for (size_t x = 0; x < rows.size(); ++x) {
        const std::complex<float>* cell = &t.data[rows[x] * cellSize];
        for (int c = 0; c < b.nChan; ++c) {
          real[c * stride + x] = cell[c * b.nCorr + p].real();
          imaginary[c * stride + x] = cell[c * b.nCorr + p].imag();
        }
      }
    }
    const aoflagger::FlagMask mask = strategy.Run(set);
    const bool* flagged = mask.Buffer();
    const size_t maskStride = mask.HorizontalStride();
    for (size_t x = 0; x < rows.size(); ++x) {
      casacore::Bool* cell = &t.flags[rows[x] * cellSize];
      for (int c = 0; c < b.nChan; ++c) {
        if (flagged[c * maskStride + x]) std::fill_n(cell + c * b.nCorr, b.nCorr, true);
      }
    }
  }
}

// AOFlagger's library on every cross-correlation image, `threads` at once (one Strategy per
// thread, as its API asks: a Strategy is not thread safe).
void RunAoflagger(const FlagBaton& b, MainTable& t) {
  if (b.nCorr != 1 && b.nCorr != 2 && b.nCorr != 4) throw std::runtime_error("AOFlagger needs 1, 2 or 4 correlations, the MS has " + std::to_string(b.nCorr));
  const std::vector<std::vector<casacore::rownr_t>> images = BaselineImages(b, t);
  aoflagger::AOFlagger flagger;
  ParallelFor(images.size(), b.threads, [&](size_t begin, size_t end) {
    try {
      FlagImages(flagger, b, t, images, begin, end);
    } catch (const std::exception& e) {
      throw std::runtime_error("AOFlagger strategy " + b.strategy + ": " + e.what());
    }
  });
}

// Flags exact zeros and autocorrelations (as asked), counts the flags; returns FLAG_ROW.
std::unique_ptr<casacore::Bool[]> MarkAndCount(FlagBaton& b, MainTable& t) {
  b.antennaFlagged.assign(b.nAnt, 0);
  b.antennaTotal.assign(b.nAnt, 0);
  b.channelFlagged.assign(static_cast<size_t>(b.nSpw) * b.nChan, 0);
  b.channelTotal.assign(static_cast<size_t>(b.nSpw) * b.nChan, 0);
  auto flagRow = std::make_unique<casacore::Bool[]>(b.rows);
  const size_t cellSize = static_cast<size_t>(b.nChan) * b.nCorr;
  const double samples = static_cast<double>(cellSize);
  for (casacore::rownr_t r = 0; r < b.rows; ++r) {
    const int a1 = t.ant1[r], a2 = t.ant2[r];
    const size_t channel0 = static_cast<size_t>(t.spw[r]) * b.nChan;
    const bool isAuto = a1 == a2;
    casacore::Bool* flags = &t.flags[r * cellSize];
    double rowFlagged = 0;
    for (int c = 0; c < b.nChan; ++c) {
      for (int p = 0; p < b.nCorr; ++p) {
        casacore::Bool& flag = flags[c * b.nCorr + p];
        if (b.zeros && t.data[r * cellSize + c * b.nCorr + p] == std::complex<float>(0, 0)) {
          flag = true;
          b.zeroSamples += 1;
        }
        if (b.autos && isAuto) flag = true;
        if (flag) {
          rowFlagged += 1;
          b.channelFlagged[channel0 + c] += 1;
        }
      }
      b.channelTotal[channel0 + c] += b.nCorr;
    }
    if (isAuto) b.autoSamples += samples;
    flagRow[r] = rowFlagged == samples;
    b.flagged += rowFlagged;
    b.total += samples;
    b.antennaFlagged[a1] += rowFlagged;
    b.antennaTotal[a1] += samples;
    if (!isAuto) {
      b.antennaFlagged[a2] += rowFlagged;
      b.antennaTotal[a2] += samples;
    }
  }
  return flagRow;
}

void Write(const FlagBaton& b, MainTable& t, casacore::Bool* flagRow) {
  const std::lock_guard<std::mutex> lock(CasacoreMutex());
  casacore::Table ms(b.path, casacore::Table::Update);
  const casacore::IPosition shape(3, b.nCorr, b.nChan, static_cast<ssize_t>(b.rows));
  casacore::ArrayColumn<casacore::Bool>(ms, "FLAG").putColumn(casacore::Array<casacore::Bool>(shape, t.flags.get(), casacore::SHARE));
  casacore::ScalarColumn<casacore::Bool>(ms, "FLAG_ROW").putColumn(casacore::Vector<casacore::Bool>(casacore::IPosition(1, static_cast<ssize_t>(b.rows)), flagRow, casacore::SHARE));
  ms.flush();
}

// casacore is held only while reading and writing: AOFlagger and the counting run without it.
void FlagPass(FlagBaton& b) {
  auto start = std::chrono::steady_clock::now();
  const bool aoflagger = !b.strategy.empty();
  MainTable t = Read(b, b.zeros || aoflagger);
  b.readSeconds = SecondsSince(start);
  if (aoflagger && b.rows > 0) {
    start = std::chrono::steady_clock::now();
    RunAoflagger(b, t);
    b.aoflaggerSeconds = SecondsSince(start);
  }
  start = std::chrono::steady_clock::now();
  const std::unique_ptr<casacore::Bool[]> flagRow = MarkAndCount(b, t);
  if (b.rows > 0 && (b.reset || b.zeros || b.autos || aoflagger)) Write(b, t, flagRow.get());
  b.writeSeconds = SecondsSince(start);
}

Napi::Float64Array Doubles(Napi::Env env, const std::vector<double>& values) {
  Napi::Float64Array array = Napi::Float64Array::New(env, values.size());
  std::copy(values.begin(), values.end(), array.Data());
  return array;
}

Napi::Object ToJs(Napi::Env env, const FlagBaton& b) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("rows", static_cast<double>(b.rows));
  result.Set("antennas", b.nAnt);
  result.Set("correlations", b.nCorr);
  result.Set("spectralWindows", b.nSpw);
  result.Set("channelsPerWindow", b.nChan);
  result.Set("flaggedSamples", b.flagged);
  result.Set("totalSamples", b.total);
  result.Set("zeroSamples", b.zeroSamples);
  result.Set("autoSamples", b.autoSamples);
  Napi::Array names = Napi::Array::New(env, b.antennaNames.size());
  for (uint32_t i = 0; i < b.antennaNames.size(); ++i) names.Set(i, b.antennaNames[i]);
  result.Set("antennaNames", names);
  result.Set("antennaFlagged", Doubles(env, b.antennaFlagged));
  result.Set("antennaTotal", Doubles(env, b.antennaTotal));
  result.Set("channelFlagged", Doubles(env, b.channelFlagged));
  result.Set("channelTotal", Doubles(env, b.channelTotal));
  Napi::Object seconds = Napi::Object::New(env);
  seconds.Set("read", b.readSeconds);
  seconds.Set("aoflagger", b.aoflaggerSeconds);
  seconds.Set("write", b.writeSeconds);
  result.Set("seconds", seconds);
  return result;
}

}  // namespace

Napi::Value MsFlagPass(const Napi::CallbackInfo& info) {
  FlagBaton baton;
  baton.path = info[0].As<Napi::String>().Utf8Value();
  const Napi::Object options = info[1].As<Napi::Object>();
  baton.reset = options.Get("reset").As<Napi::Boolean>().Value();
  baton.zeros = options.Get("zeros").As<Napi::Boolean>().Value();
  baton.autos = options.Get("autos").As<Napi::Boolean>().Value();
  const Napi::Value aoflagger = options.Get("aoflagger");
  if (aoflagger.IsObject()) {
    baton.strategy = aoflagger.As<Napi::Object>().Get("strategy").As<Napi::String>().Utf8Value();
    const int threads = aoflagger.As<Napi::Object>().Get("threads").As<Napi::Number>().Int32Value();
    baton.threads = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  auto shared = std::make_shared<FlagBaton>(std::move(baton));
  return PromiseWorker::Start(
      info.Env(), "contimg:msFlagPass", "casacore: ", [shared] { FlagPass(*shared); },
      [shared](Napi::Env env) -> Napi::Value { return ToJs(env, *shared); }, Napi::Object::New(info.Env()));
}

}  // namespace contimg
