#include "detector/base/clock.h"

#include <chrono>

namespace phid {

MonoTime RealClock::Now() const {
  return absl::FromChrono(std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now().time_since_epoch()));
}

RealClock& RealClock::Get() {
  // Never destroyed, so it stays usable from other statics' destructors.
  static RealClock* const clock = new RealClock();
  return *clock;
}

}  // namespace phid
