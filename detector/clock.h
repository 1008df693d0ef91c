// Clock: the one place phid reads time.
//
// Everything else takes a `MonoTime` (or a `Clock&`) so the detector, the
// gossip protocol and the watch scheduler run deterministically on a
// SimulatedClock in tests and in the simulator. MonoTime is the time since an
// arbitrary origin of a monotonic clock: only differences mean anything.
//
// Thread safety: RealClock is safe from any thread. SimulatedClock is not
// synchronized; drive it from the thread that runs the simulation.
#ifndef PHID_DETECTOR_CLOCK_H_
#define PHID_DETECTOR_CLOCK_H_

#include "absl/time/time.h"

namespace phid {

// Time since a monotonic clock's origin. Compare and subtract only.
using MonoTime = absl::Duration;

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

#endif  // PHID_DETECTOR_CLOCK_H_
