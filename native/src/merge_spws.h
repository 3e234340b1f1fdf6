#pragma once

#include <napi.h>

namespace contimg {

// msMergeSpws({input, output, column}): Promise<{rows, spws, channels}>. Writes `output`, a copy of
// the MeasurementSet `input` with its spectral windows joined into one (in frequency order) and
// `column` as its DATA; native/index.ts has validated the paths.
Napi::Value MsMergeSpws(const Napi::CallbackInfo& info);

}  // namespace contimg
