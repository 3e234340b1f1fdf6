#include "calibrate_solve.h"

#include <casacore/casa/Arrays/Cube.h>
#include <casacore/tables/Tables/ArrayColumn.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <memory>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "async_worker.h"
#include "calibrate_ms.h"
#include "caltable_io.h"
#include "casacore_lock.h"

namespace contimg {
namespace {

using Cx = std::complex<double>;
constexpr double kRadToDeg = 57.29577951308232;

struct SolveSpec {
  std::string msPath, bandpassPath, gainPhasePath, gainAmpPath;
  std::string delayPath;  // empty: no delay (K) solve
  int refAntenna = -1;  // preferred; -1 = automatic
  int minBaselines = 4;
  double minSnr = 5;
  double phaseSolintS = 60;
  int fillGapChannels = 3;
  int threads = 1;
};

// Sufficient statistics of one baseline over one solution cell: sum w V conj(M), sum w |M|^2,
// sum w |V|^2 and the number of visibilities.
struct Acc {
  Cx x{0, 0};
  double y = 0, z = 0;
  double n = 0;
  void Add(const Acc& o) {
    x += o.x;
    y += o.y;
    z += o.z;
    n += o.n;
  }
};

// One visibility v against its model m, weight w: real arithmetic (no complex-library calls) in the hot loops.
inline void AddSample(Acc& acc, double w, double vr, double vi, double mr, double mi) {
  acc.x = Cx(acc.x.real() + w * (vr * mr + vi * mi), acc.x.imag() + w * (vi * mr - vr * mi));
  acc.y += w * (mr * mr + mi * mi);
  acc.z += w * (vr * vr + vi * vi);
  acc.n += 1;
}

// The bandpass pass's statistics, one per (SPW, baseline, channel, receptor): each sums only one
// visibility per integration, so single precision holds them, at half the memory traffic.
struct CompactAcc {
  float xr = 0, xi = 0, y = 0, z = 0, n = 0;
  void Add(float w, float vr, float vi, float mr, float mi) {
    xr += w * (vr * mr + vi * mi);
    xi += w * (vi * mr - vr * mi);
    y += w * (mr * mr + mi * mi);
    z += w * (vr * vr + vi * vi);
    n += 1;
  }
  Acc Widen() const {
    Acc acc;
    acc.x = Cx(xr, xi);
    acc.y = y;
    acc.z = z;
    acc.n = n;
    return acc;
  }
};

struct Baseline {
  int i, j;
};

struct Options {
  int minBaselines;
  double minSnr;
  bool phaseOnly;
};

// The solution of one cell for every antenna.
struct CellSolution {
  std::vector<Cx> g;
  std::vector<float> snr, err;
  std::vector<uint8_t> ok;
  int ref = -1;
};

// StefCal (Salvini & Wijnholds 2014) on the cell's statistics: g_i <- sum_j X_ij g_j / sum_j Y_ij |g_j|^2,
// averaging successive iterates every other step; phase-only keeps |g| = 1.
CellSolution SolveCell(const std::vector<Baseline>& bls, const Acc* acc, std::size_t nAnt, const Options& opt, const std::vector<int>& refOrder) {
  CellSolution out;
  out.g.assign(nAnt, Cx(1, 0));
  out.snr.assign(nAnt, 0);
  out.err.assign(nAnt, 0);
  out.ok.assign(nAnt, 0);
  std::vector<uint8_t> active(nAnt, 1);
  std::vector<int> count(nAnt);
  for (bool changed = true; changed;) {
    changed = false;
    std::fill(count.begin(), count.end(), 0);
    for (std::size_t b = 0; b < bls.size(); ++b) {
      if (acc[b].y <= 0 || !active[bls[b].i] || !active[bls[b].j]) continue;
      ++count[bls[b].i];
      ++count[bls[b].j];
    }
    for (std::size_t a = 0; a < nAnt; ++a) {
      if (active[a] && count[a] < opt.minBaselines) {
        active[a] = 0;
        changed = true;
      }
    }
  }
  std::vector<Cx> num(nAnt), previous(nAnt);
  std::vector<double> den(nAnt);
  auto accumulate = [&](const std::vector<Cx>& g) {
    std::fill(num.begin(), num.end(), Cx(0, 0));
    std::fill(den.begin(), den.end(), 0.0);
    for (std::size_t b = 0; b < bls.size(); ++b) {
      const auto [i, j] = bls[b];
      if (acc[b].y <= 0 || !active[i] || !active[j]) continue;
      num[i] += acc[b].x * g[j];
      den[i] += acc[b].y * std::norm(g[j]);
      num[j] += std::conj(acc[b].x) * g[i];
      den[j] += acc[b].y * std::norm(g[i]);
    }
  };
  std::vector<Cx>& g = out.g;
  for (int iter = 0; iter < 200; ++iter) {
    previous = g;
    accumulate(g);
    double change = 0;
    for (std::size_t a = 0; a < nAnt; ++a) {
      if (!active[a] || den[a] <= 0 || std::abs(num[a]) == 0) continue;
      Cx next = opt.phaseOnly ? num[a] / std::abs(num[a]) : num[a] / den[a];
      if (iter % 2 == 1) {
        next = 0.5 * (next + previous[a]);
        if (opt.phaseOnly) next /= std::abs(next);
      }
      change = std::max(change, std::abs(next - previous[a]) / std::max(std::abs(next), 1e-30));
      g[a] = next;
    }
    if (change < 1e-10) break;
  }
  // Noise per unit weight from the residual, then each antenna's error and SNR.
  double chi2 = 0, n = 0;
  std::size_t nActive = 0;
  for (std::size_t a = 0; a < nAnt; ++a) nActive += active[a];
  for (std::size_t b = 0; b < bls.size(); ++b) {
    const auto [i, j] = bls[b];
    if (acc[b].y <= 0 || !active[i] || !active[j]) continue;
    const Cx model = g[i] * std::conj(g[j]);
    chi2 += acc[b].z - 2 * std::real(std::conj(model) * acc[b].x) + std::norm(model) * acc[b].y;
    n += acc[b].n;
  }
  const double sigma2 = std::max(chi2, 0.0) / std::max(1.0, n - static_cast<double>(nActive));
  accumulate(g);
  for (std::size_t a = 0; a < nAnt; ++a) {
    if (!active[a] || den[a] <= 0) continue;
    const double err = std::sqrt(sigma2 / den[a]);
    out.err[a] = static_cast<float>(err);
    out.snr[a] = static_cast<float>(std::min(err > 0 ? std::abs(g[a]) / err : 1e9, 1e9));
    out.ok[a] = out.snr[a] >= opt.minSnr && std::isfinite(std::abs(g[a]));
  }
  for (int a : refOrder) {
    if (out.ok[a]) {
      out.ref = a;
      break;
    }
  }
  if (out.ref < 0) {
    std::fill(out.ok.begin(), out.ok.end(), 0);
    return out;
  }
  const Cx rotate = std::conj(g[out.ref]) / std::abs(g[out.ref]);
  for (std::size_t a = 0; a < nAnt; ++a) g[a] *= rotate;
  return out;
}

// Linear interpolation of amplitude and phase (the shorter way round).
Cx Interpolate(const Cx& a, const Cx& b, double f) {
  const double amp = (1 - f) * std::abs(a) + f * std::abs(b);
  const double dphi = std::arg(b * std::conj(a));
  return std::polar(amp, std::arg(a) + f * dphi);
}

struct TableStats {
  std::string kind, path;
  std::size_t rows = 0, solutions = 0, flagged = 0, filled = 0, refMissing = 0, cells = 0;
  double medianSnr = 0, phaseRmsDeg = 0;
  std::size_t antennasSolved = 0;
};

struct SolveResult {
  int refAntenna = -1;
  std::string refAntennaName;
  double modelNonZeroFraction = 0, dataFlaggedFraction = 0;
  std::vector<double> antennaFlaggedFraction;  // bandpass, per antenna present in the MS
  std::vector<uint8_t> antennaPresent;          // [nAnt] the antenna appears in the main table
  std::vector<std::string> antennaNames;
  std::vector<TableStats> tables;
};

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

// SNR median, phase RMS about each (antenna, polarisation, group) circular mean, counts.
// groupOf(cell) -> the cells over which the phase varies (channels of a SPW, or times).
template <typename GroupOf>
void Summarise(TableStats& stats, const std::vector<CellSolution>& cells, const std::vector<uint8_t>& present, std::size_t nGroups, GroupOf groupOf) {
  const std::size_t nAnt = present.size();
  std::vector<double> snrs;
  std::vector<Cx> meanPhasor(nGroups * nAnt, Cx(0, 0));
  for (std::size_t c = 0; c < cells.size(); ++c) {
    for (std::size_t a = 0; a < nAnt; ++a) {
      if (!present[a]) continue;
      ++stats.solutions;
      if (!cells[c].ok[a]) {
        ++stats.flagged;
        continue;
      }
      snrs.push_back(cells[c].snr[a]);
      meanPhasor[groupOf(c) * nAnt + a] += cells[c].g[a] / std::abs(cells[c].g[a]);
    }
    if (cells[c].ref >= 0 && cells[c].ref != cells.front().ref) ++stats.refMissing;
  }
  double sum2 = 0;
  std::size_t n = 0;
  for (std::size_t c = 0; c < cells.size(); ++c) {
    for (std::size_t a = 0; a < nAnt; ++a) {
      if (!present[a] || !cells[c].ok[a]) continue;
      const double d = std::arg(cells[c].g[a] * std::conj(meanPhasor[groupOf(c) * nAnt + a]));
      sum2 += d * d;
      ++n;
    }
  }
  stats.cells = cells.size();
  stats.medianSnr = Median(snrs);
  stats.phaseRmsDeg = n > 0 ? std::sqrt(sum2 / static_cast<double>(n)) * kRadToDeg : 0;
  for (std::size_t a = 0; a < nAnt; ++a) {
    bool any = false;
    for (const auto& cell : cells) any = any || (present[a] && cell.ok[a]);
    stats.antennasSolved += any;
  }
}

// Fills runs of at most maxGap flagged channels between two solved ones (amplitude and phase linear).
std::size_t FillGaps(std::vector<CellSolution>& cells, std::size_t nSpw, std::size_t nChan, std::size_t nPol, std::size_t nAnt, int maxGap) {
  std::size_t filled = 0;
  auto at = [&](std::size_t s, std::size_t k, std::size_t p) -> CellSolution& { return cells[(s * nChan + k) * nPol + p]; };
  for (std::size_t s = 0; s < nSpw; ++s)
    for (std::size_t p = 0; p < nPol; ++p)
      for (std::size_t a = 0; a < nAnt; ++a) {
        std::size_t k = 0;
        while (k < nChan) {
          if (at(s, k, p).ok[a]) {
            ++k;
            continue;
          }
          std::size_t end = k;
          while (end < nChan && !at(s, end, p).ok[a]) ++end;
          if (k > 0 && end < nChan && static_cast<int>(end - k) <= maxGap) {
            const CellSolution& lo = at(s, k - 1, p);
            const CellSolution& hi = at(s, end, p);
            for (std::size_t q = k; q < end; ++q) {
              const double f = static_cast<double>(q - (k - 1)) / static_cast<double>(end - (k - 1));
              CellSolution& cell = at(s, q, p);
              cell.g[a] = Interpolate(lo.g[a], hi.g[a], f);
              cell.snr[a] = std::min(lo.snr[a], hi.snr[a]);
              cell.err[a] = std::max(lo.err[a], hi.err[a]);
              cell.ok[a] = 1;
              ++filled;
            }
          }
          k = end;
        }
      }
  return filled;
}

class Solver {
 public:
  explicit Solver(const SolveSpec& spec) : spec_(spec) {}

