#include "native_heap.h"

#include <malloc.h>
#include <stdio.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <thread>

namespace contimg {
namespace {

// mallinfo2 sums the arenas without counting them; malloc_info's XML has one <heap> per arena.
double ArenaCount() {
  char* xml = nullptr;
  size_t size = 0;
  FILE* stream = open_memstream(&xml, &size);
  if (stream == nullptr) return 0;
  malloc_info(0, stream);
  fclose(stream);
  const std::string text(xml, size);
  free(xml);
  double count = 0;
  for (size_t at = text.find("<heap nr="); at != std::string::npos; at = text.find("<heap nr=", at + 1)) ++count;
  return count;
}

}  // namespace

Napi::Value NativeHeap(const Napi::CallbackInfo& info) {
  const struct mallinfo2 totals = mallinfo2();
  Napi::Object heap = Napi::Object::New(info.Env());
  heap.Set("inUseBytes", static_cast<double>(totals.uordblks + totals.hblkhd));
  heap.Set("freeBytes", static_cast<double>(totals.fordblks));
  heap.Set("mappedBytes", static_cast<double>(totals.arena + totals.hblkhd));
  heap.Set("arenas", ArenaCount());
  return heap;
}

void LimitMallocArenas() {
  if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return;
  mallopt(M_ARENA_MAX, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

Napi::Value ReleaseNativeMemory(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), malloc_trim(0) == 1);
}

}  // namespace contimg
