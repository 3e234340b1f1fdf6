#pragma once

#include <napi.h>

namespace contimg {

// fitsReadTable(path): Promise<FitsTable>, the first table extension (binary or ASCII) of a FITS
// file (gzip-compressed files too). native/index.ts has validated the path.
Napi::Value FitsReadTable(const Napi::CallbackInfo& info);

}  // namespace contimg
