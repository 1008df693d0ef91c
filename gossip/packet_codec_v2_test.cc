// The protocol v2 envelope: heartbeats and packets, checksums, keys.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "gossip/keyring.h"
#include "gossip/packet_codec.h"
#include "gtest/gtest.h"
#include "proto/gossip.pb.h"

namespace phid {
namespace {

using phi::gossip::v1::Packet;

Keyring Ring(char fill) {
  absl::StatusOr<Keyring> ring = Keyring::FromKeys({std::string(32, fill)});
  CHECK(ring.ok());
  return *std::move(ring);
}

struct Decoded {
  DropReason drop;
  bool is_heartbeat = false;
  HeartbeatDatagram heartbeat;
  Packet packet;
};

Decoded Decode(const PacketCodec& codec, const std::string& datagram) {
  Decoded d;
  std::string error;
  d.drop = codec.DecodeV2(datagram, &d.packet, &d.heartbeat, &d.is_heartbeat,
                          &error);
  return d;
}

Packet News() {
  Packet p;
  p.set_kind(phi::gossip::v1::PACKET_KIND_NEWS);
  p.set_sender("node-1");
  p.set_sender_generation(7);
  auto* e = p.add_entries();
  e->set_name("node-2");
  e->set_address("10.0.0.2:7946");
  e->set_generation(9);
  return p;
}

TEST(PacketCodecV2Test, AHeartbeatIsTwentyBytesAndRoundTrips) {
  PacketCodec codec("phid", nullptr, 2);
  std::string bytes = codec.EncodeHeartbeat({0x1122334455667788ULL, 4242});
  EXPECT_EQ(bytes.size(), 20u);
  Decoded d = Decode(codec, bytes);
  ASSERT_EQ(d.drop, DropReason::kNone);
  ASSERT_TRUE(d.is_heartbeat);
  EXPECT_EQ(d.heartbeat.sender, 0x1122334455667788ULL);
  EXPECT_EQ(d.heartbeat.counter, 4242u);
}

TEST(PacketCodecV2Test, WithAKeyringAHeartbeatIsFortyFourBytes) {
  Keyring ring = Ring('k');
  PacketCodec codec("phid", &ring, 2);
  std::string bytes = codec.EncodeHeartbeat({99, 1});
  EXPECT_EQ(bytes.size(), 4u + 12 + 12 + 16);
  Decoded d = Decode(codec, bytes);
  ASSERT_EQ(d.drop, DropReason::kNone);
  EXPECT_EQ(d.heartbeat.sender, 99u);
  Keyring other = Ring('x');
  EXPECT_EQ(Decode(PacketCodec("phid", &other, 2), bytes).drop,
            DropReason::kAuthFailed);
  EXPECT_EQ(Decode(PacketCodec("phid", nullptr, 2), bytes).drop,
            DropReason::kEncryptedNoKey);
}

TEST(PacketCodecV2Test, EveryFlippedBitOfAPlainDatagramIsDropped) {
  PacketCodec codec("phid", nullptr, 2);
  absl::StatusOr<std::string> packet = codec.Encode(News());
  ASSERT_TRUE(packet.ok());
  for (const std::string& good :
       {codec.EncodeHeartbeat({123456789, 77}), *packet}) {
    ASSERT_EQ(Decode(codec, good).drop, DropReason::kNone);
    for (size_t i = 0; i < good.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string bad = good;
        bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
        EXPECT_NE(Decode(codec, bad).drop, DropReason::kNone)
            << "byte " << i << " bit " << bit;
      }
    }
    // Truncated anywhere.
    for (size_t n = 0; n < good.size(); ++n) {
      EXPECT_NE(Decode(codec, good.substr(0, n)).drop, DropReason::kNone)
          << n << " bytes";
    }
  }
}

TEST(PacketCodecV2Test, APacketRoundTripsWithoutItsClusterName) {
  PacketCodec codec("phid", nullptr, 2);
  absl::StatusOr<std::string> bytes = codec.Encode(News());
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->find("phid"), std::string::npos);
  Decoded d = Decode(codec, *bytes);
  ASSERT_EQ(d.drop, DropReason::kNone);
  EXPECT_FALSE(d.is_heartbeat);
  EXPECT_EQ(d.packet.entries(0).name(), "node-2");
  EXPECT_EQ(d.packet.version(), 2u);
}

TEST(PacketCodecV2Test, AnotherClustersDatagramIsWrongClusterOrBadChecksum) {
  PacketCodec ours("phid", nullptr, 2);
  int wrong_cluster = 0;
  for (int i = 0; i < 20; ++i) {
    PacketCodec theirs(absl::StrCat("other-", i), nullptr, 2);
    DropReason drop = Decode(ours, theirs.EncodeHeartbeat({1, 1})).drop;
    // The 16-bit tag tells clusters apart; on a tag collision the
    // checksum, which covers the whole cluster name, still does.
    EXPECT_TRUE(drop == DropReason::kWrongCluster ||
                drop == DropReason::kBadChecksum);
    wrong_cluster += drop == DropReason::kWrongCluster;
  }
  EXPECT_GE(wrong_cluster, 19);
}

TEST(PacketCodecV2Test, TheTwoWireVersionsDropEachOthersDatagrams) {
  PacketCodec v1("phid", nullptr, 1);
  PacketCodec v2("phid", nullptr, 2);
  absl::StatusOr<std::string> old = v1.Encode(News());
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(Decode(v2, *old).drop, DropReason::kBadVersion);
  EXPECT_EQ(v1.Decode(v2.EncodeHeartbeat({1, 1})).drop,
            DropReason::kBadEnvelope);
}

}  // namespace
}  // namespace phid
