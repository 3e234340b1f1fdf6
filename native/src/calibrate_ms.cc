#include "calibrate_ms.h"

#include <casacore/casa/Arrays/Matrix.h>
#include <casacore/casa/Arrays/Vector.h>
#include <casacore/casa/Arrays/ArrayMath.h>
#include <casacore/ms/MeasurementSets/MSColumns.h>
#include <casacore/tables/Tables/ArrayColumn.h>
#include <casacore/tables/Tables/ScalarColumn.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "async_worker.h"
#include "casacore_lock.h"

namespace contimg {

std::size_t MsLayout::nPolSolve() const {
  int highest = -1;
  for (int r : receptor) highest = std::max(highest, r);
  return static_cast<std::size_t>(highest + 1);
}

namespace {

int ReceptorOf(int stokes) {
  switch (stokes) {
    case 5:   // RR
    case 9:   // XX
      return 0;
    case 8:   // LL
    case 12:  // YY
      return 1;
    default:
      return -1;
  }
}

}  // namespace

MsLayout ReadMsLayout(const casacore::MeasurementSet& ms, const std::string& path) {
  MsLayout layout;
  const casacore::MSColumns cols(ms);
  layout.nRows = ms.nrow();
  if (layout.nRows == 0) throw std::runtime_error(path + ": the MeasurementSet has no rows");
  if (!ms.tableDesc().isColumn("DATA")) throw std::runtime_error(path + ": no DATA column");

  layout.nAnt = ms.antenna().nrow();
  for (std::size_t a = 0; a < layout.nAnt; ++a) {
    layout.antennaNames.push_back(cols.antenna().name()(a));
    const casacore::Vector<double> p = cols.antenna().position()(a);
    layout.antennaItrfM.push_back({p[0], p[1], p[2]});
  }
  layout.nSpw = ms.spectralWindow().nrow();
  for (std::size_t s = 0; s < layout.nSpw; ++s) {
    const casacore::Vector<double> f = cols.spectralWindow().chanFreq()(s);
    layout.chanFreqHz.emplace_back(f.begin(), f.end());
    if (s == 0) layout.nChan = f.size();
    if (f.size() != layout.nChan) throw std::runtime_error(path + ": spectral windows with different channel counts are not supported");
  }
  if (ms.polarization().nrow() == 0) throw std::runtime_error(path + ": empty POLARIZATION table");
  const casacore::Vector<int> corr = cols.polarization().corrType()(0);
  layout.corrType.assign(corr.begin(), corr.end());
  layout.nCorr = corr.size();
  for (int c : layout.corrType) layout.receptor.push_back(ReceptorOf(c));
  if (layout.nPolSolve() == 0) throw std::runtime_error(path + ": no parallel-hand correlations (XX, YY, RR, LL)");

  for (std::size_t f = 0; f < ms.field().nrow(); ++f) {
    const casacore::Matrix<double> dir = cols.field().phaseDir()(f);
    layout.phaseDirJ2000.push_back({dir(0, 0), dir(1, 0)});
    layout.fieldNames.push_back(cols.field().name()(f));
  }
  if (layout.phaseDirJ2000.empty()) throw std::runtime_error(path + ": empty FIELD table");

  const casacore::Vector<int> ddSpw = cols.dataDescription().spectralWindowId().getColumn();
  const casacore::Vector<int> a1 = cols.antenna1().getColumn(), a2 = cols.antenna2().getColumn();
  const casacore::Vector<int> dd = cols.dataDescId().getColumn(), fld = cols.fieldId().getColumn(), scan = cols.scanNumber().getColumn();
  const casacore::Vector<bool> flagRow = cols.flagRow().getColumn();
  const casacore::Vector<double> time = cols.time().getColumn(), interval = cols.interval().getColumn();
  layout.ant1.assign(a1.begin(), a1.end());
  layout.ant2.assign(a2.begin(), a2.end());
  layout.field.assign(fld.begin(), fld.end());
  layout.scan.assign(scan.begin(), scan.end());
  layout.flagRow.assign(flagRow.begin(), flagRow.end());
  layout.spw.resize(layout.nRows);
  for (std::size_t r = 0; r < layout.nRows; ++r) {
    if (dd[r] < 0 || static_cast<std::size_t>(dd[r]) >= ddSpw.size()) throw std::runtime_error(path + ": DATA_DESC_ID out of range at row " + std::to_string(r));
    layout.spw[r] = ddSpw[dd[r]];
  }
  layout.times.assign(time.begin(), time.end());
  std::sort(layout.times.begin(), layout.times.end());
  // Integrations closer than 1 ms are one time (rows of one block share TIME exactly).
  layout.times.erase(std::unique(layout.times.begin(), layout.times.end(), [](double a, double b) { return std::abs(a - b) < 1e-3; }),
                     layout.times.end());
  layout.timeIndex.resize(layout.nRows);
  for (std::size_t r = 0; r < layout.nRows; ++r) {
    const auto it = std::lower_bound(layout.times.begin(), layout.times.end(), time[r] - 1e-3);
    layout.timeIndex[r] = static_cast<int32_t>(it - layout.times.begin());
  }
  layout.interval = interval[0];
  layout.hasWeightSpectrum = ms.tableDesc().isColumn("WEIGHT_SPECTRUM") &&
                             casacore::ArrayColumn<float>(ms, "WEIGHT_SPECTRUM").isDefined(0);
  return layout;
}

std::size_t ChunkRows(const MsLayout& layout, std::size_t bytes) {
  const std::size_t rowBytes = std::max<std::size_t>(1, layout.nCorr * layout.nChan * 8);
  const std::size_t rows = std::max<std::size_t>(1, bytes / rowBytes);
  // Whole integrations when every integration has the same rows (the MS writer's tiles never
  // straddle one), so no tile is read or written twice.
  const std::size_t nTimes = layout.times.size();
  if (nTimes == 0 || layout.nRows % nTimes != 0) return rows;
  const std::size_t block = layout.nRows / nTimes;
  return std::max<std::size_t>(1, rows / block) * block;
}

casacore::Cube<float> ReadCellWeights(const casacore::MeasurementSet& ms, const MsLayout& layout, std::size_t row0, std::size_t n) {
  const casacore::Slice rows(row0, n);
  if (layout.hasWeightSpectrum) return casacore::ArrayColumn<float>(ms, "WEIGHT_SPECTRUM").getColumnRange(rows);
  const casacore::Matrix<float> weight = casacore::ArrayColumn<float>(ms, "WEIGHT").getColumnRange(rows);
  casacore::Cube<float> cells(layout.nCorr, layout.nChan, n);
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t k = 0; k < layout.nChan; ++k)
      for (std::size_t c = 0; c < layout.nCorr; ++c) cells(c, k, r) = weight(c, r);
  return cells;
}

