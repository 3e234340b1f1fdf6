#include "simulate_kernel.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <complex>
#include <exception>
#include <mutex>
#include <thread>

#include "simulate_random.h"

namespace contimg {
namespace {

constexpr double kSpeedOfLight = 299792458.0;
constexpr double kTwoPi = 6.283185307179586;
// The phasors advance by a float recurrence across channels; they are recomputed exactly this often.
constexpr int kExactEvery = 32;

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CONTIMG_VECTOR_CLONES __attribute__((target_clones("arch=haswell", "default")))
#else
#define CONTIMG_VECTOR_CLONES
#endif

// For every baseline: sum_s h_j[s] conj(g_i[s]), where h = flux * g and g = exp(i phi_antenna).
CONTIMG_VECTOR_CLONES
void CorrelateSources(int nBls, int nSources, const int32_t* ant1, const int32_t* ant2, const float* gRe,
                      const float* gIm, const float* hRe, const float* hIm, float* outRe, float* outIm) {
  for (int b = 0; b < nBls; ++b) {
    const float* giRe = gRe + static_cast<size_t>(ant1[b]) * nSources;
    const float* giIm = gIm + static_cast<size_t>(ant1[b]) * nSources;
    const float* hjRe = hRe + static_cast<size_t>(ant2[b]) * nSources;
    const float* hjIm = hIm + static_cast<size_t>(ant2[b]) * nSources;
    float re = 0, im = 0;
#pragma omp simd reduction(+ : re, im)
    for (int s = 0; s < nSources; ++s) {
      re += hjRe[s] * giRe[s] + hjIm[s] * giIm[s];
      im += hjIm[s] * giRe[s] - hjRe[s] * giIm[s];
    }
    outRe[b] = re;
    outIm[b] = im;
  }
}

class TimeWorker {
 public:
  TimeWorker(const SkyInput& in, Visibilities& out)
      : in_(in),
        out_(out),
        nBls_(in.nBls()),
        cells_(static_cast<size_t>(in.nAnts) * in.nSources),
        phase0_(cells_), phaseStep_(cells_),
        gRe_(cells_), gIm_(cells_), rRe_(cells_), rIm_(cells_), hRe_(cells_), hIm_(cells_),
        skyRe_(static_cast<size_t>(nBls_) * in.nFreqs), skyIm_(skyRe_.size()),
        rfiJy_(in.nFreqs) {}

  void Run(int t) {
    ComputeSky(t);
    Corrupt(t);
  }

 private:
  void ExactPhasors(int k) {
    for (size_t c = 0; c < cells_; ++c) {
      const double phase = phase0_[c] + k * phaseStep_[c];
      gRe_[c] = static_cast<float>(std::cos(phase));
      gIm_[c] = static_cast<float>(std::sin(phase));
    }
  }

  // sky[b][k] for every baseline and channel of integration t.
  void ComputeSky(int t) {
    const int nS = in_.nSources, nF = in_.nFreqs;
    std::fill(skyRe_.begin(), skyRe_.end(), 0.0f);
    std::fill(skyIm_.begin(), skyIm_.end(), 0.0f);
    if (nS == 0) return;
    const double* uvw = &in_.antennaUvw[static_cast<size_t>(t) * in_.nAnts * 3];
    const double* lmn = &in_.lmn[static_cast<size_t>(t) * nS * 3];
    for (int a = 0; a < in_.nAnts; ++a) {
      for (int s = 0; s < nS; ++s) {
        const double path = uvw[3 * a] * lmn[3 * s] + uvw[3 * a + 1] * lmn[3 * s + 1] + uvw[3 * a + 2] * (lmn[3 * s + 2] - 1.0);
        const size_t c = static_cast<size_t>(a) * nS + s;
        phase0_[c] = kTwoPi * path * in_.firstFreqHz / kSpeedOfLight;
        phaseStep_[c] = kTwoPi * path * in_.stepFreqHz / kSpeedOfLight;
        rRe_[c] = static_cast<float>(std::cos(phaseStep_[c]));
        rIm_[c] = static_cast<float>(std::sin(phaseStep_[c]));
      }
    }
    std::vector<float> bandRe(nBls_), bandIm(nBls_);
    const float* flux = &in_.fluxJy[static_cast<size_t>(t) * nS * nF];
    for (int k = 0; k < nF; ++k) {
      if (k % kExactEvery == 0) {
        ExactPhasors(k);
      } else {
        for (size_t c = 0; c < cells_; ++c) {
          const float re = gRe_[c] * rRe_[c] - gIm_[c] * rIm_[c];
          gIm_[c] = gRe_[c] * rIm_[c] + gIm_[c] * rRe_[c];
          gRe_[c] = re;
        }
      }
      for (int a = 0; a < in_.nAnts; ++a) {
        for (int s = 0; s < nS; ++s) {
          const size_t c = static_cast<size_t>(a) * nS + s;
          const float f = flux[static_cast<size_t>(s) * nF + k];
          hRe_[c] = f * gRe_[c];
          hIm_[c] = f * gIm_[c];
        }
      }
      CorrelateSources(nBls_, nS, in_.ant1.data(), in_.ant2.data(), gRe_.data(), gIm_.data(), hRe_.data(), hIm_.data(),
                       bandRe.data(), bandIm.data());
      for (int b = 0; b < nBls_; ++b) {
        skyRe_[static_cast<size_t>(b) * nF + k] = bandRe[b];
        skyIm_[static_cast<size_t>(b) * nF + k] = bandIm[b];
      }
    }
  }

