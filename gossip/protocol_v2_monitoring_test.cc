// Protocol v2 end to end on the simulated network and clock, how members
// are watched: K direct monitors per member and their heartbeats, quorum
// reports, detection of crashes (also of a monitor with its subject, and
// after a restart), no false suspicion under loss, a bad link or a paused
// monitor, and the ring handing subjects over (how membership spreads and
// is repaired: protocol_v2_dissemination_test.cc).
#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gossip/gossip_node.h"
#include "gossip/sim_cluster.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

// Every piece of evidence: whose, when, and the phi of the curve it ended.
class EvidenceLog : public MembershipListener {
 public:
  struct Entry {
    std::string name;
    MonoTime at;
    double phi_before;
  };
  void OnEvidence(const std::string& name, const PhiCurve& before,
                  MonoTime now) override {
    entries.push_back({name, now, before.Phi(now)});
  }
  std::vector<Entry> entries;
};

TEST(ProtocolV2Test, EveryMemberHasKMonitorsAndSendsThemHeartbeats) {
  SimCluster c(2);
  for (int i = 0; i < 20; ++i) c.AddNode(LanV2Options());
  c.RunFor(absl::Seconds(10));
  for (int i = 0; i < 20; ++i) {
    const Membership& m = c.node(i).gossip->membership();
    const auto* self = m.Find(c.node(i).name);
    EXPECT_EQ(m.MonitorsOf(*self).size(), 3u);
    // Heartbeats go to the monitors only: 3 per 100 ms round.
    uint64_t sent = c.node(i).gossip->counters().heartbeats_sent;
    EXPECT_GT(sent, 250u);
    EXPECT_LE(sent, 303u);  // 101 rounds if the phase was 0
  }
}

TEST(ProtocolV2Test, ACrashIsDetectedAtPhiEightByEveryObserverWithinASecond) {
  for (int threads : {0, 2}) {
    SCOPED_TRACE(absl::StrCat("threads=", threads));
    SimCluster c(/*seed=*/4, threads);
    for (int i = 0; i < 30; ++i) c.AddNode(LanV2Options());
    c.RunFor(absl::Seconds(15));
    MonoTime crash = c.now();
    c.Crash(7);
    c.RunFor(absl::Seconds(2));
    for (int i : Live(30, {7})) {
      MonoTime at = CrossingAt(c, i, 7, 8);
      ASSERT_NE(at, absl::InfiniteDuration()) << "observer " << i;
      EXPECT_LT(at - crash, absl::Milliseconds(700)) << "observer " << i;
      EXPECT_GT(at - crash, absl::ZeroDuration()) << "observer " << i;
    }
  }
}

TEST(ProtocolV2Test, NoHealthyMemberIsSuspectedUnderFivePercentLoss) {
  SimCluster c(5);
  LinkFaults faults;
  faults.loss = 0.05;
  faults.delay = absl::Milliseconds(1);
  faults.jitter = absl::Milliseconds(1);
  c.network().SetDefaultFaults(faults);
  std::vector<std::unique_ptr<SuspicionRecorder>> recorders;
  for (int i = 0; i < 30; ++i) {
    recorders.push_back(std::make_unique<SuspicionRecorder>(8));
    c.AddNode(LanV2Options(), recorders.back().get());
  }
  c.RunFor(absl::Seconds(60));
  for (int i = 0; i < 30; ++i) {
    EXPECT_TRUE(recorders[i]->suspicions.empty()) << "observer " << i;
    const Membership& m = c.node(i).gossip->membership();
    for (const Member* member : m.members()) {
      EXPECT_LT(m.CurveOf(*member, c.now()).Phi(c.now()), 8) << member->name();
    }
  }
}

TEST(ProtocolV2Test, AOneWayBadLinkFromTheMemberToOneMonitorSuspectsNobody) {
  SimCluster c(6);
  std::vector<std::unique_ptr<SuspicionRecorder>> recorders;
  for (int i = 0; i < 12; ++i) {
    recorders.push_back(std::make_unique<SuspicionRecorder>(2));
    c.AddNode(LanV2Options(), recorders.back().get());
  }
  c.RunFor(absl::Seconds(10));
  const Membership& m0 = c.node(0).gossip->membership();
  const auto* subject = m0.Find(c.node(5).name);
  std::vector<const Member*> monitors = m0.MonitorsOf(*subject);
  ASSERT_EQ(monitors.size(), 3u);
  // Every datagram from node 5 to its first monitor is lost.
  LinkFaults cut;
  cut.loss = 1.0;
  c.network().SetLinkFaults(c.node(5).address, monitors[0]->record().address,
                            cut);
  c.RunFor(absl::Seconds(10));
  for (int i = 0; i < 12; ++i) {
    if (monitors[0]->record().name == c.node(i).name) continue;
    EXPECT_EQ(std::count(recorders[i]->suspicions.begin(),
                         recorders[i]->suspicions.end(), c.node(5).name),
              0)
        << "observer " << i;
    EXPECT_LT(c.node(i)
                  .gossip->membership()
                  .CurveOf(*c.node(i).gossip->membership().Find(c.node(5).name),
                           c.now())
                  .Phi(c.now()),
              2)
        << "observer " << i;
  }
}

