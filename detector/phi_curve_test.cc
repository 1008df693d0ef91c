#include "detector/phi_curve.h"

#include <vector>

#include "gtest/gtest.h"

namespace phid {
namespace {

// Heartbeats every 100 ms, stddev 50 ms, no pause: phi 8 comes about
// 100 + 5.6 * 50 ms after the last arrival.
ArrivalCurve CurveArrivedAt(absl::Duration last_arrival, double mean_ms = 100) {
  ArrivalCurve c;
  c.model = PhiModel::kNormal;
  c.distribution.mean_ms = mean_ms;
  c.distribution.stddev_ms = 50;
  c.last_arrival = last_arrival;
  return c;
}

TEST(ArrivalCurveTest, TimeAtIsTheInverseOfPhi) {
  ArrivalCurve c = CurveArrivedAt(absl::Seconds(10));
  MonoTime at = c.TimeAt(8);
  EXPECT_GT(at, absl::Seconds(10));
  EXPECT_NEAR(c.Phi(at), 8, 1e-6);
  EXPECT_LT(c.Phi(at - absl::Milliseconds(5)), 8);
}

TEST(PhiCurveTest, AnEmptyCurveNeverRises) {
  PhiCurve none;
  EXPECT_FALSE(none.has_evidence());
  EXPECT_EQ(none.Phi(absl::Hours(5)), 0);
  EXPECT_EQ(none.TimeAt(1), absl::InfiniteDuration());
  EXPECT_EQ(none.Decisive(absl::Hours(5)), nullptr);
}

TEST(PhiCurveTest, OneCurveIsThatDetectorsPhi) {
  ArrivalCurve c = CurveArrivedAt(absl::Seconds(1));
  PhiCurve curve(c);
  MonoTime t = absl::Seconds(1) + absl::Milliseconds(400);
  EXPECT_DOUBLE_EQ(curve.Phi(t), c.Phi(t));
  EXPECT_EQ(curve.TimeAt(8), c.TimeAt(8));
}

TEST(PhiCurveTest, PhiIsTheQuorumThHighestMonitorPhi) {
  // Three monitors: one heard the member long ago (a bad link), two
  // recently. With H = 2 the stale monitor alone cannot raise phi.
  std::vector<ArrivalCurve> curves = {CurveArrivedAt(absl::Seconds(1)),
                                      CurveArrivedAt(absl::Seconds(9)),
                                      CurveArrivedAt(absl::Seconds(10))};
  PhiCurve quorum(curves, 2);
  MonoTime now = absl::Seconds(10) + absl::Milliseconds(50);
  EXPECT_GT(curves[0].Phi(now), 100);
  EXPECT_DOUBLE_EQ(quorum.Phi(now), curves[1].Phi(now));
  EXPECT_EQ(quorum.Decisive(now), &quorum.curves()[1]);
  PhiCurve one_of_three(curves, 1);
  EXPECT_DOUBLE_EQ(one_of_three.Phi(now), curves[0].Phi(now));
}

TEST(PhiCurveTest, TimeAtIsTheQuorumThEarliestCrossing) {
  std::vector<ArrivalCurve> curves = {CurveArrivedAt(absl::Seconds(3)),
                                      CurveArrivedAt(absl::Seconds(1)),
                                      CurveArrivedAt(absl::Seconds(2))};
  PhiCurve quorum(curves, 2);
  EXPECT_EQ(quorum.TimeAt(8), curves[2].TimeAt(8));
  // The two functions agree: phi reaches 8 exactly at TimeAt(8).
  MonoTime at = quorum.TimeAt(8);
  EXPECT_NEAR(quorum.Phi(at), 8, 1e-6);
  EXPECT_LT(quorum.Phi(at - absl::Milliseconds(1)), 8);
}

TEST(PhiCurveTest, FewerCurvesThanTheQuorumMeanNoEvidence) {
  std::vector<ArrivalCurve> curves = {CurveArrivedAt(absl::Seconds(1))};
  PhiCurve quorum(curves, 2);
  EXPECT_FALSE(quorum.has_evidence());
  EXPECT_EQ(quorum.Phi(absl::Hours(1)), 0);
  EXPECT_EQ(quorum.TimeAt(8), absl::InfiniteDuration());
}

TEST(PhiCurveTest, QuorumCombinesDifferentDistributions) {
  // A slow-arrival monitor (mean 1 s) and a fast one: the crossing is the
  // second one to reach the threshold, whichever curve that is.
  std::vector<ArrivalCurve> curves = {CurveArrivedAt(absl::Seconds(1), 1000),
                                      CurveArrivedAt(absl::Seconds(1), 100)};
  PhiCurve both(curves, 2);
  EXPECT_EQ(both.TimeAt(4), curves[0].TimeAt(4));
  EXPECT_GT(curves[0].TimeAt(4), curves[1].TimeAt(4));
}

}  // namespace
}  // namespace phid