  SolveResult Run() {
    {
      const std::lock_guard<std::mutex> lock(CasacoreMutex());
      ms_ = std::make_unique<casacore::MeasurementSet>(spec_.msPath, casacore::Table::Old);
      layout_ = ReadMsLayout(*ms_, spec_.msPath);
      if (!ms_->tableDesc().isColumn("MODEL_DATA")) throw std::runtime_error(spec_.msPath + ": no MODEL_DATA column: predict a sky model first");
    }
    nAnt_ = layout_.nAnt;
    nPol_ = layout_.nPolSolve();
    IndexBaselines();
    if (spec_.refAntenna >= static_cast<int>(nAnt_)) throw std::runtime_error("refAntenna " + std::to_string(spec_.refAntenna) + " is not in the ANTENNA table");
    SolveResult result;
    result.antennaNames = layout_.antennaNames;

    AccumulateBandpass();
    if (unflagged_ == 0) throw std::runtime_error(spec_.msPath + ": every cross-correlation visibility is flagged");
    if (modelNonZero_ == 0) throw std::runtime_error(spec_.msPath + ": MODEL_DATA is zero on every unflagged visibility: predict a sky model first");
    result.modelNonZeroFraction = modelNonZero_ / unflagged_;
    result.dataFlaggedFraction = 1 - unflagged_ / std::max(1.0, total_);
    ChooseReferenceOrder();

    // Bandpass.
    const std::size_t nBpCells = layout_.nSpw * layout_.nChan * nPol_;
    bandpass_.resize(nBpCells);
    ParallelFor(nBpCells, spec_.threads, [&](std::size_t begin, std::size_t end) {
      std::vector<Acc> cell(bls_.size());
      for (std::size_t c = begin; c < end; ++c) {
        for (std::size_t b = 0; b < bls_.size(); ++b) cell[b] = bpAcc_[BpIndex(c / (layout_.nChan * nPol_), b, c % (layout_.nChan * nPol_))].Widen();
        bandpass_[c] = SolveCell(bls_, cell.data(), nAnt_, {spec_.minBaselines, spec_.minSnr, false}, refOrder_);
      }
    });
    bpAcc_.clear();
    bpAcc_.shrink_to_fit();
    if (std::all_of(bandpass_.begin(), bandpass_.end(), [](const CellSolution& c) { return c.ref < 0; })) {
      throw std::runtime_error(spec_.msPath + ": no bandpass solution: too few antennas with " + std::to_string(spec_.minBaselines) +
                               " baselines and SNR " + std::to_string(spec_.minSnr));
    }
    primaryRef_ = refOrder_.front();
    TableStats bp{"BP", spec_.bandpassPath};
    bp.filled = FillGaps(bandpass_, layout_.nSpw, layout_.nChan, nPol_, nAnt_, spec_.fillGapChannels);
    // With a delay solve, the bandpass table holds what the delays leave (K × B is the solved
    // bandpass, which the gains below still use).
    std::vector<CellSolution> bandpassTable = bandpass_;
    std::vector<CellSolution> delays;
    TableStats k{"K", spec_.delayPath};
    if (!spec_.delayPath.empty()) {
      delays = FitDelays();
      RemoveDelays(bandpassTable, delays);
      // Delays have no phase to scatter: summarised as unit phasors (counts, SNR).
      std::vector<CellSolution> unit = delays;
      for (auto& cell : unit) std::fill(cell.g.begin(), cell.g.end(), Cx(1, 0));
      Summarise(k, unit, present_, nPol_, [&](std::size_t c) { return c % nPol_; });
      k.refMissing = CountRefMissing(delays);
    }
    Summarise(bp, bandpassTable, present_, layout_.nSpw * nPol_, [&](std::size_t c) { return (c / (layout_.nChan * nPol_)) * nPol_ + c % nPol_; });
    bp.refMissing = CountRefMissing(bandpassTable);
    for (std::size_t a = 0; a < nAnt_; ++a) {
      if (!present_[a]) continue;
      std::size_t flagged = 0;
      for (const auto& cell : bandpass_) flagged += !cell.ok[a];
      result.antennaFlaggedFraction.push_back(static_cast<double>(flagged) / static_cast<double>(bandpass_.size()));
    }

    // Gains: per-integration statistics with the bandpass applied, then phase-only per solint
    // and amplitude-and-phase over the whole MS with the phase-only gains applied.
    AccumulateGains();
    const std::vector<std::vector<std::size_t>> bins = TimeBins();
    std::vector<CellSolution> phase(bins.size() * nPol_);
    ParallelFor(phase.size(), spec_.threads, [&](std::size_t begin, std::size_t end) {
      std::vector<Acc> acc(bls_.size());
      for (std::size_t c = begin; c < end; ++c) {
        const std::size_t bin = c / nPol_, p = c % nPol_;
        std::fill(acc.begin(), acc.end(), Acc{});
        for (std::size_t t : bins[bin])
          for (std::size_t b = 0; b < bls_.size(); ++b) acc[b].Add(gAcc_[(t * nPol_ + p) * bls_.size() + b]);
        phase[c] = SolveCell(bls_, acc.data(), nAnt_, {spec_.minBaselines, spec_.minSnr, true}, refOrder_);
      }
    });
    binTimes_.clear();
    for (const auto& bin : bins) {
      double sum = 0;
      for (std::size_t t : bin) sum += layout_.times[t];
      binTimes_.push_back(sum / static_cast<double>(bin.size()));
    }
    TableStats gp{"G", spec_.gainPhasePath};
    Summarise(gp, phase, present_, nPol_, [&](std::size_t c) { return c % nPol_; });
    gp.refMissing = CountRefMissing(phase);

    std::vector<CellSolution> amplitude(nPol_);
    for (std::size_t p = 0; p < nPol_; ++p) {
      std::vector<Acc> acc(bls_.size());
      for (std::size_t t = 0; t < layout_.times.size(); ++t) {
        for (std::size_t b = 0; b < bls_.size(); ++b) {
          const Acc& a = gAcc_[(t * nPol_ + p) * bls_.size() + b];
          const auto [i, j] = bls_[b];
          Cx gi, gj;
          if (!PhaseGainAt(phase, p, i, layout_.times[t], gi) || !PhaseGainAt(phase, p, j, layout_.times[t], gj)) continue;
          const Cx product = gi * std::conj(gj);
          acc[b].x += a.x * std::conj(product);
          acc[b].y += a.y * std::norm(product);
          acc[b].z += a.z;
          acc[b].n += a.n;
        }
      }
      amplitude[p] = SolveCell(bls_, acc.data(), nAnt_, {spec_.minBaselines, spec_.minSnr, false}, refOrder_);
    }
    TableStats ga{"G", spec_.gainAmpPath};
    Summarise(ga, amplitude, present_, nPol_, [&](std::size_t c) { return c % nPol_; });
    ga.refMissing = CountRefMissing(amplitude);

    result.refAntenna = primaryRef_;
    result.antennaPresent = present_;
    result.refAntennaName = layout_.antennaNames[primaryRef_];
    const double t0 = layout_.times.front(), t1 = layout_.times.back();
    const double span = t1 - t0 + layout_.interval;
    {
      const std::lock_guard<std::mutex> lock(CasacoreMutex());
      ms_.reset();
      bp.rows = Write(spec_.bandpassPath, "B Jones", bandpassTable, layout_.nChan, [&](std::size_t) { return 0.5 * (t0 + t1); },
                      [&](std::size_t) { return span; }, layout_.nSpw);
      if (!delays.empty()) {
        k.rows = Write(spec_.delayPath, "K Jones", delays, 1, [&](std::size_t) { return 0.5 * (t0 + t1); }, [&](std::size_t) { return span; }, layout_.nSpw);
      }
      gp.rows = WriteGains(spec_.gainPhasePath, phase, bins, binTimes_);
      std::vector<std::vector<std::size_t>> all(1);
      for (std::size_t t = 0; t < layout_.times.size(); ++t) all[0].push_back(t);
      ga.rows = WriteGains(spec_.gainAmpPath, amplitude, all, {0.5 * (t0 + t1)});
    }
    result.tables = {bp, gp, ga};
    if (!delays.empty()) result.tables.push_back(k);
    return result;
  }

