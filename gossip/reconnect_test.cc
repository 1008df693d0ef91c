// Reconnecting to failed members under protocol 2 on the simulated network
// and clock. A partition that outlasts failed_after leaves each side holding
// the other FAILED: off the ring, no gossip target, never gossiped, so no
// datagram would ever cross again. Reconnect probes (a heartbeat to one
// failed member every reconnect_interval) and the answer to a probe that
// revives its sender bring the sides back together; so does the answer to
// a probe from a member we hold alive but do not watch (one-sided failure).
#include <string>
#include <vector>

#include "gossip/gossip_node.h"
#include "gossip/packet_codec.h"
#include "gossip/sim_cluster.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

GossipOptions Partitionable() {
  GossipOptions o = GossipOptions::ForLan();
  o.failed_after = absl::Seconds(5);
  o.failed_member_retention = absl::Minutes(10);
  return o;
}

std::vector<int> Range(int from, int to) {
  std::vector<int> r;
  for (int i = from; i < to; ++i) r.push_back(i);
  return r;
}

// Members of `group` that `observer` holds failed.
int FailedAt(SimCluster& c, int observer, const std::vector<int>& group) {
  int failed = 0;
  for (int j : group) {
    const auto* m = c.node(observer).gossip->membership().Find(c.node(j).name);
    if (m != nullptr && m->failed) ++failed;
  }
  return failed;
}

// Every node of `live` holds every other alive, not failed, below phi 8.
bool AllAliveEverywhere(SimCluster& c, const std::vector<int>& live) {
  for (int i : live) {
    std::vector<MemberView> views =
        c.node(i).gossip->Snapshot(c.now(), /*suspect_level=*/8);
    int alive = 0;
    for (const MemberView& v : views) {
      if (v.is_self) continue;
      if (v.failed || v.record.status != MemberStatus::kAlive || v.phi >= 8) {
        return false;
      }
      ++alive;
    }
    if (alive != static_cast<int>(live.size()) - 1) return false;
  }
  return true;
}

// Counts the kFailed events of one node.
class FailureCounter final : public MembershipListener {
 public:
  void OnMemberEvent(const MemberEvent& event) override {
    if (event.type == MemberEventType::kFailed) ++failures;
  }
  int failures = 0;
};

int Failures(const std::vector<FailureCounter>& counters) {
  int total = 0;
  for (const FailureCounter& f : counters) total += f.failures;
  return total;
}

void Split(SimCluster& c, const std::vector<int>& a) {
  std::vector<std::string> addresses;
  for (int i : a) addresses.push_back(c.node(i).address);
  c.network().Partition({addresses});
}

// Members split in halves, for longer than failed_after. Each side must
// hold the whole other side failed, whatever monitors each observer's view
// gives a member (the views differ while the sides fail each other: a
// member whose monitors here already hold it failed is vouched for by
// them, see reports.cc); then the healed cut brings everyone back, and no
// member that came back is failed again (by vouches older than its
// return, which the recovery that revived it can no longer outweigh).
void PartitionHeals(uint64_t seed, int n) {
  SimCluster c(seed);
  std::vector<FailureCounter> failures(n);
  for (int i = 0; i < n; ++i) c.AddNode(Partitionable(), &failures[i]);
  c.RunFor(absl::Seconds(10));
  const std::vector<int> all = Range(0, n);
  const std::vector<int> a = Range(0, n / 2), b = Range(n / 2, n);
  const int na = static_cast<int>(a.size()), nb = static_cast<int>(b.size());
  ASSERT_TRUE(AllAliveEverywhere(c, all));

  Split(c, a);
  c.RunFor(absl::Seconds(20));  // well past failed_after
  for (int i : a) ASSERT_EQ(FailedAt(c, i, b), nb) << "observer " << i;
  for (int i : b) ASSERT_EQ(FailedAt(c, i, a), na) << "observer " << i;
  // And it stays so while the partition lasts.
  c.RunFor(absl::Seconds(40));
  for (int i : a) ASSERT_EQ(FailedAt(c, i, b), nb) << "observer " << i;
  for (int i : b) ASSERT_EQ(FailedAt(c, i, a), na) << "observer " << i;

  const int failed_before_heal = Failures(failures);
  c.network().Heal();
  // Probes go out every reconnect_interval (10 s, jittered), so a few of
  // them are enough for every failed member to be probed by someone.
  EXPECT_TRUE(c.RunUntil([&] { return AllAliveEverywhere(c, all); },
                         absl::Seconds(60)));
  for (int i : all) EXPECT_EQ(FailedAt(c, i, all), 0) << "observer " << i;
  EXPECT_EQ(Failures(failures), failed_before_heal);
}

