#include "caltable_io.h"

#include <casacore/casa/Arrays/ArrayMath.h>
#include <casacore/casa/Arrays/Cube.h>
#include <casacore/casa/Arrays/Matrix.h>
#include <casacore/casa/Arrays/Vector.h>
#include <casacore/casa/OS/Path.h>
#include <casacore/measures/Measures/MEpoch.h>
#include <casacore/measures/TableMeasures/TableMeasDesc.h>
#include <casacore/measures/TableMeasures/TableMeasRefDesc.h>
#include <casacore/measures/TableMeasures/TableMeasValueDesc.h>
#include <casacore/measures/TableMeasures/TableQuantumDesc.h>
#include <casacore/ms/MeasurementSets/MSColumns.h>
#include <casacore/ms/MeasurementSets/MeasurementSet.h>
#include <casacore/tables/Tables/ArrColDesc.h>
#include <casacore/tables/Tables/ArrayColumn.h>
#include <casacore/tables/Tables/ScaColDesc.h>
#include <casacore/tables/Tables/ScalarColumn.h>
#include <casacore/tables/Tables/SetupNewTab.h>
#include <casacore/tables/Tables/TableDesc.h>
#include <casacore/tables/Tables/TableInfo.h>
#include <casacore/tables/Tables/TableRecord.h>

#include <cmath>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "async_worker.h"
#include "casacore_lock.h"

namespace contimg {
namespace {

using casacore::IPosition;

casacore::TableDesc CalMainDesc(const std::string& msName, const std::string& visCal) {
  const bool delay = IsDelayTable(visCal);
  casacore::TableDesc td(visCal, "1.0", casacore::TableDesc::Scratch);
  td.comment() = "New calibration table";
  td.rwKeywordSet().define("ParType", delay ? "Float" : "Complex");
  td.rwKeywordSet().define("MSName", msName);
  td.rwKeywordSet().define("VisCal", visCal);
  td.rwKeywordSet().define("PolBasis", "unknown");
  // CASA reads a delay table without a version as pre-5.3, pivoting on the SPW's REF_FREQUENCY;
  // any other version pivots on the channel nChan/2, as these tables are made.
  td.rwKeywordSet().define("CASA_Version", "contimg (delay pivot: channel nChan/2, as CASA >= 5.3)");
  td.addColumn(casacore::ScalarColumnDesc<double>("TIME", casacore::ColumnDesc::Direct));
  td.addColumn(casacore::ScalarColumnDesc<int>("FIELD_ID", casacore::ColumnDesc::Direct));
  td.addColumn(casacore::ScalarColumnDesc<int>("SPECTRAL_WINDOW_ID", casacore::ColumnDesc::Direct));
  td.addColumn(casacore::ScalarColumnDesc<int>("ANTENNA1", casacore::ColumnDesc::Direct));
  td.addColumn(casacore::ScalarColumnDesc<int>("ANTENNA2", casacore::ColumnDesc::Direct));
  td.addColumn(casacore::ScalarColumnDesc<double>("INTERVAL", casacore::ColumnDesc::Direct));
  td.addColumn(casacore::ScalarColumnDesc<int>("SCAN_NUMBER", casacore::ColumnDesc::Direct));
  td.addColumn(casacore::ScalarColumnDesc<int>("OBSERVATION_ID", casacore::ColumnDesc::Direct));
  if (delay) {
    td.addColumn(casacore::ArrayColumnDesc<float>("FPARAM"));
  } else {
    td.addColumn(casacore::ArrayColumnDesc<casacore::Complex>("CPARAM"));
  }
  td.addColumn(casacore::ArrayColumnDesc<float>("PARAMERR"));
  td.addColumn(casacore::ArrayColumnDesc<bool>("FLAG"));
  td.addColumn(casacore::ArrayColumnDesc<float>("SNR"));
  td.addColumn(casacore::ArrayColumnDesc<float>("WEIGHT"));
  casacore::TableMeasValueDesc timeValue(td, "TIME");
  casacore::TableMeasDesc<casacore::MEpoch> timeMeas(timeValue, casacore::TableMeasRefDesc(casacore::MEpoch::DEFAULT));
  timeMeas.write(td);
  casacore::TableQuantumDesc(td, "TIME", casacore::Unit("s")).write(td);
  casacore::TableQuantumDesc(td, "INTERVAL", casacore::Unit("s")).write(td);
  return td;
}

// A G table's SPECTRAL_WINDOW has one channel per SPW: the middle channel, the whole bandwidth.
void MakeSingleChannel(casacore::Table& spwTable) {
  casacore::ArrayColumn<double> freq(spwTable, "CHAN_FREQ"), width(spwTable, "CHAN_WIDTH"), bw(spwTable, "EFFECTIVE_BW"), res(spwTable, "RESOLUTION");
  casacore::ScalarColumn<int> numChan(spwTable, "NUM_CHAN");
  casacore::ScalarColumn<double> total(spwTable, "TOTAL_BANDWIDTH");
  for (casacore::rownr_t r = 0; r < spwTable.nrow(); ++r) {
    const casacore::Vector<double> f = freq(r);
    const casacore::Vector<double> one(1, f[f.size() / 2]);
    const casacore::Vector<double> all(1, total(r));
    freq.put(r, one);
    width.put(r, all);
    bw.put(r, all);
    res.put(r, all);
    numChan.put(r, 1);
  }
}

// A calibration table's parameters: CPARAM, or for delays FPARAM (the real parts, in ns).
class ParamColumn {
 public:
  ParamColumn(const casacore::Table& cal, bool delay) : delay_(delay) {
    if (delay) {
      real_.attach(cal, "FPARAM");
    } else {
      complex_.attach(cal, "CPARAM");
    }
  }

