#pragma once

#include <cstdint>
#include <vector>

namespace contimg {

// One UVH5 file's worth of a simulated drift scan: the sky as point sources whose direction
// cosines and apparent fluxes (beam and spectrum applied) are given per integration, observed
// by antennas with complex gains and bandpasses, plus thermal noise and RFI. Rows are
// baseline-times, time-major (row = t * nBls + b); ant1 <= ant2 and uvw = xyz(ant2) - xyz(ant1).
struct SkyInput {
  int nTimes = 0;
  int nAnts = 0;
  int nFreqs = 0;
  int nPols = 0;
  int nSources = 0;
  std::vector<int32_t> ant1, ant2;     // [nBls], antenna indices in [0, nAnts)
  std::vector<double> antennaUvw;      // [nTimes][nAnts][3] m, in the phase centre's (u, v, w) frame
  double firstFreqHz = 0;              // channel k is at firstFreqHz + k * stepFreqHz
  double stepFreqHz = 0;
  std::vector<double> lmn;             // [nTimes][nSources][3] direction cosines from the phase centre
  std::vector<float> fluxJy;           // [nTimes][nSources][nFreqs] apparent flux density
  std::vector<float> gains;            // [nTimes][nAnts][nPols][re, im]
  std::vector<float> bandpass;         // [nAnts][nPols][nFreqs][re, im]
  std::vector<uint8_t> dead;           // [nAnts] 1 = no signal: zero data, flagged
  double systemJy = 0;                 // autocorrelation power before gains (the SEFD)
  double crossSigmaJy = 0;             // noise rms of re and of im of a cross-correlation
  double autoSigmaJy = 0;              // noise rms of an autocorrelation
  std::vector<double> rfi;             // [nEvents][firstTime, endTime, firstChannel, endChannel, Jy]
  uint64_t seed = 0;
  int threads = 1;

  int nBls() const { return static_cast<int>(ant1.size()); }
};

struct Visibilities {
  std::vector<float> vis;        // [nBlts][nFreqs][nPols][re, im]
  std::vector<int8_t> flags;     // [nBlts][nFreqs][nPols]
  std::vector<float> nsamples;   // [nBlts][nFreqs][nPols]
};

// V(i, j) = g_i conj(g_j) b_i conj(b_j) (sky + noise + rfi), the sky term being
// sum_s S_s exp(+2 pi i (u l + v m + w (n - 1)) nu / c) (pyuvdata's sign convention).
// Autocorrelations: |g_i b_i|^2 (system + sum_s S_s + noise + rfi), imaginary part exactly 0.
void SimulateVisibilities(const SkyInput& in, Visibilities& out);

}  // namespace contimg