 private:
  void IndexBaselines() {
    blIndex_.assign(nAnt_ * nAnt_, -1);
    present_.assign(nAnt_, 0);
    rowBl_.assign(layout_.nRows, -1);
    for (std::size_t r = 0; r < layout_.nRows; ++r) {
      const int i = layout_.ant1[r], j = layout_.ant2[r];
      if (i < 0 || j < 0 || static_cast<std::size_t>(i) >= nAnt_ || static_cast<std::size_t>(j) >= nAnt_) {
        throw std::runtime_error(spec_.msPath + ": row " + std::to_string(r) + " names an antenna outside the ANTENNA table");
      }
      present_[i] = present_[j] = 1;
      if (i == j) continue;
      int& index = blIndex_[i * nAnt_ + j];
      if (index < 0) {
        index = static_cast<int>(bls_.size());
        bls_.push_back({i, j});
      }
      rowBl_[r] = index;
    }
    if (bls_.empty()) throw std::runtime_error(spec_.msPath + ": no cross-correlations");
  }

  struct Chunk {
    casacore::Cube<casacore::Complex> data, model;
    casacore::Cube<bool> flag;
    casacore::Cube<float> weight;
  };

  // Reads rows [row0, row0 + n) into chunk_, reusing its arrays.
  const Chunk& Read(std::size_t row0, std::size_t n) {
    const std::lock_guard<std::mutex> lock(CasacoreMutex());
    const casacore::Slicer rows(casacore::IPosition(1, static_cast<ssize_t>(row0)), casacore::IPosition(1, static_cast<ssize_t>(n)));
    casacore::ArrayColumn<casacore::Complex>(*ms_, "DATA").getColumnRange(rows, chunk_.data, true);
    casacore::ArrayColumn<casacore::Complex>(*ms_, "MODEL_DATA").getColumnRange(rows, chunk_.model, true);
    casacore::ArrayColumn<bool>(*ms_, "FLAG").getColumnRange(rows, chunk_.flag, true);
    chunk_.weight.reference(ReadCellWeights(*ms_, layout_, row0, n));
    return chunk_;
  }

