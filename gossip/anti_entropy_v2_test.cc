// Protocol v2 anti-entropy with more standing reports than one summary
// lists (summary_keys.h), on the simulated network and clock.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gossip/gossip_node.h"
#include "gossip/sim_cluster.h"
#include "gossip/summary_keys.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

constexpr int kNodes = 60;

GossipOptions V2() {
  GossipOptions o = GossipOptions::ForLan();
  o.protocol = 2;
  return o;
}

uint64_t IdOf(SimCluster& c, int i) {
  return c.node(i).gossip->membership().self_member().id;
}

// `count` nodes, largest member id first (their report keys sort last in
// summaries), none monitoring another (as node 0 sees the ring), so that
// each, paused, is still heard missing by all three of its monitors.
// Node 0 (the seed) is never one.
std::vector<int> Unrelated(SimCluster& c, int count) {
  std::vector<int> nodes;
  for (int i = 1; i < c.size(); ++i) nodes.push_back(i);
  std::sort(nodes.begin(), nodes.end(),
            [&](int a, int b) { return IdOf(c, a) > IdOf(c, b); });
  const Membership& m = c.node(0).gossip->membership();
  auto monitors = [&](int i) {
    std::vector<uint64_t> ids;
    for (const auto* monitor : m.MonitorsOf(*m.Find(c.node(i).name))) {
      ids.push_back(monitor->id);
    }
    return ids;
  };
  std::vector<int> picked;
  for (int i : nodes) {
    if (static_cast<int>(picked.size()) == count) break;
    bool related = false;
    for (int p : picked) {
      for (uint64_t id : monitors(p)) related |= id == IdOf(c, i);
      for (uint64_t id : monitors(i)) related |= id == IdOf(c, p);
    }
    if (!related) picked.push_back(i);
  }
  EXPECT_EQ(static_cast<int>(picked.size()), count);
  return picked;
}

uint64_t Repairs(SimCluster& c) {
  uint64_t sum = 0;
  for (int i = 0; i < c.size(); ++i)
    sum += c.node(i).gossip->counters().repairs;
  return sum;
}

// Pauses `paused` for 2 s (every live node then holds each at quorum:
// three suspect reports apiece) and resumes them, so that their recoveries
// stand in every summary for a minute.
void SuspectAndRecover(SimCluster& c, const std::vector<int>& paused) {
  for (int i : paused) c.Pause(i);
  c.RunFor(absl::Seconds(2));
  for (int i : paused) {
    ASSERT_TRUE(c.node(0).gossip->membership().Find(c.node(i).name)->at_quorum)
        << c.node(i).name;
  }
  for (int i : paused) c.Resume(i);
}

TEST(AntiEntropyV2Test, MoreReportsThanASummaryListsRepairNothingOnceInSync) {
  // Ten members recovered at once: some thirty report keys stand, more
  // than one summary lists. Read as complete, every summary's list sent
  // back the keys it left out, to a peer that held them all along.
  SimCluster c(21);
  for (int i = 0; i < kNodes; ++i) c.AddNode(V2());
  c.RunFor(absl::Seconds(10));
  SuspectAndRecover(c, Unrelated(c, 10));
  c.RunFor(absl::Seconds(3));
  ASSERT_GT(c.node(0).gossip->membership().SummaryKeys(c.now()).size(),
            kMaxSummaryKeys);
  const uint64_t before = Repairs(c);
  c.RunFor(absl::Seconds(20));
  EXPECT_EQ(Repairs(c), before);
  // Still standing: the summaries above listed partial runs.
  EXPECT_GT(c.node(0).gossip->membership().SummaryKeys(c.now()).size(),
            kMaxSummaryKeys);
}

TEST(AntiEntropyV2Test, AReportBeyondTheFirstListedKeysIsRepaired) {
  SimCluster c(22);
  for (int i = 0; i < kNodes; ++i) c.AddNode(V2());
  c.RunFor(absl::Seconds(10));
  // The member with the largest id: its keys sort last.
  const std::vector<int> paused = Unrelated(c, 10);
  const int late = paused.front();
  std::vector<int> first(paused.begin() + 1, paused.end());
  for (int i : paused) c.Pause(i);
  c.RunFor(absl::Seconds(2));
  for (int i : first) c.Resume(i);
  c.RunFor(absl::Seconds(3));

  // An observer that neither monitors `late` nor is paused hears nothing
  // while `late` resumes: it misses the recovery, news and all.
  const Membership& reference = c.node(0).gossip->membership();
  const auto* subject = reference.Find(c.node(late).name);
  ASSERT_NE(subject, nullptr);
  std::vector<uint64_t> monitors;
  for (const auto* m : reference.MonitorsOf(*subject))
    monitors.push_back(m->id);
  int observer = -1;
  for (int i = 1; i < kNodes && observer < 0; ++i) {
    if (std::find(paused.begin(), paused.end(), i) == paused.end() &&
        std::find(monitors.begin(), monitors.end(), IdOf(c, i)) ==
            monitors.end()) {
      observer = i;
    }
  }
  ASSERT_GE(observer, 0);
  const std::string& to = c.node(observer).address;
  auto cut = [&](double loss) {
    LinkFaults faults;
    faults.loss = loss;
    for (int i = 0; i < kNodes; ++i) {
      if (i != observer)
        c.network().SetLinkFaults(c.node(i).address, to, faults);
    }
  };
  cut(1);
  c.Resume(late);
  c.RunFor(absl::Seconds(3));
  cut(0);

  const Membership& seen = c.node(observer).gossip->membership();
  const uint64_t late_id = IdOf(c, late);
  auto missed = [&] {
    int count = 0;
    for (const auto& key : reference.SummaryKeys(c.now())) {
      if (key.subject == late_id &&
          seen.ReportSeq(key.subject, key.monitor) < key.seq) {
        ++count;
      }
    }
    return count;
  };
  ASSERT_GT(missed(), 0);
  // The observer's own keys on `late` lie beyond the first 24 it lists.
  std::vector<Membership::ReportKeyValue> keys = seen.SummaryKeys(c.now());
  ASSERT_GT(keys.size(), kMaxSummaryKeys);
  auto at = std::find_if(keys.begin(), keys.end(),
                         [&](const auto& k) { return k.subject == late_id; });
  ASSERT_NE(at, keys.end());
  EXPECT_GE(at - keys.begin(), static_cast<long>(kMaxSummaryKeys));

  // Summaries go every 1-3 s each way; two of them cover every key.
  EXPECT_TRUE(c.RunUntil([&] { return missed() == 0; }, absl::Seconds(15)));
  EXPECT_FALSE(seen.Find(c.node(late).name)->at_quorum);
}

}  // namespace
}  // namespace phid