  casacore::Matrix<casacore::Complex> Get(casacore::rownr_t r) const {
    if (delay_) return casacore::makeComplex(real_(r), 0.0f);
    return complex_(r);
  }

  void Put(casacore::rownr_t r, const casacore::Matrix<casacore::Complex>& p) {
    if (delay_) {
      real_.put(r, casacore::real(p));
    } else {
      complex_.put(r, p);
    }
  }

 private:
  bool delay_;
  casacore::ArrayColumn<casacore::Complex> complex_;
  casacore::ArrayColumn<float> real_;
};

}  // namespace

void WriteCalTable(const std::string& path, const std::string& msPath, const CalTable& table, const std::string& history) {
  const casacore::MeasurementSet ms(msPath, casacore::Table::Old);
  const std::string msName = casacore::Path(msPath).baseName();
  casacore::SetupNewTable setup(path, CalMainDesc(msName, table.visCal), casacore::Table::NewNoReplace);
  casacore::Table cal(setup, table.rows.size());
  cal.tableInfo().setType(casacore::TableInfo::type(casacore::TableInfo::ME_CALIBRATION));
  cal.tableInfo().setSubType(table.visCal);
  cal.tableInfo().readmeAddLine("written by contimg");

  casacore::ScalarColumn<double> time(cal, "TIME"), interval(cal, "INTERVAL");
  casacore::ScalarColumn<int> field(cal, "FIELD_ID"), spw(cal, "SPECTRAL_WINDOW_ID"), ant1(cal, "ANTENNA1"), ant2(cal, "ANTENNA2"),
      scan(cal, "SCAN_NUMBER"), obs(cal, "OBSERVATION_ID");
  ParamColumn param(cal, IsDelayTable(table.visCal));
  casacore::ArrayColumn<float> err(cal, "PARAMERR"), snr(cal, "SNR"), weight(cal, "WEIGHT");
  casacore::ArrayColumn<bool> flag(cal, "FLAG");
  const IPosition shape(2, static_cast<ssize_t>(table.nPol), static_cast<ssize_t>(table.nChan));
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const CalRow& row = table.rows[r];
    time.put(r, row.time);
    interval.put(r, row.interval);
    field.put(r, row.field);
    spw.put(r, row.spw);
    ant1.put(r, row.antenna);
    ant2.put(r, row.refAntenna);
    scan.put(r, row.scan);
    obs.put(r, row.observation);
    casacore::Matrix<casacore::Complex> p(shape);
    casacore::Matrix<float> e(shape), s(shape), w(shape);
    casacore::Matrix<bool> f(shape);
    for (std::size_t k = 0; k < table.nChan; ++k)
      for (std::size_t q = 0; q < table.nPol; ++q) {
        const std::size_t i = k * table.nPol + q;
        p(q, k) = row.param[i];
        e(q, k) = row.paramErr[i];
        s(q, k) = row.snr[i];
        w(q, k) = row.weight[i];
        f(q, k) = row.flag[i];
      }
    param.Put(r, p);
    err.put(r, e);
    snr.put(r, s);
    weight.put(r, w);
    flag.put(r, f);
  }

