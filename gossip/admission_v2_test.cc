// Admission of unknown members (admission.h) on the simulated network,
// protocol v2 without a keyring: a flood of forged members is admitted at
// the configured rate and counted, while a join brings a seed's whole
// membership at once.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gossip/forged_members.h"
#include "gossip/gossip_node.h"
#include "gossip/sim_cluster.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

GossipOptions V2() {
  GossipOptions o = GossipOptions::ForLan();
  o.protocol = 2;
  return o;
}

// Tighter than the defaults (500 and 50 a second), for a short test.
GossipOptions Flooded() {
  GossipOptions o = V2();
  o.admission_rate = 100;
  o.admission_rate_per_source = 20;
  return o;
}

class Sink final : public PacketSink {
 public:
  void OnPacket(const std::string&, absl::string_view, MonoTime) override {}
};

// A news packet announcing `count` forged members from `first` on.
std::string ForgedNewsBytes(int first, int count) {
  absl::StatusOr<std::string> bytes =
      PacketCodec("phid", nullptr, 2)
          .Encode(ForgedNews(first, count, false, 2));
  EXPECT_TRUE(bytes.ok());
  return *bytes;
}

TEST(AdmissionV2Test, AFloodOfForgedMembersIsAdmittedAtTheRateAndCounted) {
  SimCluster c(31);
  const int n = 4;
  for (int i = 0; i < n; ++i) c.AddNode(Flooded());
  ASSERT_TRUE(c.RunUntil(
      [&] {
        std::vector<int> all;
        for (int i = 0; i < n; ++i) all.push_back(i);
        return AllSeeAll(c, all);
      },
      absl::Seconds(10)));
  const MonoTime start = c.now();
  // 100,000 forged members in 5,000 datagrams of 20 over 10 s to every
  // node: half from one source, half from 250 forged source addresses.
  Sink sink;
  std::vector<Transport*> forgers;
  for (int s = 0; s <= 250; ++s) {
    forgers.push_back(
        c.network().Attach(absl::StrCat("10.99.", s, ".1:7946"), &sink));
  }
  for (int tick = 0; tick < 100; ++tick) {
    for (int p = 0; p < 50; ++p) {
      const int packet = tick * 50 + p;
      const std::string bytes = ForgedNewsBytes(packet * 20, 20);
      Transport* from = packet % 2 == 0 ? forgers[0] : forgers[1 + p % 250];
      for (int i = 0; i < n; ++i) from->Send(c.node(i).address, bytes);
    }
    c.RunFor(absl::Milliseconds(100));
  }
  const double seconds = absl::ToDoubleSeconds(c.now() - start);
  const GossipOptions o = Flooded();
  // Every admission, forged or relayed by a real member, spends the
  // budget of all sources: at most its burst plus its rate.
  const double bound = o.admission_rate * (Admission::kBurstSeconds + seconds);
  // Fakes one node admitted reach the others as its news and repairs:
  // the cluster as a whole holds at most what the nodes admitted.
  std::set<std::string> fakes;
  for (int i = 0; i < n; ++i) {
    const GossipCounters& k = c.node(i).gossip->counters();
    const Membership& m = c.node(i).gossip->membership();
    for (const Member* member : m.members()) {
      if (absl::StartsWith(member->name(), "fake-")) {
        fakes.insert(member->name());
      }
    }
    EXPECT_GT(m.size(), n) << "node " << i;
    EXPECT_GT(k.admissions_refused_source, 0u) << "node " << i;
    EXPECT_GT(k.admissions_refused_global, 0u) << "node " << i;
    EXPECT_EQ(k.members_refused, 0u) << "node " << i;
  }
  EXPECT_LE(fakes.size(), n * bound);
  // No real member is suspected meanwhile.
  c.RunFor(absl::Seconds(5));
  for (int i = 0; i < n; ++i) {
    const Membership& m = c.node(i).gossip->membership();
    for (int j = 0; j < n; ++j) {
      const auto* real = m.Find(c.node(j).name);
      ASSERT_NE(real, nullptr);
      EXPECT_EQ(m.CurveOf(*real, c.now()).TimeAt(8), absl::InfiniteDuration())
          << c.node(j).name << " at node " << i;
    }
  }
}

TEST(AdmissionV2Test, AJoinBringsTheSeedsWholeMembershipUnlimited) {
  SimCluster c(32);
  const int n = 100;
  for (int i = 0; i < n; ++i) c.AddNode(V2());
  ASSERT_TRUE(c.RunUntil(
      [&] {
        for (int i = 0; i < n; ++i) {
          if (c.node(i).gossip->membership().size() != n) return false;
        }
        return true;
      },
      absl::Seconds(60)));
  // The joiner admits 2 unknown members a second from unverified
  // datagrams (bursts of 20): far fewer than the cluster it joins.
  GossipOptions tight = V2();
  tight.admission_rate = 2;
  tight.admission_rate_per_source = 2;
  const int joiner = c.AddNode(tight);
  ASSERT_TRUE(c.RunUntil(
      [&] { return c.node(joiner).gossip->membership().size() == n + 1; },
      absl::Seconds(3)))
      << "the joiner holds " << c.node(joiner).gossip->membership().size();
  // The same members announced by an unverified datagram are limited.
  Sink sink;
  Transport* forger = c.network().Attach("10.99.0.1:7946", &sink);
  const GossipCounters& k = c.node(joiner).gossip->counters();
  const uint64_t refused_before =
      k.admissions_refused_source + k.admissions_refused_global;
  for (int p = 0; p < 10; ++p) {
    forger->Send(c.node(joiner).address, ForgedNewsBytes(p * 20, 20));
  }
  c.RunFor(absl::Milliseconds(100));
  const int admitted = c.node(joiner).gossip->membership().size() - (n + 1);
  EXPECT_GT(admitted, 0);
  EXPECT_LE(admitted, 20);  // a burst of 10 s at 2 a second
  EXPECT_EQ(k.admissions_refused_source + k.admissions_refused_global -
                refused_before,
            static_cast<uint64_t>(200 - admitted));
}

}  // namespace
}  // namespace phid
