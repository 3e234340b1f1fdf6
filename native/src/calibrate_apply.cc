#include "calibrate_apply.h"

#include <casacore/casa/Arrays/Cube.h>
#include <casacore/casa/Arrays/Matrix.h>
#include <casacore/tables/Tables/ArrayColumn.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "async_worker.h"
#include "calibrate_ms.h"
#include "caltable_io.h"
#include "casacore_lock.h"

namespace contimg {
namespace {

using Cx = std::complex<double>;

struct TableSpec {
  std::string path;
  bool linear = false;
};

struct ApplySpec {
  std::string msPath;
  std::vector<TableSpec> tables;
  int threads = 1;
};

struct ApplyResult {
  double cells = 0, flaggedBefore = 0, flaggedAfter = 0, unflagged = 0, unflaggedNonZeroFinite = 0;
};

// Receptors (of antenna 1, of antenna 2) of a correlation.
std::pair<int, int> Receptors(int stokes) {
  switch (stokes) {
    case 5: case 9: return {0, 0};
    case 6: case 10: return {0, 1};
    case 7: case 11: return {1, 0};
    case 8: case 12: return {1, 1};
    default: throw std::runtime_error("correlation type " + std::to_string(stokes) + " is not a linear or circular product");
  }
}

Cx Interpolate(const Cx& a, const Cx& b, double f) {
  const double amp = (1 - f) * std::abs(a) + f * std::abs(b);
  return std::polar(amp, std::arg(a) + f * std::arg(b * std::conj(a)));
}

// The product of every table's gains: [time][spw][antenna][chan][receptor], with a validity flag.
class Jones {
 public:
  Jones(const MsLayout& layout) : layout_(layout), nT_(layout.times.size()) {
    value_.assign(nT_ * layout.nSpw * layout.nAnt * layout.nChan * 2, Cx(1, 0));
    ok_.assign(value_.size(), 1);
  }

  // A table with one channel (gains) is looked up once per (SPW, antenna, time, receptor) and holds
  // for every channel; (SPW, antenna) pairs are independent, so threads share them out.
  void Multiply(const CalTable& table, const TableSpec& spec, int threads) {
    if (IsDelayTable(table.visCal)) {
      MultiplyDelays(table, spec);
      return;
    }
    if (table.nChan != 1 && table.nChan != layout_.nChan) {
      throw std::runtime_error(spec.path + ": " + std::to_string(table.nChan) + " channels per solution; the MS has " + std::to_string(layout_.nChan));
    }
    if (table.nPol < 1 || table.nPol > 2) throw std::runtime_error(spec.path + ": " + std::to_string(table.nPol) + " polarisations per solution");
    // Rows by (spw, antenna), in time order.
    std::map<std::pair<int, int>, std::vector<const CalRow*>> rows;
    for (const CalRow& row : table.rows) rows[{row.spw, row.antenna}].push_back(&row);
    for (auto& [key, list] : rows) std::sort(list.begin(), list.end(), [](const CalRow* a, const CalRow* b) { return a->time < b->time; });
    std::vector<const std::vector<const CalRow*>*> lists(layout_.nSpw * layout_.nAnt, nullptr);
    for (const auto& [key, list] : rows) {
      const auto [s, a] = key;
      if (s >= 0 && a >= 0 && static_cast<std::size_t>(s) < layout_.nSpw && static_cast<std::size_t>(a) < layout_.nAnt) lists[s * layout_.nAnt + a] = &list;
    }
    const std::size_t spread = table.nChan == 1 ? layout_.nChan : 1;
    ParallelFor(lists.size(), threads, [&](std::size_t begin, std::size_t end) {
      for (std::size_t sa = begin; sa < end; ++sa) {
        const std::size_t s = sa / layout_.nAnt, a = sa % layout_.nAnt;
        for (std::size_t t = 0; t < nT_; ++t)
          for (std::size_t ks = 0; ks < table.nChan; ++ks)
            for (std::size_t q = 0; q < 2; ++q) {
              Cx g;
              const bool ok = lists[sa] != nullptr && Lookup(*lists[sa], table, spec.linear, layout_.times[t], ks, table.nPol == 1 ? 0 : q, g);
              for (std::size_t k = ks * spread; k < (ks + 1) * spread; ++k) {
                const std::size_t i = Index(t, s, a, k, q);
                if (ok) {
                  value_[i] *= g;
                } else {
                  ok_[i] = 0;
                }
              }
            }
      }
    });
  }

