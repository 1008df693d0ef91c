#include "tools/simulator/standing_false.h"

#include <string>
#include <vector>

#include "gossip/sim_cluster.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

// Six members on protocol 2, converged, one of them then crashed: every
// survivor's curve of it rises with no evidence to end it, which is what a
// stale suspicion of a healthy member looks like at the end of a run.
class StandingFalseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 6; ++i) c_.AddNode(LanV2Options());
    c_.RunFor(absl::Seconds(10));
    ASSERT_TRUE(AllSeeAll(c_, Live(6, {})));
  }

  SimCluster c_{7};
  const std::vector<double> thresholds_ = {8, 1e6};
};

TEST_F(StandingFalseTest, AHealthyClusterHasNone) {
  StandingFalse s = CountStandingFalse(c_, {}, thresholds_, c_.now());
  EXPECT_EQ(s.count, std::vector<int>({0, 0}));
  EXPECT_EQ(s.duration_ms, std::vector<double>({0, 0}));
}

TEST_F(StandingFalseTest, EverySurvivorHoldingASilentMemberCountsUntilNow) {
  const MonoTime since = c_.now();
  c_.Crash(5);
  c_.RunFor(absl::Seconds(2));  // well before failed_after
  StandingFalse s = CountStandingFalse(c_, {}, thresholds_, since);
  // Each of the 5 survivors, once, at phi 8; the crashed node observes
  // nothing. No curve reaches 10^6 in 2 s.
  EXPECT_EQ(s.count, std::vector<int>({5, 0}));
  // Phi 8 comes ~0.6 s after the last heartbeat: each stood ~1.4 s.
  EXPECT_GT(s.duration_ms[0], 5 * 1000.0);
  EXPECT_LT(s.duration_ms[0], 5 * 2000.0);
  // Measured from `since` when that is later than the crossing.
  StandingFalse late =
      CountStandingFalse(c_, {}, thresholds_, c_.now() - absl::Seconds(1));
  EXPECT_EQ(late.count[0], 5);
  EXPECT_DOUBLE_EQ(late.duration_ms[0], 5 * 1000.0);
}

TEST_F(StandingFalseTest, AnExcludedMemberIsNotCounted) {
  c_.Crash(5);
  c_.RunFor(absl::Seconds(2));
  StandingFalse s =
      CountStandingFalse(c_, {c_.node(5).name}, thresholds_, c_.now());
  EXPECT_EQ(s.count, std::vector<int>({0, 0}));
}

}  // namespace
}  // namespace phid