TEST(ProtocolV2Test, ASubjectAndOneOfItsMonitorsCrashTogetherAndAreDetected) {
  SimCluster c(7);
  for (int i = 0; i < 20; ++i) c.AddNode(LanV2Options());
  c.RunFor(absl::Seconds(10));
  const Membership& m0 = c.node(0).gossip->membership();
  std::vector<const Member*> monitors = m0.MonitorsOf(*m0.Find(c.node(9).name));
  int monitor = -1;
  for (int i = 0; i < 20; ++i) {
    if (c.node(i).name == monitors[0]->record().name) monitor = i;
  }
  ASSERT_GE(monitor, 0);
  // Observer 0 reads the ring below, so it must not be the one to crash
  // (seed 7 makes it another node; a change of seed must keep that).
  ASSERT_NE(monitor, 0) << "pick another seed: observer 0 would crash";
  MonoTime crash = c.now();
  c.Crash(9);
  c.Crash(monitor);
  c.RunFor(absl::Seconds(2));
  for (int i : Live(20, {9, monitor})) {
    MonoTime at = CrossingAt(c, i, 9, 8);
    EXPECT_LT(at - crash, absl::Seconds(1)) << "observer " << i;
    at = CrossingAt(c, i, monitor, 8);
    EXPECT_LT(at - crash, absl::Seconds(1)) << "observer " << i;
  }
}

TEST(ProtocolV2Test, APausedMonitorReportsNothingFalse) {
  SimCluster c(8);
  std::vector<std::unique_ptr<SuspicionRecorder>> recorders;
  for (int i = 0; i < 10; ++i) {
    recorders.push_back(std::make_unique<SuspicionRecorder>(1));
    c.AddNode(LanV2Options(), recorders.back().get());
  }
  c.RunFor(absl::Seconds(10));
  c.Pause(4);
  c.RunFor(absl::Seconds(3));
  c.Resume(4);
  c.RunFor(absl::Seconds(3));
  // Only node 4 itself was silent: nobody may have suspected anyone else.
  for (int i = 0; i < 10; ++i) {
    for (const std::string& name : recorders[i]->suspicions) {
      EXPECT_EQ(name, c.node(4).name) << "observer " << i;
    }
  }
  EXPECT_GE(c.node(4).gossip->counters().pauses, 1u);
}

TEST(ProtocolV2Test, ARestartedMemberThatCrashesAgainIsDetected) {
  for (int n : {2, 6}) {
    SCOPED_TRACE(absl::StrCat("n=", n));
    SimCluster c(12);
    for (int i = 0; i < n; ++i) c.AddNode(LanV2Options());
    c.RunFor(absl::Seconds(5));
    c.Crash(1);
    c.RunFor(absl::Milliseconds(300));
    c.Restart(1);
    c.RunFor(absl::Seconds(5));
    ASSERT_TRUE(AllSeeAll(c, Live(n, {})));
    MonoTime crash = c.now();
    c.Crash(1);
    c.RunFor(absl::Seconds(3));
    for (int i : Live(n, {1})) {
      MonoTime at = CrossingAt(c, i, 1, 8);
      EXPECT_LT(at - crash, absl::Seconds(1)) << "observer " << i;
    }
  }
}

TEST(ProtocolV2Test, SuspectedByCountsOnlyMonitorsThatMeasuredTheSilence) {
  SimCluster c(14);
  for (int i = 0; i < 3; ++i) c.AddNode(LanV2Options());
  c.RunFor(absl::Seconds(5));
  c.Crash(2);
  c.RunFor(absl::Seconds(2));
  // Node 0 holds node 2 silent; node 2 also monitored node 1, but that
  // stand-in vote must not show as a suspicion of the healthy node 1.
  const Membership& m = c.node(0).gossip->membership();
  MemberView alive = m.View(*m.Find(c.node(1).name), c.now(), 8);
  EXPECT_EQ(alive.suspected_by, 0);
  EXPECT_LT(alive.phi, 1);
  MemberView dead = m.View(*m.Find(c.node(2).name), c.now(), 8);
  EXPECT_EQ(dead.suspected_by, 2);  // node 0 itself and node 1
  EXPECT_GT(dead.phi, 8);
}

// Last time each member's evidence (or curve change) was reported.
class EvidenceTimes : public MembershipListener {
 public:
  void OnEvidence(const std::string& name, const PhiCurve&,
                  MonoTime now) override {
    last[name] = now;
  }
  std::map<std::string, MonoTime> last;
};