  // A delay table: per (SPW, antenna, receptor) one delay τ (ns), the phasor e^{2πiτ(ν - ν_pivot)} per
  // channel, as CASA's KJones; SPWs and antennas without a solution are flagged.
  void MultiplyDelays(const CalTable& table, const TableSpec& spec) {
    if (table.nChan != 1 || table.nPol < 1 || table.nPol > 2) throw std::runtime_error(spec.path + ": a delay table needs one value per polarisation");
    std::vector<uint8_t> seen(layout_.nSpw * layout_.nAnt, 0);
    for (const CalRow& row : table.rows) {
      const std::size_t s = static_cast<std::size_t>(row.spw), a = static_cast<std::size_t>(row.antenna);
      if (s >= layout_.nSpw || a >= layout_.nAnt) continue;
      if (s >= table.delayPivotHz.size()) throw std::runtime_error(spec.path + ": SPW " + std::to_string(s) + " is not in its SPECTRAL_WINDOW");
      if (seen[s * layout_.nAnt + a]++) throw std::runtime_error(spec.path + ": more than one delay for SPW " + std::to_string(s) + ", antenna " + std::to_string(a));
      for (std::size_t q = 0; q < 2; ++q) {
        const std::size_t p = table.nPol == 1 ? 0 : q;
        const bool flagged = row.flag[p];
        const double ns = row.param[p].real();
        for (std::size_t k = 0; k < layout_.nChan; ++k) {
          const Cx phasor = std::polar(1.0, 2 * M_PI * ns * 1e-9 * (layout_.chanFreqHz[s][k] - table.delayPivotHz[s]));
          for (std::size_t t = 0; t < nT_; ++t) {
            const std::size_t i = Index(t, s, a, k, q);
            if (flagged) {
              ok_[i] = 0;
            } else {
              value_[i] *= phasor;
            }
          }
        }
      }
    }
    for (std::size_t s = 0; s < layout_.nSpw; ++s)
      for (std::size_t a = 0; a < layout_.nAnt; ++a) {
        if (seen[s * layout_.nAnt + a]) continue;
        for (std::size_t t = 0; t < nT_; ++t)
          for (std::size_t k = 0; k < layout_.nChan; ++k)
            for (std::size_t q = 0; q < 2; ++q) ok_[Index(t, s, a, k, q)] = 0;
      }
  }

  // The gains of antenna a at integration t in SPW s, [chan][receptor], and their validity.
  const Cx* Values(std::size_t t, std::size_t s, std::size_t a) const { return &value_[Index(t, s, a, 0, 0)]; }
  const uint8_t* Oks(std::size_t t, std::size_t s, std::size_t a) const { return &ok_[Index(t, s, a, 0, 0)]; }

 private:
  std::size_t Index(std::size_t t, std::size_t s, std::size_t a, std::size_t k, std::size_t q) const {
    return (((t * layout_.nSpw + s) * layout_.nAnt + a) * layout_.nChan + k) * 2 + q;
  }

  // The solution at `time` from the unflagged rows: the nearest, or linear between the two around it
  // (held at the ends).
  static bool Lookup(const std::vector<const CalRow*>& list, const CalTable& table, bool linear, double time, std::size_t k, std::size_t q, Cx& out) {
    const std::size_t i = k * table.nPol + q;
    const CalRow* before = nullptr;
    const CalRow* after = nullptr;
    for (const CalRow* row : list) {
      if (row->flag[i]) continue;
      if (row->time <= time) before = row;
      if (row->time >= time && after == nullptr) after = row;
    }
    if (before == nullptr && after == nullptr) return false;
    const Cx b = before ? Cx(before->param[i]) : Cx(), a = after ? Cx(after->param[i]) : Cx();
    if (before == nullptr || after == nullptr || before == after) {
      out = before ? b : a;
    } else if (!linear) {
      out = time - before->time <= after->time - time ? b : a;
    } else {
      out = Interpolate(b, a, (time - before->time) / (after->time - before->time));
    }
    return std::isfinite(out.real()) && std::isfinite(out.imag()) && std::abs(out) > 0;
  }

