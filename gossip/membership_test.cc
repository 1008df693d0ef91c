#include "gossip/membership.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

using ::testing::ElementsAre;

class RecordingListener : public MembershipListener {
 public:
  void OnMemberEvent(const MemberEvent& event) override {
    events.push_back(std::string(MemberEventTypeName(event.type)) + ":" +
                     event.record.name);
  }
  void OnEvidence(const std::string& name, const PhiCurve&, MonoTime) override {
    arrivals.push_back(name);
  }
  std::vector<std::string> events;
  std::vector<std::string> arrivals;
};

// The merge rules below are protocol 1's (arrivals from gossiped counters).
GossipOptions ProtocolOneLan() {
  GossipOptions o = GossipOptions::ForLan();
  o.protocol = 1;
  return o;
}

GossipEntry Entry(const std::string& name, uint64_t generation,
                  uint64_t heartbeat,
                  MemberStatus status = MemberStatus::kAlive) {
  GossipEntry e;
  e.record.name = name;
  e.record.address = "10.0.0.9:7946";
  e.record.generation = generation;
  e.record.heartbeat = heartbeat;
  e.record.status = status;
  return e;
}

class MembershipTest : public ::testing::Test {
 protected:
  MembershipTest() : options_(ProtocolOneLan()) {
    options_.name = "self";
    MemberRecord self;
    self.name = "self";
    self.address = "10.0.0.1:7946";
    self.generation = 5;
    membership_ = std::make_unique<Membership>(options_, self, now_, &counters_,
                                               &listener_);
  }
  MonoTime now_ = absl::Seconds(100);
  GossipOptions options_;
  GossipCounters counters_;
  RecordingListener listener_;
  std::unique_ptr<Membership> membership_;
};

TEST_F(MembershipTest, UnknownMemberJoinsWithItsFirstArrival) {
  EXPECT_TRUE(membership_->MergeEntry("a", Entry("a", 1, 1), now_));
  EXPECT_THAT(listener_.events, ElementsAre("joined:a"));
  EXPECT_THAT(listener_.arrivals, ElementsAre("a"));
  ASSERT_NE(membership_->Find("a"), nullptr);
  EXPECT_TRUE(membership_->Find("a")->detector()->has_arrival());
  EXPECT_EQ(counters_.joins, 1u);
}

TEST_F(MembershipTest, TheSameHeartbeatByAnotherPathCountsOnce) {
  membership_->MergeEntry("a", Entry("a", 1, 7), now_);
  EXPECT_FALSE(membership_->MergeEntry("b", Entry("a", 1, 7),
                                       now_ + absl::Milliseconds(3)));
  EXPECT_FALSE(membership_->MergeEntry("c", Entry("a", 1, 6),
                                       now_ + absl::Milliseconds(5)));
  EXPECT_EQ(listener_.arrivals.size(), 1u);
  EXPECT_TRUE(membership_->MergeEntry("b", Entry("a", 1, 8),
                                      now_ + absl::Milliseconds(100)));
  EXPECT_EQ(listener_.arrivals.size(), 2u);
  EXPECT_EQ(membership_->Find("a")->record().heartbeat, 8u);
}

TEST_F(MembershipTest, ANewerGenerationRestartsTheMemberAndResetsHistory) {
  MonoTime t = now_;
  for (int hb = 1; hb <= 20; ++hb) {
    membership_->MergeEntry("a", Entry("a", 1, hb), t);
    t += absl::Milliseconds(100);
  }
  EXPECT_GT(membership_->Find("a")->detector()->history().size(), 10);
  EXPECT_TRUE(membership_->MergeEntry("a", Entry("a", 2, 1), t));
  EXPECT_EQ(listener_.events.back(), "restarted:a");
  EXPECT_EQ(membership_->Find("a")->record().generation, 2u);
  EXPECT_EQ(membership_->Find("a")->record().heartbeat, 1u);
  // Back to the first-heartbeat bootstrap: two synthetic samples.
  EXPECT_EQ(membership_->Find("a")->detector()->history().size(), 2);
}

TEST_F(MembershipTest, AnOlderGenerationIsIgnored) {
  membership_->MergeEntry("a", Entry("a", 3, 1), now_);
  EXPECT_FALSE(membership_->MergeEntry("a", Entry("a", 2, 99), now_));
  EXPECT_EQ(membership_->Find("a")->record().generation, 3u);
  EXPECT_EQ(membership_->Find("a")->record().heartbeat, 1u);
}

