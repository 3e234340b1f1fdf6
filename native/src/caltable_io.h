#pragma once

#include <napi.h>

#include <casacore/casa/BasicSL/Complex.h>

#include <string>
#include <vector>

namespace contimg {

// One row of a CASA calibration table: the solution of one antenna in one SPW at one time.
struct CalRow {
  double time = 0, interval = 0;
  int field = 0, spw = 0, antenna = 0, refAntenna = -1, scan = 0, observation = 0;
  std::vector<casacore::Complex> param;  // [nChan][nPol], polarisation fastest
  std::vector<float> paramErr, snr, weight;
  std::vector<bool> flag;
};

struct CalTable {
  std::string visCal;  // "B Jones", "G Jones", "K Jones"
  std::size_t nPol = 0, nChan = 0;  // per row
  std::vector<CalRow> rows;
  // A delay table's phase pivot per SPW (its SPECTRAL_WINDOW's single channel: the MS's channel nChan/2).
  std::vector<double> delayPivotHz;
};

// A "K Jones" table holds delays: FPARAM (ns), ParType Float, one value per polarisation, written from
// the real part of `param`.
inline bool IsDelayTable(const std::string& visCal) { return visCal == "K Jones"; }

// Writes a new table at `path` in CASA's calibration-table layout (NewCalTable: main columns,
// keywords ParType/MSName/VisCal/PolBasis, table info "Calibration", subtables OBSERVATION,
// ANTENNA, FIELD, SPECTRAL_WINDOW, HISTORY copied from the MS; single-channel SPWs for a table
// of one channel, as CASA's G tables). The caller holds CasacoreMutex().
void WriteCalTable(const std::string& path, const std::string& msPath, const CalTable& table, const std::string& history);

// Reads a Complex-parameter calibration table, or a delay table (delays in ns as the real part of
// `param`, one channel, with `delayPivotHz`). The caller holds CasacoreMutex().
CalTable ReadCalTable(const std::string& path);

// calReadTable(path): a table's solutions, with its ANTENNA names and SPECTRAL_WINDOW frequencies
// (for QA plots and checks), read off the event loop.
Napi::Value CalReadTable(const Napi::CallbackInfo& info);

}  // namespace contimg
