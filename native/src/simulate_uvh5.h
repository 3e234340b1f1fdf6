#pragma once

#include <napi.h>

namespace contimg {

// simulateUvh5(spec: SimulateUvh5Spec): Promise<SimulateUvh5Timing>. native/index.ts has
// validated every field and shape.
Napi::Value SimulateUvh5(const Napi::CallbackInfo& info);

}  // namespace contimg
