#pragma once

#include <mutex>

namespace contimg {

// casacore's table system keeps process-wide state (the table cache, AipsIO) that is not safe
// to use from several threads at once: concurrent opens on the libuv pool corrupted reads
// ("AipsIO::getNextType: no magic value found") and crashed the process. Every call that
// touches casacore holds this lock while it does.
inline std::mutex& CasacoreMutex() {
  static std::mutex mutex;
  return mutex;
}

}  // namespace contimg
