#include "flag_ms.h"

#include "async_worker.h"
#include "casacore_lock.h"

#include <casacore/casa/Arrays/Array.h>
#include <casacore/casa/Arrays/Cube.h>
#include <casacore/casa/Arrays/Slice.h>
#include <casacore/casa/Arrays/Vector.h>
#include <casacore/tables/Tables/ArrayColumn.h>
#include <casacore/tables/Tables/ScalarColumn.h>
#include <casacore/tables/Tables/Table.h>
#include <casacore/tables/Tables/TableRecord.h>

#include <algorithm>
#include <complex>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace contimg {
namespace {

// Rows per read-modify-write chunk: a few MB of DATA at full size.
constexpr casacore::rownr_t kChunkRows = 8192;

struct FlagBaton {
  std::string path;
  bool reset = false;
  bool zeros = false;
  bool autos = false;

  uint64_t rows = 0;
  int nAnt = 0, nCorr = 0, nChan = 0, nSpw = 0;
  double flagged = 0, total = 0, zeroSamples = 0, autoSamples = 0;
  std::vector<std::string> antennaNames;             // [nAnt]
  std::vector<double> antennaFlagged, antennaTotal;  // [nAnt]
  std::vector<double> channelFlagged, channelTotal;  // [nSpw * nChan], SPW after SPW
};

void FlagPass(FlagBaton& b) {
  const std::lock_guard<std::mutex> lock(CasacoreMutex());
  const bool writes = b.reset || b.zeros || b.autos;
  casacore::Table ms(b.path, writes ? casacore::Table::Update : casacore::Table::Old);

  const casacore::Table dataDescription = ms.keywordSet().asTable("DATA_DESCRIPTION");
  const casacore::Vector<casacore::Int> spwOfDd = casacore::ScalarColumn<casacore::Int>(dataDescription, "SPECTRAL_WINDOW_ID").getColumn();
  const casacore::Table spectralWindows = ms.keywordSet().asTable("SPECTRAL_WINDOW");
  const casacore::Vector<casacore::Int> numChan = casacore::ScalarColumn<casacore::Int>(spectralWindows, "NUM_CHAN").getColumn();
  b.nSpw = static_cast<int>(numChan.size());
  b.nChan = b.nSpw > 0 ? numChan[0] : 0;
  for (casacore::Int n : numChan) {
    if (n != b.nChan) throw std::runtime_error("SPECTRAL_WINDOW: the SPWs have different channel counts; flag fractions per channel need equal ones");
  }
  const casacore::Table antennas = ms.keywordSet().asTable("ANTENNA");
  b.nAnt = static_cast<int>(antennas.nrow());
  for (const casacore::String& name : casacore::ScalarColumn<casacore::String>(antennas, "NAME").getColumn()) b.antennaNames.push_back(name);
  b.antennaFlagged.assign(b.nAnt, 0);
  b.antennaTotal.assign(b.nAnt, 0);
  b.channelFlagged.assign(static_cast<size_t>(b.nSpw) * b.nChan, 0);
  b.channelTotal.assign(static_cast<size_t>(b.nSpw) * b.nChan, 0);

  casacore::ScalarColumn<casacore::Int> ant1Col(ms, "ANTENNA1"), ant2Col(ms, "ANTENNA2"), ddCol(ms, "DATA_DESC_ID");
  casacore::ScalarColumn<casacore::Bool> flagRowCol(ms, "FLAG_ROW");
  casacore::ArrayColumn<casacore::Bool> flagCol(ms, "FLAG");
  casacore::ArrayColumn<casacore::Complex> dataCol(ms, "DATA");
  b.rows = ms.nrow();

  for (casacore::rownr_t row0 = 0; row0 < b.rows; row0 += kChunkRows) {
    const casacore::rownr_t n = std::min(kChunkRows, b.rows - row0);
    const casacore::Slicer rows(casacore::Slice(row0, n));
    const casacore::Vector<casacore::Int> ant1 = ant1Col.getColumnRange(rows);
    const casacore::Vector<casacore::Int> ant2 = ant2Col.getColumnRange(rows);
    const casacore::Vector<casacore::Int> dd = ddCol.getColumnRange(rows);
    casacore::Cube<casacore::Bool> flags(flagCol.getColumnRange(rows));
    casacore::Cube<casacore::Complex> data;
    if (b.zeros) data.reference(dataCol.getColumnRange(rows));
    if (flags.shape()[2] != static_cast<ssize_t>(n)) throw std::runtime_error("FLAG: rows of different shapes");
    b.nCorr = static_cast<int>(flags.shape()[0]);
    if (flags.shape()[1] != b.nChan) throw std::runtime_error("FLAG: a row's channel count differs from its SPW's");
    casacore::Vector<casacore::Bool> flagRow(n);

    for (casacore::rownr_t r = 0; r < n; ++r) {
      const int a1 = ant1[r], a2 = ant2[r];
      if (a1 < 0 || a2 < 0 || a1 >= b.nAnt || a2 >= b.nAnt) throw std::runtime_error("ANTENNA1/ANTENNA2 of row " + std::to_string(row0 + r) + " outside the ANTENNA table");
      if (dd[r] < 0 || dd[r] >= static_cast<casacore::Int>(spwOfDd.size())) throw std::runtime_error("DATA_DESC_ID of row " + std::to_string(row0 + r) + " outside DATA_DESCRIPTION");
      const size_t channel0 = static_cast<size_t>(spwOfDd[dd[r]]) * b.nChan;
      const bool isAuto = a1 == a2;
      double rowFlagged = 0;
      for (int c = 0; c < b.nChan; ++c) {
        for (int p = 0; p < b.nCorr; ++p) {
          casacore::Bool& flag = flags(p, c, r);
          if (b.reset) flag = false;
          if (b.zeros && data(p, c, r) == casacore::Complex(0, 0)) {
            flag = true;
            b.zeroSamples += 1;
          }
          if (b.autos && isAuto) flag = true;
          if (flag) {
            rowFlagged += 1;
            b.channelFlagged[channel0 + c] += 1;
          }
          b.channelTotal[channel0 + c] += 1;
        }
      }
      const double samples = static_cast<double>(b.nChan) * b.nCorr;
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
    if (writes) {
      flagCol.putColumnRange(rows, flags);
      flagRowCol.putColumnRange(rows, flagRow);
    }
  }
  if (writes) ms.flush();
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
  auto shared = std::make_shared<FlagBaton>(std::move(baton));
  return PromiseWorker::Start(
      info.Env(), "contimg:msFlagPass", "casacore: ", [shared] { FlagPass(*shared); },
      [shared](Napi::Env env) -> Napi::Value { return ToJs(env, *shared); }, Napi::Object::New(info.Env()));
}

}  // namespace contimg
