#pragma once

#include <napi.h>

namespace contimg {

// sourceFind(spec): Promise<SourceFindResult>: background and rms maps over a box mesh, islands
// above the seed threshold grown to the flood threshold, each fitted with elliptical Gaussians
// (GSL's nonlinear least squares). native/index.ts has validated the arguments.
Napi::Value SourceFind(const Napi::CallbackInfo& info);

}  // namespace contimg
