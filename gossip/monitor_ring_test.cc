#include "gossip/monitor_ring.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <utility>

#include "gossip/member.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

// Every (monitor, subject) edge of the ring.
std::set<std::pair<uint64_t, uint64_t>> Edges(const MonitorRing& ring,
                                              const std::set<uint64_t>& ids) {
  std::set<std::pair<uint64_t, uint64_t>> edges;
  for (uint64_t s : ids) {
    for (uint64_t m : ring.MonitorsOf(s)) edges.insert({m, s});
  }
  return edges;
}

TEST(MonitorRingTest, SmallClustersMonitorEveryone) {
  MonitorRing ring(3);
  std::set<uint64_t> ids = {10, 20, 30, 40};  // N = K + 1
  for (uint64_t id : ids) ring.Add(id);
  for (uint64_t id : ids) {
    std::vector<uint64_t> monitors = ring.MonitorsOf(id);
    EXPECT_EQ(monitors.size(), 3u);
    EXPECT_EQ(std::count(monitors.begin(), monitors.end(), id), 0);
    EXPECT_EQ(ring.SubjectsOf(id).size(), 3u);
  }
  MonitorRing pair(3);
  pair.Add(1);
  pair.Add(2);
  EXPECT_EQ(pair.MonitorsOf(1), std::vector<uint64_t>{2});
  EXPECT_EQ(pair.SubjectsOf(1), std::vector<uint64_t>{2});
}

TEST(MonitorRingTest, SubjectsAreTheInverseOfMonitors) {
  MonitorRing ring(4);
  std::mt19937_64 rng(7);
  std::set<uint64_t> ids;
  while (ids.size() < 200) ids.insert(rng());
  for (uint64_t id : ids) ring.Add(id);
  std::map<uint64_t, int> monitored_by;
  for (uint64_t s : ids) {
    std::vector<uint64_t> monitors = ring.MonitorsOf(s);
    ASSERT_EQ(monitors.size(), 4u);
    for (uint64_t m : monitors) {
      std::vector<uint64_t> subjects = ring.SubjectsOf(m);
      EXPECT_NE(std::find(subjects.begin(), subjects.end(), s), subjects.end());
      EXPECT_TRUE(ring.IsMonitorOf(m, s));
      ++monitored_by[m];
    }
  }
  // Everyone carries the same load: exactly K subjects each.
  for (const auto& [m, count] : monitored_by) EXPECT_EQ(count, 4);
}

TEST(MonitorRingTest, AJoinOrALeaveMovesOnlyOrderKEdges) {
  const int k = 3;
  MonitorRing ring(k);
  std::mt19937_64 rng(11);
  std::set<uint64_t> ids;
  while (ids.size() < 1000) ids.insert(rng());
  for (uint64_t id : ids) ring.Add(id);
  auto before = Edges(ring, ids);

  uint64_t newcomer = rng();
  ring.Add(newcomer);
  ids.insert(newcomer);
  auto after = Edges(ring, ids);
  std::vector<std::pair<uint64_t, uint64_t>> gone;
  std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                      std::back_inserter(gone));
  // The newcomer takes one monitor slot from each of its K predecessors.
  EXPECT_EQ(gone.size(), static_cast<size_t>(k));

  uint64_t leaver = *std::next(ids.begin(), 500);
  ring.Remove(leaver);
  ids.erase(leaver);
  auto repaired = Edges(ring, ids);
  std::vector<std::pair<uint64_t, uint64_t>> added;
  std::set_difference(repaired.begin(), repaired.end(), after.begin(),
                      after.end(), std::back_inserter(added));
  // Each of the leaver's K subjects gets one new monitor.
  EXPECT_EQ(added.size(), static_cast<size_t>(k));
  for (const auto& [m, s] : repaired) EXPECT_NE(m, leaver);
}

TEST(MonitorRingTest, MonitorsAreNotCorrelatedWithNameOrder) {
  // node-0 .. node-99 with consecutive generations: the ring order comes
  // from the ids, so a member's monitors are rarely its name neighbours.
  MonitorRing ring(3);
  std::map<uint64_t, int> index;
  for (int i = 0; i < 100; ++i) {
    uint64_t id = MemberId("node-" + std::to_string(i), 1000 + i);
    index[id] = i;
    ring.Add(id);
  }
  int adjacent = 0;
  for (const auto& [id, i] : index) {
    for (uint64_t m : ring.MonitorsOf(id)) {
      int j = index[m];
      adjacent += std::abs(i - j) == 1;
    }
  }
  // Random placement would make ~6 of the 300 edges name neighbours.
  EXPECT_LT(adjacent, 20);
}

TEST(MonitorRingTest, AMemberOffTheRingIsMonitoredByItsWouldBeSuccessors) {
  MonitorRing ring(2);
  for (uint64_t id : {100, 200, 300}) ring.Add(id);
  EXPECT_EQ(ring.MonitorsOf(150), (std::vector<uint64_t>{200, 300}));
  EXPECT_EQ(ring.MonitorsOf(350), (std::vector<uint64_t>{100, 200}));
  EXPECT_TRUE(ring.SubjectsOf(150).empty());
  EXPECT_FALSE(ring.Contains(150));
}

}  // namespace
}  // namespace phid
