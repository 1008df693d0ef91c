#include "detector/base/simulated_clock.h"

#include "glog/logging.h"

namespace phid {

void SimulatedClock::AdvanceTo(MonoTime t) {
  CHECK(t >= now_) << "SimulatedClock::AdvanceTo moves backwards from "
                   << absl::FormatDuration(now_) << " to "
                   << absl::FormatDuration(t);
  now_ = t;
}

}  // namespace phid