  const MsLayout& layout_;
  std::size_t nT_;
  std::vector<Cx> value_;
  std::vector<uint8_t> ok_;
};

// One chunk of rows in flight: read, corrected, written. Its arrays are reused from chunk to chunk.
struct Chunk {
  std::size_t row0 = 0, n = 0;
  casacore::Cube<casacore::Complex> data, corrected;
  casacore::Cube<bool> flag;
  casacore::Matrix<float> sigma, rowWeight;
  casacore::Cube<float> weight;
  bool newFlags = false;  // FLAG is written back only when the apply flagged something
};

// Reads DATA, FLAG and SIGMA of rows [row0, row0 + n) into `chunk`. The caller holds CasacoreMutex().
void ReadChunk(const casacore::MeasurementSet& ms, std::size_t row0, std::size_t n, Chunk& chunk) {
  chunk.row0 = row0;
  chunk.n = n;
  const casacore::Slicer rows(casacore::IPosition(1, static_cast<ssize_t>(row0)), casacore::IPosition(1, static_cast<ssize_t>(n)));
  casacore::ArrayColumn<casacore::Complex>(ms, "DATA").getColumnRange(rows, chunk.data, true);
  casacore::ArrayColumn<bool>(ms, "FLAG").getColumnRange(rows, chunk.flag, true);
  casacore::ArrayColumn<float>(ms, "SIGMA").getColumnRange(rows, chunk.sigma, true);
}

// Writes CORRECTED_DATA, the weights and (when changed) FLAG of a corrected chunk. The caller holds CasacoreMutex().
void WriteChunk(casacore::MeasurementSet& ms, const MsLayout& layout, const Chunk& chunk) {
  const casacore::Slice rows(chunk.row0, chunk.n);
  casacore::ArrayColumn<casacore::Complex>(ms, "CORRECTED_DATA").putColumnRange(rows, chunk.corrected);
  if (chunk.newFlags) casacore::ArrayColumn<bool>(ms, "FLAG").putColumnRange(rows, chunk.flag);
  if (layout.hasWeightSpectrum) casacore::ArrayColumn<float>(ms, "WEIGHT_SPECTRUM").putColumnRange(rows, chunk.weight);
  casacore::ArrayColumn<float>(ms, "WEIGHT").putColumnRange(rows, chunk.rowWeight);
}

// Cell counts, exact as integers.
struct Counts {
  std::uint64_t cells = 0, flaggedBefore = 0, flaggedAfter = 0, unflagged = 0, unflaggedNonZeroFinite = 0;
  bool newFlags = false;
};

// CORRECTED_DATA, weights and flags of rows [begin, end) of a chunk (no casacore table calls). The
// arrays are contiguous, [row][chan][corr] with corr fastest; one correlation's channels are walked
// with everything per correlation in registers.
Counts CorrectRows(Chunk& chunk, const MsLayout& layout, const Jones& jones, const std::vector<std::pair<int, int>>& receptors, std::size_t begin, std::size_t end) {
  const std::size_t nCorr = layout.nCorr, nChan = layout.nChan;
  std::uint64_t flaggedBefore = 0, flaggedAfter = 0, nonZeroFinite = 0;
  bool newFlags = false;
  for (std::size_t r = begin; r < end; ++r) {
    const std::size_t row = chunk.row0 + r, t = layout.timeIndex[row], s = layout.spw[row];
    const std::size_t ai = layout.ant1[row], aj = layout.ant2[row];
    for (std::size_t c = 0; c < nCorr; ++c) {
      const auto [qi, qj] = receptors[c];
      const Cx* __restrict gI = jones.Values(t, s, ai) + qi;
      const Cx* __restrict gJ = jones.Values(t, s, aj) + qj;
      const uint8_t* __restrict okI = jones.Oks(t, s, ai) + qi;
      const uint8_t* __restrict okJ = jones.Oks(t, s, aj) + qj;
      const std::size_t cell0 = r * nChan * nCorr + c;
      const casacore::Complex* __restrict data = chunk.data.data() + cell0;
      bool* __restrict flag = chunk.flag.data() + cell0;
      casacore::Complex* __restrict corrected = chunk.corrected.data() + cell0;
      float* __restrict weight = chunk.weight.data() + cell0;
      // Weights start from DATA's SIGMA (as CASA's calwt does), so applying again gives the same weights.
      const double sd = chunk.sigma.data()[r * nCorr + c];
      const double sigmaWeight = sd > 0 ? 1.0 / (sd * sd) : 0.0;
      double weightSum = 0, unflagged = 0;
      for (std::size_t k = 0; k < nChan; ++k) {
        const std::size_t i = k * nCorr;
        flaggedBefore += flag[i];
        if (!(okI[2 * k] && okJ[2 * k])) {
          newFlags = newFlags || !flag[i];
          flag[i] = true;
          corrected[i] = casacore::Complex(0, 0);
          weight[i] = 0;
          ++flaggedAfter;
          continue;
        }
        const Cx& gi = gI[2 * k];
        const Cx& gj = gJ[2 * k];
        // v / (g_i conj(g_j)) = v conj(g_i conj(g_j)) / |g_i g_j|^2, in real arithmetic.
        const double pr = gi.real() * gj.real() + gi.imag() * gj.imag(), pi = gi.imag() * gj.real() - gi.real() * gj.imag();
        const double norm = pr * pr + pi * pi, inverse = 1.0 / norm;
        const double vr = data[i].real(), vi = data[i].imag();
        const casacore::Complex v(static_cast<float>((vr * pr + vi * pi) * inverse), static_cast<float>((vi * pr - vr * pi) * inverse));
        const float w = static_cast<float>(norm * sigmaWeight);
        corrected[i] = v;
        weight[i] = w;
        if (flag[i]) {
          ++flaggedAfter;
        } else {
          nonZeroFinite += std::isfinite(v.real()) && std::isfinite(v.imag()) && std::norm(v) > 0;
          weightSum += w;
          unflagged += 1;
        }
      }
      chunk.rowWeight.data()[r * nCorr + c] = unflagged > 0 ? static_cast<float>(weightSum / unflagged) : 0.0f;
    }
  }
  const std::uint64_t cells = (end - begin) * nCorr * nChan;
  return {cells, flaggedBefore, flaggedAfter, cells - flaggedAfter, nonZeroFinite, newFlags};
}

// Corrects a whole chunk on `threads` threads and adds its counts to `result`.
void CorrectChunk(Chunk& chunk, const MsLayout& layout, const Jones& jones, const std::vector<std::pair<int, int>>& receptors, int threads, ApplyResult& result) {
  chunk.corrected.resize(chunk.data.shape());
  chunk.weight.resize(chunk.data.shape());
  chunk.rowWeight.resize(layout.nCorr, chunk.n);
  Counts total;
  std::mutex totalMutex;
  ParallelFor(chunk.n, threads, [&](std::size_t begin, std::size_t end) {
    const Counts local = CorrectRows(chunk, layout, jones, receptors, begin, end);
    const std::lock_guard<std::mutex> lock(totalMutex);
    total.cells += local.cells;
    total.flaggedBefore += local.flaggedBefore;
    total.flaggedAfter += local.flaggedAfter;
    total.unflagged += local.unflagged;
    total.unflaggedNonZeroFinite += local.unflaggedNonZeroFinite;
    total.newFlags = total.newFlags || local.newFlags;
  });
  chunk.newFlags = total.newFlags;
  result.cells += static_cast<double>(total.cells);
  result.flaggedBefore += static_cast<double>(total.flaggedBefore);
  result.flaggedAfter += static_cast<double>(total.flaggedAfter);
  result.unflagged += static_cast<double>(total.unflagged);
  result.unflaggedNonZeroFinite += static_cast<double>(total.unflaggedNonZeroFinite);
}

ApplyResult Apply(const ApplySpec& spec) {
  std::unique_ptr<casacore::MeasurementSet> ms;
  MsLayout layout;
  std::vector<CalTable> tables;
  {
    const std::lock_guard<std::mutex> lock(CasacoreMutex());
    ms = std::make_unique<casacore::MeasurementSet>(spec.msPath, casacore::Table::Update);
    layout = ReadMsLayout(*ms, spec.msPath);
    if (!ms->tableDesc().isColumn("CORRECTED_DATA")) throw std::runtime_error(spec.msPath + ": no CORRECTED_DATA column");
    for (const TableSpec& t : spec.tables) tables.push_back(ReadCalTable(t.path));
  }
  ApplyResult result;
  try {
    Jones jones(layout);
    for (std::size_t t = 0; t < tables.size(); ++t) jones.Multiply(tables[t], spec.tables[t], spec.threads);
    std::vector<std::pair<int, int>> receptors;
    for (int c : layout.corrType) receptors.push_back(Receptors(c));

    // A pipeline: while chunk i is corrected on the worker threads, this thread writes chunk i-1 and
    // then reads chunk i+1 into its arrays, so the table I/O (serialised by the casacore lock)
    // overlaps the arithmetic, and two chunks' arrays serve the whole MS.
    const std::size_t chunkRows = ChunkRows(layout, 32u << 20);
    const auto read = [&](std::size_t row0, std::unique_ptr<Chunk> chunk) {
      const std::lock_guard<std::mutex> lock(CasacoreMutex());
      ReadChunk(*ms, row0, std::min(chunkRows, layout.nRows - row0), *chunk);
      return chunk;
    };
    const auto write = [&](const Chunk& chunk) {
      const std::lock_guard<std::mutex> lock(CasacoreMutex());
      WriteChunk(*ms, layout, chunk);
    };
    std::unique_ptr<Chunk> next = read(0, std::make_unique<Chunk>()), corrected;
    while (next) {
      std::unique_ptr<Chunk> current = std::move(next);
      std::exception_ptr computeFailure;
      std::thread compute([&] {
        try {
          CorrectChunk(*current, layout, jones, receptors, spec.threads, result);
        } catch (...) {
          computeFailure = std::current_exception();
        }
      });
      std::exception_ptr ioFailure;
      try {
        if (corrected) write(*corrected);
        const std::size_t row0 = current->row0 + current->n;
        if (row0 < layout.nRows) next = read(row0, corrected ? std::move(corrected) : std::make_unique<Chunk>());
      } catch (...) {
        ioFailure = std::current_exception();
      }
      compute.join();
      if (ioFailure) std::rethrow_exception(ioFailure);
      if (computeFailure) std::rethrow_exception(computeFailure);
      corrected = std::move(current);
    }
    if (corrected) write(*corrected);
  } catch (...) {
    // The MS is closed under the casacore lock, on failure too.
    const std::lock_guard<std::mutex> lock(CasacoreMutex());
    ms.reset();
    throw;
  }
  const std::lock_guard<std::mutex> lock(CasacoreMutex());
  ms.reset();
  return result;
}

}  // namespace

Napi::Value CalApply(const Napi::CallbackInfo& info) {
  const Napi::Object js = info[0].As<Napi::Object>();
  auto spec = std::make_shared<ApplySpec>();
  spec->msPath = js.Get("msPath").As<Napi::String>().Utf8Value();
  const Napi::Array tables = js.Get("tables").As<Napi::Array>();
  for (uint32_t t = 0; t < tables.Length(); ++t) {
    const Napi::Object table = tables.Get(t).As<Napi::Object>();
    spec->tables.push_back({table.Get("path").As<Napi::String>().Utf8Value(), table.Get("interp").As<Napi::String>().Utf8Value() == "linear"});
  }
  spec->threads = js.Get("threads").As<Napi::Number>().Int32Value();
  auto result = std::make_shared<ApplyResult>();
  return PromiseWorker::Start(
      info.Env(), "contimg:calApply", "calibrate: ", [spec, result] { *result = Apply(*spec); },
      [result](Napi::Env env) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("cells", result->cells);
        out.Set("flaggedBefore", result->flaggedBefore);
        out.Set("flaggedAfter", result->flaggedAfter);
        out.Set("unflagged", result->unflagged);
        out.Set("unflaggedNonZeroFinite", result->unflaggedNonZeroFinite);
        return out;
      },
      js);
}

}  // namespace contimg
