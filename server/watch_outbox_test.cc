#include "server/watch_outbox.h"

#include "gtest/gtest.h"

namespace phid {
namespace {

namespace v1 = ::phi::v1;

const MonoTime kT0 = absl::Seconds(100);

v1::WatchResponse Transition(const std::string& name) {
  v1::WatchResponse m;
  m.mutable_transition()->mutable_peer()->set_name(name);
  return m;
}

v1::WatchResponse Levels(double phi) {
  v1::WatchResponse m;
  v1::Level* level = m.mutable_levels()->add_levels();
  level->set_name("a");
  level->set_phi(phi);
  return m;
}

TEST(WatchOutboxTest, OneWriteInFlightAndSequenceRisesByOne) {
  WatchOutbox box(10);
  ASSERT_TRUE(box.Push(Transition("a")));
  ASSERT_TRUE(box.Push(Transition("b")));
  const v1::WatchResponse* first = box.StartWrite(kT0);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->sequence(), 1u);
  EXPECT_EQ(first->transition().peer().name(), "a");
  EXPECT_EQ(box.StartWrite(kT0), nullptr);  // one in flight
  box.WriteDone();
  const v1::WatchResponse* second = box.StartWrite(kT0);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->sequence(), 2u);
  EXPECT_EQ(second->transition().peer().name(), "b");
  box.WriteDone();
  EXPECT_EQ(box.StartWrite(kT0), nullptr);  // empty
}

TEST(WatchOutboxTest, WaitingLevelsAreCoalescedLatestWins) {
  WatchOutbox box(10);
  ASSERT_TRUE(box.Push(Transition("a")));
  ASSERT_NE(box.StartWrite(kT0), nullptr);  // "a" in flight
  ASSERT_TRUE(box.Push(Levels(1)));
  ASSERT_TRUE(box.Push(Transition("b")));
  ASSERT_TRUE(box.Push(Levels(2)));
  ASSERT_TRUE(box.Push(Levels(3)));
  EXPECT_EQ(box.queued(), 2u);
  EXPECT_EQ(box.coalesced(), 2u);
  box.WriteDone();
  const v1::WatchResponse* next = box.StartWrite(kT0);
  ASSERT_NE(next, nullptr);
  // The transition keeps its place; the newest levels come after it.
  EXPECT_EQ(next->transition().peer().name(), "b");
  EXPECT_EQ(next->sequence(), 2u);
  box.WriteDone();
  next = box.StartWrite(kT0);
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(next->levels().levels(0).phi(), 3);
  EXPECT_EQ(next->sequence(), 3u);
  box.WriteDone();
  EXPECT_EQ(box.StartWrite(kT0), nullptr);
}

TEST(WatchOutboxTest, RefusesPastTheCapButLevelsStillCoalesce) {
  WatchOutbox box(2);
  ASSERT_TRUE(box.Push(Transition("a")));
  ASSERT_TRUE(box.Push(Levels(1)));
  EXPECT_FALSE(box.Push(Transition("b")));
  EXPECT_TRUE(box.Push(Levels(2)));  // replaces, does not grow
  EXPECT_EQ(box.queued(), 2u);
}

TEST(WatchOutboxTest, WriteAgeMeasuresTheOutstandingWrite) {
  WatchOutbox box(10);
  EXPECT_EQ(box.WriteAge(kT0), absl::ZeroDuration());
  box.Push(Transition("a"));
  box.StartWrite(kT0);
  EXPECT_EQ(box.WriteAge(kT0 + absl::Seconds(3)), absl::Seconds(3));
  box.WriteDone();
  EXPECT_EQ(box.WriteAge(kT0 + absl::Seconds(4)), absl::ZeroDuration());
}

}  // namespace
}  // namespace phid
