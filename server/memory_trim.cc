#include "server/memory_trim.h"

#include <malloc.h>

#include <utility>

namespace phid {

MemoryTrim::MemoryTrim(std::function<void()> trim) : trim_(std::move(trim)) {}

bool MemoryTrim::Observe(size_t watchers, MonoTime now) {
  if (watchers != last_) {
    last_ = watchers;
    settled_from_ = now;
  }
  if (watchers > peak_) peak_ = watchers;
  if (!armed_) {
    armed_ = watchers <= peak_ / 4 && peak_ - watchers >= kMinDrop;
    if (!armed_) return false;
  }
  if (now - settled_from_ < kSettle) return false;
  trim_();
  armed_ = false;
  peak_ = watchers;
  return true;
}

void MemoryTrim::TrimMalloc() { malloc_trim(0); }

}  // namespace phid
