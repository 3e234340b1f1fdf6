#pragma once

#include <napi.h>

namespace contimg {

// msFlagPass(path, { reset, zeros, autos, aoflagger?: { strategy, threads } }): Promise<FlagCounts>.
// One pass over the main table of a MeasurementSet: reads FLAG (or starts it clear with `reset`)
// and DATA whole, runs AOFlagger's library with the Lua strategy on every cross-correlation
// baseline and SPW (threads at once), flags exact-zero visibilities and every autocorrelation,
// writes FLAG and a consistent FLAG_ROW back, and counts the flags per antenna and per channel.
// native/index.ts has validated the arguments.
Napi::Value MsFlagPass(const Napi::CallbackInfo& info);

}  // namespace contimg
