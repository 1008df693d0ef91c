// Correlated crashes under protocol 2 on the simulated network and clock:
// several members crash at once, among them monitors of a member that stays
// healthy. A monitor we hold silent stands in for itself in the quorum of
// its subjects (reports.cc, IsSilentMonitor), but stand-ins alone never
// accuse anyone: a healthy member two of whose three monitors crashed is
// still heard by the third, and must never be suspected.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gossip/gossip_node.h"
#include "gossip/sim_cluster.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

GossipOptions V2() {
  GossipOptions o = GossipOptions::ForLan();
  o.protocol = 2;
  return o;
}

bool Contains(const std::vector<int>& v, int x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// Runs `d` in 20 ms steps; counts (observer, member) steps at which a live
// observer held a live member at or above phi 8, or failed.
int RunCountingFalseSuspicions(SimCluster& c, const std::vector<int>& dead,
                               absl::Duration d, std::string* first) {
  int false_steps = 0;
  MonoTime end = c.now() + d;
  while (c.now() < end) {
    c.RunFor(absl::Milliseconds(20));
    for (int i = 0; i < c.size(); ++i) {
      if (Contains(dead, i)) continue;
      const Membership& m = c.node(i).gossip->membership();
      for (int j = 0; j < c.size(); ++j) {
        if (j == i || Contains(dead, j)) continue;
        const auto* member = m.Find(c.node(j).name);
        if (member == nullptr) continue;
        if (member->failed || m.CurveOf(*member, c.now()).Phi(c.now()) >= 8) {
          if (false_steps++ == 0 && first != nullptr) {
            *first = absl::StrCat("observer ", i, " held node ", j,
                                  member->failed ? " failed" : " suspect");
          }
        }
      }
    }
  }
  return false_steps;
}

// When observer i's curve for node v reaches phi 8; once it failed there,
// when its curve passed the report level (failed_at - failed_after).
MonoTime DetectedAt(SimCluster& c, int i, int v) {
  const Membership& m = c.node(i).gossip->membership();
  const auto* victim = m.Find(c.node(v).name);
  if (victim == nullptr) return absl::InfiniteDuration();
  if (victim->failed) return victim->failed_at() - V2().failed_after;
  return m.CurveOf(*victim, c.now()).TimeAt(8);
}

// Every live observer of the 10 detected each victim within 1 s of `crash`
// and holds it failed.
void ExpectEveryVictimDetectedAndFailed(SimCluster& c,
                                        const std::vector<int>& dead,
                                        MonoTime crash) {
  for (int i = 0; i < 10; ++i) {
    if (Contains(dead, i)) continue;
    for (int v : dead) {
      MonoTime at = DetectedAt(c, i, v);
      EXPECT_LT(at - crash, absl::Seconds(1))
          << "observer " << i << " victim " << v;
      const auto* victim = c.node(i).gossip->membership().Find(c.node(v).name);
      ASSERT_NE(victim, nullptr);
      EXPECT_TRUE(victim->failed) << "observer " << i << " victim " << v;
    }
  }
}

TEST(CorrelatedCrashTest, TwoMonitorsOfAHealthyMemberCrashingDoNotAccuseIt) {
  SimCluster c(31);
  for (int i = 0; i < 10; ++i) c.AddNode(V2());
  c.RunFor(absl::Seconds(20));
  ASSERT_TRUE(AllSeeAll(c, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  // Healthy node 0 loses two of its three monitors, and a third node dies
  // with them (not its last monitor).
  std::vector<int> monitors = MonitorNodes(c, 0, 0);
  ASSERT_EQ(monitors.size(), 3u);
  std::vector<int> dead = {monitors[0], monitors[1]};
  for (int i = 1; i < 10 && dead.size() < 3; ++i) {
    if (!Contains(monitors, i)) dead.push_back(i);
  }
  ASSERT_EQ(dead.size(), 3u);
  MonoTime crash = c.now();
  for (int v : dead) c.Crash(v);
  std::string first;
  // Past failed_after (30 s): the dead fail and the ring replaces them.
  EXPECT_EQ(RunCountingFalseSuspicions(c, dead, absl::Seconds(60), &first), 0)
      << first;
  ExpectEveryVictimDetectedAndFailed(c, dead, crash);
}

TEST(CorrelatedCrashTest, ThreeRandomCrashesAccuseNoHealthyMember) {
  // Crashes of three at once, over several seeds (rings): no live member is
  // ever suspect at phi 8 or failed at any live observer.
  for (uint64_t seed : {41, 42, 43, 44}) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    SimCluster c(seed);
    for (int i = 0; i < 10; ++i) c.AddNode(V2());
    c.RunFor(absl::Seconds(20));
    std::vector<int> dead = {static_cast<int>(seed % 10),
                             static_cast<int>((seed * 3 + 1) % 10),
                             static_cast<int>((seed * 7 + 5) % 10)};
    std::sort(dead.begin(), dead.end());
    dead.erase(std::unique(dead.begin(), dead.end()), dead.end());
    for (int v : dead) c.Crash(v);
    std::string first;
    EXPECT_EQ(RunCountingFalseSuspicions(c, dead, absl::Seconds(45), &first), 0)
        << first;
  }
}

TEST(CorrelatedCrashTest, ASubjectAndTwoOfItsMonitorsCrashingAreDetected) {
  SimCluster c(32);
  for (int i = 0; i < 10; ++i) c.AddNode(V2());
  c.RunFor(absl::Seconds(20));
  const int subject = 4;
  std::vector<int> monitors = MonitorNodes(c, 0, subject);
  ASSERT_EQ(monitors.size(), 3u);
  std::vector<int> dead = {subject, monitors[0], monitors[1]};
  ASSERT_FALSE(Contains({monitors[0], monitors[1]}, 0)) << "pick another seed";
  MonoTime crash = c.now();
  for (int v : dead) c.Crash(v);
  // Its last live monitor suspects it at once, and the two dead monitors
  // stand in: those of their monitors that hold them silent, and every
  // other daemon once their own quorum is news there.
  std::string first;
  EXPECT_EQ(RunCountingFalseSuspicions(c, dead, absl::Seconds(40), &first), 0)
      << first;
  ExpectEveryVictimDetectedAndFailed(c, dead, crash);
}

// Once the three fail (failed_after), the ring hands their subjects to new
// monitors. A new monitor whose detector of its subject only held arrivals
// from an earlier assignment (the ring moved during the joins) used to find
// it silent for a minute and suspect it at once, before its heartbeats came:
// it starts afresh instead. (Default options, 1 ms links and the parallel
// driver: the simulator's crash scenario, seed 1.)
TEST(CorrelatedCrashTest, TheRingHandOverAfterTheFailuresSuspectsNobody) {
  SimCluster c(1, /*threads=*/2);
  LinkFaults faults;
  faults.delay = absl::Milliseconds(1);
  faults.jitter = absl::Milliseconds(1);
  c.network().SetDefaultFaults(faults);
  GossipOptions o;
  o.protocol = 2;
  o.detector = DetectorOptionsForInterval(o.gossip_interval);
  for (int i = 0; i < 10; ++i) {
    GossipOptions named = o;
    named.name = absl::StrCat("node-", i);
    c.AddNode(named);
  }
  c.RunFor(absl::Seconds(20));
  std::vector<int> dead = {7, 8, 9};
  for (int v : dead) c.Crash(v);
  std::string first;
  EXPECT_EQ(RunCountingFalseSuspicions(c, dead, absl::Seconds(45), &first), 0)
      << first;
  for (int i = 0; i < 7; ++i) {
    for (int v : dead) {
      const auto* victim = c.node(i).gossip->membership().Find(c.node(v).name);
      ASSERT_NE(victim, nullptr);
      EXPECT_TRUE(victim->failed) << "observer " << i << " victim " << v;
    }
  }
}

}  // namespace
}  // namespace phid
