#include "merge_spws.h"

#include <casacore/casa/Arrays/ArrayLogical.h>
#include <casacore/casa/Arrays/ArrayMath.h>
#include <casacore/casa/Arrays/Cube.h>
#include <casacore/casa/Arrays/Matrix.h>
#include <casacore/casa/Arrays/Vector.h>
#include <casacore/casa/Containers/Block.h>
#include <casacore/ms/MeasurementSets/MeasurementSet.h>
#include <casacore/tables/DataMan/TiledColumnStMan.h>
#include <casacore/tables/Tables/ArrColDesc.h>
#include <casacore/tables/Tables/ArrayColumn.h>
#include <casacore/tables/Tables/RefRows.h>
#include <casacore/tables/Tables/ScalarColumn.h>
#include <casacore/tables/Tables/SetupNewTab.h>
#include <casacore/tables/Tables/Table.h>
#include <casacore/tables/Tables/TableColumn.h>
#include <casacore/tables/Tables/TableRecord.h>
#include <casacore/tables/Tables/TableDesc.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "async_worker.h"
#include "casacore_lock.h"

namespace contimg {
namespace {

using casacore::IPosition;
using casacore::rownr_t;

struct MergeSpec {
  std::string input, output, column;
};

struct MergeResult {
  std::size_t rows = 0, spws = 0, channels = 0;
};

// The columns whose cells hold one value per channel: merged along the channel axis.
const std::set<std::string> kSpectralColumns = {"DATA", "MODEL_DATA", "CORRECTED_DATA", "FLAG", "WEIGHT_SPECTRUM", "FLAG_CATEGORY"};
constexpr std::size_t kChunkRows = 8192;

struct SpwLayout {
  std::vector<int> order;         // spectral windows by first channel frequency
  std::vector<int> spwOfDataDesc;  // DATA_DESCRIPTION row → spectral window
  int polarizationId = 0;
  std::size_t channelsPerSpw = 0;
};

SpwLayout LayoutOf(const casacore::MeasurementSet& ms) {
  SpwLayout layout;
  const casacore::Table spw = ms.spectralWindow(), dd = ms.dataDescription();
  const casacore::Vector<int> numChan = casacore::ScalarColumn<int>(spw, "NUM_CHAN").getColumn();
  const casacore::ArrayColumn<double> chanFreq(spw, "CHAN_FREQ"), chanWidth(spw, "CHAN_WIDTH");
  if (dd.nrow() != spw.nrow()) throw std::runtime_error("needs one data description per spectral window, found " + std::to_string(dd.nrow()) + " for " + std::to_string(spw.nrow()));
  const casacore::Vector<int> spwId = casacore::ScalarColumn<int>(dd, "SPECTRAL_WINDOW_ID").getColumn();
  const casacore::Vector<int> polId = casacore::ScalarColumn<int>(dd, "POLARIZATION_ID").getColumn();
  layout.spwOfDataDesc.assign(spwId.begin(), spwId.end());
  layout.polarizationId = polId(0);
  layout.channelsPerSpw = static_cast<std::size_t>(numChan(0));
  for (rownr_t i = 0; i < spw.nrow(); ++i) {
    if (static_cast<std::size_t>(numChan(i)) != layout.channelsPerSpw) throw std::runtime_error("spectral windows have different channel counts");
    if (polId(i) != layout.polarizationId) throw std::runtime_error("data descriptions have different polarization setups");
    const casacore::Vector<double> width = chanWidth(i);
    if (casacore::anyLE(width, 0.0)) throw std::runtime_error("spectral window " + std::to_string(i) + " has channels of descending frequency");
  }
  layout.order.resize(spw.nrow());
  std::iota(layout.order.begin(), layout.order.end(), 0);
  std::vector<casacore::Vector<double>> freqs;
  for (rownr_t i = 0; i < spw.nrow(); ++i) freqs.emplace_back(chanFreq(i));
  std::sort(layout.order.begin(), layout.order.end(), [&](int a, int b) { return freqs[static_cast<std::size_t>(a)](0) < freqs[static_cast<std::size_t>(b)](0); });
  for (std::size_t k = 1; k < layout.order.size(); ++k) {
    const casacore::Vector<double>& previous = freqs[static_cast<std::size_t>(layout.order[k - 1])];
    if (previous(previous.size() - 1) >= freqs[static_cast<std::size_t>(layout.order[k])](0)) throw std::runtime_error("spectral windows overlap in frequency");
  }
  return layout;
}

// rows[k][s]: the input row of output row k in the s-th spectral window by frequency. Every
// (time, antenna pair) must have one row in every window.
std::vector<std::vector<rownr_t>> RowsOf(const casacore::MeasurementSet& ms, const SpwLayout& layout) {
  const casacore::Vector<double> time = casacore::ScalarColumn<double>(ms, "TIME").getColumn();
  const casacore::Vector<int> a1 = casacore::ScalarColumn<int>(ms, "ANTENNA1").getColumn(), a2 = casacore::ScalarColumn<int>(ms, "ANTENNA2").getColumn();
  const casacore::Vector<int> dd = casacore::ScalarColumn<int>(ms, "DATA_DESC_ID").getColumn();
  std::vector<int> rank(layout.order.size());
  for (std::size_t k = 0; k < layout.order.size(); ++k) rank[static_cast<std::size_t>(layout.order[k])] = static_cast<int>(k);
  std::vector<rownr_t> sorted(ms.nrow());
  std::iota(sorted.begin(), sorted.end(), rownr_t{0});
  const auto key = [&](rownr_t r) { return std::make_tuple(time(r), a1(r), a2(r), rank[static_cast<std::size_t>(layout.spwOfDataDesc.at(static_cast<std::size_t>(dd(r))))]); };
  std::sort(sorted.begin(), sorted.end(), [&](rownr_t x, rownr_t y) { return key(x) < key(y); });
  const std::size_t nSpw = layout.order.size();
  if (sorted.size() % nSpw != 0) throw std::runtime_error("the spectral windows have different numbers of rows");
  std::vector<std::vector<rownr_t>> rows(sorted.size() / nSpw);
  for (std::size_t k = 0; k < rows.size(); ++k) {
    rows[k].assign(sorted.begin() + static_cast<std::ptrdiff_t>(k * nSpw), sorted.begin() + static_cast<std::ptrdiff_t>((k + 1) * nSpw));
    for (std::size_t s = 0; s < nSpw; ++s) {
      const rownr_t r = rows[k][s], first = rows[k][0];
      if (std::get<3>(key(r)) != static_cast<int>(s) || time(r) != time(first) || a1(r) != a1(first) || a2(r) != a2(first)) {
        throw std::runtime_error("row " + std::to_string(r) + " has no partner in every spectral window (same TIME, ANTENNA1, ANTENNA2)");
      }
    }
  }
  return rows;
}

template <typename T>
void AddTiledColumn(casacore::Table& table, const std::string& name, const IPosition& cell) {
  casacore::TableDesc desc;
  desc.addColumn(casacore::ArrayColumnDesc<T>(name, cell, casacore::ColumnDesc::FixedShape));
  casacore::TiledColumnStMan tiled("Tiled" + name, IPosition(3, cell[0], cell[1], std::max<ssize_t>(1, 32768 / cell[1])));
  table.addColumn(desc, tiled);
}

// Concatenates one spectral column of every window, in frequency order, into `out` for output rows [first, first + n).
template <typename T>
void MergeCells(const casacore::ArrayColumn<T>& in, casacore::ArrayColumn<T>& out, const std::vector<std::vector<rownr_t>>& rows, std::size_t first, std::size_t n, std::size_t channels) {
  const std::size_t nSpw = rows[first].size();
  casacore::Cube<T> merged;
  for (std::size_t s = 0; s < nSpw; ++s) {
    casacore::Vector<rownr_t> picks(n);
    for (std::size_t k = 0; k < n; ++k) picks(k) = rows[first + k][s];
    const casacore::Cube<T> part = in.getColumnCells(casacore::RefRows(picks));
    if (merged.empty()) merged.resize(part.shape()[0], static_cast<ssize_t>(channels * nSpw), static_cast<ssize_t>(n));
    const ssize_t c0 = static_cast<ssize_t>(s * channels);
    merged(IPosition(3, 0, c0, 0), IPosition(3, part.shape()[0] - 1, c0 + static_cast<ssize_t>(channels) - 1, static_cast<ssize_t>(n) - 1)) = part;
  }
  out.putColumnRange(casacore::Slicer(IPosition(1, static_cast<ssize_t>(first)), IPosition(1, static_cast<ssize_t>(n))), merged);
}

void MergeSpectralWindows(const std::string& output, const casacore::MeasurementSet& in, const SpwLayout& layout) {
  casacore::Table spw(output + "/SPECTRAL_WINDOW", casacore::Table::Update), dd(output + "/DATA_DESCRIPTION", casacore::Table::Update);
  const casacore::ArrayColumn<double> inColumns[] = {{in.spectralWindow(), "CHAN_FREQ"}, {in.spectralWindow(), "CHAN_WIDTH"}, {in.spectralWindow(), "EFFECTIVE_BW"}, {in.spectralWindow(), "RESOLUTION"}};
  const char* names[] = {"CHAN_FREQ", "CHAN_WIDTH", "EFFECTIVE_BW", "RESOLUTION"};
  for (std::size_t c = 0; c < 4; ++c) {
    std::vector<double> joined;
    for (const int s : layout.order) {
      const casacore::Vector<double> part = inColumns[c](static_cast<rownr_t>(s));
      joined.insert(joined.end(), part.begin(), part.end());
    }
    casacore::ArrayColumn<double>(spw, names[c]).put(0, casacore::Vector<double>(joined));
  }
  const casacore::Vector<double> widths = casacore::ArrayColumn<double>(spw, "CHAN_WIDTH")(0);
  casacore::ScalarColumn<int>(spw, "NUM_CHAN").put(0, static_cast<int>(widths.size()));
  casacore::ScalarColumn<double>(spw, "TOTAL_BANDWIDTH").put(0, casacore::sum(widths));
  const casacore::Vector<double> freqs = casacore::ArrayColumn<double>(spw, "CHAN_FREQ")(0);
  casacore::ScalarColumn<double>(spw, "REF_FREQUENCY").put(0, freqs(0));
  casacore::ScalarColumn<int>(dd, "SPECTRAL_WINDOW_ID").put(0, 0);
  casacore::ScalarColumn<int>(dd, "POLARIZATION_ID").put(0, layout.polarizationId);
  std::vector<rownr_t> extra(spw.nrow() - 1);
  std::iota(extra.begin(), extra.end(), rownr_t{1});
  spw.removeRow(casacore::RowNumbers(casacore::Vector<rownr_t>(extra)));
  dd.removeRow(casacore::RowNumbers(casacore::Vector<rownr_t>(extra)));
}

MergeResult Merge(const MergeSpec& spec) {
  const std::lock_guard<std::mutex> lock(CasacoreMutex());
  const casacore::MeasurementSet in(spec.input, casacore::Table::Old);
  if (!in.tableDesc().isColumn(spec.column)) throw std::runtime_error(spec.input + " has no " + spec.column + " column");
  const SpwLayout layout = LayoutOf(in);
  const auto rows = RowsOf(in, layout);
  const std::size_t nSpw = layout.order.size(), channels = layout.channelsPerSpw, total = channels * nSpw;

  // The per-row columns come from the first window's rows, subtables and all; the spectral ones are built anew.
  std::vector<casacore::String> names;
  for (const casacore::String& name : in.tableDesc().columnNames()) {
    if (kSpectralColumns.count(name) == 0) names.push_back(name);
  }
  casacore::Block<casacore::String> kept(names.size());
  std::copy(names.begin(), names.end(), kept.begin());
  casacore::Vector<rownr_t> firstRows(rows.size());
  for (std::size_t k = 0; k < rows.size(); ++k) firstRows(k) = rows[k][0];
  in(firstRows).project(kept).deepCopy(spec.output, casacore::Table::NewNoReplace, true);

  // A plain table until FLAG_CATEGORY is back: a MeasurementSet must have it.
  casacore::Table out(spec.output, casacore::Table::Update);
  const IPosition cellShape = casacore::ArrayColumn<bool>(in, "FLAG").shape(0);
  const IPosition cell(2, cellShape[0], static_cast<ssize_t>(total));
  AddTiledColumn<casacore::Complex>(out, "DATA", cell);
  AddTiledColumn<bool>(out, "FLAG", cell);
  const bool weights = in.tableDesc().isColumn("WEIGHT_SPECTRUM") && casacore::ArrayColumn<float>(in, "WEIGHT_SPECTRUM").isDefined(0);
  if (weights) AddTiledColumn<float>(out, "WEIGHT_SPECTRUM", cell);
  casacore::TableDesc category;
  casacore::MeasurementSet::addColumnToDesc(category, casacore::MeasurementSet::FLAG_CATEGORY, 3);
  out.addColumn(category[0]);
  casacore::TableColumn(out, "FLAG_CATEGORY").rwKeywordSet().define("CATEGORY", casacore::Vector<casacore::String>());

  const casacore::ArrayColumn<casacore::Complex> inData(in, spec.column);
  const casacore::ArrayColumn<bool> inFlag(in, "FLAG");
  casacore::ArrayColumn<casacore::Complex> outData(out, "DATA");
  casacore::ArrayColumn<bool> outFlag(out, "FLAG");
  std::unique_ptr<casacore::ArrayColumn<float>> inWeight, outWeight;
  if (weights) inWeight = std::make_unique<casacore::ArrayColumn<float>>(in, "WEIGHT_SPECTRUM"), outWeight = std::make_unique<casacore::ArrayColumn<float>>(out, "WEIGHT_SPECTRUM");
  for (std::size_t first = 0; first < rows.size(); first += kChunkRows) {
    const std::size_t n = std::min(kChunkRows, rows.size() - first);
    MergeCells(inData, outData, rows, first, n, channels);
    MergeCells(inFlag, outFlag, rows, first, n, channels);
    if (weights) MergeCells(*inWeight, *outWeight, rows, first, n, channels);
  }
  // A row is flagged only where every window flagged it. WEIGHT stays the first window's: the imager weighs by WEIGHT_SPECTRUM.
  const casacore::Vector<bool> inFlagRow = casacore::ScalarColumn<bool>(in, "FLAG_ROW").getColumn();
  casacore::Vector<bool> flagRow(rows.size());
  for (std::size_t k = 0; k < rows.size(); ++k) flagRow(k) = std::all_of(rows[k].begin(), rows[k].end(), [&](rownr_t r) { return inFlagRow(r); });
  casacore::ScalarColumn<bool>(out, "FLAG_ROW").putColumn(flagRow);
  casacore::ScalarColumn<int>(out, "DATA_DESC_ID").putColumn(casacore::Vector<int>(rows.size(), 0));
  MergeSpectralWindows(spec.output, in, layout);
  return {rows.size(), nSpw, total};
}

}  // namespace

Napi::Value MsMergeSpws(const Napi::CallbackInfo& info) {
  const Napi::Object js = info[0].As<Napi::Object>();
  auto spec = std::make_shared<MergeSpec>();
  spec->input = js.Get("input").As<Napi::String>().Utf8Value();
  spec->output = js.Get("output").As<Napi::String>().Utf8Value();
  spec->column = js.Get("column").As<Napi::String>().Utf8Value();
  auto result = std::make_shared<MergeResult>();
  return PromiseWorker::Start(
      info.Env(), "contimg:msMergeSpws", "casacore: ", [spec, result] { *result = Merge(*spec); },
      [result](Napi::Env env) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("rows", static_cast<double>(result->rows));
        out.Set("spws", static_cast<double>(result->spws));
        out.Set("channels", static_cast<double>(result->channels));
        return out;
      },
      js);
}

}  // namespace contimg
