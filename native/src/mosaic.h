#pragma once

#include <napi.h>

namespace contimg {

// mosaicAccumulate(spec): Promise<number>. Interpolates one tile's image and primary beam at the
// tile positions of a region of mosaic pixels and adds pb·I to `sum` and pb² to `weight` there
// where pb ≥ the cutoff;
// resolves to the number of positions that received a contribution. native/index.ts has
// validated the arguments.
Napi::Value MosaicAccumulate(const Napi::CallbackInfo& info);

}  // namespace contimg
