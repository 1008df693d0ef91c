// Failed and left members under protocol 2 on the simulated network and
// clock: a crash is SUSPECT, then FAILED (kept, off the ring, out of the
// members hash), then removed after its retention; a failed member that
// returns is alive everywhere again; an operator's forget sticks.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gossip/gossip_node.h"
#include "gossip/sim_cluster.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

// Short limits keep the simulated runs short; the logic is the defaults'.
GossipOptions Retaining() {
  GossipOptions o = GossipOptions::ForLan();
  o.failed_after = absl::Seconds(5);
  o.failed_member_retention = absl::Seconds(60);
  o.left_member_retention = absl::Seconds(20);
  return o;
}

const Member* Held(SimCluster& c, int observer, int member) {
  return c.node(observer).gossip->membership().Find(c.node(member).name);
}

// Whether any live observer's ring gives `member` a monitoring duty.
bool MonitorsAnyone(SimCluster& c, const std::vector<int>& live, int member) {
  for (int i : live) {
    const Membership& m = c.node(i).gossip->membership();
    for (const auto* monitor : m.MonitorsOf(*m.Find(c.node(i).name))) {
      if (monitor->name() == c.node(member).name) return true;
    }
  }
  return false;
}

void ExpectHashesAgree(SimCluster& c, const std::vector<int>& live) {
  uint64_t first = c.node(live[0]).gossip->membership().MembersHash();
  for (int i : live) {
    EXPECT_EQ(c.node(i).gossip->membership().MembersHash(), first)
        << "observer " << i;
  }
}

class EventCounter : public MembershipListener {
 public:
  void OnMemberEvent(const MemberEvent& event) override {
    events.push_back(
        absl::StrCat(MemberEventTypeName(event.type), ":", event.record.name));
  }
  std::vector<std::string> events;
};

TEST(RetentionV2Test, ACrashIsSuspectThenFailedThenKeptThenRemoved) {
  SimCluster c(21);
  std::vector<std::unique_ptr<EventCounter>> listeners;
  for (int i = 0; i < 10; ++i) {
    listeners.push_back(std::make_unique<EventCounter>());
    c.AddNode(Retaining(), listeners.back().get());
  }
  c.RunFor(absl::Seconds(10));
  const std::vector<int> live = Live(10, {3});
  ASSERT_TRUE(AllSeeAll(c, Live(10, {})));
  ExpectHashesAgree(c, live);
  c.Crash(3);
  c.RunFor(absl::Seconds(2));
  // Suspected (its quorum curve is past phi 8), not failed yet.
  for (int i : live) {
    const auto* victim = Held(c, i, 3);
    ASSERT_NE(victim, nullptr);
    EXPECT_FALSE(victim->failed) << "observer " << i;
    EXPECT_GE(
        c.node(i).gossip->membership().CurveOf(*victim, c.now()).Phi(c.now()),
        8)
        << "observer " << i;
  }
  EXPECT_TRUE(MonitorsAnyone(c, live, 3));
  // failed_after (5 s) plus at most one reap interval (1 s).
  c.RunFor(absl::Seconds(6));
  for (int i : live) {
    const auto* victim = Held(c, i, 3);
    ASSERT_NE(victim, nullptr) << "observer " << i;
    EXPECT_TRUE(victim->failed) << "observer " << i;
    EXPECT_EQ(listeners[i]->events.back(),
              absl::StrCat("failed:", c.node(3).name));
    EXPECT_EQ(c.node(i).gossip->counters().failures, 1u);
  }
  // Its predecessors have a live monitor in its place, and the summaries
  // of daemons holding it failed agree.
  EXPECT_FALSE(MonitorsAnyone(c, live, 3));
  ExpectHashesAgree(c, live);
  // Kept through its retention...
  c.RunFor(absl::Seconds(50));
  for (int i : live) {
    ASSERT_NE(Held(c, i, 3), nullptr) << "observer " << i;
    EXPECT_TRUE(Held(c, i, 3)->failed);
  }
  ExpectHashesAgree(c, live);
  // ...and removed after it (60 s after the failure, within a reap).
  c.RunFor(absl::Seconds(12));
  for (int i : live) {
    EXPECT_EQ(Held(c, i, 3), nullptr) << "observer " << i;
    EXPECT_EQ(listeners[i]->events.back(),
              absl::StrCat("removed:", c.node(3).name));
  }
  ExpectHashesAgree(c, live);
  // Long after the tombstones expired, nobody brought it back.
  c.RunFor(absl::Seconds(70));
  for (int i : live) EXPECT_EQ(Held(c, i, 3), nullptr) << "observer " << i;
}

