#include "server/subscription.h"

#include <cmath>
#include <limits>

#include "absl/strings/match.h"
#include "detector/phi.h"
#include "gtest/gtest.h"
#include "server/test_views.h"

namespace phid {
namespace {

namespace v1 = ::phi::v1;

constexpr double kDefault = 8;
const MonoTime kT0 = absl::Seconds(1000);

WatchSpec Spec(double threshold, double recovery = 0) {
  WatchSpec spec;
  spec.threshold = threshold;
  spec.recovery_threshold = recovery == 0 ? threshold : recovery;
  return spec;
}

MemberEvent Event(MemberEventType type, const std::string& name,
                  uint64_t generation = 1) {
  MemberEvent e{type, MemberRecord(), kT0};
  e.record.name = name;
  e.record.generation = generation;
  return e;
}

// --- Judgement ------------------------------------------------------------

TEST(SubscriptionTest, CrossingIsTheAnalyticTimeToThreshold) {
  Subscription sub(Spec(3));
  Subscription::Update u = sub.OnView(View("a", kT0), kT0);
  EXPECT_FALSE(u.transition);
  EXPECT_EQ(u.crossing_due, Analytic(kT0, 3));
  EXPECT_EQ(sub.StateOf("a"), v1::PEER_STATE_ALIVE);
  EXPECT_EQ(sub.CrossingDue("a"), Analytic(kT0, 3));
}

TEST(SubscriptionTest, SuspectExactlyAtTheCrossing) {
  Subscription sub(Spec(5));
  MonoTime due = sub.OnView(View("a", kT0), kT0).crossing_due;
  EXPECT_FALSE(
      sub.OnView(View("a", kT0), due - absl::Nanoseconds(1)).transition);
  Subscription::Update u = sub.OnView(View("a", kT0), due);
  ASSERT_TRUE(u.transition);
  EXPECT_EQ(u.transition->previous, v1::PEER_STATE_ALIVE);
  EXPECT_EQ(u.transition->state, v1::PEER_STATE_SUSPECT);
  EXPECT_EQ(u.transition->reason, v1::TRANSITION_REASON_CROSSED_THRESHOLD);
  EXPECT_NEAR(u.transition->phi, 5, 1e-6);
  EXPECT_EQ(u.crossing_due, absl::InfiniteDuration());
  // Judged once: the same instant again changes nothing.
  EXPECT_FALSE(sub.OnView(View("a", kT0), due).transition);
}

TEST(SubscriptionTest, ArrivalMovesThePendingCrossing) {
  Subscription sub(Spec(8));
  MonoTime first = sub.OnView(View("a", kT0), kT0).crossing_due;
  MonoTime later = kT0 + absl::Milliseconds(100);
  Subscription::Update u = sub.OnView(View("a", later), later);
  EXPECT_FALSE(u.transition);
  EXPECT_EQ(u.crossing_due, first + absl::Milliseconds(100));
  EXPECT_EQ(u.crossing_due, Analytic(later, 8));
}

TEST(SubscriptionTest, RecoveryWaitsForPhiBelowTheRecoveryThreshold) {
  Subscription sub(Spec(8, 2));
  MonoTime due = sub.OnView(View("a", kT0), kT0).crossing_due;
  ASSERT_TRUE(sub.OnView(View("a", kT0), due).transition);

  // An arrival judged when phi is already back at 3 (>= 2, < 8): still
  // suspect, and no crossing is pending for a suspect member.
  MonoTime arrival = due + absl::Seconds(1);
  MonoTime at3 = Analytic(arrival, 3);
  Subscription::Update u = sub.OnView(View("a", arrival), at3);
  EXPECT_FALSE(u.transition);
  EXPECT_EQ(sub.StateOf("a"), v1::PEER_STATE_SUSPECT);
  EXPECT_EQ(u.crossing_due, absl::InfiniteDuration());

  // The next arrival judged at once: phi ~0 < 2, recovered.
  MonoTime next = at3 + absl::Milliseconds(10);
  u = sub.OnView(View("a", next), next);
  ASSERT_TRUE(u.transition);
  EXPECT_EQ(u.transition->previous, v1::PEER_STATE_SUSPECT);
  EXPECT_EQ(u.transition->state, v1::PEER_STATE_ALIVE);
  EXPECT_EQ(u.transition->reason, v1::TRANSITION_REASON_RECOVERED);
  EXPECT_LT(u.transition->phi, 2);
  EXPECT_EQ(u.crossing_due, Analytic(next, 8));
}

TEST(SubscriptionTest, NoRecoveryWithoutAnArrival) {
  Subscription sub(Spec(4, 1));
  MonoTime due = sub.OnView(View("a", kT0), kT0).crossing_due;
  ASSERT_TRUE(sub.OnView(View("a", kT0), due).transition);
  // Re-evaluated (no new arrival) later: still suspect.
  EXPECT_FALSE(sub.OnView(View("a", kT0), due + absl::Seconds(5)).transition);
  EXPECT_EQ(sub.StateOf("a"), v1::PEER_STATE_SUSPECT);
}

TEST(SubscriptionTest, FirstSightIsJudgedSilently) {
  Subscription sub(Spec(3));
  Subscription::Update u = sub.OnView(View("a", kT0), kT0 + absl::Seconds(10));
  EXPECT_FALSE(u.transition);
  EXPECT_EQ(sub.StateOf("a"), v1::PEER_STATE_SUSPECT);
}

TEST(SubscriptionTest, SelfIsNeverSuspected) {
  Subscription sub(Spec(1));
  MemberView self = View("me", kT0);
  self.is_self = true;
  self.has_arrival = false;
  Subscription::Update u = sub.OnView(self, kT0 + absl::Hours(1));
  EXPECT_FALSE(u.transition);
  EXPECT_EQ(u.crossing_due, absl::InfiniteDuration());
  EXPECT_EQ(sub.StateOf("me"), v1::PEER_STATE_ALIVE);
}

TEST(SubscriptionTest, NameFilterIgnoresOtherMembers) {
  WatchSpec spec = Spec(3);
  spec.names = {"b"};
  Subscription sub(spec);
  EXPECT_EQ(sub.OnView(View("a", kT0), kT0).crossing_due,
            absl::InfiniteDuration());
  EXPECT_FALSE(
      sub.OnMemberEvent(Event(MemberEventType::kJoined, "a")).transition);
  EXPECT_EQ(sub.StateOf("a"), v1::PEER_STATE_UNSPECIFIED);
  EXPECT_NE(sub.OnView(View("b", kT0), kT0).crossing_due,
            absl::InfiniteDuration());
  EXPECT_EQ(sub.size(), 1u);
}

TEST(SubscriptionTest, TagSelectorMatchesEveryPair) {
  WatchSpec spec = Spec(3);
  spec.tag_selector = {{"role", "db"}, {"zone", "eu"}};
  Subscription sub(spec);
  sub.OnView(View("a", kT0, {{"role", "db"}}), kT0);
  sub.OnView(View("b", kT0, {{"role", "db"}, {"zone", "eu"}, {"x", "y"}}), kT0);
  EXPECT_EQ(sub.StateOf("a"), v1::PEER_STATE_UNSPECIFIED);
  EXPECT_EQ(sub.StateOf("b"), v1::PEER_STATE_ALIVE);
}

TEST(SubscriptionTest, JoinedThenLeftThenRemoved) {
  Subscription sub(Spec(8));
  Subscription::Update u =
      sub.OnMemberEvent(Event(MemberEventType::kJoined, "a"));
  ASSERT_TRUE(u.transition);
  EXPECT_EQ(u.transition->previous, v1::PEER_STATE_UNSPECIFIED);
  EXPECT_EQ(u.transition->state, v1::PEER_STATE_ALIVE);
  EXPECT_EQ(u.transition->reason, v1::TRANSITION_REASON_JOINED);
  sub.OnView(View("a", kT0), kT0);

  u = sub.OnMemberEvent(Event(MemberEventType::kLeft, "a"));
  ASSERT_TRUE(u.transition);
  EXPECT_EQ(u.transition->state, v1::PEER_STATE_LEFT);
  EXPECT_EQ(u.transition->reason, v1::TRANSITION_REASON_LEFT);
  EXPECT_EQ(sub.CrossingDue("a"), absl::InfiniteDuration());
  // A left member is never suspected, however long it is silent.
  MemberView left = View("a", kT0);
  left.record.status = MemberStatus::kLeft;
  EXPECT_FALSE(sub.OnView(left, kT0 + absl::Hours(1)).transition);
  EXPECT_FALSE(
      sub.OnMemberEvent(Event(MemberEventType::kLeft, "a")).transition);

  u = sub.OnMemberEvent(Event(MemberEventType::kRemoved, "a"));
  ASSERT_TRUE(u.transition);
  EXPECT_EQ(u.transition->previous, v1::PEER_STATE_LEFT);
  EXPECT_EQ(u.transition->state, v1::PEER_STATE_REMOVED);
  EXPECT_EQ(sub.size(), 0u);
}

TEST(SubscriptionTest, ASuspectFailsIsNeverJudgedThenReturnsOrIsRemoved) {
  Subscription sub(Spec(3));
  MonoTime due = sub.OnView(View("a", kT0), kT0).crossing_due;
  ASSERT_TRUE(sub.OnView(View("a", kT0), due).transition);
  Subscription::Update u =
      sub.OnMemberEvent(Event(MemberEventType::kFailed, "a"));
  ASSERT_TRUE(u.transition);
  EXPECT_EQ(u.transition->previous, v1::PEER_STATE_SUSPECT);
  EXPECT_EQ(u.transition->state, v1::PEER_STATE_FAILED);
  EXPECT_EQ(u.transition->reason, v1::TRANSITION_REASON_FAILED);
  EXPECT_EQ(sub.CrossingDue("a"), absl::InfiniteDuration());
  // Views of the failed member change nothing, and schedule no crossing.
  MemberView failed = View("a", kT0);
  failed.failed = true;
  u = sub.OnView(failed, kT0 + absl::Hours(1));
  EXPECT_FALSE(u.transition);
  EXPECT_EQ(u.crossing_due, absl::InfiniteDuration());
  EXPECT_EQ(sub.StateOf("a"), v1::PEER_STATE_FAILED);
  EXPECT_FALSE(
      sub.OnMemberEvent(Event(MemberEventType::kFailed, "a")).transition);
  // Heard from again: ALIVE, judged afresh from the next view.
  u = sub.OnMemberEvent(Event(MemberEventType::kReturned, "a"));
  ASSERT_TRUE(u.transition);
  EXPECT_EQ(u.transition->previous, v1::PEER_STATE_FAILED);
  EXPECT_EQ(u.transition->state, v1::PEER_STATE_ALIVE);
  EXPECT_EQ(u.transition->reason, v1::TRANSITION_REASON_RECOVERED);
  MonoTime back = kT0 + absl::Hours(2);
  EXPECT_NE(sub.OnView(View("a", back), back).crossing_due,
            absl::InfiniteDuration());
  // Failed again, then removed at the end of its retention.
  sub.OnMemberEvent(Event(MemberEventType::kFailed, "a"));
  u = sub.OnMemberEvent(Event(MemberEventType::kRemoved, "a"));
  ASSERT_TRUE(u.transition);
  EXPECT_EQ(u.transition->previous, v1::PEER_STATE_FAILED);
  EXPECT_EQ(u.transition->state, v1::PEER_STATE_REMOVED);
  EXPECT_EQ(sub.size(), 0u);
}

TEST(SubscriptionTest, AFailedViewFirstSeenIsFailedSilently) {
  Subscription sub(Spec(8));
  MemberView failed = View("a", kT0);
  failed.failed = true;
  Subscription::Update u = sub.OnView(failed, kT0 + absl::Minutes(5));
  EXPECT_FALSE(u.transition);
  EXPECT_EQ(sub.StateOf("a"), v1::PEER_STATE_FAILED);
  // A missed kFailed event: the view itself moves an ALIVE member.
  sub.OnView(View("b", kT0), kT0);
  MemberView b = View("b", kT0);
  b.failed = true;
  u = sub.OnView(b, kT0 + absl::Seconds(1));
  ASSERT_TRUE(u.transition);
  EXPECT_EQ(u.transition->previous, v1::PEER_STATE_ALIVE);
  EXPECT_EQ(u.transition->state, v1::PEER_STATE_FAILED);
}

TEST(SubscriptionTest, RestartMakesASuspectAliveAgain) {
  Subscription sub(Spec(3));
  MonoTime due = sub.OnView(View("a", kT0), kT0).crossing_due;
  ASSERT_TRUE(sub.OnView(View("a", kT0), due).transition);
  Subscription::Update u =
      sub.OnMemberEvent(Event(MemberEventType::kRestarted, "a", 2));
  ASSERT_TRUE(u.transition);
  EXPECT_EQ(u.transition->previous, v1::PEER_STATE_SUSPECT);
  EXPECT_EQ(u.transition->state, v1::PEER_STATE_ALIVE);
  EXPECT_EQ(u.transition->reason, v1::TRANSITION_REASON_RESTARTED);
  // The new generation's first arrival schedules its crossing.
  MonoTime now = due + absl::Seconds(1);
  MemberView fresh = View("a", now);
  fresh.record.generation = 2;
  u = sub.OnView(fresh, now);
  EXPECT_FALSE(u.transition);
  EXPECT_EQ(u.crossing_due, Analytic(now, 3));
}

TEST(SubscriptionTest, ObserverPausedChangesNoMember) {
  Subscription sub(Spec(3));
  sub.OnView(View("a", kT0), kT0);
  MemberEvent paused = Event(MemberEventType::kObserverPaused, "me");
  paused.paused = absl::Seconds(2);
  EXPECT_FALSE(sub.OnMemberEvent(paused).transition);
  EXPECT_EQ(sub.StateOf("a"), v1::PEER_STATE_ALIVE);
}

TEST(SubscriptionTest, PauseDiscountLetsASuspectRecover) {
  // The node shifts last_arrival forward by the pause; for the judge that
  // is an arrival, and phi measured from it is low again.
  Subscription sub(Spec(3, 1));
  MonoTime due = sub.OnView(View("a", kT0), kT0).crossing_due;
  ASSERT_TRUE(sub.OnView(View("a", kT0), due).transition);
  MonoTime now = due + absl::Seconds(2);
  Subscription::Update u = sub.OnView(View("a", now), now);
  ASSERT_TRUE(u.transition);
  EXPECT_EQ(u.transition->reason, v1::TRANSITION_REASON_RECOVERED);
}

TEST(PhiOfViewTest, ClampedAndZeroForSelfAndLeft) {
  MemberView v = View("a", kT0);
  EXPECT_LE(PhiOfView(v, kT0 + absl::Hours(10)), kMaxReportedPhi);
  v.curve = PhiCurve(ArrivalCurve{PhiModel::kExponential, Dist(), kT0});
  EXPECT_TRUE(std::isfinite(PhiOfView(v, kT0 + absl::Hours(10))));
  v.record.status = MemberStatus::kLeft;
  EXPECT_EQ(PhiOfView(v, kT0 + absl::Hours(1)), 0);
  v = View("a", kT0);
  v.is_self = true;
  EXPECT_EQ(PhiOfView(v, kT0 + absl::Hours(1)), 0);
}

}  // namespace
}  // namespace phid
