// Cluster-level tests of the gossip protocol on the simulated clock and the
// in-memory network: no sockets, no sleeps.
#include "gossip/gossip_node.h"

#include <map>
#include <random>

#include "absl/strings/str_cat.h"
#include "detector/base/simulated_clock.h"
#include "gmock/gmock.h"
#include "gossip/in_memory_network.h"
#include "gossip/sim_cluster.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

// Records events, and every stretch where a member's phi rose above
// `threshold` before a heartbeat arrived (a suspicion that then recovered).
class Recorder : public MembershipListener {
 public:
  explicit Recorder(double threshold = 8) : threshold_(threshold) {}
  void OnMemberEvent(const MemberEvent& event) override {
    events.push_back(event);
  }
  void OnEvidence(const std::string& name, const PhiCurve& before,
                  MonoTime now) override {
    if (before.Phi(now) >= threshold_) {
      suspicions.push_back(name);
    }
  }
  int Count(MemberEventType type, const std::string& name) const {
    int n = 0;
    for (const auto& e : events) n += e.type == type && e.record.name == name;
    return n;
  }
  std::vector<MemberEvent> events;
  std::vector<std::string> suspicions;

 private:
  double threshold_;
};

// These tests are protocol 1's (heartbeats relayed by digests); protocol 2
// has its own in protocol_v2_monitoring_test.cc and
// protocol_v2_dissemination_test.cc.
GossipOptions Lan() {
  GossipOptions o = GossipOptions::ForLan();
  o.protocol = 1;
  return o;
}

TEST(GossipNodeTest, FiveNodesDiscoverEachOtherThroughOneSeed) {
  SimCluster c(1);
  for (int i = 0; i < 5; ++i) c.AddNode(Lan());
  EXPECT_TRUE(c.RunUntil(
      [&] {
        return AllSeeAll(c, {0, 1, 2, 3, 4});
      },
      absl::Seconds(3)));
}

TEST(GossipNodeTest, AClusterOfOneRunsWithoutSeeds) {
  SimCluster c(2);
  GossipOptions o = Lan();
  c.AddNode(o);
  c.RunFor(absl::Seconds(2));
  EXPECT_EQ(c.node(0).gossip->membership().size(), 1);
  // One bump per round: 20 rounds in 2 s, 21 if the random phase was 0.
  EXPECT_GE(c.node(0).gossip->membership().self().heartbeat, 20u);
  EXPECT_LE(c.node(0).gossip->membership().self().heartbeat, 21u);
}

TEST(GossipNodeTest, SeedsDownAtStartAreRetriedUntilTheyAnswer) {
  SimCluster c(3);
  c.AddNode(Lan());
  c.AddNode(Lan());
  c.Crash(0);
  c.RunFor(absl::Seconds(3));
  EXPECT_EQ(c.node(1).gossip->membership().size(), 1);
  uint64_t attempts = c.node(1).gossip->counters().push_pulls;
  EXPECT_GE(attempts, 3u);
  c.Restart(0);
  EXPECT_TRUE(c.RunUntil(
      [&] {
        return AllSeeAll(c, {0, 1});
      },
      absl::Seconds(10)));
}

TEST(GossipNodeTest, ACrashedMemberIsSuspectedAtPhiEightWithinASecond) {
  // The sequential driver, and the parallel one on two threads.
  for (int threads : {0, 2}) {
    SCOPED_TRACE(absl::StrCat("threads=", threads));
    SimCluster c(/*seed=*/4, threads);
    EXPECT_EQ(c.threads(), threads);
    for (int i = 0; i < 10; ++i) c.AddNode(Lan());
    c.RunFor(absl::Seconds(20));
    MonoTime crash = c.now();
    c.Crash(3);
    c.RunFor(absl::Seconds(3));
    for (int i = 0; i < 10; ++i) {
      if (i == 3) continue;
      const auto* victim = c.node(i).gossip->membership().Find(c.node(3).name);
      ASSERT_NE(victim, nullptr);
      absl::optional<MonoTime> at = victim->detector()->TimeAtPhi(8);
      ASSERT_TRUE(at.has_value());
      EXPECT_LT(*at - crash, absl::Seconds(1)) << "observer " << i;
      EXPECT_GT(*at - crash, absl::ZeroDuration()) << "observer " << i;
      EXPECT_GT(victim->detector()->Phi(c.now()), 8);
    }
  }
}

