#pragma once

#include <napi.h>

namespace contimg {

// calApply({ msPath, tables: [{ path, interp: 'nearest' | 'linear' }], threads }):
// CORRECTED_DATA = DATA / (J_i conj(J_j)), J the product of the tables' gains (per channel for a
// table with the MS's channels, else one per SPW; nearest or linear in time, amplitude and phase
// separately), WEIGHT_SPECTRUM = |J_i J_j|^2 / SIGMA^2 (WEIGHT its mean over unflagged channels),
// so a second apply gives the same result, and FLAG set where a solution is flagged or missing. Resolves to counts of cells, flags and non-zero finite corrected values.
Napi::Value CalApply(const Napi::CallbackInfo& info);

}  // namespace contimg
