#pragma once

#include <napi.h>

namespace contimg {

// tableInfo(path: string): Promise<TableInfo>. native/index.ts has validated the path.
Napi::Value TableInfo(const Napi::CallbackInfo& info);

}  // namespace contimg
