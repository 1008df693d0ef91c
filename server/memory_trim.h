// MemoryTrim: gives freed heap memory back to the operating system once a
// crowd of watchers has left.
//
// glibc keeps freed memory in its arenas (gRPC's threads each have one), so
// a daemon that served 2,000 watchers kept their ~50 MB after they left
// (issue 14). When the watcher count has fallen to a quarter of its peak
// since the last trim, by at least kMinDrop, MemoryTrim arms; once the
// count has stayed put for kSettle (the streams' memory is freed by gRPC's
// threads a moment after they end, and evictions come in sweeps a second
// apart) it calls `trim` (malloc_trim(0) in the daemon) once, and the peak
// starts again from the current count. A trim holds glibc's arena locks
// while it runs, so other threads' allocations wait: trimming in the
// middle of an eviction storm slowed ListPeers (p99 36 -> 171-210 ms in
// abuse_soak), hence the quarter and the settling.
//
// Pure logic on injected time; the daemon's loop thread calls Observe
// outside its lock (a trim of a large heap takes milliseconds). Not
// thread-safe.
#ifndef PHID_SERVER_MEMORY_TRIM_H_
#define PHID_SERVER_MEMORY_TRIM_H_

#include <cstddef>
#include <functional>

#include "detector/base/clock.h"

namespace phid {

class MemoryTrim final {
 public:
  static constexpr size_t kMinDrop = 100;
  static constexpr absl::Duration kSettle = absl::Seconds(2);

  // `trim` releases free memory (called from Observe).
  explicit MemoryTrim(std::function<void()> trim);
  MemoryTrim(const MemoryTrim&) = delete;
  MemoryTrim& operator=(const MemoryTrim&) = delete;

  // The current watcher count at `now`. Returns true if it trimmed.
  bool Observe(size_t watchers, MonoTime now);

  // malloc_trim(0): every arena's free pages back to the system.
  static void TrimMalloc();

 private:
  std::function<void()> trim_;
  size_t peak_ = 0;
  size_t last_ = 0;
  MonoTime settled_from_;  // when the count last changed
  bool armed_ = false;
};

}  // namespace phid

#endif  // PHID_SERVER_MEMORY_TRIM_H_