TEST_F(MembershipTest, LeftIsFinalForAGeneration) {
  membership_->MergeEntry("a", Entry("a", 1, 1), now_);
  EXPECT_TRUE(membership_->MergeEntry(
      "a", Entry("a", 1, 2, MemberStatus::kLeft), now_));
  EXPECT_EQ(listener_.events.back(), "left:a");
  // A stale ALIVE with a higher counter of the same generation cannot undo it.
  membership_->MergeEntry("b", Entry("a", 1, 3), now_);
  EXPECT_EQ(membership_->Find("a")->record().status, MemberStatus::kLeft);
  EXPECT_EQ(counters_.leaves, 1u);
}

TEST_F(MembershipTest, EntriesAboutOurselvesChangeNothing) {
  EXPECT_FALSE(membership_->MergeEntry("a", Entry("self", 5, 100), now_));
  EXPECT_EQ(membership_->self().heartbeat, 0u);
  EXPECT_EQ(counters_.name_conflicts, 0u);
  EXPECT_FALSE(membership_->MergeEntry("a", Entry("self", 9, 1), now_));
  EXPECT_EQ(counters_.name_conflicts, 1u);
  EXPECT_EQ(membership_->self().generation, 5u);
}

TEST_F(MembershipTest, NewsLosesInterestOnceAPeerShowsItKnows) {
  // Enough members that the budget exceeds what is left after feedback.
  for (int i = 0; i < 40; ++i) {
    std::string name = absl::StrCat("m", i);
    membership_->MergeEntry(name, Entry(name, 1, 1), now_);
  }
  membership_->MergeEntry("a", Entry("a", 1, 1), now_);
  const Member* a = membership_->Find("a");
  const int budget = membership_->NewsBudget();
  const int after_feedback =
      Membership::kSendsAfterFeedback * options_.news_retransmit_mult;
  ASSERT_GT(budget, after_feedback + 1);
  EXPECT_EQ(a->news_sends_left, budget);
  // b tells us what we already know: b had the news.
  membership_->MergeEntry("b", Entry("a", 1, 1), now_);
  EXPECT_EQ(a->news_sends_left, after_feedback);
  // A newer heartbeat in the same generation shows it too.
  membership_->MergeEntry("c", Entry("a", 1, 2), now_);
  EXPECT_EQ(a->news_sends_left, after_feedback - 1);
  // A restart is news again, with the full budget; the entry that brought
  // it is not feedback.
  membership_->MergeEntry("a", Entry("a", 2, 1), now_);
  EXPECT_EQ(a->news_sends_left, membership_->NewsBudget());
  // Nor is the one that brings a leave.
  membership_->MergeEntry("a", Entry("a", 2, 2, MemberStatus::kLeft), now_);
  EXPECT_EQ(a->news_sends_left, membership_->NewsBudget());
  // An older status (alive) from a slow peer is not feedback for the leave.
  membership_->MergeEntry("d", Entry("a", 2, 1), now_);
  EXPECT_EQ(a->news_sends_left, membership_->NewsBudget());
}