class PartitionTest : public testing::TestWithParam<int> {};

TEST_P(PartitionTest, APartitionLongerThanFailedAfterHeals) {
  PartitionHeals(GetParam(), 10);
}

INSTANTIATE_TEST_SUITE_P(Seeds, PartitionTest,
                         testing::Values(31, 41, 61, 104, 106, 123, 144));

// Sixteen members, eight and eight: in this seed two observers took a
// member back on a monitor's recovery report, failed it again 100 ms later
// on the vouches of two former monitors, and held it failed for good.
TEST(ReconnectTest, SixteenMembersSplitInHalvesHeal) { PartitionHeals(32, 16); }

// Four members split two and two: everyone monitors everyone (N <= K + 1),
// so each side holds the whole other side failed, and nothing but a
// reconnect probe would ever cross the healed cut.
TEST(ReconnectTest, TwoSidesThatHoldEachOtherFailedComeBackTogether) {
  SimCluster c(34);
  for (int i = 0; i < 4; ++i) c.AddNode(Partitionable());
  c.RunFor(absl::Seconds(10));
  const std::vector<int> all = Range(0, 4);
  const std::vector<int> a = Range(0, 2), b = Range(2, 4);
  ASSERT_TRUE(AllAliveEverywhere(c, all));
  Split(c, a);
  c.RunFor(absl::Seconds(20));
  for (int i : a) ASSERT_EQ(FailedAt(c, i, b), 2) << "observer " << i;
  for (int i : b) ASSERT_EQ(FailedAt(c, i, a), 2) << "observer " << i;
  uint64_t probes = 0;
  for (int i : all) probes += c.node(i).gossip->counters().reconnects;
  c.network().Heal();
  EXPECT_TRUE(c.RunUntil([&] { return AllAliveEverywhere(c, all); },
                         absl::Seconds(60)));
  uint64_t after = 0;
  for (int i : all) after += c.node(i).gossip->counters().reconnects;
  EXPECT_GT(after, probes);
}

// A member that really died is probed at the reconnect rate, and nothing
// else: the probes cost one small datagram per interval per daemon, and
// the dead member stays FAILED.
TEST(ReconnectTest, ADeadMemberIsProbedAtTheReconnectRateAndStaysFailed) {
  SimCluster c(32);
  for (int i = 0; i < 6; ++i) c.AddNode(Partitionable());
  c.RunFor(absl::Seconds(10));
  c.Crash(5);
  c.RunFor(absl::Seconds(20));
  const std::vector<int> live = Range(0, 5);
  for (int i : live) ASSERT_EQ(FailedAt(c, i, {5}), 1);
  std::vector<uint64_t> before;
  for (int i : live) before.push_back(c.node(i).gossip->counters().reconnects);
  c.RunFor(absl::Seconds(100));
  for (size_t k = 0; k < live.size(); ++k) {
    const uint64_t probes =
        c.node(live[k]).gossip->counters().reconnects - before[k];
    // One per 10 s, jittered 0.5-1.5x: 100 s hold 7 to 20 of them.
    EXPECT_GE(probes, 7u) << "observer " << live[k];
    EXPECT_LE(probes, 20u) << "observer " << live[k];
    EXPECT_EQ(FailedAt(c, live[k], {5}), 1);
  }
}

