// Member views for the watch logic's unit tests (testonly): one fixed
// interval distribution (mean 100 ms, sigma 20 ms, no pause) and the
// analytic instant phi crosses a threshold under it.
#ifndef PHID_SERVER_TEST_VIEWS_H_
#define PHID_SERVER_TEST_VIEWS_H_

#include <string>
#include <utility>

#include "absl/time/time.h"
#include "detector/phi.h"
#include "gossip/member.h"

namespace phid {

inline IntervalDistribution Dist() {
  IntervalDistribution d;
  d.mean_ms = 100;
  d.stddev_ms = 20;
  d.acceptable_pause_ms = 0;
  return d;
}

// A live member last heard from at `last_arrival`, judged under Dist().
inline MemberView View(const std::string& name, MonoTime last_arrival,
                       Tags tags = {}, uint64_t generation = 1) {
  MemberView v;
  v.record.name = name;
  v.record.address = "127.0.0.2:7946";
  v.record.generation = generation;
  v.record.tags = std::move(tags);
  v.has_arrival = true;
  v.last_arrival = last_arrival;
  v.distribution = Dist();
  v.curve = PhiCurve(ArrivalCurve{PhiModel::kNormal, Dist(), last_arrival});
  v.samples = 10;
  return v;
}

// When phi under Dist() reaches `threshold` after `last_arrival`.
inline MonoTime Analytic(MonoTime last_arrival, double threshold) {
  return last_arrival +
         absl::Milliseconds(PhiToElapsed(PhiModel::kNormal, Dist(), threshold));
}

}  // namespace phid

#endif  // PHID_SERVER_TEST_VIEWS_H_
