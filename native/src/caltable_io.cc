#include "caltable_io.h"

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

#include <stdexcept>

namespace contimg {
namespace {

using casacore::IPosition;

casacore::TableDesc CalMainDesc(const std::string& msName, const std::string& visCal) {
  casacore::TableDesc td(visCal, "1.0", casacore::TableDesc::Scratch);
  td.comment() = "New calibration table";
  td.rwKeywordSet().define("ParType", "Complex");
  td.rwKeywordSet().define("MSName", msName);
  td.rwKeywordSet().define("VisCal", visCal);
  td.rwKeywordSet().define("PolBasis", "unknown");
  td.addColumn(casacore::ScalarColumnDesc<double>("TIME", casacore::ColumnDesc::Direct));
  td.addColumn(casacore::ScalarColumnDesc<int>("FIELD_ID", casacore::ColumnDesc::Direct));
  td.addColumn(casacore::ScalarColumnDesc<int>("SPECTRAL_WINDOW_ID", casacore::ColumnDesc::Direct));
  td.addColumn(casacore::ScalarColumnDesc<int>("ANTENNA1", casacore::ColumnDesc::Direct));
  td.addColumn(casacore::ScalarColumnDesc<int>("ANTENNA2", casacore::ColumnDesc::Direct));
  td.addColumn(casacore::ScalarColumnDesc<double>("INTERVAL", casacore::ColumnDesc::Direct));
  td.addColumn(casacore::ScalarColumnDesc<int>("SCAN_NUMBER", casacore::ColumnDesc::Direct));
  td.addColumn(casacore::ScalarColumnDesc<int>("OBSERVATION_ID", casacore::ColumnDesc::Direct));
  td.addColumn(casacore::ArrayColumnDesc<casacore::Complex>("CPARAM"));
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
  casacore::ArrayColumn<casacore::Complex> param(cal, "CPARAM");
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
    param.put(r, p);
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
  if (!cal.keywordSet().isDefined("ParType") || cal.keywordSet().asString("ParType") != "Complex" || !cal.tableDesc().isColumn("CPARAM")) {
    throw std::runtime_error(path + ": not a calibration table with complex parameters (ParType Complex, CPARAM)");
  }
  CalTable table;
  table.visCal = cal.keywordSet().isDefined("VisCal") ? std::string(cal.keywordSet().asString("VisCal")) : "";
  casacore::ScalarColumn<double> time(cal, "TIME"), interval(cal, "INTERVAL");
  casacore::ScalarColumn<int> field(cal, "FIELD_ID"), spw(cal, "SPECTRAL_WINDOW_ID"), ant1(cal, "ANTENNA1"), ant2(cal, "ANTENNA2");
  casacore::ArrayColumn<casacore::Complex> param(cal, "CPARAM");
  casacore::ArrayColumn<bool> flag(cal, "FLAG");
  for (casacore::rownr_t r = 0; r < cal.nrow(); ++r) {
    const casacore::Matrix<casacore::Complex> p = param(r);
    const casacore::Matrix<bool> f = flag(r);
    if (r == 0) {
      table.nPol = p.nrow();
      table.nChan = p.ncolumn();
    } else if (p.nrow() != table.nPol || p.ncolumn() != table.nChan) {
      throw std::runtime_error(path + ": rows with different CPARAM shapes are not supported");
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

}  // namespace contimg
