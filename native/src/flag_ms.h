#pragma once

#include <napi.h>

namespace contimg {

// msFlagPass(path, { reset, zeros, autos }): Promise<FlagCounts>. One pass over the main table of a
// MeasurementSet: optionally clears FLAG, flags exact-zero visibilities of DATA and every
// autocorrelation, keeps FLAG_ROW consistent, and counts the flags per antenna and per channel.
// native/index.ts has validated the arguments.
Napi::Value MsFlagPass(const Napi::CallbackInfo& info);

}  // namespace contimg
