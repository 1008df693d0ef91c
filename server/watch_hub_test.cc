#include "server/watch_hub.h"

#include <memory>
#include <vector>

#include "detector/phi.h"
#include "gtest/gtest.h"
#include "server/subscription.h"
#include "server/test_views.h"

namespace phid {
namespace {

namespace v1 = ::phi::v1;

const MonoTime kT0 = absl::Seconds(1000);
constexpr uint64_t kEpoch = 77;

class CaptureSink final : public WatchSink {
 public:
  void Send(const v1::WatchResponse& message) override {
    messages.push_back(message);
  }
  std::vector<v1::Transition> Transitions() const {
    std::vector<v1::Transition> out;
    for (const auto& m : messages) {
      if (m.has_transition()) out.push_back(m.transition());
    }
    return out;
  }
  int Count(v1::WatchResponse::EventCase kind) const {
    int n = 0;
    for (const auto& m : messages) n += m.event_case() == kind;
    return n;
  }
  std::vector<v1::WatchResponse> messages;
};

MemberView Self() {
  MemberView v;
  v.record.name = "me";
  v.record.generation = 1;
  v.is_self = true;
  return v;
}

MemberEvent Event(MemberEventType type, const std::string& name, MonoTime at,
                  uint64_t generation = 1, Tags tags = {}) {
  MemberEvent e{type, MemberRecord(), at};
  e.record.name = name;
  e.record.generation = generation;
  e.record.tags = std::move(tags);
  return e;
}

WatchSpec Spec(double threshold, double recovery = 0) {
  WatchSpec spec;
  spec.threshold = threshold;
  spec.recovery_threshold = recovery == 0 ? threshold : recovery;
  spec.idle_interval = absl::Hours(1);  // out of the way unless tested
  return spec;
}

class WatchHubTest : public ::testing::Test {
 protected:
  WatchHubTest()
      : hub_(WatchHub::Options{kEpoch, [] { return int64_t{1234}; }}) {
    hub_.OnMembersChanged({Self(), View("a", kT0)}, kT0);
  }

  std::shared_ptr<CaptureSink> Watch(WatchSpec spec, MonoTime now = kT0) {
    auto sink = std::make_shared<CaptureSink>();
    ids_.push_back(hub_.Subscribe(std::move(spec), sink, now));
    return sink;
  }