  // Calls fn(row0, n, data, model, flag, weight) for each chunk of rows in order; the cells of
  // rows [row0, row0 + n) are [row][channel][correlation].
  template <typename Fn>
  void ForEachChunk(Fn&& fn) {
    const std::size_t chunkRows = ChunkRows(layout_, 32u << 20);
    for (std::size_t row0 = 0; row0 < layout_.nRows; row0 += chunkRows) {
      const std::size_t n = std::min(chunkRows, layout_.nRows - row0);
      const Chunk& chunk = Read(row0, n);
      fn(row0, n, chunk.data.data(), chunk.model.data(), chunk.flag.data(), chunk.weight.data());
    }
  }

  // Bandpass statistics are [spw][baseline][channel][receptor]: one row's samples are adjacent.
  std::size_t BpIndex(std::size_t s, std::size_t b, std::size_t channelReceptor) const {
    return (s * bls_.size() + b) * layout_.nChan * nPol_ + channelReceptor;
  }

  // Pass 1: per (SPW, channel, receptor, baseline) over all times; threads split the channels.
  void AccumulateBandpass() {
    const std::size_t nBl = bls_.size();
    bpAcc_.assign(layout_.nSpw * layout_.nChan * nPol_ * nBl, CompactAcc{});
    std::mutex countMutex;
    ForEachChunk([&](std::size_t row0, std::size_t n, const casacore::Complex* data, const casacore::Complex* model, const bool* flag, const float* weight) {
      const std::size_t nChan = layout_.nChan, nCorr = layout_.nCorr;
      ParallelFor(nChan, spec_.threads, [&](std::size_t k0, std::size_t k1) {
        double total = 0, unflagged = 0, nonZero = 0;
        for (std::size_t i = 0; i < n; ++i) {
          const std::size_t r = row0 + i;
          const int b = rowBl_[r];
          if (b < 0) continue;
          total += static_cast<double>((k1 - k0) * nPol_);
          if (layout_.flagRow[r]) continue;
          const std::size_t s = layout_.spw[r];
          for (std::size_t k = k0; k < k1; ++k) {
            const std::size_t cell0 = (i * nChan + k) * nCorr;
            for (std::size_t c = 0; c < nCorr; ++c) {
              const int p = layout_.receptor[c];
              const std::size_t cell = cell0 + c;
              const float w = weight[cell];
              if (p < 0 || flag[cell] || !(w > 0)) continue;
              const float vr = data[cell].real(), vi = data[cell].imag(), mr = model[cell].real(), mi = model[cell].imag();
              if (!std::isfinite(vr) || !std::isfinite(vi)) continue;
              unflagged += 1;
              if (mr == 0 && mi == 0) continue;
              nonZero += 1;
              bpAcc_[BpIndex(s, b, k * nPol_ + p)].Add(w, vr, vi, mr, mi);
            }
          }
        }
        const std::lock_guard<std::mutex> lock(countMutex);
        total_ += total;
        unflagged_ += unflagged;
        modelNonZero_ += nonZero;
      });
    });
  }