// One side of a failure: a member cut off both ways for longer than
// failed_after fails the members it measured, and everyone fails it. After
// the heal the
// first probe it sends brings it back at the prober, whose recovery report
// brings it back everywhere; but it still holds failed the members that are
// neither its subjects nor its monitors (nobody suspected them, so no
// report says they are back, and no heartbeat of theirs comes to it). They
// hold it alive, so its probes to them are no return: they answer them as
// probes, and it takes them back.
TEST(ReconnectTest, AOneSidedFailureHealsByAnsweringProbes) {
  SimCluster c(35);
  for (int i = 0; i < 10; ++i) c.AddNode(Partitionable());
  c.RunFor(absl::Seconds(10));
  const std::vector<int> all = Range(0, 10);
  const std::vector<int> others = Range(1, 10);
  ASSERT_TRUE(AllAliveEverywhere(c, all));
  Split(c, {0});
  c.RunFor(absl::Seconds(20));
  ASSERT_GE(FailedAt(c, 0, others), 1);
  for (int i : others) ASSERT_EQ(FailedAt(c, i, {0}), 1) << "observer " << i;
  c.network().Heal();
  // Node 0 holds the others alive again once everyone holds it alive: the
  // one-sided state, where only the answers to its probes can help.
  ASSERT_TRUE(c.RunUntil(
      [&] {
        for (int i : others) {
          if (FailedAt(c, i, {0}) != 0) return false;
        }
        return true;
      },
      absl::Seconds(30)));
  uint64_t answers = 0;
  // A probe every 10 s (jittered up to 15 s) to one of the members still
  // failed there, each of which is answered.
  EXPECT_TRUE(
      c.RunUntil([&] { return AllAliveEverywhere(c, all); }, absl::Seconds(90)))
      << FailedAt(c, 0, others) << " still failed at node 0";
  for (int i : all) answers += c.node(i).gossip->counters().probe_answers;
  EXPECT_GT(answers, 0u);
}

class Sink final : public PacketSink {
 public:
  void OnPacket(const std::string&, absl::string_view, MonoTime) override {
    ++received;
  }
  int received = 0;
};

// Heartbeats forged under a known member's id (no keyring) that neither
// monitors the observer nor is monitored by it: the observer answers one
// per reconnect_interval, at the member's own address, never the forger's.
TEST(ReconnectTest, ProbeAnswersAreRateLimitedAndGoToTheKnownAddress) {
  SimCluster c(36);
  for (int i = 0; i < 10; ++i) c.AddNode(Partitionable());
  c.RunFor(absl::Seconds(10));
  const Membership& own = c.node(0).gossip->membership();
  const Member* stranger = nullptr;
  for (int j = 1; j < 10 && stranger == nullptr; ++j) {
    const Member* m = own.Find(c.node(j).name);
    if (!own.IsRingNeighbour(*m)) stranger = m;
  }
  ASSERT_NE(stranger, nullptr);
  const uint64_t id = stranger->id;
  Sink sink;
  Transport* forger = c.network().Attach("10.9.9.7:7946", &sink);
  PacketCodec codec("phid", nullptr, 2);
  const GossipCounters& k = c.node(0).gossip->counters();
  const uint64_t before = k.probe_answers;
  uint32_t counter = 1000000;
  auto burst = [&] {
    for (int i = 0; i < 50; ++i) {
      forger->Send(c.node(0).address, codec.EncodeHeartbeat({id, ++counter}));
      c.RunFor(absl::Milliseconds(20));
    }
  };
  burst();  // 50 heartbeats in 1 s
  EXPECT_EQ(k.probe_answers - before, 1u);
  c.RunFor(Partitionable().reconnect_interval);
  burst();
  EXPECT_EQ(k.probe_answers - before, 2u);
  EXPECT_EQ(sink.received, 0);
}

}  // namespace
}  // namespace phid
