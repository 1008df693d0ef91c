// CompactTime: a MonoTime in 8 bytes instead of absl::Duration's 16, for
// the times held in every (observer, member) pair (Member, in
// membership_member.h: at N = 10,000 the simulator holds 10^8 of them).
//
// It stores the time in absl::Duration's own unit (a quarter nanosecond),
// so converting back gives exactly the MonoTime stored, for any finite time
// within +-73 years of the clock's origin; +-infinity stay infinite. Times
// further out (no monotonic clock reaches them) saturate to infinity.
#ifndef PHID_GOSSIP_COMPACT_TIME_H_
#define PHID_GOSSIP_COMPACT_TIME_H_

#include <cstdint>
#include <limits>

#include "absl/time/time.h"
#include "detector/base/clock.h"

namespace phid {

class CompactTime {
 public:
  CompactTime() = default;  // the origin (MonoTime() is zero too)
  CompactTime(MonoTime t) : ticks_(ToTicks(t)) {}  // NOLINT: a MonoTime
  operator MonoTime() const { return get(); }      // NOLINT: a MonoTime
  MonoTime get() const {
    if (ticks_ == kInfinite) return absl::InfiniteDuration();
    if (ticks_ == kMinusInfinite) return -absl::InfiniteDuration();
    return Tick() * ticks_;
  }

 private:
  static constexpr int64_t kInfinite = std::numeric_limits<int64_t>::max();
  static constexpr int64_t kMinusInfinite = std::numeric_limits<int64_t>::min();
  static absl::Duration Tick() { return absl::Nanoseconds(1) / 4; }
  static int64_t ToTicks(MonoTime t) {
    if (t == absl::InfiniteDuration()) return kInfinite;
    if (t == -absl::InfiniteDuration()) return kMinusInfinite;
    absl::Duration rem;
    // IDivDuration saturates at the int64 limits: those mean infinity.
    return absl::IDivDuration(t, Tick(), &rem);
  }

  int64_t ticks_ = 0;
};

}  // namespace phid

#endif  // PHID_GOSSIP_COMPACT_TIME_H_
