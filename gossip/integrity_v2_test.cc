// Protocol v2 under forged, replayed and poisoned input, on the simulated
// network: each attack changes no verdict and is counted.
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gossip/digest.h"
#include "gossip/gossip_node.h"
#include "gossip/keyring.h"
#include "gossip/sim_cluster.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

namespace wire = phi::gossip::v1;

GossipOptions V2() {
  GossipOptions o = GossipOptions::ForLan();
  o.protocol = 2;
  return o;
}

Keyring Ring(char fill) {
  absl::StatusOr<Keyring> ring = Keyring::FromKeys({std::string(32, fill)});
  EXPECT_TRUE(ring.ok());
  return *std::move(ring);
}

class Sink final : public PacketSink {
 public:
  void OnPacket(const std::string&, absl::string_view, MonoTime) override {}
};

uint64_t Drops(SimCluster& c, DropReason reason) {
  uint64_t total = 0;
  for (int i = 0; i < c.size(); ++i) {
    if (c.node(i).crashed) continue;
    total += c.node(i).gossip->counters().drops[static_cast<size_t>(reason)];
  }
  return total;
}

TEST(IntegrityV2Test, ReplayedHeartbeatsOfAKilledMemberKeepItSuspected) {
  Keyring ring = Ring('k');
  SimCluster c(21);
  for (int i = 0; i < 10; ++i) c.AddNode(V2(), nullptr, &ring);
  c.RunFor(absl::Seconds(5));
  const int victim = 6;
  const Membership& own = c.node(victim).gossip->membership();
  const uint64_t id = own.Find(c.node(victim).name)->id;
  const uint32_t last = static_cast<uint32_t>(own.self().heartbeat);
  std::vector<std::string> monitors;
  for (const auto* m : own.MonitorsOf(*own.Find(c.node(victim).name))) {
    monitors.push_back(m->record().address);
  }
  MonoTime crash = c.now();
  c.Crash(victim);
  // An attacker replays what it captured: the victim's last ten heartbeats,
  // sealed under the cluster's key, from the victim's own address.
  Sink sink;
  Transport* replayer = c.network().Attach(c.node(victim).address, &sink);
  PacketCodec codec("phid", &ring, 2);
  const uint64_t stale_before = Drops(c, DropReason::kStale);
  for (int round = 0; round < 30; ++round) {
    for (uint32_t counter = last - 9; counter <= last; ++counter) {
      for (const std::string& to : monitors) {
        replayer->Send(to, codec.EncodeHeartbeat({id, counter}));
      }
    }
    c.RunFor(absl::Milliseconds(100));
  }
  EXPECT_GE(Drops(c, DropReason::kStale) - stale_before, 30u * 10 * 3 - 30);
  for (int i = 0; i < 10; ++i) {
    if (i == victim) continue;
    const Membership& m = c.node(i).gossip->membership();
    MonoTime at = m.CurveOf(*m.Find(c.node(victim).name), c.now()).TimeAt(8);
    EXPECT_LT(at - crash, absl::Seconds(1)) << "observer " << i;
  }
}

