#pragma once

#include <napi.h>

namespace contimg {

// msCreate(spec): Promise<External>  — creates the MeasurementSet and every subtable, no main rows.
// msWriteBlock(handle, block): Promise<void> — one integration of every subband: reorders channels
//   ascending, recomputes UVW for the fixed J2000 phase centre and rephases, appends the rows.
// msClose(handle): Promise<MsSummary> — flushes, closes, reopens read-only and checks the result.
//   When the flush fails the MS stays open, for msDiscard.
// msDiscard(handle): Promise<void> — closes the MS without writing it.
// native/index.ts has validated every argument; the C++ side trusts them.
Napi::Value MsCreate(const Napi::CallbackInfo& info);
Napi::Value MsWriteBlock(const Napi::CallbackInfo& info);
Napi::Value MsClose(const Napi::CallbackInfo& info);
Napi::Value MsDiscard(const Napi::CallbackInfo& info);

}  // namespace contimg