// Silent monitors stand in only beside a monitor that measured the silence
// (reports.cc, IsSilentMonitor). An isolated node suspects its subjects and
// fails those whose other monitors it cannot hear either (its own detector
// measured them), but not a member that only its silent subjects monitor:
// stand-ins alone accuse nobody (the same rule keeps a healthy member whose
// monitors crashed from being accused). This pinned the opposite before.
TEST(RetentionV2Test, AnIsolatedNodeDoesNotFailAMemberOnlyItsSubjectsMonitor) {
  constexpr int kNodes = 16;
  SimCluster c(23);
  for (int i = 0; i < kNodes; ++i) c.AddNode(Retaining());
  c.RunFor(absl::Seconds(10));
  ASSERT_TRUE(AllSeeAll(c, Live(kNodes, {})));
  // An observer and the member just before its subjects on the ring (all
  // its monitors are the observer's subjects) that holds nothing against
  // it (no extra: no detector, no report), so only the rule above can
  // fail it there. The seed (node 0) heard everyone while they joined.
  int observer = -1, far = -1;
  for (int o = 1; o < kNodes && far < 0; ++o) {
    const Membership& m = c.node(o).gossip->membership();
    auto subject = [&](const Member* member) {
      for (const auto* monitor : m.MonitorsOf(*member)) {
        if (monitor == &m.self_member()) return true;
      }
      return false;
    };
    for (int i = 0; i < kNodes && far < 0; ++i) {
      const auto* member = Held(c, o, i);
      if (i == o || subject(member) || member->extra != nullptr) continue;
      bool all = true;
      for (const auto* monitor : m.MonitorsOf(*member)) all &= subject(monitor);
      if (all) far = i;
    }
    if (far < 0) continue;
    observer = o;
  }
  ASSERT_GE(far, 0);
  c.network().Isolate(c.node(observer).address, true);
  // failed_after (5 s) after the curves pass the report level, plus a
  // reap interval (1 s).
  c.RunFor(absl::Seconds(8));
  EXPECT_FALSE(Held(c, observer, far)->failed);
  EXPECT_LT(c.node(observer)
                .gossip->membership()
                .CurveOf(*Held(c, observer, far), c.now())
                .Phi(c.now()),
            2);
  int failed = 0;
  for (int i = 0; i < kNodes; ++i) {
    if (i != observer) failed += Held(c, observer, i)->failed;
  }
  EXPECT_GE(failed, 1) << "it fails its own subjects";
  // Elsewhere it is alive.
  for (int i = 0; i < kNodes; ++i) {
    if (i != observer && i != far) {
      EXPECT_FALSE(Held(c, i, far)->failed) << i;
    }
  }
}

TEST(RetentionV2Test, AFailedMemberThatWakesUpIsAliveEverywhereAgain) {
  SimCluster c(22);
  for (int i = 0; i < 10; ++i) c.AddNode(Retaining());
  c.RunFor(absl::Seconds(10));
  const std::vector<int> others = Live(10, {4});
  c.Pause(4);  // e.g. SIGSTOP: silent, same generation
  c.RunFor(absl::Seconds(8));
  for (int i : others) {
    ASSERT_NE(Held(c, i, 4), nullptr);
    ASSERT_TRUE(Held(c, i, 4)->failed) << "observer " << i;
  }
  c.Resume(4);
  c.RunFor(absl::Seconds(5));
  for (int i : others) {
    ASSERT_NE(Held(c, i, 4), nullptr);
    EXPECT_FALSE(Held(c, i, 4)->failed) << "observer " << i;
    EXPECT_LT(c.node(i)
                  .gossip->membership()
                  .CurveOf(*Held(c, i, 4), c.now())
                  .Phi(c.now()),
              1)
        << "observer " << i;
  }
  EXPECT_TRUE(MonitorsAnyone(c, others, 4));
  ExpectHashesAgree(c, Live(10, {}));
}

TEST(RetentionV2Test, AFailedMemberRestartedWithANewGenerationIsAlive) {
  SimCluster c(23);
  for (int i = 0; i < 8; ++i) c.AddNode(Retaining());
  c.RunFor(absl::Seconds(10));
  uint64_t old_generation = c.node(2).gossip->generation();
  c.Crash(2);
  c.RunFor(absl::Seconds(8));
  ASSERT_TRUE(Held(c, 0, 2)->failed);
  c.Restart(2);
  EXPECT_TRUE(
      c.RunUntil([&] { return AllSeeAll(c, Live(8, {})); }, absl::Seconds(5)));
  for (int i : Live(8, {2})) {
    ASSERT_NE(Held(c, i, 2), nullptr);
    EXPECT_FALSE(Held(c, i, 2)->failed) << "observer " << i;
    EXPECT_GT(Held(c, i, 2)->generation, old_generation);
  }
}