  // Reference antennas by preference: the requested one, then by unflagged visibilities.
  void ChooseReferenceOrder() {
    std::vector<double> samples(nAnt_, 0);
    const std::size_t perBaseline = layout_.nChan * nPol_;
    for (std::size_t i = 0; i < bpAcc_.size(); ++i) {
      const Baseline& bl = bls_[(i / perBaseline) % bls_.size()];
      samples[bl.i] += bpAcc_[i].n;
      samples[bl.j] += bpAcc_[i].n;
    }
    for (std::size_t a = 0; a < nAnt_; ++a)
      if (samples[a] > 0) refOrder_.push_back(static_cast<int>(a));
    std::stable_sort(refOrder_.begin(), refOrder_.end(), [&](int a, int b) { return samples[a] > samples[b]; });
    if (spec_.refAntenna >= 0) {
      refOrder_.erase(std::remove(refOrder_.begin(), refOrder_.end(), spec_.refAntenna), refOrder_.end());
      refOrder_.insert(refOrder_.begin(), spec_.refAntenna);
    }
    if (refOrder_.empty()) throw std::runtime_error(spec_.msPath + ": no antenna has unflagged data");
  }

  std::size_t CountRefMissing(const std::vector<CellSolution>& cells) const {
    std::size_t missing = 0;
    for (const auto& cell : cells) missing += cell.ref != primaryRef_;
    return missing;
  }

  const CellSolution& Bp(std::size_t s, std::size_t k, std::size_t p) const { return bandpass_[(s * layout_.nChan + k) * nPol_ + p]; }

