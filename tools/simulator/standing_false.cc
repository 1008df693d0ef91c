#include "tools/simulator/standing_false.h"

#include <algorithm>

#include "gossip/membership.h"

namespace phid {

StandingFalse CountStandingFalse(SimCluster& cluster,
                                 const std::set<std::string>& excluded,
                                 const std::vector<double>& thresholds,
                                 MonoTime since) {
  StandingFalse out{std::vector<int>(thresholds.size(), 0),
                    std::vector<double>(thresholds.size(), 0)};
  const MonoTime now = cluster.now();
  for (int i = 0; i < cluster.size(); ++i) {
    if (cluster.node(i).crashed) continue;
    const Membership& m = cluster.node(i).gossip->membership();
    for (const Member* member : m.members()) {
      // HasCurve first: most members have nothing against them, and
      // CurveOf at 10,000 x 10,000 pairs would dominate the run.
      if (member == &m.self_member() || !m.HasCurve(*member) ||
          excluded.count(member->name()) > 0) {
        continue;
      }
      const PhiCurve curve = m.CurveOf(*member, now);
      const double phi = curve.Phi(now);
      for (size_t t = 0; t < thresholds.size(); ++t) {
        if (phi < thresholds[t]) continue;
        ++out.count[t];
        out.duration_ms[t] += absl::ToDoubleMilliseconds(
            now - std::max(curve.TimeAt(thresholds[t]), since));
      }
    }
  }
  return out;
}

}  // namespace phid
