// SimulatedClock: a Clock that moves only when told to, for tests and the
// simulator (testonly). Time in a test is then a value the test sets, so
// nothing waits and nothing depends on the machine's load.
//
// Thread safety: not synchronized; drive it from the thread that runs the
// simulation (or guard it yourself).
#ifndef PHID_DETECTOR_BASE_SIMULATED_CLOCK_H_
#define PHID_DETECTOR_BASE_SIMULATED_CLOCK_H_

#include "absl/time/time.h"
#include "detector/base/clock.h"

namespace phid {

// A clock that moves only when told to. Starts at `start`.
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(MonoTime start = absl::Seconds(1000)) : now_(start) {}
  SimulatedClock(const SimulatedClock&) = delete;
  SimulatedClock& operator=(const SimulatedClock&) = delete;

  MonoTime Now() const override { return now_; }
  void Advance(absl::Duration d) { now_ += d; }
  // Moves to `t`; never backwards (CHECK).
  void AdvanceTo(MonoTime t);

 private:
  MonoTime now_;
};

}  // namespace phid

#endif  // PHID_DETECTOR_BASE_SIMULATED_CLOCK_H_
