#pragma once

#include <napi.h>

#include <casacore/casa/Arrays/Cube.h>
#include <casacore/ms/MeasurementSets/MeasurementSet.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace contimg {

// What the calibration kernels need to know about a MeasurementSet, read once (under the casacore
// lock). Every SPW must have the same channel count (the DATA column has a fixed shape).
struct MsLayout {
  std::size_t nRows = 0, nAnt = 0, nSpw = 0, nChan = 0, nCorr = 0;
  std::vector<std::string> antennaNames;
  std::vector<std::array<double, 3>> antennaItrfM;
  std::vector<std::vector<double>> chanFreqHz;  // [spw][chan]
  std::vector<int> corrType;                    // [corr] Stokes enum
  std::vector<int> receptor;                    // [corr] 0 (X, R), 1 (Y, L); -1 for a cross-hand
  std::vector<std::array<double, 2>> phaseDirJ2000;  // [field] (ra, dec) rad
  std::vector<std::string> fieldNames;
  std::vector<double> times;  // unique integration times (MJD s), ascending
  double interval = 0;
  // Per row:
  std::vector<int32_t> ant1, ant2, spw, field, timeIndex, scan;
  std::vector<uint8_t> flagRow;
  bool hasWeightSpectrum = false;

  std::size_t nPolSolve() const;  // receptors present among the parallel hands (1 or 2)
};

// Reads the layout; the caller holds CasacoreMutex().
MsLayout ReadMsLayout(const casacore::MeasurementSet& ms, const std::string& path);

// Rows per chunk so that one complex column of a chunk is about `bytes` (at least one integration).
std::size_t ChunkRows(const MsLayout& layout, std::size_t bytes = 64u << 20);

// The weight of every cell of rows [row0, row0 + n): WEIGHT_SPECTRUM when the MS has it, else
// WEIGHT repeated over channels. The caller holds CasacoreMutex().
casacore::Cube<float> ReadCellWeights(const casacore::MeasurementSet& ms, const MsLayout& layout, std::size_t row0, std::size_t n);

Napi::Value CalMsInfo(const Napi::CallbackInfo& info);

}  // namespace contimg
