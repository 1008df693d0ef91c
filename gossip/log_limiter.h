// LogLimiter: rate-limits a warning that remote input can repeat (a client
// that is evicted, refused, or sends garbage), so an attacker cannot turn
// traffic into log volume. At most one line per `period` is let through,
// and that line reports how many were suppressed since the previous one.
//
//   static LogLimiter limiter(absl::Seconds(10));
//   if (std::optional<uint64_t> dropped = limiter.Admit(clock.Now())) {
//     LOG(WARNING) << "... (" << *dropped << " similar suppressed)";
//   }
//
// Thread safety: Admit may be called from any thread.
#ifndef PHID_GOSSIP_LOG_LIMITER_H_
#define PHID_GOSSIP_LOG_LIMITER_H_

#include <cstdint>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "detector/base/clock.h"

namespace phid {

class LogLimiter final {
 public:
  explicit LogLimiter(absl::Duration period) : period_(period) {}
  LogLimiter(const LogLimiter&) = delete;
  LogLimiter& operator=(const LogLimiter&) = delete;

  // The number of lines suppressed since the last one let through, if this
  // one may be logged now; nullopt (and counted) if not.
  std::optional<uint64_t> Admit(MonoTime now);

 private:
  const absl::Duration period_;
  absl::Mutex mu_;
  bool logged_ ABSL_GUARDED_BY(mu_) = false;
  MonoTime last_ ABSL_GUARDED_BY(mu_);
  uint64_t suppressed_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace phid

#endif  // PHID_GOSSIP_LOG_LIMITER_H_
