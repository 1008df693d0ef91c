// Protocol v2 end to end on the simulated network and clock, how membership
// spreads and is repaired: joins through a seed, restarts, leaves and name
// reuse, tags, anti-entropy summaries repairing lost reports (and repairing
// nothing that is not lost), and the wire's guards (keyring, the push-pull
// challenge). How members are watched: protocol_v2_monitoring_test.cc.
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gossip/gossip_node.h"
#include "gossip/keyring.h"
#include "gossip/sim_cluster.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

TEST(ProtocolV2Test, TenNodesJoinThroughOneSeed) {
  SimCluster c(1);
  for (int i = 0; i < 10; ++i) c.AddNode(LanV2Options());
  EXPECT_TRUE(
      c.RunUntil([&] { return AllSeeAll(c, Live(10, {})); }, absl::Seconds(5)));
}

TEST(ProtocolV2Test, LostReportsAndALostRecoveryAreRepairedByAntiEntropy) {
  SimCluster c(9);
  for (int i = 0; i < 12; ++i) c.AddNode(LanV2Options());
  c.RunFor(absl::Seconds(10));
  // Node 11 hears nothing for a while: it misses node 3's suspicion.
  c.network().Isolate(c.node(11).address, true);
  c.Pause(3);
  c.RunFor(absl::Seconds(2));
  c.network().Isolate(c.node(11).address, false);
  c.RunFor(absl::Seconds(3));
  EXPECT_LT(CrossingAt(c, 11, 3, 8), c.now()) << "suspicion repaired";
  // Now node 11 misses the recovery.
  c.network().Isolate(c.node(11).address, true);
  c.Resume(3);
  c.RunFor(absl::Seconds(1));
  EXPECT_EQ(CrossingAt(c, 0, 3, 8), absl::InfiniteDuration());
  c.network().Isolate(c.node(11).address, false);
  c.RunFor(absl::Seconds(4));
  EXPECT_EQ(CrossingAt(c, 11, 3, 8), absl::InfiniteDuration())
      << "recovery repaired";
}

TEST(ProtocolV2Test, RestartLeaveAndNameReuseWork) {
  SimCluster c(10);
  for (int i = 0; i < 8; ++i) c.AddNode(LanV2Options());
  c.RunFor(absl::Seconds(5));
  c.Restart(2);
  EXPECT_TRUE(
      c.RunUntil([&] { return AllSeeAll(c, Live(8, {})); }, absl::Seconds(5)));
  c.node(5).gossip->Leave(c.now());
  c.RunFor(absl::Seconds(2));
  for (int i : Live(8, {5})) {
    const auto* left = c.node(i).gossip->membership().Find(c.node(5).name);
    ASSERT_NE(left, nullptr);
    EXPECT_EQ(left->record().status, MemberStatus::kLeft) << "observer " << i;
  }
  // The left member's subjects were handed to other monitors.
  for (int i : Live(8, {5})) {
    const Membership& m = c.node(i).gossip->membership();
    for (const auto* monitor : m.MonitorsOf(*m.Find(c.node(i).name))) {
      EXPECT_NE(monitor->record().name, c.node(5).name);
    }
  }
}

TEST(ProtocolV2Test, KeyringProtectsTheNewWire) {
  absl::StatusOr<Keyring> ring = Keyring::FromKeys({std::string(32, 'k')});
  ASSERT_TRUE(ring.ok());
  absl::StatusOr<Keyring> other = Keyring::FromKeys({std::string(32, 'x')});
  ASSERT_TRUE(other.ok());
  SimCluster c(11);
  for (int i = 0; i < 5; ++i) c.AddNode(LanV2Options(), nullptr, &*ring);
  int outsider = c.AddNode(LanV2Options(), nullptr, &*other);
  c.RunFor(absl::Seconds(5));
  EXPECT_TRUE(AllSeeAll(c, {0, 1, 2, 3, 4}));
  EXPECT_EQ(c.node(outsider).gossip->membership().size(), 1);
  EXPECT_GT(c.node(0).gossip->counters().drops[static_cast<size_t>(
                DropReason::kAuthFailed)],
            0u);
}

// Counts, by packet kind, what arrives at a simulated address nobody runs a
// daemon on.
class Counter final : public PacketSink {
 public:
  void OnPacket(const std::string&, absl::string_view payload,
                MonoTime) override {
    phi::gossip::v1::Packet packet;
    HeartbeatDatagram heartbeat;
    bool is_heartbeat = false;
    std::string error;
    if (codec_.DecodeV2(payload, &packet, &heartbeat, &is_heartbeat, &error) !=
        DropReason::kNone) {
      return;
    }
    int kind = is_heartbeat ? 0 : packet.kind();
    ++datagrams[kind];
    bytes[kind] += payload.size();
  }
  std::map<int, int> datagrams;  // by PacketKind; 0 = heartbeat
  std::map<int, size_t> bytes;