  const std::pair<const char*, const casacore::Table*> subtables[] = {
      {"OBSERVATION", &ms.observation()}, {"ANTENNA", &ms.antenna()}, {"FIELD", &ms.field()}, {"SPECTRAL_WINDOW", &ms.spectralWindow()}};
  for (const auto& [name, source] : subtables) {
    source->deepCopy(path + "/" + name, casacore::Table::New);
    casacore::Table copy(path + "/" + name, casacore::Table::Update);
    // Single-channel SPWs for gains and delays (CASA's KJones pivots on that channel's frequency).
    if (std::string(name) == "SPECTRAL_WINDOW" && table.nChan == 1) MakeSingleChannel(copy);
    cal.rwKeywordSet().defineTable(name, copy);
  }
  casacore::SetupNewTable historySetup(path + "/HISTORY", casacore::MSHistory::requiredTableDesc(), casacore::Table::New);
  casacore::Table historyTable(historySetup, 1);
  casacore::MSHistoryColumns historyCols{casacore::MSHistory(historyTable)};
  historyCols.time().put(0, table.rows.empty() ? 0.0 : table.rows.front().time);
  historyCols.observationId().put(0, 0);
  historyCols.message().put(0, history);
  historyCols.priority().put(0, "NORMAL");
  historyCols.origin().put(0, "contimg");
  historyCols.objectId().put(0, 0);
  historyCols.application().put(0, "contimg calibrate");
  historyCols.cliCommand().put(0, casacore::Vector<casacore::String>(1, ""));
  historyCols.appParams().put(0, casacore::Vector<casacore::String>(1, ""));
  cal.rwKeywordSet().defineTable("HISTORY", historyTable);
}

CalTable ReadCalTable(const std::string& path) {
  const casacore::Table cal(path, casacore::Table::Old);
  const casacore::TableRecord& keywords = cal.keywordSet();
  const std::string parType = keywords.isDefined("ParType") ? std::string(keywords.asString("ParType")) : "";
  CalTable table;
  table.visCal = keywords.isDefined("VisCal") ? std::string(keywords.asString("VisCal")) : "";
  const bool delay = IsDelayTable(table.visCal) && parType == "Float" && cal.tableDesc().isColumn("FPARAM");
  if (!delay && (parType != "Complex" || !cal.tableDesc().isColumn("CPARAM"))) {
    throw std::runtime_error(path + ": not a calibration table with complex parameters (ParType Complex, CPARAM) or delays (K Jones, FPARAM)");
  }
  if (delay) {
    if (!keywords.isDefined("SPECTRAL_WINDOW")) throw std::runtime_error(path + ": a delay table without its SPECTRAL_WINDOW subtable");
    const casacore::Table spw = keywords.asTable("SPECTRAL_WINDOW");
    const casacore::ArrayColumn<double> freq(spw, "CHAN_FREQ");
    for (casacore::rownr_t r = 0; r < spw.nrow(); ++r) {
      const casacore::Vector<double> f = freq(r);
      table.delayPivotHz.push_back(f[f.size() / 2]);
    }
  }
  casacore::ScalarColumn<double> time(cal, "TIME"), interval(cal, "INTERVAL");
  casacore::ScalarColumn<int> field(cal, "FIELD_ID"), spw(cal, "SPECTRAL_WINDOW_ID"), ant1(cal, "ANTENNA1"), ant2(cal, "ANTENNA2");
  const ParamColumn param(cal, delay);
  casacore::ArrayColumn<bool> flag(cal, "FLAG");
  for (casacore::rownr_t r = 0; r < cal.nrow(); ++r) {
    const casacore::Matrix<casacore::Complex> p = param.Get(r);
    const casacore::Matrix<bool> f = flag(r);
    if (r == 0) {
      table.nPol = p.nrow();
      table.nChan = p.ncolumn();
    } else if (p.nrow() != table.nPol || p.ncolumn() != table.nChan) {
      throw std::runtime_error(path + ": rows with different parameter shapes are not supported");
    }
    CalRow row;
    row.time = time(r);
    row.interval = interval(r);
    row.field = field(r);
    row.spw = spw(r);
    row.antenna = ant1(r);
    row.refAntenna = ant2(r);
    for (std::size_t k = 0; k < table.nChan; ++k)
      for (std::size_t q = 0; q < table.nPol; ++q) {
        row.param.push_back(p(q, k));
        row.flag.push_back(f(q, k));
      }
    table.rows.push_back(std::move(row));
  }
  return table;
}