  // Per (SPW, polarisation), each antenna's delay in ns (in g's real part): the τ that maximises
  // |Σ_k g_k e^{-2πiτ(ν_k - ν_mid)}| over its solved bandpass channels (ν_mid the channel nChan/2: the
  // delay table's single SPW channel, CASA's pivot), searched on a grid 8× finer than 1/bandwidth across ±1/(2Δν), then refined by golden section.
  std::vector<CellSolution> FitDelays() const {
    const std::size_t nChan = layout_.nChan;
    if (nChan < 2) throw std::runtime_error(spec_.msPath + ": a delay solve needs at least two channels per SPW");
    std::vector<CellSolution> delays(layout_.nSpw * nPol_);
    ParallelFor(delays.size(), spec_.threads, [&](std::size_t begin, std::size_t end) {
      std::vector<Cx> g(nChan);
      std::vector<uint8_t> use(nChan);
      for (std::size_t c = begin; c < end; ++c) {
        const std::size_t s = c / nPol_, p = c % nPol_;
        const std::vector<double>& freq = layout_.chanFreqHz[s];
        const double step = (freq[nChan - 1] - freq[0]) / static_cast<double>(nChan - 1);
        for (std::size_t ch = 0; ch < nChan; ++ch) {
          if (std::abs(freq[ch] - freq[0] - static_cast<double>(ch) * step) > 1e-3 * std::abs(step)) {
            throw std::runtime_error(spec_.msPath + ": SPW " + std::to_string(s) + " has unevenly spaced channels: the delay solve needs even spacing");
          }
        }
        const double x0 = freq[0] - freq[nChan / 2];
        CellSolution cell;
        cell.g.assign(nAnt_, Cx(0, 0));
        cell.snr.assign(nAnt_, 0);
        cell.err.assign(nAnt_, 0);
        cell.ok.assign(nAnt_, 0);
        cell.ref = Bp(s, nChan / 2, p).ref;
        for (std::size_t a = 0; a < nAnt_; ++a) {
          std::size_t solved = 0;
          double snr2 = 0;
          for (std::size_t ch = 0; ch < nChan; ++ch) {
            const CellSolution& bp = Bp(s, ch, p);
            use[ch] = bp.ok[a];
            g[ch] = bp.g[a];
            if (use[ch]) {
              ++solved;
              snr2 += static_cast<double>(bp.snr[a]) * bp.snr[a];
            }
          }
          if (solved < 2) continue;
          // |Σ g_k e^{-2πiτ x_k}| with x_k = x0 + k·step: one rotation per channel.
          const auto power = [&](double tau) {
            const Cx turn = std::polar(1.0, -2 * M_PI * tau * step);
            Cx phasor = std::polar(1.0, -2 * M_PI * tau * x0), sum(0, 0);
            for (std::size_t ch = 0; ch < nChan; ++ch, phasor *= turn)
              if (use[ch]) sum += g[ch] * phasor;
            return std::abs(sum);
          };
          const double range = 0.5 / std::abs(step);
          const std::size_t points = 8 * nChan;
          const double dtau = 2 * range / static_cast<double>(points);
          double best = 0, bestPower = -1;
          for (std::size_t i = 0; i <= points; ++i) {
            const double tau = -range + static_cast<double>(i) * dtau;
            const double value = power(tau);
            if (value > bestPower) {
              bestPower = value;
              best = tau;
            }
          }
          double lo = best - dtau, hi = best + dtau;
          const double ratio = 0.5 * (std::sqrt(5.0) - 1);
          for (int it = 0; it < 60; ++it) {
            const double m1 = hi - ratio * (hi - lo), m2 = lo + ratio * (hi - lo);
            if (power(m1) < power(m2)) lo = m1; else hi = m2;
          }
          cell.g[a] = Cx(0.5 * (lo + hi) * 1e9, 0);
          cell.snr[a] = static_cast<float>(std::sqrt(snr2));
          cell.ok[a] = 1;
        }
        delays[c] = std::move(cell);
      }
    });
    return delays;
  }

  // Divides each solved bandpass channel by the phasor its antenna's delay gives it.
  void RemoveDelays(std::vector<CellSolution>& bandpass, const std::vector<CellSolution>& delays) const {
    const std::size_t nChan = layout_.nChan;
    for (std::size_t s = 0; s < layout_.nSpw; ++s) {
      const std::vector<double>& freq = layout_.chanFreqHz[s];
      for (std::size_t ch = 0; ch < nChan; ++ch)
        for (std::size_t p = 0; p < nPol_; ++p) {
          CellSolution& bp = bandpass[(s * nChan + ch) * nPol_ + p];
          const CellSolution& delay = delays[s * nPol_ + p];
          for (std::size_t a = 0; a < nAnt_; ++a) {
            if (!bp.ok[a] || !delay.ok[a]) continue;
            // The phasor as the apply (and CASA) computes it from the table's single-precision delay.
            const double ns = static_cast<float>(delay.g[a].real());
            bp.g[a] /= std::polar(1.0, 2 * M_PI * ns * 1e-9 * (freq[ch] - freq[nChan / 2]));
          }
        }
    }
  }

