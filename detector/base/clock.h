// Clock: the one place phid reads time.
//
// Everything else takes a `MonoTime` (or a `Clock&`) so the detector, the
// gossip protocol and the watch scheduler run deterministically on a
// SimulatedClock (simulated_clock.h, testonly) in tests and in the simulator.
// MonoTime (mono_time.h) is the time since an arbitrary origin of a
// monotonic clock: only differences mean anything.
//
// Thread safety: RealClock is safe from any thread.
#ifndef PHID_DETECTOR_BASE_CLOCK_H_
#define PHID_DETECTOR_BASE_CLOCK_H_

#include "absl/time/time.h"
#include "detector/base/mono_time.h"

namespace phid {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual MonoTime Now() const = 0;
};

// std::chrono::steady_clock.
class RealClock final : public Clock {
 public:
  MonoTime Now() const override;
  // A process-wide instance.
  static RealClock& Get();
};

}  // namespace phid

#endif  // PHID_DETECTOR_BASE_CLOCK_H_