Napi::Value CalMsInfo(const Napi::CallbackInfo& info) {
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  auto layout = std::make_shared<MsLayout>();
  return PromiseWorker::Start(
      info.Env(), "contimg:calMsInfo", "casacore: ",
      [path, layout] {
        const std::lock_guard<std::mutex> lock(CasacoreMutex());
        const casacore::MeasurementSet ms(path, casacore::Table::Old);
        *layout = ReadMsLayout(ms, path);
      },
      [layout](Napi::Env env) -> Napi::Value {
        const MsLayout& l = *layout;
        Napi::Object out = Napi::Object::New(env);
        out.Set("rows", static_cast<double>(l.nRows));
        Napi::Array names = Napi::Array::New(env, l.nAnt);
        for (std::size_t a = 0; a < l.nAnt; ++a) names.Set(static_cast<uint32_t>(a), l.antennaNames[a]);
        out.Set("antennaNames", names);
        Napi::Float64Array times = Napi::Float64Array::New(env, l.times.size());
        std::copy(l.times.begin(), l.times.end(), times.Data());
        out.Set("timesMjdS", times);
        out.Set("integrationS", l.interval);
        Napi::Array spws = Napi::Array::New(env, l.nSpw);
        for (std::size_t s = 0; s < l.nSpw; ++s) {
          Napi::Float64Array f = Napi::Float64Array::New(env, l.nChan);
          std::copy(l.chanFreqHz[s].begin(), l.chanFreqHz[s].end(), f.Data());
          spws.Set(static_cast<uint32_t>(s), f);
        }
        out.Set("spwFreqHz", spws);
        Napi::Int32Array corr = Napi::Int32Array::New(env, l.nCorr);
        std::copy(l.corrType.begin(), l.corrType.end(), corr.Data());
        out.Set("corrTypes", corr);
        Napi::Array fields = Napi::Array::New(env, l.phaseDirJ2000.size());
        for (std::size_t f = 0; f < l.phaseDirJ2000.size(); ++f) {
          Napi::Object field = Napi::Object::New(env);
          field.Set("name", l.fieldNames[f]);
          field.Set("raRad", l.phaseDirJ2000[f][0]);
          field.Set("decRad", l.phaseDirJ2000[f][1]);
          fields.Set(static_cast<uint32_t>(f), field);
        }
        out.Set("fields", fields);
        return out;
      },
      Napi::Object::New(info.Env()));
}

}  // namespace contimg
