#pragma once

#include <napi.h>

namespace contimg {

// calSolve({ msPath, bandpassPath, gainPhasePath, gainAmpPath, refAntenna, minBaselines, minSnr,
// phaseSolintS, fillGapChannels, threads }): solves V_ij = g_i conj(g_j) M_ij (DATA against
// MODEL_DATA) by alternating least squares (StefCal) for a bandpass per SPW, channel, receptor and
// antenna over the whole MS; then, with it applied, phase-only gains per phaseSolintS; then, with
// both applied, amplitude-and-phase gains over the whole MS. Writes three CASA calibration
// tables and resolves to their quality figures.
Napi::Value CalSolve(const Napi::CallbackInfo& info);

}  // namespace contimg