TEST_F(MembershipTest, PeersAreTheLiveOthers) {
  auto names = [this] {
    std::vector<std::string> out;
    for (const Member* m : membership_->peers()) {
      out.push_back(m->record().name);
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_THAT(names(), ElementsAre());  // never ourselves
  membership_->MergeEntry("a", Entry("a", 1, 1), now_);
  membership_->MergeEntry("b", Entry("b", 1, 1), now_);
  membership_->MergeEntry("c", Entry("c", 1, 1), now_);
  EXPECT_THAT(names(), ElementsAre("a", "b", "c"));
  membership_->MergeEntry("a", Entry("a", 1, 2, MemberStatus::kLeft), now_);
  EXPECT_THAT(names(), ElementsAre("b", "c"));
  // A new generation of a left member is a target again.
  membership_->MergeEntry("a", Entry("a", 2, 1), now_);
  EXPECT_THAT(names(), ElementsAre("a", "b", "c"));
  // Failed members leave the list; the one swapped into the gap stays.
  MonoTime later = now_ + absl::Seconds(10);
  membership_->MergeEntry("c", Entry("c", 1, 5), later);
  membership_->Reap(now_ + options_.failed_after + absl::Seconds(1));
  EXPECT_TRUE(membership_->Find("a")->failed);
  EXPECT_THAT(names(), ElementsAre("c"));
}

TEST_F(MembershipTest, NewsIsSentMostUrgentFirst) {
  membership_->MergeEntry("a", Entry("a", 1, 1), now_);
  membership_->MergeEntry("b", Entry("b", 1, 1), now_);
  membership_->MergeEntry("c", Entry("c", 1, 1), now_);
  membership_->NewsSent(membership_->Find("a"));
  membership_->NewsSent(membership_->Find("a"));
  membership_->NewsSent(membership_->Find("b"));
  std::vector<std::string> order;
  for (const Member* m : membership_->NewsToSend(10)) {
    order.push_back(m->record().name);
  }
  EXPECT_THAT(order, ElementsAre("c", "b", "a"));
  EXPECT_EQ(membership_->NewsToSend(2).size(), 2u);
}

TEST_F(MembershipTest, SilentMembersFailAreKeptAndThenRemoved) {
  membership_->MergeEntry("a", Entry("a", 1, 1), now_);
  membership_->Reap(now_ + options_.failed_after - absl::Milliseconds(1));
  ASSERT_NE(membership_->Find("a"), nullptr);
  EXPECT_FALSE(membership_->Find("a")->failed);
  membership_->Reap(now_ + options_.failed_after);
  ASSERT_NE(membership_->Find("a"), nullptr);
  EXPECT_TRUE(membership_->Find("a")->failed);
  EXPECT_EQ(membership_->Find("a")->failed_at(), now_ + options_.failed_after);
  EXPECT_EQ(listener_.events.back(), "failed:a");
  EXPECT_EQ(counters_.failures, 1u);
  MonoTime reaped =
      now_ + options_.failed_after + options_.failed_member_retention;
  membership_->Reap(reaped - absl::Milliseconds(1));
  ASSERT_NE(membership_->Find("a"), nullptr);
  membership_->Reap(reaped);
  EXPECT_EQ(membership_->Find("a"), nullptr);
  EXPECT_EQ(listener_.events.back(), "removed:a");
  // Stale gossip of the removed generation does not resurrect it...
  EXPECT_FALSE(membership_->MergeEntry("b", Entry("a", 1, 2), reaped));
  EXPECT_EQ(membership_->Find("a"), nullptr);
  // ...but a new generation under the same name joins.
  EXPECT_TRUE(membership_->MergeEntry("a", Entry("a", 2, 1), reaped));
  EXPECT_EQ(listener_.events.back(), "joined:a");
}

TEST_F(MembershipTest, LeftMembersAreKeptForTheirRetentionThenRemoved) {
  membership_->MergeEntry("a", Entry("a", 1, 1), now_);
  membership_->MergeEntry("a", Entry("a", 1, 2, MemberStatus::kLeft), now_);
  membership_->Reap(now_ + options_.left_member_retention -
                    absl::Milliseconds(1));
  ASSERT_NE(membership_->Find("a"), nullptr);
  EXPECT_FALSE(membership_->Find("a")->failed);  // left is never failed
  membership_->Reap(now_ + options_.left_member_retention);
  EXPECT_EQ(membership_->Find("a"), nullptr);
  EXPECT_EQ(listener_.events.back(), "removed:a");
}

TEST_F(MembershipTest, AnUnknownMemberThatAlreadyLeftIsNotAdded) {
  EXPECT_FALSE(membership_->MergeEntry(
      "b", Entry("a", 1, 1, MemberStatus::kLeft), now_));
  EXPECT_EQ(membership_->Find("a"), nullptr);
  EXPECT_TRUE(listener_.events.empty());
}

TEST_F(MembershipTest, AFailedMemberReturnsWithNewerHeartbeats) {
  membership_->MergeEntry("a", Entry("a", 1, 1), now_);
  MonoTime failed = now_ + options_.failed_after;
  membership_->Reap(failed);
  ASSERT_TRUE(membership_->Find("a")->failed);
  // The same heartbeat again is no sign of life.
  membership_->MergeEntry("b", Entry("a", 1, 1), failed + absl::Seconds(1));
  EXPECT_TRUE(membership_->Find("a")->failed);
  EXPECT_TRUE(membership_->MergeEntry("a", Entry("a", 1, 2),
                                      failed + absl::Seconds(2)));
  EXPECT_FALSE(membership_->Find("a")->failed);
  EXPECT_EQ(listener_.events.back(), "returned:a");
  ASSERT_EQ(membership_->peers().size(), 1u);  // a gossip target again
  EXPECT_EQ(membership_->peers()[0]->name(), "a");
}

TEST_F(MembershipTest, OnlyFailedOrLeftMembersCanBeForgotten) {
  membership_->MergeEntry("a", Entry("a", 1, 1), now_);
  membership_->MergeEntry("b", Entry("b", 1, 1), now_);
  EXPECT_EQ(membership_->Forget("a", now_).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(membership_->Forget("self", now_).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(membership_->Forget("zz", now_).code(),
            absl::StatusCode::kNotFound);
  MonoTime failed = now_ + options_.failed_after;
  membership_->MergeEntry("b", Entry("b", 1, 9), failed);  // b stays alive
  membership_->Reap(failed);
  ASSERT_TRUE(membership_->Find("a")->failed);
  ASSERT_TRUE(membership_->Forget("a", failed).ok());
  EXPECT_EQ(membership_->Find("a"), nullptr);
  EXPECT_EQ(listener_.events.back(), "removed:a");
  EXPECT_EQ(counters_.forgotten, 1u);
  // Gossip of the forgotten generation does not bring it back.
  EXPECT_FALSE(membership_->MergeEntry("b", Entry("a", 1, 1), failed));
  EXPECT_EQ(membership_->Find("a"), nullptr);
}

TEST_F(MembershipTest, AFullTableEvictsTheMemberRetiredLongestAgo) {
  options_.max_members = 4;  // self, a, b, c
  membership_->MergeEntry("a", Entry("a", 1, 1), now_);
  membership_->MergeEntry("b", Entry("b", 1, 1), now_ + absl::Seconds(5));
  membership_->MergeEntry("c", Entry("c", 1, 1), now_ + absl::Seconds(5));
  // Every member alive: the newcomer is refused.
  EXPECT_FALSE(membership_->MergeEntry("d", Entry("d", 1, 1), now_));
  EXPECT_EQ(counters_.members_refused, 1u);
  // a fails first, then b; c keeps beating.
  MonoTime later = now_ + absl::Seconds(5) + options_.failed_after;
  membership_->MergeEntry("c", Entry("c", 1, 2), later);
  membership_->Reap(now_ + options_.failed_after);
  membership_->Reap(later);
  ASSERT_TRUE(membership_->Find("a")->failed);
  ASSERT_TRUE(membership_->Find("b")->failed);
  EXPECT_TRUE(membership_->MergeEntry("d", Entry("d", 1, 1), later));
  EXPECT_EQ(membership_->Find("a"), nullptr);  // failed the longest ago
  EXPECT_NE(membership_->Find("b"), nullptr);
  EXPECT_EQ(counters_.members_evicted, 1u);
  EXPECT_EQ(membership_->size(), 4);
  EXPECT_TRUE(membership_->MergeEntry("e", Entry("e", 1, 1), later));
  EXPECT_EQ(membership_->Find("b"), nullptr);
  // Only alive members are left: the next one is refused.
  EXPECT_FALSE(membership_->MergeEntry("f", Entry("f", 1, 1), later));
  EXPECT_EQ(counters_.members_refused, 2u);
  EXPECT_EQ(membership_->size(), 4);
}

TEST_F(MembershipTest, AFirstArrivalIsSeededFromGossipedStatistics) {
  GossipEntry e = Entry("a", 1, 1);
  e.has_stats = true;
  e.stats = IntervalStats{500, 100.0, 400.0};  // mean 100 ms, sigma 20 ms
  membership_->MergeEntry("b", e, now_);
  const auto* a = membership_->Find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_NEAR(a->detector()->history().mean_ms(), 100.0, 1e-9);
  EXPECT_EQ(counters_.warm_starts, 1u);
}

TEST_F(MembershipTest, OpinionsCountOnlyFreshReportsOfLiveObservers) {
  for (const char* o : {"b", "c", "d"}) {
    membership_->MergeEntry(o, Entry(o, 1, 1), now_);
  }
  membership_->MergeEntry("b", Entry("a", 1, 1), now_);
  GossipEntry suspicious = Entry("a", 1, 1);
  suspicious.phi = 9;
  membership_->MergeEntry("b", suspicious, now_);
  membership_->MergeEntry("c", suspicious, now_);
  GossipEntry calm = Entry("a", 1, 1);
  calm.phi = 0.5;
  membership_->MergeEntry("d", calm, now_);
  EXPECT_EQ(membership_->SuspectedBy("a", 8, now_), 2);
  EXPECT_EQ(membership_->SuspectedBy("a", 10, now_), 0);
  // A compact entry from b carries no phi: b's opinion stands.
  GossipEntry compact = Entry("a", 1, 2);
  compact.record.address.clear();
  compact.compact = true;
  membership_->MergeEntry("b", compact, now_);
  EXPECT_EQ(membership_->SuspectedBy("a", 8, now_), 2);
  // A calmer report from b replaces its suspicion.
  membership_->MergeEntry("b", calm, now_);
  EXPECT_EQ(membership_->SuspectedBy("a", 8, now_), 1);
  // Reports go stale.
  EXPECT_EQ(membership_->SuspectedBy(
                "a", 8, now_ + options_.opinion_ttl + absl::Milliseconds(1)),
            0);
}

TEST_F(MembershipTest, APauseIsDiscountedForEveryMember) {
  membership_->MergeEntry("a", Entry("a", 1, 1), now_);
  MonoTime later = now_ + absl::Seconds(3);
  membership_->DiscountPause(absl::Seconds(2), later);
  EXPECT_EQ(membership_->Find("a")->detector()->last_arrival(),
            now_ + absl::Seconds(2));
  // Never moved past now.
  membership_->DiscountPause(absl::Seconds(10), later);
  EXPECT_EQ(membership_->Find("a")->detector()->last_arrival(), later);
}

// Bootstrap (the simulator's --prejoined) leaves the table a full-state
// merge leaves, less the news and the events: same members, hash, ring
// and gossip targets.
TEST(MembershipBootstrapTest, LeavesTheTableAMergeLeavesWithoutNews) {
  GossipOptions options = GossipOptions::ForLan();
  options.protocol = 2;
  auto table = [&](const std::string& name, RecordingListener* listener,
                   GossipCounters* counters) {
    MemberRecord self;
    self.name = name;
    self.address = "10.0.0.1:7946";
    self.generation = 5;
    return std::make_unique<Membership>(options, self, absl::Seconds(100),
                                        counters, listener);
  };
  std::vector<std::unique_ptr<Membership>> others;
  std::vector<const Member*> announced;
  std::vector<GossipEntry> entries;
  GossipCounters scratch;
  for (int i = 0; i < 20; ++i) {
    others.push_back(table(absl::StrCat("m", i), nullptr, &scratch));
    announced.push_back(&others.back()->self_member());
    GossipEntry e;
    e.record = others.back()->self();
    entries.push_back(e);
  }
  RecordingListener merged_events, booted_events;
  GossipCounters merged_counters, booted_counters;
  auto merged = table("m3", &merged_events, &merged_counters);
  auto booted = table("m3", &booted_events, &booted_counters);
  merged->MergeEntries("m0", entries, absl::Seconds(100));
  booted->Bootstrap(announced, absl::Seconds(100));

  EXPECT_EQ(booted->size(), 20);
  EXPECT_EQ(booted->size(), merged->size());
  EXPECT_EQ(booted->peers().size(), 19u);
  EXPECT_EQ(booted->MembersHash(), merged->MembersHash());
  EXPECT_EQ(booted->BucketHashes(), merged->BucketHashes());
  for (const Member* m : booted->members()) {
    EXPECT_EQ(m->status, MemberStatus::kAlive);
    const Member* twin = merged->Find(m->name());
    ASSERT_NE(twin, nullptr);
    EXPECT_EQ(m->generation, twin->generation);
    EXPECT_EQ(m->address(), twin->address());
    std::vector<std::string> a, b;
    for (const auto* x : booted->MonitorsOf(*m)) a.push_back(x->name());
    for (const auto* x : merged->MonitorsOf(*twin)) b.push_back(x->name());
    EXPECT_EQ(a, b) << m->name();
  }
  EXPECT_FALSE(merged->NewsToSend(100).empty());
  EXPECT_TRUE(booted->NewsToSend(100).empty());
  EXPECT_FALSE(merged_events.events.empty());
  EXPECT_TRUE(booted_events.events.empty());
  EXPECT_EQ(booted_counters.joins, 0u);
}

}  // namespace
}  // namespace phid