  // Pass 2: per (integration, receptor, baseline) with the bandpass in the model; threads split rows.
  void AccumulateGains() {
    const std::size_t nBl = bls_.size(), nT = layout_.times.size();
    gAcc_.assign(nT * nPol_ * nBl, Acc{});
    std::mutex mergeMutex;
    ForEachChunk([&](std::size_t row0, std::size_t n, const casacore::Complex* data, const casacore::Complex* model, const bool* flag, const float* weight) {
      const std::size_t nChan = layout_.nChan, nCorr = layout_.nCorr;
      ParallelFor(n, spec_.threads, [&](std::size_t begin, std::size_t end) {
        std::vector<std::pair<std::size_t, Acc>> local;
        for (std::size_t i = begin; i < end; ++i) {
          const std::size_t r = row0 + i;
          const int b = rowBl_[r];
          if (b < 0 || layout_.flagRow[r]) continue;
          const auto [ai, aj] = bls_[b];
          const std::size_t s = layout_.spw[r], t = layout_.timeIndex[r];
          for (std::size_t c = 0; c < nCorr; ++c) {
            const int p = layout_.receptor[c];
            if (p < 0) continue;
            Acc acc;
            for (std::size_t k = 0; k < nChan; ++k) {
              const std::size_t cell = (i * nChan + k) * nCorr + c;
              const float w = weight[cell];
              if (flag[cell] || !(w > 0)) continue;
              const CellSolution& bp = Bp(s, k, p);
              if (!bp.ok[ai] || !bp.ok[aj]) continue;
              const float vr = data[cell].real(), vi = data[cell].imag();
              if (!std::isfinite(vr) || !std::isfinite(vi)) continue;
              const Cx& gi = bp.g[ai];
              const Cx& gj = bp.g[aj];
              // m' = g_i conj(g_j) m
              const double pr = gi.real() * gj.real() + gi.imag() * gj.imag(), pi = gi.imag() * gj.real() - gi.real() * gj.imag();
              const double mr = model[cell].real(), mi = model[cell].imag();
              AddSample(acc, w, vr, vi, pr * mr - pi * mi, pr * mi + pi * mr);
            }
            if (acc.n > 0) local.emplace_back((t * nPol_ + p) * nBl + b, acc);
          }
        }
        const std::lock_guard<std::mutex> lock(mergeMutex);
        for (const auto& [index, acc] : local) gAcc_[index].Add(acc);
      });
    });
  }

  // Consecutive integrations within phaseSolintS of the first of their bin.
  std::vector<std::vector<std::size_t>> TimeBins() const {
    std::vector<std::vector<std::size_t>> bins;
    double start = 0;
    for (std::size_t t = 0; t < layout_.times.size(); ++t) {
      if (bins.empty() || layout_.times[t] - start >= spec_.phaseSolintS - 1e-6) {
        bins.emplace_back();
        start = layout_.times[t];
      }
      bins.back().push_back(t);
    }
    return bins;
  }

  // The phase-only gain of antenna a at `time`, linear between solution times, held beyond the ends.
  bool PhaseGainAt(const std::vector<CellSolution>& phase, std::size_t p, int a, double time, Cx& out) const {
    int before = -1, after = -1;
    for (std::size_t bin = 0; bin < binTimes_.size(); ++bin) {
      if (!phase[bin * nPol_ + p].ok[a]) continue;
      if (binTimes_[bin] <= time) before = static_cast<int>(bin);
      if (binTimes_[bin] >= time && after < 0) after = static_cast<int>(bin);
    }
    if (before < 0 && after < 0) return false;
    if (before < 0 || after < 0 || before == after) {
      out = phase[(before < 0 ? after : before) * nPol_ + p].g[a];
      return true;
    }
    const double f = (time - binTimes_[before]) / (binTimes_[after] - binTimes_[before]);
    out = Interpolate(phase[before * nPol_ + p].g[a], phase[after * nPol_ + p].g[a], f);
    return true;
  }

  // A gain table: the same solution for every SPW, as applycal needs no SPW map then.
  std::size_t WriteGains(const std::string& path, const std::vector<CellSolution>& cells, const std::vector<std::vector<std::size_t>>& bins,
                         const std::vector<double>& times) {
    const double interval = layout_.interval;
    return Write(
        path, "G Jones", cells, 1, [&](std::size_t bin) { return times[bin]; },
        [&](std::size_t bin) { return (layout_.times[bins[bin].back()] - layout_.times[bins[bin].front()]) + interval; }, bins.size());
  }

  // Rows of (group g, SPW, antenna present); cells are [g][chan][pol] for a B table ([spw][chan][pol]) and
  // [g][pol] for a G table (g = time bin), cell index (g * nChan + k) * nPol + p.
  template <typename TimeOf, typename IntervalOf>
  std::size_t Write(const std::string& path, const std::string& visCal, const std::vector<CellSolution>& cells, std::size_t nChan, TimeOf timeOf, IntervalOf intervalOf, std::size_t nGroups) {
    CalTable table;
    table.visCal = visCal;
    table.nPol = nPol_;
    table.nChan = nChan;
    const bool perSpw = visCal != "G Jones";
    const bool delay = IsDelayTable(visCal);
    for (std::size_t g = 0; g < nGroups; ++g) {
      for (std::size_t s = 0; s < layout_.nSpw; ++s) {
        if (perSpw && s != g) continue;
        for (std::size_t a = 0; a < nAnt_; ++a) {
          if (!present_[a]) continue;
          CalRow row;
          row.time = timeOf(g);
          row.interval = intervalOf(g);
          row.spw = static_cast<int>(s);
          row.antenna = static_cast<int>(a);
          row.refAntenna = primaryRef_;
          row.scan = layout_.scan.front();
          for (std::size_t k = 0; k < nChan; ++k)
            for (std::size_t p = 0; p < nPol_; ++p) {
              const CellSolution& cell = cells[(g * nChan + k) * nPol_ + p];
              const bool ok = cell.ok[a];
              const casacore::Complex unsolved(delay ? 0 : 1, 0);
              row.param.emplace_back(ok ? casacore::Complex(static_cast<float>(cell.g[a].real()), static_cast<float>(cell.g[a].imag())) : unsolved);
              row.paramErr.push_back(cell.err[a]);
              row.snr.push_back(cell.snr[a]);
              row.weight.push_back(ok ? 1.0f : 0.0f);
              row.flag.push_back(!ok);
            }
          table.rows.push_back(std::move(row));
        }
      }
    }
    // Per SPW tables must follow the MS's SPW order, one group per SPW.
    if (perSpw && nGroups != layout_.nSpw) throw std::logic_error("bandpass and delay groups must be SPWs");
    WriteCalTable(path, spec_.msPath, table, "contimg calibrate: " + visCal + ", reference antenna " + layout_.antennaNames[primaryRef_]);
    return table.rows.size();
  }

