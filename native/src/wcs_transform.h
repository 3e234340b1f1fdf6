#pragma once

#include <napi.h>

namespace contimg {

// wcsTransform(headerText, coords, toWorld): Promise<Float64Array>. native/index.ts has validated the arguments.
Napi::Value WcsTransform(const Napi::CallbackInfo& info);

}  // namespace contimg
