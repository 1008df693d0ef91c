#include "client/watch_state.h"

#include <string>

#include "gtest/gtest.h"
#include "proto/phi.pb.h"

namespace phid {
namespace {

using Outcome = WatchState::Outcome;
using phi::v1::PeerState;
using phi::v1::WatchResponse;

phi::v1::Peer MakePeer(const std::string& name, PeerState state, double phi) {
  phi::v1::Peer peer;
  peer.set_name(name);
  peer.set_state(state);
  peer.set_phi(phi);
  return peer;
}

WatchResponse Snapshot(uint64_t epoch, uint64_t sequence) {
  WatchResponse message;
  message.set_epoch(epoch);
  message.set_sequence(sequence);
  phi::v1::Snapshot* snapshot = message.mutable_snapshot();
  snapshot->set_self("a");
  *snapshot->add_peers() = MakePeer("a", phi::v1::PEER_STATE_ALIVE, 0.1);
  *snapshot->add_peers() = MakePeer("b", phi::v1::PEER_STATE_ALIVE, 0.5);
  return message;
}

WatchResponse TransitionTo(uint64_t epoch, uint64_t sequence,
                           const std::string& name, PeerState state) {
  WatchResponse message;
  message.set_epoch(epoch);
  message.set_sequence(sequence);
  *message.mutable_transition()->mutable_peer() = MakePeer(name, state, 9.0);
  return message;
}

WatchResponse LevelsOf(uint64_t epoch, uint64_t sequence,
                       const std::string& name, double phi) {
  WatchResponse message;
  message.set_epoch(epoch);
  message.set_sequence(sequence);
  phi::v1::Level* level = message.mutable_levels()->add_levels();
  level->set_name(name);
  level->set_phi(phi);
  level->set_state(phi::v1::PEER_STATE_SUSPECT);
  return message;
}

WatchResponse Heartbeat(uint64_t epoch, uint64_t sequence) {
  WatchResponse message;
  message.set_epoch(epoch);
  message.set_sequence(sequence);
  message.mutable_heartbeat();
  return message;
}

TEST(WatchStateTest, StartsEmptyAndWaitingForASnapshot) {
  WatchState state;
  EXPECT_FALSE(state.has_snapshot());
  EXPECT_TRUE(state.peers().empty());
  EXPECT_EQ(
      state.Apply(TransitionTo(1, 2, "b", phi::v1::PEER_STATE_SUSPECT)).outcome,
      Outcome::kAwaitingSnapshot);
  EXPECT_TRUE(state.peers().empty());
}

TEST(WatchStateTest, ASnapshotEstablishesTheView) {
  WatchState state;
  const WatchState::Result result = state.Apply(Snapshot(7, 1));
  EXPECT_EQ(result.outcome, Outcome::kSnapshot);
  EXPECT_FALSE(result.new_epoch);
  EXPECT_TRUE(state.has_snapshot());
  EXPECT_EQ(state.self(), "a");
  EXPECT_EQ(state.epoch(), 7u);
  EXPECT_EQ(state.last_sequence(), 1u);
  ASSERT_EQ(state.peers().size(), 2u);
  EXPECT_EQ(state.peers().at("b").phi(), 0.5);
}

TEST(WatchStateTest, ATransitionUpdatesItsPeer) {
  WatchState state;
  state.Apply(Snapshot(7, 1));
  EXPECT_EQ(
      state.Apply(TransitionTo(7, 2, "b", phi::v1::PEER_STATE_SUSPECT)).outcome,
      Outcome::kApplied);
  EXPECT_EQ(state.peers().at("b").state(), phi::v1::PEER_STATE_SUSPECT);
  EXPECT_EQ(state.last_sequence(), 2u);
}

TEST(WatchStateTest, ATransitionAddsAMemberThatJoined) {
  WatchState state;
  state.Apply(Snapshot(7, 1));
  state.Apply(TransitionTo(7, 2, "c", phi::v1::PEER_STATE_ALIVE));
  EXPECT_EQ(state.peers().size(), 3u);
  EXPECT_EQ(state.peers().count("c"), 1u);
}

TEST(WatchStateTest, ARemovedTransitionErasesTheMember) {
  WatchState state;
  state.Apply(Snapshot(7, 1));
  state.Apply(TransitionTo(7, 2, "b", phi::v1::PEER_STATE_REMOVED));
  EXPECT_EQ(state.peers().count("b"), 0u);
  EXPECT_EQ(state.peers().size(), 1u);
}

TEST(WatchStateTest, LevelsUpdatePhiAndStateOfKnownMembersOnly) {
  WatchState state;
  state.Apply(Snapshot(7, 1));
  phi::v1::WatchResponse levels = LevelsOf(7, 2, "b", 8.5);
  phi::v1::Level* unknown = levels.mutable_levels()->add_levels();
  unknown->set_name("stranger");
  unknown->set_phi(1.0);
  EXPECT_EQ(state.Apply(levels).outcome, Outcome::kApplied);
  EXPECT_EQ(state.peers().at("b").phi(), 8.5);
  EXPECT_EQ(state.peers().at("b").state(), phi::v1::PEER_STATE_SUSPECT);
  EXPECT_EQ(state.peers().count("stranger"), 0u);
}

TEST(WatchStateTest, AHeartbeatAdvancesTheSequenceOnly) {
  WatchState state;
  state.Apply(Snapshot(7, 1));
  EXPECT_EQ(state.Apply(Heartbeat(7, 2)).outcome, Outcome::kApplied);
  EXPECT_EQ(state.last_sequence(), 2u);
  EXPECT_EQ(state.peers().size(), 2u);
}

TEST(WatchStateTest, ARepeatedSequenceIsADuplicateAndIgnored) {
  WatchState state;
  state.Apply(Snapshot(7, 1));
  state.Apply(TransitionTo(7, 2, "b", phi::v1::PEER_STATE_SUSPECT));
  EXPECT_EQ(
      state.Apply(TransitionTo(7, 2, "b", phi::v1::PEER_STATE_REMOVED)).outcome,
      Outcome::kDuplicate);
  EXPECT_EQ(state.peers().at("b").state(), phi::v1::PEER_STATE_SUSPECT);
}

TEST(WatchStateTest, AnEarlierSequenceIsOutOfOrderAndIgnored) {
  WatchState state;
  state.Apply(Snapshot(7, 1));
  state.Apply(Heartbeat(7, 2));
  state.Apply(Heartbeat(7, 3));
  EXPECT_EQ(
      state.Apply(TransitionTo(7, 2, "b", phi::v1::PEER_STATE_REMOVED)).outcome,
      Outcome::kOutOfOrder);
  EXPECT_EQ(state.peers().count("b"), 1u);
  EXPECT_EQ(state.last_sequence(), 3u);
}

TEST(WatchStateTest, ASkippedSequenceIsAppliedButReportedAsAGap) {
  WatchState state;
  state.Apply(Snapshot(7, 1));
  EXPECT_EQ(
      state.Apply(TransitionTo(7, 5, "b", phi::v1::PEER_STATE_SUSPECT)).outcome,
      Outcome::kAppliedAfterGap);
  EXPECT_EQ(state.peers().at("b").state(), phi::v1::PEER_STATE_SUSPECT);
  EXPECT_EQ(state.last_sequence(), 5u);
}

TEST(WatchStateTest, ASnapshotOnReconnectionReplacesTheViewAndItsSequence) {
  WatchState state;
  state.Apply(Snapshot(7, 1));
  state.Apply(TransitionTo(7, 2, "c", phi::v1::PEER_STATE_ALIVE));
  state.Apply(Heartbeat(7, 3));
  // A new stream of the same daemon counts from 1 again.
  const WatchState::Result result = state.Apply(Snapshot(7, 1));
  EXPECT_EQ(result.outcome, Outcome::kSnapshot);
  EXPECT_FALSE(result.new_epoch);
  EXPECT_EQ(state.peers().count("c"), 0u);
  EXPECT_EQ(state.Apply(Heartbeat(7, 2)).outcome, Outcome::kApplied);
}

TEST(WatchStateTest, ASnapshotFromANewEpochReportsTheRestart) {
  WatchState state;
  state.Apply(Snapshot(7, 1));
  const WatchState::Result result = state.Apply(Snapshot(8, 1));
  EXPECT_EQ(result.outcome, Outcome::kSnapshot);
  EXPECT_TRUE(result.new_epoch);
  EXPECT_EQ(state.epoch(), 8u);
}

TEST(WatchStateTest, ANewEpochWithoutASnapshotClearsTheStaleView) {
  WatchState state;
  state.Apply(Snapshot(7, 1));
  state.Apply(Heartbeat(7, 2));
  const WatchState::Result result =
      state.Apply(TransitionTo(8, 3, "b", phi::v1::PEER_STATE_SUSPECT));
  EXPECT_EQ(result.outcome, Outcome::kAwaitingSnapshot);
  EXPECT_TRUE(result.new_epoch);
  EXPECT_FALSE(state.has_snapshot());
  EXPECT_TRUE(state.peers().empty());
  EXPECT_EQ(state.epoch(), 8u);
  // Further messages of that epoch wait for its snapshot too.
  const WatchState::Result next = state.Apply(Heartbeat(8, 4));
  EXPECT_EQ(next.outcome, Outcome::kAwaitingSnapshot);
  EXPECT_FALSE(next.new_epoch);
  EXPECT_EQ(state.Apply(Snapshot(8, 1)).outcome, Outcome::kSnapshot);
  EXPECT_EQ(state.peers().size(), 2u);
}

TEST(WatchStateTest, ResetForgetsEverything) {
  WatchState state;
  state.Apply(Snapshot(7, 1));
  state.Reset();
  EXPECT_FALSE(state.has_snapshot());
  EXPECT_TRUE(state.peers().empty());
  EXPECT_EQ(state.self(), "");
  EXPECT_EQ(state.Apply(Snapshot(9, 1)).new_epoch, false);
}

TEST(WatchStateTest, OutcomesHaveReadableNames) {
  EXPECT_STREQ(OutcomeName(Outcome::kDuplicate), "DUPLICATE");
  EXPECT_STREQ(OutcomeName(Outcome::kAwaitingSnapshot), "AWAITING_SNAPSHOT");
}

}  // namespace
}  // namespace phid