  WatchHub hub_;
  std::vector<WatchHub::SubscriberId> ids_;
};

TEST_F(WatchHubTest, SnapshotComesFirstWithEpochAndThreshold) {
  auto sink = Watch(Spec(3));
  ASSERT_EQ(sink->messages.size(), 1u);
  const v1::WatchResponse& m = sink->messages[0];
  ASSERT_TRUE(m.has_snapshot());
  EXPECT_EQ(m.epoch(), kEpoch);
  EXPECT_EQ(m.sent_unix_micros(), 1234);
  EXPECT_EQ(m.snapshot().self(), "me");
  ASSERT_EQ(m.snapshot().peers_size(), 2);
  const v1::Peer& a = m.snapshot().peers(0);
  EXPECT_EQ(a.name(), "a");
  EXPECT_EQ(a.state(), v1::PEER_STATE_ALIVE);
  EXPECT_EQ(a.threshold(), 3);
  EXPECT_EQ(a.samples(), 10u);
  EXPECT_TRUE(a.has_time_to_threshold());
  EXPECT_TRUE(m.snapshot().peers(1).is_self());
}

TEST_F(WatchHubTest, TwoThresholdsSuspectAtTheirOwnAnalyticInstants) {
  auto low = Watch(Spec(3));
  auto high = Watch(Spec(12));
  MonoTime c3 = Analytic(kT0, 3);
  MonoTime c12 = Analytic(kT0, 12);
  ASSERT_LT(c3, c12);
  EXPECT_EQ(hub_.NextDue(), c3);

  hub_.Fire(c3 - absl::Nanoseconds(1));
  EXPECT_TRUE(low->Transitions().empty());
  hub_.Fire(c3);
  ASSERT_EQ(low->Transitions().size(), 1u);
  EXPECT_TRUE(high->Transitions().empty());
  const v1::Transition& t = low->Transitions()[0];
  EXPECT_EQ(t.reason(), v1::TRANSITION_REASON_CROSSED_THRESHOLD);
  EXPECT_EQ(t.previous_state(), v1::PEER_STATE_ALIVE);
  EXPECT_EQ(t.peer().state(), v1::PEER_STATE_SUSPECT);
  EXPECT_EQ(t.peer().threshold(), 3);
  EXPECT_NEAR(t.phi(), 3, 1e-6);
  EXPECT_EQ(t.peer().time_to_threshold().seconds(), 0);
  EXPECT_EQ(t.peer().time_to_threshold().nanos(), 0);

  EXPECT_EQ(hub_.NextDue(), c12);
  hub_.Fire(c12);
  ASSERT_EQ(high->Transitions().size(), 1u);
  EXPECT_NEAR(high->Transitions()[0].phi(), 12, 1e-6);
  EXPECT_EQ(low->Transitions().size(), 1u);
  EXPECT_EQ(hub_.judges(), 2u);
}

TEST_F(WatchHubTest, SubscribersWithTheSameThresholdsShareOneJudge) {
  auto one = Watch(Spec(5));
  auto two = Watch(Spec(5));
  EXPECT_EQ(hub_.judges(), 1u);
  hub_.Fire(Analytic(kT0, 5));
  EXPECT_EQ(one->Transitions().size(), 1u);
  EXPECT_EQ(two->Transitions().size(), 1u);
  hub_.Unsubscribe(ids_[0]);
  hub_.Unsubscribe(ids_[1]);
  EXPECT_EQ(hub_.judges(), 0u);
  EXPECT_EQ(hub_.subscribers(), 0u);
}

TEST_F(WatchHubTest, AnArrivalCancelsThePendingCrossing) {
  auto sink = Watch(Spec(8));
  MonoTime old_due = Analytic(kT0, 8);
  MonoTime later = kT0 + absl::Milliseconds(100);
  hub_.OnMembersChanged({View("a", later)}, later);
  hub_.Fire(old_due);
  EXPECT_TRUE(sink->Transitions().empty());
  EXPECT_EQ(hub_.StateFor(ids_[0], "a"), v1::PEER_STATE_ALIVE);
  MonoTime new_due = Analytic(later, 8);
  EXPECT_EQ(hub_.NextDue(), new_due);
  hub_.Fire(new_due);
  EXPECT_EQ(sink->Transitions().size(), 1u);
}

TEST_F(WatchHubTest, RecoveryUsesTheRecoveryThreshold) {
  auto strict = Watch(Spec(8, 2));
  auto plain = Watch(Spec(8));
  hub_.Fire(Analytic(kT0, 8));
  ASSERT_EQ(strict->Transitions().size(), 1u);
  ASSERT_EQ(plain->Transitions().size(), 1u);
  // An arrival judged while phi is already 4: below 8, not below 2.
  MonoTime arrival = kT0 + absl::Seconds(2);
  MonoTime at4 = Analytic(arrival, 4);
  hub_.OnMembersChanged({View("a", arrival)}, at4);
  ASSERT_EQ(plain->Transitions().size(), 2u);
  EXPECT_EQ(plain->Transitions()[1].reason(), v1::TRANSITION_REASON_RECOVERED);
  EXPECT_EQ(strict->Transitions().size(), 1u);
  EXPECT_EQ(hub_.StateFor(ids_[0], "a"), v1::PEER_STATE_SUSPECT);
  // A prompt arrival: phi ~0 < 2.
  MonoTime next = at4 + absl::Milliseconds(1);
  hub_.OnMembersChanged({View("a", next)}, next);
  ASSERT_EQ(strict->Transitions().size(), 2u);
  EXPECT_EQ(strict->Transitions()[1].reason(), v1::TRANSITION_REASON_RECOVERED);
  EXPECT_EQ(strict->Transitions()[1].peer().state(), v1::PEER_STATE_ALIVE);
}

TEST_F(WatchHubTest, NameAndTagFiltersSelectMembers) {
  WatchSpec by_name = Spec(3);
  by_name.names = {"b"};
  WatchSpec by_tag = Spec(3);
  by_tag.tag_selector = {{"role", "db"}};
  auto named = Watch(by_name);
  auto tagged = Watch(by_tag);
  auto all = Watch(Spec(3));
  EXPECT_EQ(named->messages[0].snapshot().peers_size(), 0);

  hub_.OnMemberEvent(Event(MemberEventType::kJoined, "b", kT0));
  hub_.OnMemberEvent(
      Event(MemberEventType::kJoined, "c", kT0, 1, {{"role", "db"}}));
  hub_.OnMembersChanged({View("b", kT0), View("c", kT0, {{"role", "db"}})},
                        kT0);
  hub_.Fire(Analytic(kT0, 3));

  auto names = [](const CaptureSink& sink) {
    std::vector<std::string> out;
    for (const auto& t : sink.Transitions()) {
      out.push_back(t.peer().name() + ":" +
                    v1::TransitionReason_Name(t.reason()));
    }
    return out;
  };
  EXPECT_EQ(names(*named), (std::vector<std::string>{
                               "b:TRANSITION_REASON_JOINED",
                               "b:TRANSITION_REASON_CROSSED_THRESHOLD"}));
  EXPECT_EQ(names(*tagged), (std::vector<std::string>{
                                "c:TRANSITION_REASON_JOINED",
                                "c:TRANSITION_REASON_CROSSED_THRESHOLD"}));
  EXPECT_EQ(all->Transitions().size(), 5u);  // 2 joins, a, b, c crossed
}

TEST_F(WatchHubTest, TheSnapshotListsTheWatchedNamesNoMemberHas) {
  WatchSpec spec = Spec(3);
  spec.names = {"a", "me", "typo-1", "b"};
  auto sink = Watch(spec);
  const v1::Snapshot& snapshot = sink->messages[0].snapshot();
  EXPECT_EQ(snapshot.peers_size(), 2);  // a, me
  EXPECT_EQ(std::vector<std::string>(snapshot.unknown_names().begin(),
                                     snapshot.unknown_names().end()),
            (std::vector<std::string>{"b", "typo-1"}));
  // Without names nothing is unknown.
  EXPECT_EQ(Watch(Spec(3))->messages[0].snapshot().unknown_names_size(), 0);
}

TEST_F(WatchHubTest, AMemberRestartedWithOtherTagsLeavesTheSelectorsView) {
  WatchSpec dbs = Spec(8);
  dbs.tag_selector = {{"role", "db"}};
  WatchSpec webs = Spec(8);
  webs.tag_selector = {{"role", "web"}};
  auto db_watch = Watch(dbs);
  auto web_watch = Watch(webs);
  hub_.OnMemberEvent(
      Event(MemberEventType::kJoined, "b", kT0, 1, {{"role", "db"}}));
  hub_.OnMembersChanged({View("b", kT0, {{"role", "db"}})}, kT0);
  ASSERT_EQ(db_watch->Transitions().size(), 1u);  // joined
  EXPECT_TRUE(web_watch->Transitions().empty());

  // b restarts as a web server.
  MonoTime t1 = kT0 + absl::Milliseconds(50);
  hub_.OnMemberEvent(
      Event(MemberEventType::kRestarted, "b", t1, 2, {{"role", "web"}}));
  hub_.OnMembersChanged({View("b", t1, {{"role", "web"}}, 2)}, t1);

  auto db_transitions = db_watch->Transitions();
  ASSERT_EQ(db_transitions.size(), 2u);
  EXPECT_EQ(db_transitions[1].reason(), v1::TRANSITION_REASON_RESTARTED);
  EXPECT_EQ(db_transitions[1].peer().state(), v1::PEER_STATE_REMOVED);
  EXPECT_EQ(db_transitions[1].peer().tags().at("role"), "web");
  auto web_transitions = web_watch->Transitions();
  ASSERT_EQ(web_transitions.size(), 1u);
  EXPECT_EQ(web_transitions[0].reason(), v1::TRANSITION_REASON_RESTARTED);
  EXPECT_EQ(web_transitions[0].peer().generation(), 2u);

  // Its silence no longer concerns the db watcher.
  hub_.Fire(Analytic(t1, 8));
  EXPECT_EQ(db_watch->Transitions().size(), 2u);
  EXPECT_EQ(web_watch->Transitions().size(), 2u);  // crossed threshold
}

TEST_F(WatchHubTest, JoinLeaveRestartAndRemoveReachSubscribers) {
  auto sink = Watch(Spec(8));
  hub_.OnMemberEvent(Event(MemberEventType::kJoined, "b", kT0));
  hub_.OnMembersChanged({View("b", kT0)}, kT0);
  MonoTime t1 = kT0 + absl::Milliseconds(50);
  hub_.OnMemberEvent(Event(MemberEventType::kRestarted, "b", t1, 2));
  hub_.OnMembersChanged({View("b", t1, {}, 2)}, t1);
  MonoTime t2 = t1 + absl::Milliseconds(50);
  MemberEvent left = Event(MemberEventType::kLeft, "b", t2, 2);
  left.record.status = MemberStatus::kLeft;
  hub_.OnMemberEvent(left);
  hub_.OnMemberEvent(Event(MemberEventType::kRemoved, "b", t2, 2));

  std::vector<v1::Transition> t = sink->Transitions();
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[0].reason(), v1::TRANSITION_REASON_JOINED);
  EXPECT_EQ(t[0].previous_state(), v1::PEER_STATE_UNSPECIFIED);
  EXPECT_EQ(t[1].reason(), v1::TRANSITION_REASON_RESTARTED);
  EXPECT_EQ(t[1].peer().generation(), 2u);
  EXPECT_EQ(t[2].reason(), v1::TRANSITION_REASON_LEFT);
  EXPECT_EQ(t[2].peer().state(), v1::PEER_STATE_LEFT);
  // The event is newer than the last view: the peer says it left.
  EXPECT_EQ(t[2].peer().status(), v1::MEMBER_STATUS_LEFT);
  EXPECT_EQ(t[3].reason(), v1::TRANSITION_REASON_REMOVED);
  EXPECT_EQ(t[3].previous_state(), v1::PEER_STATE_LEFT);
  EXPECT_EQ(t[3].peer().state(), v1::PEER_STATE_REMOVED);
  // Nothing pending for b any more.
  hub_.Fire(kT0 + absl::Minutes(1));
  EXPECT_EQ(sink->Transitions().size(), 5u);  // only a's crossing
  EXPECT_EQ(sink->Transitions()[4].peer().name(), "a");
  EXPECT_EQ(hub_.counters().transitions[v1::TRANSITION_REASON_REMOVED], 1u);
}

TEST_F(WatchHubTest, ObserverPauseReachesEveryoneAndSuppressesFalseSuspicion) {
  WatchSpec only_a = Spec(8);
  only_a.names = {"a"};
  auto sink = Watch(only_a);
  auto other = Watch(Spec(3));
  // The loop was paused for 3 s; the node discounted it, shifting a's last
  // arrival to `now`, and raised OBSERVER_PAUSED before any Fire.
  MonoTime now = kT0 + absl::Seconds(3);
  MemberEvent paused = Event(MemberEventType::kObserverPaused, "me", now);
  paused.paused = absl::Seconds(3);
  hub_.OnMemberEvent(paused);
  hub_.OnMembersChanged({Self(), View("a", now)}, now);
  hub_.Fire(now);

  for (const auto* s : {sink.get(), other.get()}) {
    std::vector<v1::Transition> t = s->Transitions();
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0].reason(), v1::TRANSITION_REASON_OBSERVER_PAUSED);
    EXPECT_EQ(t[0].paused().seconds(), 3);
    EXPECT_TRUE(t[0].peer().is_self());
  }
  EXPECT_EQ(hub_.StateFor(ids_[0], "a"), v1::PEER_STATE_ALIVE);
  EXPECT_EQ(hub_.NextDue(), Analytic(now, 3));
}

