#include "gossip/probe_limiter.h"

namespace phid {

bool ProbeLimiter::Allow(uint64_t id, MonoTime now) {
  auto it = last_.find(id);
  if (it != last_.end()) {
    if (now - it->second < every_) return false;
    it->second = now;
    return true;
  }
  if (last_.size() >= capacity_) {
    for (auto old = last_.begin(); old != last_.end();) {
      if (now - old->second >= every_) {
        last_.erase(old++);
      } else {
        ++old;
      }
    }
    if (last_.size() >= capacity_) return false;
  }
  last_.emplace(id, now);
  return true;
}

}  // namespace phid
