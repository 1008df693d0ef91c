#include "detector/clock.h"

#include <chrono>

#include "glog/logging.h"

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

void SimulatedClock::AdvanceTo(MonoTime t) {
  CHECK(t >= now_) << "SimulatedClock::AdvanceTo moves backwards from "
                   << absl::FormatDuration(now_) << " to "
                   << absl::FormatDuration(t);
  now_ = t;
}

}  // namespace phid