TEST(IntegrityV2Test, AForgedLeaveWithoutTheKeyChangesNothing) {
  Keyring ring = Ring('k');
  Keyring wrong = Ring('w');
  SimCluster c(22);
  for (int i = 0; i < 6; ++i) c.AddNode(V2(), nullptr, &ring);
  c.RunFor(absl::Seconds(5));
  Sink sink;
  Transport* forger = c.network().Attach("10.9.9.8:7946", &sink);
  wire::Packet leave;
  leave.set_kind(wire::PACKET_KIND_NEWS);
  leave.set_sender("node-1");
  leave.set_sender_generation(1);
  const auto* target = c.node(0).gossip->membership().Find(c.node(2).name);
  wire::DigestEntry* e = leave.add_entries();
  e->set_name(target->record().name);
  e->set_address(target->record().address);
  e->set_generation(target->record().generation);
  e->set_status(wire::MEMBER_STATUS_LEFT);
  for (const PacketCodec& codec :
       {PacketCodec("phid", &wrong, 2), PacketCodec("phid", nullptr, 2)}) {
    absl::StatusOr<std::string> bytes = codec.Encode(leave);
    ASSERT_TRUE(bytes.ok());
    for (int i = 0; i < 6; ++i) forger->Send(c.node(i).address, *bytes);
  }
  c.RunFor(absl::Seconds(1));
  EXPECT_EQ(Drops(c, DropReason::kAuthFailed), 6u);
  EXPECT_EQ(Drops(c, DropReason::kUnencrypted), 6u);
  for (int i = 0; i < 6; ++i) {
    const auto* m = c.node(i).gossip->membership().Find(c.node(2).name);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->record().status, MemberStatus::kAlive) << "observer " << i;
  }
}

TEST(IntegrityV2Test, PoisonedReportStatisticsAreRefused) {
  wire::DigestEntry entry;
  entry.set_name("node-2");
  entry.set_address("10.0.0.2:7946");
  entry.set_generation(3);
  entry.set_status(wire::MEMBER_STATUS_ALIVE);
  wire::MonitorReport good;
  good.set_monitor(42);
  good.set_seq(1);
  good.set_suspect(true);
  good.set_model(wire::REPORT_MODEL_NORMAL);
  good.set_mean_ms(100);
  good.set_stddev_ms(50);
  good.set_acceptable_pause_ms(200);
  good.set_last_heartbeat_age_us(400000);
  *entry.add_reports() = good;
  GossipEntry out;
  std::string error;
  ASSERT_TRUE(FromWire(entry, &out, &error)) << error;
  ASSERT_EQ(out.reports.size(), 1u);
  EXPECT_EQ(out.reports[0].age, absl::Milliseconds(400));

  // A mean of an hour gave a time-to-threshold of hours (issue 12): no
  // gossiped statistic may exceed a minute.
  std::vector<std::function<void(wire::MonitorReport*)>> poisons = {
      [](wire::MonitorReport* r) { r->set_mean_ms(3.6e6); },
      [](wire::MonitorReport* r) { r->set_mean_ms(0); },
      [](wire::MonitorReport* r) { r->set_stddev_ms(1e300); },
      [](wire::MonitorReport* r) {
        r->set_stddev_ms(std::numeric_limits<double>::quiet_NaN());
      },
      [](wire::MonitorReport* r) { r->set_acceptable_pause_ms(-1); },
      [](wire::MonitorReport* r) {
        r->set_last_heartbeat_age_us(uint64_t{1} << 62);
      },
      [](wire::MonitorReport* r) {
        r->set_model(wire::REPORT_MODEL_UNSPECIFIED);
      },
      [](wire::MonitorReport* r) { r->set_monitor(0); },
      [](wire::MonitorReport* r) { r->set_seq(0); },
  };
  for (size_t i = 0; i < poisons.size(); ++i) {
    wire::DigestEntry bad = entry;
    poisons[i](bad.mutable_reports(0));
    EXPECT_FALSE(FromWire(bad, &out, &error)) << "poison " << i;
  }
  wire::DigestEntry flood = entry;
  for (int i = 0; i < 40; ++i) *flood.add_reports() = good;
  EXPECT_FALSE(FromWire(flood, &out, &error)) << "too many reports";
}

}  // namespace
}  // namespace phid

