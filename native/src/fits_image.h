#pragma once

#include <napi.h>

namespace contimg {

// fitsReadImage(path, hdu): Promise<FitsImage>. native/index.ts has validated the arguments.
Napi::Value FitsReadImage(const Napi::CallbackInfo& info);
// fitsWriteImage(path, image: { cards, shape, data }): Promise<void>; replaces an existing file.
Napi::Value FitsWriteImage(const Napi::CallbackInfo& info);
// fitsUpdateHeader(path, hdu, cards): Promise<void>; adds or replaces each keyword in place.
Napi::Value FitsUpdateHeader(const Napi::CallbackInfo& info);

}  // namespace contimg