TEST_F(WatchHubTest, LevelsArriveAtTheRequestedRate) {
  WatchSpec spec = Spec(8);
  spec.level_interval = absl::Milliseconds(200);
  auto sink = Watch(spec);
  for (int i = 1; i <= 10; ++i) {
    MonoTime now = kT0 + i * absl::Milliseconds(100);
    // Keep `a` alive with arrivals every 100 ms.
    hub_.OnMembersChanged({View("a", now)}, now);
    hub_.Fire(now);
  }
  EXPECT_EQ(sink->Count(v1::WatchResponse::kLevels), 5);
  const v1::WatchResponse& last = sink->messages.back();
  ASSERT_TRUE(last.has_levels());
  ASSERT_EQ(last.levels().levels_size(), 2);
  EXPECT_EQ(last.levels().levels(0).name(), "a");
  EXPECT_EQ(last.levels().levels(0).state(), v1::PEER_STATE_ALIVE);
  EXPECT_LT(last.levels().levels(0).phi(), 1);
  EXPECT_EQ(hub_.counters().levels, 5u);
}

TEST_F(WatchHubTest, IdleHeartbeatOnlyAfterSilence) {
  WatchSpec spec = Spec(8);
  spec.names = {"z"};  // a's crossing must not count as traffic
  spec.idle_interval = absl::Seconds(1);
  auto sink = Watch(spec);
  hub_.Fire(kT0 + absl::Milliseconds(999));
  EXPECT_EQ(sink->Count(v1::WatchResponse::kHeartbeat), 0);
  hub_.Fire(kT0 + absl::Seconds(1));
  EXPECT_EQ(sink->Count(v1::WatchResponse::kHeartbeat), 1);
  // A transition at 1.5 s resets the idle clock: next heartbeat at 2.5 s.
  hub_.OnMemberEvent(
      Event(MemberEventType::kJoined, "z", kT0 + absl::Milliseconds(1500)));
  hub_.Fire(kT0 + absl::Seconds(2));
  EXPECT_EQ(sink->Count(v1::WatchResponse::kHeartbeat), 1);
  hub_.Fire(kT0 + absl::Milliseconds(2500));
  EXPECT_EQ(sink->Count(v1::WatchResponse::kHeartbeat), 2);
}

TEST_F(WatchHubTest, UnsubscribedSinkHearsNothingMore) {
  auto sink = Watch(Spec(3));
  hub_.Unsubscribe(ids_[0]);
  hub_.Fire(kT0 + absl::Minutes(1));
  hub_.OnMemberEvent(Event(MemberEventType::kJoined, "b", kT0));
  EXPECT_EQ(sink->messages.size(), 1u);  // the snapshot
}

TEST_F(WatchHubTest, StaleCrossingsDoNotAccumulate) {
  auto sink = Watch(Spec(64));
  auto other = Watch(Spec(2));
  for (int i = 1; i <= 20000; ++i) {
    MonoTime now = kT0 + i * absl::Milliseconds(1);
    hub_.OnMembersChanged({View("a", now)}, now);
  }
  EXPECT_LT(hub_.scheduled_crossings(), 2000u);
  EXPECT_TRUE(sink->Transitions().empty());
}

}  // namespace
}  // namespace phid
