#include "tools/simulator/scenario.h"

#include "gtest/gtest.h"

namespace phid {
namespace {

ScenarioConfig Small(ScenarioKind kind) {
  ScenarioConfig c;
  c.kind = kind;
  c.nodes = 8;
  c.victims = 1;
  c.warmup = absl::Seconds(10);
  c.duration = absl::Seconds(10);
  c.pause = absl::Seconds(3);
  c.thresholds = {1, 8};
  return c;
}

TEST(ScenarioTest, ACrashIsDetectedByEverySurvivorAtEveryThreshold) {
  absl::StatusOr<ScenarioResult> r = RunScenario(Small(ScenarioKind::kCrash));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->thresholds.size(), 2u);
  for (const ThresholdResult& t : r->thresholds) {
    EXPECT_EQ(t.detection_ms.count, 7) << "phi " << t.threshold;
    EXPECT_EQ(t.undetected, 0);
    EXPECT_GT(t.detection_ms.min, 0);
  }
  // A higher threshold takes longer.
  EXPECT_LT(r->thresholds[0].detection_ms.p50,
            r->thresholds[1].detection_ms.p50);
  EXPECT_GT(r->bytes_per_node_second, 0);
}

TEST(ScenarioTest, APauseIsDetectedAndThePausedNodeAccusesNobody) {
  absl::StatusOr<ScenarioResult> r = RunScenario(Small(ScenarioKind::kPause));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->observer_pauses, 1);
  EXPECT_EQ(r->thresholds[1].detection_ms.count, 7);
  EXPECT_EQ(r->thresholds[1].false_suspicions, 0);
}

TEST(ScenarioTest, AJoinStormReportsDisseminationRounds) {
  ScenarioConfig c = Small(ScenarioKind::kJoinStorm);
  c.victims = 4;
  absl::StatusOr<ScenarioResult> r = RunScenario(c);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(r->dissemination_rounds, 0);
}

TEST(ScenarioTest, InvalidConfigurationsAreRejected) {
  ScenarioConfig c = Small(ScenarioKind::kCrash);
  c.victims = 8;
  EXPECT_FALSE(RunScenario(c).ok());
  c.nodes = 1;
  EXPECT_FALSE(RunScenario(c).ok());
}

}  // namespace
}  // namespace phid