namespace phid {
namespace {

TEST(IntegrityV2Test, AFloodOfFakeMembersStopsAtTheCapAndIsReaped) {
  SimCluster c(23);
  GossipOptions o = V2();
  o.max_members = 500;
  // The cap alone (admission_v2_test.cc tests the admission rate).
  o.admission_rate = 1e6;
  o.admission_rate_per_source = 1e6;
  for (int i = 0; i < 8; ++i) c.AddNode(o);
  c.RunFor(absl::Seconds(5));
  Sink sink;
  Transport* forger = c.network().Attach("10.9.9.7:7946", &sink);
  PacketCodec codec("phid", nullptr, 2);
  // 20,000 fake members in news packets of 20, to every node.
  for (int p = 0; p < 1000; ++p) {
    wire::Packet news;
    news.set_kind(wire::PACKET_KIND_NEWS);
    news.set_sender("forger");
    news.set_sender_generation(1);
    for (int k = 0; k < 20; ++k) {
      wire::DigestEntry* e = news.add_entries();
      e->set_name(absl::StrCat("fake-", p * 20 + k));
      e->set_address(absl::StrCat("10.8.", p % 250, ".", k + 1, ":7946"));
      e->set_generation(1);
      e->set_status(wire::MEMBER_STATUS_ALIVE);
    }
    absl::StatusOr<std::string> bytes = codec.Encode(news);
    ASSERT_TRUE(bytes.ok());
    for (int i = 0; i < 8; ++i) forger->Send(c.node(i).address, *bytes);
  }
  c.RunFor(absl::Seconds(1));
  uint64_t refused = 0;
  for (int i = 0; i < 8; ++i) {
    EXPECT_LE(c.node(i).gossip->membership().size(), 500) << "node " << i;
    refused += c.node(i).gossip->counters().members_refused;
  }
  EXPECT_GE(refused, 8u * (20000 - 500));
  // Plaintext gossip trusts the network: the admitted fakes stay members
  // (most of their monitors are fakes too, so nobody reports them), but no
  // real member is suspected meanwhile, and memory stays at the cap.
  c.RunFor(absl::Seconds(10));
  for (int i = 0; i < 8; ++i) {
    const Membership& m = c.node(i).gossip->membership();
    EXPECT_LE(m.size(), 500) << "node " << i;
    for (int j = 0; j < 8; ++j) {
      const auto* real = m.Find(c.node(j).name);
      ASSERT_NE(real, nullptr);
      EXPECT_EQ(m.CurveOf(*real, c.now()).TimeAt(8), absl::InfiniteDuration())
          << c.node(j).name << " at node " << i;
    }
  }
}

}  // namespace
}  // namespace phid

namespace phid {
namespace {

TEST(IntegrityV2Test, MembersAtNoHostsAddressAreRefusedAndCounted) {
  SimCluster c(24);
  for (int i = 0; i < 4; ++i) c.AddNode(V2());
  c.RunFor(absl::Seconds(5));
  Sink sink;
  Transport* forger = c.network().Attach("10.9.9.6:7946", &sink);
  PacketCodec codec("phid", nullptr, 2);
  const std::vector<std::string> bad = {
      "10.8.0.1:0",     "255.255.255.255:7946", "224.0.0.1:7946",
      "[ff02::1]:7946", "0.0.0.0:7946",         "[::]:7946",
      "127.0.0.1:7946",  // loopback, announced from a non-loopback sender
  };
  for (size_t k = 0; k < bad.size(); ++k) {
    wire::Packet news;
    news.set_kind(wire::PACKET_KIND_NEWS);
    news.set_sender("forger");
    news.set_sender_generation(1);
    wire::DigestEntry* e = news.add_entries();
    e->set_name(absl::StrCat("fake-", k));
    e->set_address(bad[k]);
    e->set_generation(1);
    e->set_status(wire::MEMBER_STATUS_ALIVE);
    absl::StatusOr<std::string> bytes = codec.Encode(news);
    ASSERT_TRUE(bytes.ok());
    for (int i = 0; i < 4; ++i) forger->Send(c.node(i).address, *bytes);
  }
  c.RunFor(absl::Seconds(1));
  EXPECT_EQ(Drops(c, DropReason::kBadAddress), 4 * bad.size());
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(c.node(i).gossip->membership().size(), 4) << "node " << i;
  }
}

}  // namespace
}  // namespace phid
