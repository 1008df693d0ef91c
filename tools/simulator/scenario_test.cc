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

// At every threshold: `survivors` detections, none missed, none false.
void ExpectEverySurvivorDetectedAndNoFalse(const ScenarioResult& r,
                                           int survivors) {
  for (const ThresholdResult& t : r.thresholds) {
    EXPECT_EQ(t.detection_ms.count, survivors) << "phi " << t.threshold;
    EXPECT_EQ(t.undetected, 0);
    EXPECT_EQ(t.false_suspicions, 0);
  }
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

// The parallel driver replays the sequential one, and the probes' tallies
// add up in observer order, so results match to the last bit.
TEST(ScenarioTest, ParallelAndSequentialDriversGiveTheSameResult) {
  for (ScenarioKind kind : {ScenarioKind::kCrash, ScenarioKind::kPause,
                            ScenarioKind::kPartition, ScenarioKind::kLoss}) {
    ScenarioConfig c = Small(kind);
    c.loss = 0.05;
    c.threads = 0;
    absl::StatusOr<ScenarioResult> sequential = RunScenario(c);
    c.threads = 2;
    absl::StatusOr<ScenarioResult> parallel = RunScenario(c);
    ASSERT_TRUE(sequential.ok() && parallel.ok());
    SCOPED_TRACE(static_cast<int>(kind));
    EXPECT_EQ(sequential->bytes_per_node_second,
              parallel->bytes_per_node_second);
    EXPECT_EQ(sequential->observer_pauses, parallel->observer_pauses);
    ASSERT_EQ(sequential->thresholds.size(), parallel->thresholds.size());
    for (size_t i = 0; i < parallel->thresholds.size(); ++i) {
      const ThresholdResult& s = sequential->thresholds[i];
      const ThresholdResult& p = parallel->thresholds[i];
      EXPECT_EQ(s.detection_ms.count, p.detection_ms.count);
      EXPECT_EQ(s.detection_ms.min, p.detection_ms.min);
      EXPECT_EQ(s.detection_ms.p50, p.detection_ms.p50);
      EXPECT_EQ(s.detection_ms.max, p.detection_ms.max);
      EXPECT_EQ(s.undetected, p.undetected);
      EXPECT_EQ(s.false_suspicions, p.false_suspicions);
      EXPECT_EQ(s.mean_false_duration_ms, p.mean_false_duration_ms);
    }
  }
}

TEST(ScenarioTest, AJoinStormIsMeasuredInParallelToo) {
  ScenarioConfig c = Small(ScenarioKind::kJoinStorm);
  c.victims = 4;
  c.threads = 2;
  absl::StatusOr<ScenarioResult> r = RunScenario(c);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(r->dissemination_rounds, 0);
}

// Joining through several seeds: every node still hears of the crash.
TEST(ScenarioTest, NodesJoiningThroughSeveralSeedsAllDetectTheCrash) {
  ScenarioConfig c = Small(ScenarioKind::kCrash);
  c.nodes = 12;
  c.seeds = 3;
  absl::StatusOr<ScenarioResult> r = RunScenario(c);
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectEverySurvivorDetectedAndNoFalse(*r, 11);
}

// With a keyring every datagram carries a nonce and a tag in place of the
// CRC32C, and nothing else changes: the same detections, 24 more bytes a
// datagram.
TEST(ScenarioTest, AKeyringAddsItsBytesAndChangesNothingElse) {
  ScenarioConfig c = Small(ScenarioKind::kCrash);
  c.options.protocol = 2;
  absl::StatusOr<ScenarioResult> plain = RunScenario(c);
  ASSERT_TRUE(plain.ok()) << plain.status();
  absl::StatusOr<Keyring> keyring =
      Keyring::FromKeys({std::string(Keyring::kKeyBytes, 'k')});
  ASSERT_TRUE(keyring.ok()) << keyring.status();
  c.keyring = &*keyring;
  absl::StatusOr<ScenarioResult> keyed = RunScenario(c);
  ASSERT_TRUE(keyed.ok()) << keyed.status();
  for (size_t i = 0; i < plain->thresholds.size(); ++i) {
    EXPECT_EQ(keyed->thresholds[i].detection_ms.count,
              plain->thresholds[i].detection_ms.count);
    EXPECT_EQ(keyed->thresholds[i].detection_ms.p50,
              plain->thresholds[i].detection_ms.p50);
    EXPECT_EQ(keyed->thresholds[i].false_suspicions,
              plain->thresholds[i].false_suspicions);
  }
  double plain_per_packet =
      plain->bytes_per_node_second / plain->packets_per_node_second;
  double keyed_per_packet =
      keyed->bytes_per_node_second / keyed->packets_per_node_second;
  EXPECT_NEAR(keyed_per_packet - plain_per_packet,
              Keyring::kNonceBytes + Keyring::kTagBytes - 4, 0.5);
}

// The lean preset's promise (gossip_options.h): fewer bytes per node than
// Serf lan's UDP traffic alone (267 B/s measured in BENCHMARKS.md §1), and
// still a crash detected within seconds.
TEST(ScenarioTest, TheLeanPresetSendsFewerBytesThanSerfLan) {
  ScenarioConfig c = Small(ScenarioKind::kLoss);
  c.options = GossipOptions::ForLean();
  c.warmup = absl::Seconds(20);
  c.duration = absl::Seconds(40);
  absl::StatusOr<ScenarioResult> healthy = RunScenario(c);
  ASSERT_TRUE(healthy.ok()) << healthy.status();
  EXPECT_LT(healthy->bytes_per_node_second, 267);
  EXPECT_GT(healthy->bytes_per_node_second, 200);  // it did send heartbeats

  c.kind = ScenarioKind::kCrash;
  absl::StatusOr<ScenarioResult> crash = RunScenario(c);
  ASSERT_TRUE(crash.ok()) << crash.status();
  const ThresholdResult& phi8 = crash->thresholds[1];
  EXPECT_EQ(phi8.detection_ms.count, 7);
  EXPECT_LT(phi8.detection_ms.p99, 5000);
}

// A prejoined cluster skips the join, not the warm-up: by the crash every
// monitor's history is full, so every survivor detects it and nobody
// healthy is suspected.
TEST(ScenarioTest, APrejoinedCrashIsDetectedByEverySurvivor) {
  ScenarioConfig c = Small(ScenarioKind::kCrash);
  c.nodes = 30;
  c.loss = 0.05;
  c.prejoined = true;
  absl::StatusOr<ScenarioResult> r = RunScenario(c);
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectEverySurvivorDetectedAndNoFalse(*r, 29);
}

// After the warm-up a prejoined cluster is the cluster a join leaves: the
// same detections, and about the same steady-state traffic. Not exactly
// the same: the joined run's last news and its nodes' random phases differ
// (at N = 30: 1,700 against 1,711 B/node/s, 0.6 %); 5 % leaves room for
// that while still failing if the prejoined cluster missed heartbeats to a
// monitor or kept news circulating.
TEST(ScenarioTest, PrejoinedAndJoinedClustersBehaveAlikeAfterWarmUp) {
  ScenarioConfig c = Small(ScenarioKind::kCrash);
  c.nodes = 30;
  c.warmup = absl::Seconds(20);
  absl::StatusOr<ScenarioResult> joined = RunScenario(c);
  c.prejoined = true;
  absl::StatusOr<ScenarioResult> prejoined = RunScenario(c);
  ASSERT_TRUE(joined.ok() && prejoined.ok());
  EXPECT_NEAR(prejoined->bytes_per_node_second, joined->bytes_per_node_second,
              0.05 * joined->bytes_per_node_second);
  ASSERT_EQ(joined->thresholds.size(), prejoined->thresholds.size());
  for (size_t i = 0; i < joined->thresholds.size(); ++i) {
    EXPECT_EQ(prejoined->thresholds[i].detection_ms.count,
              joined->thresholds[i].detection_ms.count);
    EXPECT_EQ(prejoined->thresholds[i].detection_ms.count, 29);
    EXPECT_EQ(prejoined->thresholds[i].false_suspicions,
              joined->thresholds[i].false_suspicions);
  }
}

// (rumour_ms is left out: RunUntil checks after every window in parallel.)
TEST(ScenarioTest, PrejoinedParallelAndSequentialGiveTheSameResult) {
  ScenarioConfig c = Small(ScenarioKind::kCrash);
  c.nodes = 30;
  c.loss = 0.05;
  c.prejoined = true;
  absl::StatusOr<ScenarioResult> sequential = RunScenario(c);
  c.threads = 2;
  absl::StatusOr<ScenarioResult> parallel = RunScenario(c);
  ASSERT_TRUE(sequential.ok() && parallel.ok());
  EXPECT_EQ(sequential->bytes_per_node_second, parallel->bytes_per_node_second);
  for (size_t i = 0; i < parallel->thresholds.size(); ++i) {
    const ThresholdResult& s = sequential->thresholds[i];
    const ThresholdResult& p = parallel->thresholds[i];
    EXPECT_EQ(s.detection_ms.count, p.detection_ms.count);
    EXPECT_EQ(s.detection_ms.min, p.detection_ms.min);
    EXPECT_EQ(s.detection_ms.p50, p.detection_ms.p50);
    EXPECT_EQ(s.detection_ms.max, p.detection_ms.max);
    EXPECT_EQ(s.false_suspicions, p.false_suspicions);
  }
}

TEST(ScenarioTest, InvalidConfigurationsAreRejected) {
  ScenarioConfig c = Small(ScenarioKind::kCrash);
  c.victims = 8;
  EXPECT_FALSE(RunScenario(c).ok());
  c.nodes = 1;
  EXPECT_FALSE(RunScenario(c).ok());
  c = Small(ScenarioKind::kCrash);
  c.threads = -1;
  EXPECT_FALSE(RunScenario(c).ok());
  c = Small(ScenarioKind::kCrash);
  c.seeds = -1;
  EXPECT_FALSE(RunScenario(c).ok());
  c = Small(ScenarioKind::kCrash);
  c.prejoined = true;
  c.options.protocol = 1;
  EXPECT_FALSE(RunScenario(c).ok());
}

}  // namespace
}  // namespace phid