 private:
  PacketCodec codec_{"phid", nullptr, 2};
};

TEST(ProtocolV2Test, AForgedPushPullGetsNoMoreBytesBackThanItSent) {
  SimCluster c(13);
  for (int i = 0; i < 40; ++i) c.AddNode(LanV2Options());
  c.RunFor(absl::Seconds(5));
  ASSERT_TRUE(AllSeeAll(c, Live(40, {})));
  // The "victim" is the forged source address: its owner never asked.
  Counter victim;
  Transport* spoofed = c.network().Attach("10.9.9.9:7946", &victim);
  PacketCodec codec("phid", nullptr, 2);
  phi::gossip::v1::Packet forged;
  forged.set_kind(phi::gossip::v1::PACKET_KIND_PUSH_PULL);
  forged.set_sender("fake-1");
  forged.set_sender_generation(5);
  auto* entry = forged.add_entries();
  entry->set_name("fake-1");
  entry->set_address("10.9.9.9:7946");
  entry->set_generation(5);
  entry->set_status(phi::gossip::v1::MEMBER_STATUS_ALIVE);
  absl::StatusOr<std::string> bytes = codec.Encode(forged);
  ASSERT_TRUE(bytes.ok());
  size_t sent = 0;
  const uint64_t challenges = c.node(0).gossip->counters().challenges;
  for (int i = 0; i < 10; ++i) {
    spoofed->Send(c.node(0).address, *bytes);
    sent += bytes->size();
  }
  c.RunFor(absl::Milliseconds(50));
  // Without the check, each push-pull brought back 40 members' state
  // (three datagrams); now a cookie smaller than the request.
  namespace wire = phi::gossip::v1;
  EXPECT_EQ(victim.datagrams[wire::PACKET_KIND_PUSH_PULL_REPLY], 0);
  EXPECT_EQ(victim.datagrams[wire::PACKET_KIND_CHALLENGE], 10);
  EXPECT_LE(victim.bytes[wire::PACKET_KIND_CHALLENGE], sent);
  EXPECT_EQ(c.node(0).gossip->counters().challenges - challenges, 10u);
  // A real joiner answers the challenge and gets everything.
  int late = c.AddNode(LanV2Options());
  EXPECT_TRUE(c.RunUntil([&] { return AllSeeAll(c, Live(late + 1, {})); },
                         absl::Seconds(3)));
}

TEST(ProtocolV2Test, TagsTravelWithTheMemberAndARestartReplacesThem) {
  SimCluster c(16);
  for (int i = 0; i < 7; ++i) {
    GossipOptions o = LanV2Options();
    if (i == 3) o.tags = {{"zone", "a"}, {"role", "db"}};
    c.AddNode(o);
  }
  c.RunFor(absl::Seconds(5));
  for (int i : Live(7, {3})) {
    const auto* m = c.node(i).gossip->membership().Find(c.node(3).name);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->record().tags, (Tags{{"role", "db"}, {"zone", "a"}}))
        << "observer " << i;
  }
  c.Crash(3);
  c.node(3).options.tags = {{"zone", "b"}};
  c.Restart(3);
  ASSERT_TRUE(
      c.RunUntil([&] { return AllSeeAll(c, Live(7, {})); }, absl::Seconds(5)));
  for (int i : Live(7, {3})) {
    const auto* m = c.node(i).gossip->membership().Find(c.node(3).name);
    EXPECT_EQ(m->record().tags, (Tags{{"zone", "b"}})) << "observer " << i;
  }
}

TEST(ProtocolV2Test, AfterARecoverySummariesWithTheSubjectRepairNothing) {
  // For a minute after a recovery every daemon lists the subject's reports
  // in its summaries; the subject holds none on itself. That is nothing it
  // lacks: summaries with it must not send it its own entry again.
  SimCluster c(16);
  for (int i = 0; i < 10; ++i) c.AddNode(LanV2Options());
  c.RunFor(absl::Seconds(10));
  c.Pause(3);
  c.RunFor(absl::Seconds(2));
  ASSERT_TRUE(c.node(0).gossip->membership().Find(c.node(3).name)->at_quorum);
  c.Resume(3);
  c.RunFor(absl::Seconds(3));
  ASSERT_FALSE(c.node(0).gossip->membership().SummaryKeys(c.now()).empty());
  auto repairs = [&] {
    uint64_t sum = 0;
    for (int i = 0; i < 10; ++i) sum += c.node(i).gossip->counters().repairs;
    return sum;
  };
  uint64_t before = repairs();
  c.RunFor(absl::Seconds(20));
  EXPECT_EQ(repairs(), before);
  // Still listed: the check above covered summaries that carried them.
  EXPECT_FALSE(c.node(0).gossip->membership().SummaryKeys(c.now()).empty());
}

}  // namespace
}  // namespace phid
