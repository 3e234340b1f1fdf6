#include <napi.h>

#include "calibrate_apply.h"
#include "calibrate_ms.h"
#include "calibrate_predict.h"
#include "calibrate_solve.h"
#include "caltable_io.h"
#include "fits_image.h"
#include "fits_table.h"
#include "merge_spws.h"
#include "mosaic.h"
#include "flag_ms.h"
#include "ms_writer.h"
#include "native_heap.h"
#include "simulate_uvh5.h"
#include "source_finder.h"
#include "table_info.h"
#include "wcs_transform.h"

namespace {

// Node creates one instance per environment (main thread or worker), so nothing JS-related is static.
class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env /*env*/, Napi::Object exports) {
    contimg::LimitMallocArenas();
    DefineAddon(exports, {InstanceMethod<&Addon::TableInfo>("tableInfo"),
                          InstanceMethod<&Addon::SimulateUvh5>("simulateUvh5"),
                          InstanceMethod<&Addon::MsCreate>("msCreate"),
                          InstanceMethod<&Addon::MsWriteBlock>("msWriteBlock"),
                          InstanceMethod<&Addon::MsClose>("msClose"),
                          InstanceMethod<&Addon::MsDiscard>("msDiscard"),
                          InstanceMethod<&Addon::MsMergeSpws>("msMergeSpws"),
                          InstanceMethod<&Addon::FitsReadImage>("fitsReadImage"),
                          InstanceMethod<&Addon::FitsWriteImage>("fitsWriteImage"),
                          InstanceMethod<&Addon::FitsUpdateHeader>("fitsUpdateHeader"),
                          InstanceMethod<&Addon::WcsTransform>("wcsTransform"),
                          InstanceMethod<&Addon::SourceFind>("sourceFind"),
                          InstanceMethod<&Addon::MosaicAccumulate>("mosaicAccumulate"),
                          InstanceMethod<&Addon::FitsReadTable>("fitsReadTable"),
                          InstanceMethod<&Addon::MsFlagPass>("msFlagPass"),
                          InstanceMethod<&Addon::CalMsInfo>("calMsInfo"),
                          InstanceMethod<&Addon::CalPredict>("calPredict"),
                          InstanceMethod<&Addon::CalSolve>("calSolve"),
                          InstanceMethod<&Addon::CalApply>("calApply"),
                          InstanceMethod<&Addon::CalReadTable>("calReadTable"),
                          InstanceMethod<&Addon::NativeHeap>("nativeHeap"),
                          InstanceMethod<&Addon::ReleaseNativeMemory>("releaseNativeMemory")});
  }

 private:
  Napi::Value TableInfo(const Napi::CallbackInfo& info) { return contimg::TableInfo(info); }
  Napi::Value SimulateUvh5(const Napi::CallbackInfo& info) { return contimg::SimulateUvh5(info); }
  Napi::Value MsCreate(const Napi::CallbackInfo& info) { return contimg::MsCreate(info); }
  Napi::Value MsWriteBlock(const Napi::CallbackInfo& info) { return contimg::MsWriteBlock(info); }
  Napi::Value MsClose(const Napi::CallbackInfo& info) { return contimg::MsClose(info); }
  Napi::Value MsDiscard(const Napi::CallbackInfo& info) { return contimg::MsDiscard(info); }
  Napi::Value MsMergeSpws(const Napi::CallbackInfo& info) { return contimg::MsMergeSpws(info); }
  Napi::Value FitsReadImage(const Napi::CallbackInfo& info) { return contimg::FitsReadImage(info); }
  Napi::Value FitsWriteImage(const Napi::CallbackInfo& info) { return contimg::FitsWriteImage(info); }
  Napi::Value FitsUpdateHeader(const Napi::CallbackInfo& info) { return contimg::FitsUpdateHeader(info); }
  Napi::Value WcsTransform(const Napi::CallbackInfo& info) { return contimg::WcsTransform(info); }
  Napi::Value SourceFind(const Napi::CallbackInfo& info) { return contimg::SourceFind(info); }
  Napi::Value MosaicAccumulate(const Napi::CallbackInfo& info) { return contimg::MosaicAccumulate(info); }
  Napi::Value FitsReadTable(const Napi::CallbackInfo& info) { return contimg::FitsReadTable(info); }
  Napi::Value MsFlagPass(const Napi::CallbackInfo& info) { return contimg::MsFlagPass(info); }
  Napi::Value CalMsInfo(const Napi::CallbackInfo& info) { return contimg::CalMsInfo(info); }
  Napi::Value CalPredict(const Napi::CallbackInfo& info) { return contimg::CalPredict(info); }
  Napi::Value CalSolve(const Napi::CallbackInfo& info) { return contimg::CalSolve(info); }
  Napi::Value CalApply(const Napi::CallbackInfo& info) { return contimg::CalApply(info); }
  Napi::Value CalReadTable(const Napi::CallbackInfo& info) { return contimg::CalReadTable(info); }
  Napi::Value NativeHeap(const Napi::CallbackInfo& info) { return contimg::NativeHeap(info); }
  Napi::Value ReleaseNativeMemory(const Napi::CallbackInfo& info) { return contimg::ReleaseNativeMemory(info); }
};

}  // namespace

NODE_API_ADDON(Addon)