namespace {

struct TableContents {
  CalTable table;
  std::vector<std::string> antennaNames;
  std::vector<std::vector<double>> spwFreqHz;
};

TableContents ReadTableContents(const std::string& path) {
  TableContents contents;
  contents.table = ReadCalTable(path);
  const casacore::Table cal(path, casacore::Table::Old);
  for (const char* name : {"ANTENNA", "SPECTRAL_WINDOW"}) {
    if (!cal.keywordSet().isDefined(name)) throw std::runtime_error(path + ": no " + name + " subtable");
  }
  const casacore::Table antenna = cal.keywordSet().asTable("ANTENNA");
  const casacore::ScalarColumn<casacore::String> names(antenna, "NAME");
  for (casacore::rownr_t r = 0; r < antenna.nrow(); ++r) contents.antennaNames.push_back(names(r));
  const casacore::Table spw = cal.keywordSet().asTable("SPECTRAL_WINDOW");
  const casacore::ArrayColumn<double> freq(spw, "CHAN_FREQ");
  for (casacore::rownr_t r = 0; r < spw.nrow(); ++r) {
    const casacore::Vector<double> f = freq(r);
    contents.spwFreqHz.emplace_back(f.begin(), f.end());
  }
  return contents;
}

}  // namespace

Napi::Value CalReadTable(const Napi::CallbackInfo& info) {
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  auto contents = std::make_shared<TableContents>();
  return PromiseWorker::Start(
      info.Env(), "contimg:calReadTable", "casacore: ",
      [path, contents] {
        const std::lock_guard<std::mutex> lock(CasacoreMutex());
        *contents = ReadTableContents(path);
      },
      [contents](Napi::Env env) -> Napi::Value {
        const CalTable& t = contents->table;
        const std::size_t n = t.rows.size(), cells = t.nChan * t.nPol;
        Napi::Object out = Napi::Object::New(env);
        out.Set("visCal", t.visCal);
        out.Set("nPol", static_cast<double>(t.nPol));
        out.Set("nChan", static_cast<double>(t.nChan));
        Napi::Float64Array time = Napi::Float64Array::New(env, n);
        Napi::Int32Array spw = Napi::Int32Array::New(env, n), antenna = Napi::Int32Array::New(env, n);
        Napi::Float32Array param = Napi::Float32Array::New(env, n * cells * 2);
        Napi::Uint8Array flag = Napi::Uint8Array::New(env, n * cells);
        for (std::size_t r = 0; r < n; ++r) {
          const CalRow& row = t.rows[r];
          time[r] = row.time;
          spw[r] = row.spw;
          antenna[r] = row.antenna;
          for (std::size_t i = 0; i < cells; ++i) {
            param[2 * (r * cells + i)] = row.param[i].real();
            param[2 * (r * cells + i) + 1] = row.param[i].imag();
            flag[r * cells + i] = row.flag[i] ? 1 : 0;
          }
        }
        out.Set("timeMjdS", time);
        out.Set("spw", spw);
        out.Set("antenna", antenna);
        out.Set("cparam", param);
        out.Set("flag", flag);
        Napi::Array names = Napi::Array::New(env, contents->antennaNames.size());
        for (std::size_t a = 0; a < contents->antennaNames.size(); ++a) names.Set(static_cast<uint32_t>(a), contents->antennaNames[a]);
        out.Set("antennaNames", names);
        Napi::Array spws = Napi::Array::New(env, contents->spwFreqHz.size());
        for (std::size_t s = 0; s < contents->spwFreqHz.size(); ++s) {
          Napi::Float64Array f = Napi::Float64Array::New(env, contents->spwFreqHz[s].size());
          std::copy(contents->spwFreqHz[s].begin(), contents->spwFreqHz[s].end(), f.Data());
          spws.Set(static_cast<uint32_t>(s), f);
        }
        out.Set("spwFreqHz", spws);
        return out;
      },
      Napi::Object::New(info.Env()));
}

}  // namespace contimg
