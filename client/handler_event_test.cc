#include "client/handler_event.h"

#include <map>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "proto/phi.pb.h"

namespace phid {
namespace {

phi::v1::WatchResponse Suspicion() {
  phi::v1::WatchResponse message;
  message.set_sequence(7);
  message.set_epoch(42);
  message.set_sent_unix_micros(1700000000250000);
  phi::v1::Transition* transition = message.mutable_transition();
  transition->set_previous_state(phi::v1::PEER_STATE_ALIVE);
  transition->set_reason(phi::v1::TRANSITION_REASON_CROSSED_THRESHOLD);
  transition->set_phi(3.02357);
  phi::v1::Peer* peer = transition->mutable_peer();
  peer->set_name("node-5");
  peer->set_address("127.0.0.5:7946");
  peer->set_generation(1795664793846389);
  peer->set_state(phi::v1::PEER_STATE_SUSPECT);
  peer->set_threshold(3);
  (*peer->mutable_tags())["zone"] = "b";
  (*peer->mutable_tags())["dc"] = "eu";
  return message;
}

std::map<std::string, std::string> Environment(const HandlerEvent& event) {
  return {event.environment.begin(), event.environment.end()};
}

TEST(HandlerEventTest, ATransitionBecomesVariablesJsonAndASummary) {
  std::optional<HandlerEvent> event =
      HandlerEventFromMessage(Suspicion(), "127.0.0.2:7070");
  ASSERT_TRUE(event.has_value());
  const std::map<std::string, std::string> expected = {
      {"PHID_EVENT", "member-suspect"},
      {"PHID_PEER", "node-5"},
      {"PHID_ADDRESS", "127.0.0.5:7946"},
      {"PHID_GENERATION", "1795664793846389"},
      {"PHID_STATE", "SUSPECT"},
      {"PHID_PREVIOUS_STATE", "ALIVE"},
      {"PHID_PHI", "3.024"},
      {"PHID_THRESHOLD", "3"},
      {"PHID_REASON", "crossed_threshold"},
      {"PHID_TAGS", "dc=eu,zone=b"},
      {"PHID_PAUSED_SECONDS", ""},
      {"PHID_SEQUENCE", "7"},
      {"PHID_EPOCH", "42"},
      {"PHID_TIME", "2023-11-14T22:13:20.25+00:00"},
      {"PHID_TARGET", "127.0.0.2:7070"},
  };
  EXPECT_EQ(Environment(*event), expected);
  EXPECT_EQ(event->summary, "node-5 ALIVE -> SUSPECT (sequence 7)");
  // The same JSON `phictl watch --json` prints.
  EXPECT_NE(event->json.find("\"name\":\"node-5\""), std::string::npos)
      << event->json;
  EXPECT_NE(
      event->json.find("\"reason\":\"TRANSITION_REASON_CROSSED_THRESHOLD\""),
      std::string::npos)
      << event->json;
  EXPECT_EQ(event->json.find('\n'), std::string::npos);
}

TEST(HandlerEventTest, AnObserverPauseCarriesItsLength) {
  phi::v1::WatchResponse message = Suspicion();
  message.mutable_transition()->set_reason(
      phi::v1::TRANSITION_REASON_OBSERVER_PAUSED);
  message.mutable_transition()->mutable_paused()->set_seconds(5);
  message.mutable_transition()->mutable_paused()->set_nanos(125000000);
  std::optional<HandlerEvent> event = HandlerEventFromMessage(message, "t");
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(Environment(*event)["PHID_EVENT"], "observer-pause");
  EXPECT_EQ(Environment(*event)["PHID_PAUSED_SECONDS"], "5.125");
}

TEST(HandlerEventTest, OnlyTransitionsAreEvents) {
  phi::v1::WatchResponse message;
  message.mutable_snapshot()->set_self("a");
  EXPECT_FALSE(HandlerEventFromMessage(message, "t").has_value());
  message.mutable_levels();
  EXPECT_FALSE(HandlerEventFromMessage(message, "t").has_value());
  message.mutable_heartbeat();
  EXPECT_FALSE(HandlerEventFromMessage(message, "t").has_value());
}

TEST(HandlerEventTest, EveryReasonHasItsOwnEventName) {
  std::set<std::string> names;
  for (int reason = 1; phi::v1::TransitionReason_IsValid(reason); ++reason) {
    std::string name =
        HandlerEventName(static_cast<phi::v1::TransitionReason>(reason));
    EXPECT_FALSE(name.empty()) << reason;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), 8u);
  EXPECT_EQ(HandlerEventName(phi::v1::TRANSITION_REASON_UNSPECIFIED), "");
}

}  // namespace
}  // namespace phid