TEST(RetentionV2Test, ALeftMemberIsKeptForItsRetentionThenRemoved) {
  SimCluster c(24);
  for (int i = 0; i < 8; ++i) c.AddNode(Retaining());
  c.RunFor(absl::Seconds(5));
  c.node(5).gossip->Leave(c.now());
  c.RunFor(absl::Seconds(15));
  const std::vector<int> live = Live(8, {5});
  for (int i : live) {
    ASSERT_NE(Held(c, i, 5), nullptr) << "observer " << i;
    EXPECT_EQ(Held(c, i, 5)->status, MemberStatus::kLeft);
    EXPECT_FALSE(Held(c, i, 5)->failed);  // a leave is never a failure
  }
  ExpectHashesAgree(c, live);
  c.RunFor(absl::Seconds(7));
  for (int i : live) EXPECT_EQ(Held(c, i, 5), nullptr) << "observer " << i;
  ExpectHashesAgree(c, live);
}

TEST(RetentionV2Test, AForgottenFailedMemberStaysForgottenOnThatDaemonOnly) {
  SimCluster c(25);
  GossipOptions options = Retaining();
  options.failed_member_retention = absl::Minutes(10);
  for (int i = 0; i < 8; ++i) c.AddNode(options);
  c.RunFor(absl::Seconds(10));
  // A live member cannot be forgotten.
  absl::Status refused = c.node(0).gossip->Forget(c.node(6).name, c.now());
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(Held(c, 0, 6), nullptr);
  c.Crash(6);
  c.RunFor(absl::Seconds(8));
  ASSERT_TRUE(Held(c, 0, 6)->failed);
  ASSERT_TRUE(c.node(0).gossip->Forget(c.node(6).name, c.now()).ok());
  EXPECT_EQ(Held(c, 0, 6), nullptr);
  EXPECT_EQ(c.node(0).gossip->Forget(c.node(6).name, c.now()).code(),
            absl::StatusCode::kNotFound);
  // Past the tombstone (tombstone_ttl, 60 s), anti-entropy has not brought
  // it back, the other daemons still hold it failed, and every hash agrees.
  ASSERT_EQ(options.tombstone_ttl, absl::Seconds(60));
  c.RunFor(absl::Seconds(70));
  EXPECT_EQ(Held(c, 0, 6), nullptr);
  for (int i : Live(8, {0, 6})) {
    ASSERT_NE(Held(c, i, 6), nullptr) << "observer " << i;
    EXPECT_TRUE(Held(c, i, 6)->failed);
  }
  ExpectHashesAgree(c, Live(8, {6}));
}

TEST(RetentionV2Test,
     AnObserverThatFailedAMemberAfterMissingItsRecoveryRevivesIt) {
  // Observer 7 holds member 4's suspicion, then hears nothing while 4
  // recovers, and fails it failed_after later: after the recovery. The
  // repair it then gets carries that recovery, whose heartbeat is older
  // than the failure but newer than the suspicion 7 counted: 4 is back.
  // Before, 7 held it failed for good (its hash never agreed again, and
  // every summary with it repaired 4 in vain).
  GossipOptions options = Retaining();
  options.failed_after = absl::Seconds(2);  // a short isolation suffices
  SimCluster c(26);
  const int member = 4, observer = 7;
  for (int i = 0; i < 10; ++i) c.AddNode(options);
  c.RunFor(absl::Seconds(10));
  ASSERT_TRUE(AllSeeAll(c, Live(10, {})));
  // The observer's isolation ends before it could fail anyone for its own
  // silence (failed_after plus the time to reach report_level).
  c.Pause(member);
  c.RunFor(absl::Milliseconds(1500));
  ASSERT_TRUE(Held(c, observer, member)->at_quorum);
  c.network().Isolate(c.node(observer).address, true);
  c.RunFor(absl::Milliseconds(100));
  c.Resume(member);
  MonoTime resumed = c.now();
  ASSERT_TRUE(c.RunUntil([&] { return Held(c, observer, member)->failed; },
                         absl::Seconds(2)));
  ASSERT_GT(Held(c, observer, member)->failed_at(), resumed);
  for (int i : Live(10, {member, observer})) {
    EXPECT_FALSE(Held(c, i, member)->at_quorum) << "observer " << i;
  }
  c.network().Isolate(c.node(observer).address, false);
  c.RunFor(absl::Seconds(5));
  EXPECT_FALSE(Held(c, observer, member)->failed);
  const Membership& m = c.node(observer).gossip->membership();
  EXPECT_LT(m.CurveOf(*Held(c, observer, member), c.now()).Phi(c.now()), 1);
  ExpectHashesAgree(c, Live(10, {}));
}

}  // namespace
}  // namespace phid
