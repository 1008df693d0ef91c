#include "client/format.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "proto/duration.h"
#include "proto/phi.pb.h"

namespace phid {
namespace {

phi::v1::ListPeersResponse ThreeMembers() {
  phi::v1::ListPeersResponse response;
  response.set_self("alpha");
  response.set_threshold(8);

  phi::v1::Peer* bravo = response.add_peers();
  bravo->set_name("bravo");
  bravo->set_address("10.0.0.2:7946");
  bravo->set_generation(3);
  bravo->set_state(phi::v1::PEER_STATE_SUSPECT);
  bravo->set_phi(12.345);
  ToProtoDuration(absl::ZeroDuration(), bravo->mutable_time_to_threshold());
  ToProtoDuration(absl::Milliseconds(9100),
                  bravo->mutable_last_heartbeat_age());
  bravo->set_interval_mean_ms(1002.4);
  bravo->set_interval_stddev_ms(31);
  bravo->set_samples(120);
  bravo->set_suspected_by(2);
  (*bravo->mutable_tags())["zone"] = "b";
  (*bravo->mutable_tags())["dc"] = "eu";

  phi::v1::Peer* alpha = response.add_peers();
  alpha->set_name("alpha");
  alpha->set_address("10.0.0.1:7946");
  alpha->set_generation(1);
  alpha->set_state(phi::v1::PEER_STATE_ALIVE);
  alpha->set_is_self(true);
  ToProtoDuration(absl::ZeroDuration(), alpha->mutable_last_heartbeat_age());

  phi::v1::Peer* charlie = response.add_peers();
  charlie->set_name("charlie");
  charlie->set_address("10.0.0.3:7946");
  charlie->set_generation(12);
  charlie->set_state(phi::v1::PEER_STATE_ALIVE);
  charlie->set_phi(0.25);
  ToProtoDuration(absl::Milliseconds(2500),
                  charlie->mutable_time_to_threshold());
  ToProtoDuration(absl::Milliseconds(350),
                  charlie->mutable_last_heartbeat_age());
  charlie->set_interval_mean_ms(998);
  charlie->set_interval_stddev_ms(4.5);
  charlie->set_samples(80);
  return response;
}

TEST(FormatPeersTableTest, PrintsAlignedRowsSortedByNameWithSelfStarred) {
  EXPECT_EQ(FormatPeersTable(ThreeMembers()),
            "NAME     STATE    PHI    TTT   LAST_HB  MEAN    STDDEV  "
            "SUSPECTED_BY  GEN  ADDRESS        TAGS\n"
            "alpha*   ALIVE    0.00   -     0s       -       -       "
            "0             1    10.0.0.1:7946  -\n"
            "bravo    SUSPECT  12.35  0s    9.1s     1002ms  31ms    "
            "2             3    10.0.0.2:7946  dc=eu,zone=b\n"
            "charlie  ALIVE    0.25   2.5s  350ms    998ms   4.5ms   "
            "0             12   10.0.0.3:7946  -\n");
}

TEST(FormatPeersTableTest, AnEmptyListIsJustTheHeader) {
  EXPECT_EQ(FormatPeersTable(phi::v1::ListPeersResponse()),
            "NAME  STATE  PHI  TTT  LAST_HB  MEAN  STDDEV  SUSPECTED_BY  GEN  "
            "ADDRESS  TAGS\n");
}

TEST(FormatPeerTest, ShowsEveryFieldOnItsOwnLine) {
  const std::string text = FormatPeer(ThreeMembers().peers(0));
  EXPECT_TRUE(absl::StartsWith(text, "name:               bravo\n")) << text;
  EXPECT_TRUE(absl::StrContains(text, "\nstate:              SUSPECT\n"))
      << text;
  EXPECT_TRUE(absl::StrContains(text, "\ntags:               dc=eu,zone=b\n"))
      << text;
  EXPECT_TRUE(absl::StrContains(text, "\nsamples:            120\n")) << text;
}

TEST(FormatShortDurationTest, PicksAUnitAPersonReadsAtAGlance) {
  EXPECT_EQ(FormatShortDuration(absl::ZeroDuration()), "0s");
  EXPECT_EQ(FormatShortDuration(absl::Microseconds(2500)), "2.5ms");
  EXPECT_EQ(FormatShortDuration(absl::Milliseconds(850)), "850ms");
  EXPECT_EQ(FormatShortDuration(absl::Milliseconds(1250)), "1.2s");
  EXPECT_EQ(FormatShortDuration(absl::Seconds(185)), "3m05s");
  EXPECT_EQ(FormatShortDuration(absl::Minutes(130)), "2h10m");
  EXPECT_EQ(FormatShortDuration(-absl::Milliseconds(850)), "-850ms");
  EXPECT_EQ(FormatShortDuration(absl::InfiniteDuration()), "inf");
}

TEST(PeerStateNameTest, DropsThePrefix) {
  EXPECT_EQ(PeerStateName(phi::v1::PEER_STATE_SUSPECT), "SUSPECT");
  EXPECT_EQ(PeerStateName(static_cast<phi::v1::PeerState>(42)), "STATE_42");
}

// 2024-05-01 12:00:01.250 UTC.
constexpr int64_t kSentMicros = 1714564801250000;

TEST(FormatWatchEventTest, ASnapshotCountsMembersAndNamesSuspects) {
  phi::v1::WatchResponse message;
  message.set_epoch(7);
  message.set_sent_unix_micros(kSentMicros);
  const phi::v1::ListPeersResponse members = ThreeMembers();
  *message.mutable_snapshot()->mutable_peers() = members.peers();
  message.mutable_snapshot()->set_self("alpha");
  EXPECT_EQ(FormatWatchEvent(message, absl::UTCTimeZone()),
            "12:00:01.250 snapshot: 3 members, 2 alive, 1 suspect (bravo) "
            "[self alpha, epoch 7]");
}

TEST(FormatWatchEventTest, ATransitionShowsBothStatesPhiAndReason) {
  phi::v1::WatchResponse message;
  message.set_sent_unix_micros(kSentMicros);
  phi::v1::Transition* transition = message.mutable_transition();
  transition->mutable_peer()->set_name("bravo");
  transition->mutable_peer()->set_state(phi::v1::PEER_STATE_SUSPECT);
  transition->mutable_peer()->set_threshold(8);
  transition->mutable_peer()->set_suspected_by(2);
  transition->set_previous_state(phi::v1::PEER_STATE_ALIVE);
  transition->set_reason(phi::v1::TRANSITION_REASON_CROSSED_THRESHOLD);
  transition->set_phi(8.0412);
  EXPECT_EQ(FormatWatchEvent(message, absl::UTCTimeZone()),
            "12:00:01.250 bravo ALIVE -> SUSPECT phi=8.04 threshold=8 "
            "suspected_by=2 (crossed threshold)");
}

TEST(FormatWatchEventTest, AnObserverPauseSaysHowLong) {
  phi::v1::WatchResponse message;
  phi::v1::Transition* transition = message.mutable_transition();
  transition->mutable_peer()->set_name("bravo");
  transition->mutable_peer()->set_state(phi::v1::PEER_STATE_ALIVE);
  transition->set_previous_state(phi::v1::PEER_STATE_SUSPECT);
  transition->set_reason(phi::v1::TRANSITION_REASON_OBSERVER_PAUSED);
  ToProtoDuration(absl::Milliseconds(12300), transition->mutable_paused());
  EXPECT_EQ(FormatWatchEvent(message, absl::UTCTimeZone()),
            "bravo SUSPECT -> ALIVE phi=0.00 (observer paused for 12.3s)");
}

TEST(FormatWatchEventTest, LevelsListPhiAndMarkAnythingButAlive) {
  phi::v1::WatchResponse message;
  message.set_sent_unix_micros(kSentMicros);
  phi::v1::Level* a = message.mutable_levels()->add_levels();
  a->set_name("alpha");
  a->set_phi(0.1);
  a->set_state(phi::v1::PEER_STATE_ALIVE);
  phi::v1::Level* b = message.mutable_levels()->add_levels();
  b->set_name("bravo");
  b->set_phi(9.2);
  b->set_state(phi::v1::PEER_STATE_SUSPECT);
  EXPECT_EQ(FormatWatchEvent(message, absl::UTCTimeZone()),
            "12:00:01.250 levels: alpha 0.10, bravo 9.20 SUSPECT");
}

TEST(FormatWatchEventTest, AnIdleHeartbeatSaysSo) {
  phi::v1::WatchResponse message;
  message.set_sent_unix_micros(kSentMicros);
  message.mutable_heartbeat();
  EXPECT_EQ(FormatWatchEvent(message, absl::UTCTimeZone()),
            "12:00:01.250 idle heartbeat");
}

TEST(FormatWatchEventTest, UsesTheGivenTimeZone) {
  phi::v1::WatchResponse message;
  message.set_sent_unix_micros(kSentMicros);
  message.mutable_heartbeat();
  EXPECT_EQ(FormatWatchEvent(message, absl::FixedTimeZone(2 * 3600)),
            "14:00:01.250 idle heartbeat");
}

TEST(ToJsonLineTest, PrintsOneObjectOnOneLineWithZeroValues) {
  phi::v1::Peer peer;
  peer.set_name("bravo");
  peer.set_state(phi::v1::PEER_STATE_SUSPECT);
  peer.set_phi(9.5);
  peer.set_generation(3);
  ToProtoDuration(absl::Milliseconds(1500), peer.mutable_last_heartbeat_age());
  absl::StatusOr<std::string> json = ToJsonLine(peer);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_FALSE(absl::StrContains(*json, "\n"));
  EXPECT_TRUE(absl::StartsWith(*json, "{\"name\":\"bravo\"")) << *json;
  EXPECT_TRUE(absl::StrContains(*json, "\"state\":\"PEER_STATE_SUSPECT\""))
      << *json;
  EXPECT_TRUE(absl::StrContains(*json, "\"phi\":9.5")) << *json;
  EXPECT_TRUE(absl::StrContains(*json, "\"generation\":\"3\"")) << *json;
  EXPECT_TRUE(absl::StrContains(*json, "\"lastHeartbeatAge\":\"1.500s\""))
      << *json;
  EXPECT_TRUE(absl::StrContains(*json, "\"suspectedBy\":0")) << *json;
  EXPECT_FALSE(absl::StrContains(*json, "timeToThreshold")) << *json;
}

TEST(ToJsonLineTest, AWatchMessageNamesItsEvent) {
  phi::v1::WatchResponse message;
  message.set_sequence(4);
  message.mutable_heartbeat();
  absl::StatusOr<std::string> json = ToJsonLine(message);
  ASSERT_TRUE(json.ok());
  EXPECT_TRUE(absl::StrContains(*json, "\"heartbeat\":{}")) << *json;
  EXPECT_TRUE(absl::StrContains(*json, "\"sequence\":\"4\"")) << *json;
}

}  // namespace
}  // namespace phid
