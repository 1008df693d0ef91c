#include "detector/phi_curve.h"

#include <algorithm>
#include <array>
#include <utility>

#include "glog/logging.h"

namespace phid {

double ArrivalCurve::Phi(MonoTime now) const {
  return phid::Phi(model, distribution,
                   absl::ToDoubleMilliseconds(now - last_arrival));
}

MonoTime ArrivalCurve::TimeAt(double threshold) const {
  // An infinite elapsed time becomes absl::InfiniteDuration().
  return last_arrival +
         absl::Milliseconds(PhiToElapsed(model, distribution, threshold));
}

PhiCurve::PhiCurve(const ArrivalCurve& curve) : curves_{curve}, quorum_(1) {}

PhiCurve::PhiCurve(absl::Span<const ArrivalCurve> curves, int quorum)
    : curves_(curves.begin(), curves.end()), quorum_(quorum) {
  CHECK_GE(quorum, 1);
  CHECK_LE(quorum, kMaxCurves);
  CHECK_LE(curves.size(), static_cast<size_t>(kMaxCurves));
}

double PhiCurve::Phi(MonoTime now) const {
  const ArrivalCurve* decisive = Decisive(now);
  return decisive == nullptr ? 0 : decisive->Phi(now);
}

const ArrivalCurve* PhiCurve::Decisive(MonoTime now) const {
  if (!has_evidence()) return nullptr;
  if (curves_.size() == 1) return &curves_[0];
  std::array<std::pair<double, int>, kMaxCurves> phis;
  const int n = static_cast<int>(curves_.size());
  for (int i = 0; i < n; ++i) phis[i] = {curves_[i].Phi(now), i};
  // The quorum-th highest: nth_element on descending phi.
  std::nth_element(phis.begin(), phis.begin() + (quorum_ - 1), phis.begin() + n,
                   [](const auto& a, const auto& b) { return a > b; });
  return &curves_[phis[quorum_ - 1].second];
}

MonoTime PhiCurve::TimeAt(double threshold) const {
  if (!has_evidence()) return absl::InfiniteDuration();
  if (curves_.size() == 1) return curves_[0].TimeAt(threshold);
  std::array<MonoTime, kMaxCurves> at;
  const int n = static_cast<int>(curves_.size());
  for (int i = 0; i < n; ++i) at[i] = curves_[i].TimeAt(threshold);
  std::nth_element(at.begin(), at.begin() + (quorum_ - 1), at.begin() + n);
  return at[quorum_ - 1];
}

}  // namespace phid