TEST(ProtocolV2Test, AnObserverThatStopsMonitoringAMemberTellsItsListener) {
  // The daemon's watchers only re-judge a member when the listener hears of
  // it; a monitor the ring relieves of a subject must say so, or a watch
  // keeps the crossing its own detector had scheduled (a stuck SUSPECT).
  SimCluster c(15);
  std::vector<std::unique_ptr<EvidenceTimes>> listeners;
  for (int i = 0; i < 6; ++i) {
    listeners.push_back(std::make_unique<EvidenceTimes>());
    c.AddNode(LanV2Options(), listeners.back().get());
  }
  c.RunFor(absl::Seconds(5));
  auto monitored = [&](int i) {
    std::set<std::string> names;
    const Membership& m = c.node(i).gossip->membership();
    for (const Member* member : m.members()) {
      for (const auto* mon : m.MonitorsOf(*member)) {
        if (mon->name() == c.node(i).name) names.insert(member->name());
      }
    }
    return names;
  };
  std::vector<std::set<std::string>> before;
  for (int i = 0; i < 6; ++i) before.push_back(monitored(i));
  MonoTime changed = c.now();
  for (int i = 0; i < 20; ++i) c.AddNode(LanV2Options());
  c.RunFor(absl::Seconds(3));
  int relieved = 0;
  for (int i = 0; i < 6; ++i) {
    std::set<std::string> after = monitored(i);
    for (const std::string& name : before[i]) {
      if (after.count(name) > 0) continue;
      ++relieved;
      ASSERT_GT(listeners[i]->last.count(name), 0u);
      EXPECT_GT(listeners[i]->last[name], changed)
          << c.node(i).name << " stopped monitoring " << name;
      const Membership& m = c.node(i).gossip->membership();
      MemberView view = m.View(*m.Find(name), c.now(), 8);
      EXPECT_GT(view.last_arrival, changed);
      EXPECT_EQ(view.curve.TimeAt(8), absl::InfiniteDuration());
    }
  }
  EXPECT_GT(relieved, 0) << "the joins moved no monitor: test proves nothing";
}

// Our verdict on a monitor M makes M a stand-in in the quorums of M's
// subjects here (IsSilentMonitor), so their curves change at that instant:
// the listener must hear each one with the curve that held until then. It
// was handed the new one, so a false suspicion that began at that instant
// was counted as if it had stood since long before.
TEST(ProtocolV2Test, AVerdictOnAMonitorTellsTheListenerTheSubjectsCurveBefore) {
  SimCluster c(22);
  std::vector<std::unique_ptr<EvidenceLog>> logs;
  for (int i = 0; i < 12; ++i) {
    logs.push_back(std::make_unique<EvidenceLog>());
    c.AddNode(LanV2Options(), logs.back().get());
  }
  c.RunFor(absl::Seconds(10));
  const int subject = 5;
  const std::vector<int> monitors = MonitorNodes(c, 0, subject);
  ASSERT_EQ(monitors.size(), 3u);
  // The second monitor follows the first on the ring, so it monitors the
  // first as well: it is the observer.
  const int m1 = monitors[0], observer = monitors[1], m3 = monitors[2];
  const Membership& om = c.node(observer).gossip->membership();
  const Member* m1_member = om.Find(c.node(m1).name);
  ASSERT_TRUE(om.MonitorsOf(*m1_member).size() == 3u &&
              (om.MonitorsOf(*m1_member)[0]->name() == c.node(observer).name))
      << "pick another seed: the observer does not monitor m1";
  LinkFaults cut;
  cut.loss = 1.0;
  // m3 hears nothing from the subject: its suspicion reaches the observer,
  // where it stays below quorum (the observer itself hears the subject).
  c.network().SetLinkFaults(c.node(subject).address, c.node(m3).address, cut);
  c.RunFor(absl::Seconds(1));
  // Then the observer hears nothing from m1 and reports it suspect.
  c.network().SetLinkFaults(c.node(m1).address, c.node(observer).address, cut);
  c.RunFor(absl::Seconds(1));
  MonoTime verdict = absl::InfiniteDuration();
  for (const Member::Report& r : m1_member->reports()) {
    if (r.monitor == om.self_member().id && r.suspect) verdict = r.received;
  }
  ASSERT_NE(verdict, absl::InfiniteDuration()) << "the observer never "
                                                  "suspected m1";
  // From the verdict on, m1 stands in: m3's curve alone makes the quorum
  // phi, past 8 after a second of silence.
  EXPECT_GE(om.CurveOf(*om.Find(c.node(subject).name), c.now()).Phi(c.now()),
            8);
  // At the verdict the listener heard of the subject, with the curve from
  // before it: the observer's own and m3's, 2 of 3, so the observer's own.
  int told = 0;
  for (const EvidenceLog::Entry& e : logs[observer]->entries) {
    if (e.name != c.node(subject).name || e.at != verdict) continue;
    ++told;
    EXPECT_LT(e.phi_before, 2);
  }
  EXPECT_GE(told, 1);
}

}  // namespace
}  // namespace phid
