#include "gossip/log_limiter.h"

namespace phid {

std::optional<uint64_t> LogLimiter::Admit(MonoTime now) {
  absl::MutexLock lock(&mu_);
  if (logged_ && now - last_ < period_) {
    ++suppressed_;
    return std::nullopt;
  }
  logged_ = true;
  last_ = now;
  const uint64_t dropped = suppressed_;
  suppressed_ = 0;
  return dropped;
}

}  // namespace phid
