#pragma once

#include <napi.h>

namespace contimg {

// nativeHeap(): NativeHeap. glibc malloc's totals over every arena, in bytes.
Napi::Value NativeHeap(const Napi::CallbackInfo& info);

// Caps malloc's arenas at one per core, unless MALLOC_ARENA_MAX says otherwise. glibc's default
// is eight per core: each thread that allocates during a busy moment adds an arena, which then
// keeps its freed memory for the life of the process, so a long run's memory creeps up for hours.
// Called when the addon loads, before the native core's threads have allocated.
void LimitMallocArenas();

// releaseNativeMemory(): boolean. Gives malloc's free pages back to the system (malloc_trim);
// true when there were any.
Napi::Value ReleaseNativeMemory(const Napi::CallbackInfo& info);

}  // namespace contimg