  // Adds noise and RFI, applies gains and bandpasses, and writes integration t's rows.
  void Corrupt(int t) {
    const int nF = in_.nFreqs, nP = in_.nPols;
    std::fill(rfiJy_.begin(), rfiJy_.end(), 0.0);
    for (size_t e = 0; e + 5 <= in_.rfi.size(); e += 5) {
      if (t < in_.rfi[e] || t >= in_.rfi[e + 1]) continue;
      const int first = std::max(0, static_cast<int>(in_.rfi[e + 2]));
      const int end = std::min(nF, static_cast<int>(in_.rfi[e + 3]));
      for (int k = first; k < end; ++k) rfiJy_[k] += in_.rfi[e + 4];
    }
    Xoshiro256 rng(SplitMix64(in_.seed ^ SplitMix64(static_cast<uint64_t>(t) + 1)));
    const float* gains = &in_.gains[static_cast<size_t>(t) * in_.nAnts * nP * 2];
    using Complex = std::complex<double>;
    for (int b = 0; b < nBls_; ++b) {
      const int i = in_.ant1[b], j = in_.ant2[b];
      const size_t row = static_cast<size_t>(t) * nBls_ + b;
      const size_t cell0 = row * nF * nP;
      float* vis = &out_.vis[cell0 * 2];
      int8_t* flags = &out_.flags[cell0];
      std::fill(out_.nsamples.begin() + cell0, out_.nsamples.begin() + cell0 + static_cast<size_t>(nF) * nP, 1.0f);
      if (in_.dead[i] || in_.dead[j]) {
        std::fill(vis, vis + static_cast<size_t>(nF) * nP * 2, 0.0f);
        std::fill(flags, flags + static_cast<size_t>(nF) * nP, int8_t{1});
        continue;
      }
      std::fill(flags, flags + static_cast<size_t>(nF) * nP, int8_t{0});
      for (int k = 0; k < nF; ++k) {
        const size_t sky = static_cast<size_t>(b) * nF + k;
        const double rfi = rfiJy_[k];
        const double rfiPhase = rfi > 0 && i != j ? kTwoPi * rng.Uniform() : 0.0;
        for (int p = 0; p < nP; ++p) {
          const Complex gi(gains[(i * nP + p) * 2], gains[(i * nP + p) * 2 + 1]);
          const Complex gj(gains[(j * nP + p) * 2], gains[(j * nP + p) * 2 + 1]);
          const size_t bi = ((static_cast<size_t>(i) * nP + p) * nF + k) * 2;
          const size_t bj = ((static_cast<size_t>(j) * nP + p) * nF + k) * 2;
          const Complex pi(in_.bandpass[bi], in_.bandpass[bi + 1]);
          const Complex pj(in_.bandpass[bj], in_.bandpass[bj + 1]);
          Complex v;
          if (i == j) {
            const double power = in_.systemJy + skyRe_[sky] + in_.autoSigmaJy * zig_.Normal(rng) + rfi;
            v = Complex(power * std::norm(gi * pi), 0.0);
          } else {
            const Complex signal(skyRe_[sky] + in_.crossSigmaJy * zig_.Normal(rng), skyIm_[sky] + in_.crossSigmaJy * zig_.Normal(rng));
            v = (signal + std::polar(rfi, rfiPhase)) * gi * pi * std::conj(gj * pj);
          }
          vis[(k * nP + p) * 2] = static_cast<float>(v.real());
          vis[(k * nP + p) * 2 + 1] = static_cast<float>(v.imag());
        }
      }
    }
  }

  const SkyInput& in_;
  Visibilities& out_;
  const int nBls_;
  const size_t cells_;  // antennas x sources
  std::vector<double> phase0_, phaseStep_;
  std::vector<float> gRe_, gIm_, rRe_, rIm_, hRe_, hIm_;
  std::vector<float> skyRe_, skyIm_;
  std::vector<double> rfiJy_;
  Ziggurat zig_;
};

}  // namespace

void SimulateVisibilities(const SkyInput& in, Visibilities& out) {
  const size_t cells = static_cast<size_t>(in.nTimes) * in.nBls() * in.nFreqs * in.nPols;
  out.vis.resize(cells * 2);
  out.flags.resize(cells);
  out.nsamples.resize(cells);

  // Integrations go to threads one at a time; each integration's noise comes from its own stream,
  // so the output does not depend on the thread count.
  std::atomic<int> next{0};
  std::exception_ptr failure;
  std::mutex failureMutex;
  auto work = [&] {
    try {
      TimeWorker worker(in, out);
      for (int t = next++; t < in.nTimes; t = next++) worker.Run(t);
    } catch (...) {
      std::lock_guard<std::mutex> lock(failureMutex);
      if (!failure) failure = std::current_exception();
      next = in.nTimes;
    }
  };
  const int nThreads = std::max(1, std::min(in.threads, in.nTimes));
  std::vector<std::thread> threads;
  for (int n = 1; n < nThreads; ++n) threads.emplace_back(work);
  work();
  for (auto& thread : threads) thread.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace contimg