TEST(GossipNodeTest, NoHealthyMemberIsSuspectedUnderFivePercentLoss) {
  SimCluster c(5);
  LinkFaults faults;
  faults.loss = 0.05;
  faults.delay = absl::Milliseconds(1);
  faults.jitter = absl::Milliseconds(2);
  c.network().SetDefaultFaults(faults);
  std::vector<std::unique_ptr<Recorder>> recorders;
  for (int i = 0; i < 10; ++i) {
    recorders.push_back(std::make_unique<Recorder>(8));
    c.AddNode(Lan(), recorders.back().get());
  }
  c.RunFor(absl::Seconds(120));
  for (const auto& r : recorders)
    EXPECT_THAT(r->suspicions, ::testing::IsEmpty());
  EXPECT_TRUE(AllSeeAll(c, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(GossipNodeTest, ARestartIsSeenAsRestartedWithTheNewGeneration) {
  SimCluster c(6);
  Recorder recorder;
  c.AddNode(Lan(), &recorder);
  for (int i = 1; i < 5; ++i) c.AddNode(Lan());
  c.RunFor(absl::Seconds(3));
  uint64_t old_generation = c.node(2).gossip->generation();
  c.Crash(2);
  c.RunFor(absl::Seconds(2));
  c.Restart(2);
  EXPECT_TRUE(c.RunUntil(
      [&] {
        return AllSeeAll(c, {0, 1, 2, 3, 4});
      },
      absl::Seconds(3)));
  EXPECT_GT(c.node(2).gossip->generation(), old_generation);
  EXPECT_EQ(recorder.Count(MemberEventType::kRestarted, c.node(2).name), 1);
}

TEST(GossipNodeTest, ALeavingMemberIsReportedLeftAndNeverSuspected) {
  SimCluster c(7);
  std::vector<std::unique_ptr<Recorder>> recorders;
  for (int i = 0; i < 5; ++i) {
    recorders.push_back(std::make_unique<Recorder>(1));
    c.AddNode(Lan(), recorders.back().get());
  }
  c.RunFor(absl::Seconds(5));
  for (auto& r : recorders) r->suspicions.clear();
  c.node(4).gossip->Leave(c.now());
  c.RunUntil([&] { return c.node(4).gossip->LeaveDone(c.now()); },
             absl::Seconds(2));
  c.Crash(4);  // the process exits
  c.RunFor(absl::Seconds(5));
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(recorders[i]->Count(MemberEventType::kLeft, c.node(4).name), 1)
        << "observer " << i;
    const auto* left = c.node(i).gossip->membership().Find(c.node(4).name);
    ASSERT_NE(left, nullptr);
    EXPECT_EQ(left->record().status, MemberStatus::kLeft);
    auto views = c.node(i).gossip->Snapshot(c.now(), 8);
    for (const auto& v : views) {
      if (v.record.name == c.node(4).name) {
        EXPECT_EQ(v.phi, 0);
      }
    }
  }
}

TEST(GossipNodeTest, APausedObserverAccusesNoHealthyPeer) {
  SimCluster c(8);
  std::vector<std::unique_ptr<Recorder>> recorders;
  for (int i = 0; i < 5; ++i) {
    recorders.push_back(std::make_unique<Recorder>(8));
    c.AddNode(Lan(), recorders.back().get());
  }
  c.RunFor(absl::Seconds(10));
  c.Pause(2);
  c.RunFor(absl::Seconds(5));
  // The others do suspect the paused member meanwhile.
  const auto* paused = c.node(0).gossip->membership().Find(c.node(2).name);
  EXPECT_GT(paused->detector()->Phi(c.now()), 8);
  c.Resume(2);
  c.RunFor(absl::Seconds(2));
  EXPECT_EQ(c.node(2).gossip->counters().pauses, 1u);
  EXPECT_EQ(
      recorders[2]->Count(MemberEventType::kObserverPaused, c.node(2).name), 1);
  EXPECT_THAT(recorders[2]->suspicions, ::testing::IsEmpty());
  for (const auto& v : c.node(2).gossip->Snapshot(c.now(), 8)) {
    EXPECT_LT(v.phi, 8) << v.record.name;
  }
  EXPECT_TRUE(AllSeeAll(c, {0, 1, 2, 3, 4}));
}

TEST(GossipNodeTest, APauseDoesNotSlowTheDetectionOfTheNextFailure) {
  SimCluster c(17);
  for (int i = 0; i < 5; ++i) c.AddNode(Lan());
  c.RunFor(absl::Seconds(20));
  const auto* before = c.node(0).gossip->membership().Find(c.node(3).name);
  double stddev_before = before->detector()->history().stddev_ms();
  c.Pause(3);
  c.RunFor(absl::Seconds(3));
  c.Resume(3);
  c.RunFor(absl::Seconds(5));
  // The 3 s silence was an outage, not an interval: the history of node 3
  // at node 0 is as tight as before, so a crash now is detected as fast.
  const auto* after = c.node(0).gossip->membership().Find(c.node(3).name);
  EXPECT_LT(after->detector()->history().stddev_ms(), 2 * stddev_before + 5);
  MonoTime crash = c.now();
  c.Crash(3);
  c.RunFor(absl::Seconds(3));
  absl::optional<MonoTime> at = after->detector()->TimeAtPhi(8);
  ASSERT_TRUE(at.has_value());
  EXPECT_LT(*at - crash, absl::Seconds(1));
}

TEST(GossipNodeTest, AFreshObserverStartsCalibratedFromGossipedStatistics) {
  SimCluster c(9);
  for (int i = 0; i < 5; ++i) c.AddNode(Lan());
  c.RunFor(absl::Seconds(30));
  const auto* veteran = c.node(1).gossip->membership().Find(c.node(3).name);
  double veteran_mean = veteran->detector()->history().mean_ms();
  int fresh = c.AddNode(Lan());
  c.RunUntil(
      [&] {
        return c.node(fresh).gossip->membership().Find(c.node(3).name) !=
               nullptr;
      },
      absl::Seconds(3));
  const auto* learned = c.node(fresh).gossip->membership().Find(c.node(3).name);
  ASSERT_NE(learned, nullptr);
  EXPECT_TRUE(learned->warm_started);
  // The bootstrap estimate would be 200 ms; the cluster's real mean is what
  // a calibrated detector starts from.
  EXPECT_NEAR(learned->detector()->history().mean_ms(), veteran_mean,
              0.25 * veteran_mean);
  EXPECT_GE(learned->detector()->history().size(), 100);
}

TEST(GossipNodeTest, NewsReachesTwoHundredNodesInLogarithmicRounds) {
  SimCluster c(10);
  for (int i = 0; i < 200; ++i) c.AddNode(Lan());
  ASSERT_TRUE(c.RunUntil(
      [&] {
        for (int i = 0; i < 200; ++i) {
          if (c.node(i).gossip->membership().size() != 200) return false;
        }
        return true;
      },
      absl::Seconds(60)));
  int newcomer = c.AddNode(Lan());
  MonoTime start = c.now();
  ASSERT_TRUE(c.RunUntil(
      [&] {
        for (int i = 0; i < 200; ++i) {
          if (c.node(i).gossip->membership().Find(c.node(newcomer).name) ==
              nullptr) {
            return false;
          }
        }
        return true;
      },
      absl::Seconds(10)));
  double rounds = (c.now() - start) / Lan().gossip_interval;
  // log2(200) ~ 7.6; allow a generous constant.
  EXPECT_LT(rounds, 30) << "rounds: " << rounds;
}

TEST(GossipNodeTest, EveryDatagramFitsThePacketBudgetAtScale) {
  SimCluster c(11);
  for (int i = 0; i < 150; ++i) c.AddNode(Lan());
  c.RunFor(absl::Seconds(10));
  for (int i = 0; i < 150; ++i) {
    const auto& counters = c.node(i).gossip->counters();
    ASSERT_GT(counters.packets_out, 0u);
    EXPECT_EQ(counters.drops[static_cast<size_t>(DropReason::kTooLarge)], 0u);
  }
  // The codec refuses to encode more than the budget, so every sent datagram
  // fit; check that packets are well filled too.
  const auto& c0 = c.node(0).gossip->counters();
  EXPECT_GT(c0.bytes_out / c0.packets_out, 800u);
  EXPECT_LE(c0.bytes_out / c0.packets_out, kMaxDatagramBytes);
}

TEST(GossipNodeTest, GarbageDatagramsAreCountedAndChangeNothing) {
  SimCluster c(12);
  for (int i = 0; i < 3; ++i) c.AddNode(Lan());
  c.RunFor(absl::Seconds(3));
  GossipNode& target = *c.node(0).gossip;
  uint64_t drops_before = target.counters().drops_total();
  int members_before = target.membership().size();
  std::mt19937_64 rng(42);
  for (int i = 0; i < 1000; ++i) {
    std::string junk(rng() % 1500, '\0');
    for (char& ch : junk) ch = static_cast<char>(rng());
    target.OnPacket("10.9.9.9:1", junk, c.now());
  }
  EXPECT_EQ(target.counters().drops_total() - drops_before, 1000u);
  EXPECT_EQ(target.membership().size(), members_before);
}

TEST(GossipNodeTest, ClustersWithDifferentNamesNeverMerge) {
  SimCluster c(13);
  GossipOptions a = Lan();
  a.cluster = "alpha";
  GossipOptions b = Lan();
  b.cluster = "beta";
  c.AddNode(a);
  c.AddNode(b);  // seeds to node 0
  c.RunFor(absl::Seconds(3));
  EXPECT_EQ(c.node(0).gossip->membership().size(), 1);
  EXPECT_EQ(c.node(1).gossip->membership().size(), 1);
  EXPECT_GT(c.node(0).gossip->counters().drops[static_cast<size_t>(
                DropReason::kWrongCluster)],
            0u);
}

TEST(GossipNodeTest, AWrongKeyCannotJoinAKeyedCluster) {
  absl::StatusOr<Keyring> good = Keyring::FromKeys({std::string(32, 'k')});
  absl::StatusOr<Keyring> bad = Keyring::FromKeys({std::string(32, 'x')});
  ASSERT_TRUE(good.ok() && bad.ok());
  SimCluster c(14);
  for (int i = 0; i < 3; ++i) c.AddNode(Lan(), nullptr, &*good);
  c.RunFor(absl::Seconds(3));
  int intruder = c.AddNode(Lan(), nullptr, &*bad);
  c.RunFor(absl::Seconds(3));
  EXPECT_EQ(c.node(intruder).gossip->membership().size(), 1);
  EXPECT_EQ(c.node(0).gossip->membership().size(), 3);
  EXPECT_GT(c.node(0).gossip->counters().drops[static_cast<size_t>(
                DropReason::kAuthFailed)],
            0u);
}

TEST(GossipNodeTest, KeysRotateWithoutDowntime) {
  std::string old_key(32, 'o'), new_key(32, 'n');
  // Node 0 already prefers the new key; the others only know the old one as
  // primary but accept the new one.
  absl::StatusOr<Keyring> rotated = Keyring::FromKeys({new_key, old_key});
  absl::StatusOr<Keyring> current = Keyring::FromKeys({old_key, new_key});
  ASSERT_TRUE(rotated.ok() && current.ok());
  SimCluster c(15);
  c.AddNode(Lan(), nullptr, &*rotated);
  c.AddNode(Lan(), nullptr, &*current);
  c.AddNode(Lan(), nullptr, &*current);
  EXPECT_TRUE(c.RunUntil(
      [&] {
        return AllSeeAll(c, {0, 1, 2});
      },
      absl::Seconds(3)));
}

TEST(GossipNodeTest, TagsReachEveryMemberAndARestartReplacesThem) {
  SimCluster c(16);
  GossipOptions db = Lan();
  db.tags = {{"role", "db"}, {"zone", "eu-west-1a"}};
  for (int i = 0; i < 4; ++i) c.AddNode(Lan());
  int tagged = c.AddNode(db);
  auto everyone_sees = [&](const std::string& role) {
    for (int i = 0; i < c.size(); ++i) {
      const auto* m = c.node(i).gossip->membership().Find(c.node(tagged).name);
      if (m == nullptr) return false;
      auto it = m->record().tags.find("role");
      if (it == m->record().tags.end() || it->second != role) return false;
    }
    return true;
  };
  EXPECT_TRUE(
      c.RunUntil([&] { return everyone_sees("db"); }, absl::Seconds(3)));
  // A role change is a restart with new tags; they replace the old ones.
  c.Crash(tagged);
  c.node(tagged).options.tags = {{"role", "web"}};
  c.Restart(tagged);
  EXPECT_TRUE(
      c.RunUntil([&] { return everyone_sees("web"); }, absl::Seconds(3)));
  const auto* seen = c.node(0).gossip->membership().Find(c.node(tagged).name);
  EXPECT_EQ(seen->record().tags.count("zone"), 0u);
}

// The node reads no clock: its generation is given, and one of 0 (which the
// daemon replaces with the wall clock) is refused rather than made up here.
TEST(GossipNodeTest, TheGenerationIsGivenAndZeroIsRefused) {
  SimulatedClock clock;
  InMemoryNetwork network(clock, 1);
  Transport* port = network.Attach("10.0.0.1:7946", nullptr);
  GossipOptions options = Lan();
  options.name = "alone";
  options.generation = 0;
  absl::StatusOr<std::unique_ptr<GossipNode>> refused = GossipNode::Create(
      options, port, nullptr, nullptr, clock.Now(), /*seed=*/1);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), ::testing::HasSubstr("generation"));

  options.generation = 42;
  absl::StatusOr<std::unique_ptr<GossipNode>> node = GossipNode::Create(
      options, port, nullptr, nullptr, clock.Now(), /*seed=*/1);
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ((*node)->generation(), 42u);
}

}  // namespace
}  // namespace phid
