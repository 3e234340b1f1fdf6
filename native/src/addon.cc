#include <napi.h>

#include "ms_writer.h"
#include "simulate_uvh5.h"
#include "table_info.h"

namespace {

// Node creates one instance per environment (main thread or worker), so nothing JS-related is static.
class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env /*env*/, Napi::Object exports) {
    DefineAddon(exports, {InstanceMethod<&Addon::TableInfo>("tableInfo"),
                          InstanceMethod<&Addon::SimulateUvh5>("simulateUvh5"),
                          InstanceMethod<&Addon::MsCreate>("msCreate"),
                          InstanceMethod<&Addon::MsWriteBlock>("msWriteBlock"),
                          InstanceMethod<&Addon::MsClose>("msClose")});
  }

 private:
  Napi::Value TableInfo(const Napi::CallbackInfo& info) { return contimg::TableInfo(info); }
  Napi::Value SimulateUvh5(const Napi::CallbackInfo& info) { return contimg::SimulateUvh5(info); }
  Napi::Value MsCreate(const Napi::CallbackInfo& info) { return contimg::MsCreate(info); }
  Napi::Value MsWriteBlock(const Napi::CallbackInfo& info) { return contimg::MsWriteBlock(info); }
  Napi::Value MsClose(const Napi::CallbackInfo& info) { return contimg::MsClose(info); }
};

}  // namespace

NODE_API_ADDON(Addon)