  const SolveSpec& spec_;
  std::unique_ptr<casacore::MeasurementSet> ms_;
  MsLayout layout_;
  std::size_t nAnt_ = 0, nPol_ = 0;
  std::vector<Baseline> bls_;
  std::vector<int> blIndex_, rowBl_, refOrder_;
  std::vector<uint8_t> present_;
  std::vector<CompactAcc> bpAcc_;
  std::vector<Acc> gAcc_;
  std::vector<CellSolution> bandpass_;
  std::vector<double> binTimes_;
  Chunk chunk_;
  double total_ = 0, unflagged_ = 0, modelNonZero_ = 0;
  int primaryRef_ = -1;
};

Napi::Object TableStatsObject(Napi::Env env, const TableStats& t) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("kind", t.kind);
  o.Set("path", t.path);
  o.Set("rows", static_cast<double>(t.rows));
  o.Set("solutions", static_cast<double>(t.solutions));
  o.Set("flagged", static_cast<double>(t.flagged));
  o.Set("filled", static_cast<double>(t.filled));
  o.Set("cells", static_cast<double>(t.cells));
  o.Set("refMissingCells", static_cast<double>(t.refMissing));
  o.Set("medianSnr", t.medianSnr);
  o.Set("phaseRmsDeg", t.phaseRmsDeg);
  o.Set("antennasSolved", static_cast<double>(t.antennasSolved));
  return o;
}

}  // namespace

Napi::Value CalSolve(const Napi::CallbackInfo& info) {
  const Napi::Object js = info[0].As<Napi::Object>();
  auto spec = std::make_shared<SolveSpec>();
  spec->msPath = js.Get("msPath").As<Napi::String>().Utf8Value();
  spec->bandpassPath = js.Get("bandpassPath").As<Napi::String>().Utf8Value();
  spec->gainPhasePath = js.Get("gainPhasePath").As<Napi::String>().Utf8Value();
  spec->gainAmpPath = js.Get("gainAmpPath").As<Napi::String>().Utf8Value();
  if (js.Has("delayPath") && js.Get("delayPath").IsString()) spec->delayPath = js.Get("delayPath").As<Napi::String>().Utf8Value();
  spec->refAntenna = js.Get("refAntenna").As<Napi::Number>().Int32Value();
  spec->minBaselines = js.Get("minBaselines").As<Napi::Number>().Int32Value();
  spec->minSnr = js.Get("minSnr").As<Napi::Number>().DoubleValue();
  spec->phaseSolintS = js.Get("phaseSolintS").As<Napi::Number>().DoubleValue();
  spec->fillGapChannels = js.Get("fillGapChannels").As<Napi::Number>().Int32Value();
  spec->threads = js.Get("threads").As<Napi::Number>().Int32Value();
  auto result = std::make_shared<SolveResult>();
  return PromiseWorker::Start(
      info.Env(), "contimg:calSolve", "calibrate: ", [spec, result] { *result = Solver(*spec).Run(); },
      [result](Napi::Env env) -> Napi::Value {
        const SolveResult& r = *result;
        Napi::Object out = Napi::Object::New(env);
        out.Set("refAntenna", r.refAntenna);
        out.Set("refAntennaName", r.refAntennaName);
        out.Set("modelNonZeroFraction", r.modelNonZeroFraction);
        out.Set("dataFlaggedFraction", r.dataFlaggedFraction);
        Napi::Float64Array perAntenna = Napi::Float64Array::New(env, r.antennaFlaggedFraction.size());
        std::copy(r.antennaFlaggedFraction.begin(), r.antennaFlaggedFraction.end(), perAntenna.Data());
        out.Set("antennaFlaggedFraction", perAntenna);
        Napi::Uint8Array present = Napi::Uint8Array::New(env, r.antennaPresent.size());
        std::copy(r.antennaPresent.begin(), r.antennaPresent.end(), present.Data());
        out.Set("antennaPresent", present);
        Napi::Array tables = Napi::Array::New(env, r.tables.size());
        for (std::size_t t = 0; t < r.tables.size(); ++t) tables.Set(static_cast<uint32_t>(t), TableStatsObject(env, r.tables[t]));
        out.Set("tables", tables);
        return out;
      },
      js);
}

}  // namespace contimg
