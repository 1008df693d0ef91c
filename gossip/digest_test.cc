#include "gossip/digest.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

namespace wire = phi::gossip::v1;
using ::testing::HasSubstr;

wire::DigestEntry Valid() {
  wire::DigestEntry e;
  e.set_name("node-1");
  e.set_address("10.0.0.1:7946");
  e.set_generation(7);
  e.set_heartbeat(3);
  e.set_status(wire::MEMBER_STATUS_ALIVE);
  e.mutable_stats()->set_count(10);
  e.mutable_stats()->set_mean_ms(100);
  e.mutable_stats()->set_variance_ms2(25);
  e.set_phi(0.5);
  (*e.mutable_tags())["role"] = "db";
  return e;
}

TEST(DigestTest, AValidEntryConvertsWithEveryField) {
  GossipEntry out;
  std::string error;
  ASSERT_TRUE(FromWire(Valid(), &out, &error)) << error;
  EXPECT_EQ(out.record.name, "node-1");
  EXPECT_EQ(out.record.address, "10.0.0.1:7946");
  EXPECT_EQ(out.record.generation, 7u);
  EXPECT_EQ(out.record.heartbeat, 3u);
  EXPECT_EQ(out.record.tags.at("role"), "db");
  EXPECT_TRUE(out.has_stats);
  EXPECT_EQ(out.stats.count, 10u);
  EXPECT_FALSE(out.compact);
}

TEST(DigestTest, ACompactEntryCarriesOnlyTheHeartbeat) {
  wire::DigestEntry e;
  e.set_name("node-1");
  e.set_generation(7);
  e.set_heartbeat(4);
  e.set_status(wire::MEMBER_STATUS_ALIVE);
  GossipEntry out;
  std::string error;
  ASSERT_TRUE(FromWire(e, &out, &error)) << error;
  EXPECT_TRUE(out.compact);
  e.set_phi(3);
  EXPECT_FALSE(FromWire(e, &out, &error));
  EXPECT_THAT(error, HasSubstr("compact entry with extra fields"));
}

TEST(DigestTest, InvalidEntriesAreRefusedWithAReason) {
  struct Case {
    void (*mutate)(wire::DigestEntry&);
    const char* reason;
  } cases[] = {
      {[](wire::DigestEntry& e) { e.set_name(""); }, "invalid member name"},
      {[](wire::DigestEntry& e) { e.set_name("a b"); }, "invalid member name"},
      {[](wire::DigestEntry& e) { e.set_address("not-an-address"); },
       "invalid address"},
      {[](wire::DigestEntry& e) { e.set_address(std::string(65, '1')); },
       "invalid address"},
      {[](wire::DigestEntry& e) { e.set_generation(0); }, "generation 0"},
      {[](wire::DigestEntry& e) {
         e.set_status(wire::MEMBER_STATUS_UNSPECIFIED);
       },
       "unknown status"},
      {[](wire::DigestEntry& e) { e.set_phi(-1); }, "invalid phi"},
      {[](wire::DigestEntry& e) { e.set_phi(NAN); }, "invalid phi"},
      {[](wire::DigestEntry& e) { e.mutable_stats()->set_mean_ms(0); },
       "invalid statistics"},
      {[](wire::DigestEntry& e) { e.mutable_stats()->set_variance_ms2(-1); },
       "invalid statistics"},
      {[](wire::DigestEntry& e) { e.mutable_stats()->set_count(0); },
       "invalid statistics"},
      {[](wire::DigestEntry& e) { (*e.mutable_tags())["Bad"] = "x"; },
       "invalid tags"},
  };
  for (const Case& c : cases) {
    wire::DigestEntry e = Valid();
    c.mutate(e);
    GossipEntry out;
    std::string error;
    EXPECT_FALSE(FromWire(e, &out, &error)) << c.reason;
    EXPECT_THAT(error, HasSubstr(c.reason));
  }
}

TEST(DigestBuilderTest, NewsLeavesRoomForFreshHeartbeats) {
  GossipOptions options = GossipOptions::ForLan();
  options.protocol = 1;  // digests are protocol 1's
  options.name = "self";
  MemberRecord self;
  self.name = "self";
  self.address = "10.0.0.1:7946";
  self.generation = 1;
  GossipCounters counters;
  MonoTime now = absl::Seconds(100);
  Membership membership(options, self, now, &counters, nullptr);
  // A join storm: 60 new members, each one news and one fresh heartbeat.
  for (int i = 0; i < 60; ++i) {
    GossipEntry e;
    e.record.name = absl::StrCat("m", i);
    e.record.address = absl::StrCat("10.0.1.", i, ":7946");
    e.record.generation = 1;
    e.record.heartbeat = 1;
    membership.MergeEntry(e.record.name, e, now);
  }
  DigestBuilder builder;
  builder.BeginRound(membership, 40);
  wire::Packet packet;
  const size_t budget = 1200;
  builder.Fill(membership, now, budget, &packet);
  // Order: our own entry, the news (full entries), the fresh heartbeats
  // (compact), then the round-robin.
  size_t news_bytes = 0;
  int compact = 0;
  for (int i = 1; i < packet.entries_size(); ++i) {
    const wire::DigestEntry& e = packet.entries(i);
    if (e.address().empty()) {
      ++compact;
    } else if (compact == 0) {
      news_bytes += e.ByteSizeLong() + 2;
    }
  }
  // Half the packet, give or take the entry that crossed the line.
  EXPECT_LE(news_bytes, budget / 2 + 100);
  EXPECT_GE(compact, 10) << "news crowded the heartbeats out";
  EXPECT_LE(packet.ByteSizeLong(), budget);
}

}  // namespace
}  // namespace phid
