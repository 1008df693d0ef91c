// Reconnecting to failed members under protocol 2 on the simulated network
// and clock. A partition that outlasts failed_after leaves each side holding
// the other FAILED: off the ring, no gossip target, never gossiped, so no
// datagram would ever cross again. Reconnect probes (a heartbeat to one
// failed member every reconnect_interval) and the answer to a probe that
// revives its sender bring the sides back together.
#include <string>
#include <vector>

#include "gossip/gossip_node.h"
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
                         testing::Values(31, 41, 61, 104, 106, 123));

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

}  // namespace
}  // namespace phid
