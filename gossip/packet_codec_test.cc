#include "gossip/packet_codec.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gossip/keyring.h"
#include "gossip/transport.h"
#include "gtest/gtest.h"
#include "proto/gossip.pb.h"

namespace phid {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::phi::gossip::v1::Packet;
using ::testing::HasSubstr;
using ::testing::Not;

Keyring Ring(std::vector<std::string> keys) {
  absl::StatusOr<Keyring> ring = Keyring::FromKeys(std::move(keys));
  EXPECT_TRUE(ring.ok()) << ring.status();
  return *std::move(ring);
}

std::string Key(char fill) { return std::string(Keyring::kKeyBytes, fill); }

Packet SamplePacket() {
  Packet packet;
  packet.set_kind(phi::gossip::v1::PACKET_KIND_GOSSIP);
  packet.set_sender("node-1");
  packet.set_sender_generation(7);
  auto* entry = packet.add_entries();
  entry->set_name("node-2");
  entry->set_address("127.0.0.2:7946");
  entry->set_generation(3);
  entry->set_heartbeat(99);
  entry->set_status(phi::gossip::v1::MEMBER_STATUS_ALIVE);
  entry->mutable_stats()->set_count(10);
  entry->mutable_stats()->set_mean_ms(1000);
  entry->set_phi(0.5);
  (*entry->mutable_tags())["zone"] = "a";
  return packet;
}

// A datagram with the envelope's header bytes and `body` after them.
std::string Envelope(absl::string_view body, bool encrypted = false) {
  return absl::StrCat(absl::string_view("\x70\x01", 2),
                      std::string(1, encrypted ? '\x01' : '\x00'), body);
}

// A plaintext datagram carrying `packet` exactly as given (no defaults set).
std::string RawPlain(const Packet& packet) {
  return Envelope(packet.SerializeAsString());
}

class PacketCodecTest : public ::testing::Test {
 protected:
  PacketCodecTest()
      : ring_(Ring({Key('k')})),
        plain_("ours", nullptr),
        encrypted_("ours", &ring_) {}

  Keyring ring_;
  PacketCodec plain_;
  PacketCodec encrypted_;
};

TEST(DropReasonTest, EveryReasonHasAStableDistinctName) {
  const std::map<DropReason, std::string> want = {
      {DropReason::kNone, "none"},
      {DropReason::kTooLarge, "too_large"},
      {DropReason::kBadEnvelope, "bad_envelope"},
      {DropReason::kUnencrypted, "unencrypted"},
      {DropReason::kEncryptedNoKey, "encrypted_no_key"},
      {DropReason::kAuthFailed, "auth_failed"},
      {DropReason::kMalformed, "malformed"},
      {DropReason::kBadVersion, "bad_version"},
      {DropReason::kWrongCluster, "wrong_cluster"},
      {DropReason::kInvalidContent, "invalid_content"},
      {DropReason::kBadChecksum, "bad_checksum"},
      {DropReason::kUnknownSender, "unknown_sender"},
      {DropReason::kStale, "stale"},
      {DropReason::kBadAddress, "bad_address"},
  };
  ASSERT_EQ(want.size(), static_cast<size_t>(DropReason::kCount));
  for (const auto& [reason, name] : want) {
    EXPECT_EQ(DropReasonName(reason), name);
  }
  EXPECT_EQ(DropReasonName(DropReason::kCount), "unknown");
}

TEST_F(PacketCodecTest, PlainPacketRoundTrips) {
  absl::StatusOr<std::string> datagram = plain_.Encode(SamplePacket());
  ASSERT_TRUE(datagram.ok()) << datagram.status();
  DecodeResult result = plain_.Decode(*datagram);
  ASSERT_EQ(result.drop, DropReason::kNone) << result.error;
  EXPECT_EQ(result.error, "");

  Packet want = SamplePacket();
  want.set_version(1);
  want.set_cluster("ours");
  EXPECT_TRUE(MessageDifferencer::Equals(result.packet, want))
      << result.packet.DebugString();
}

TEST_F(PacketCodecTest, EncryptedPacketRoundTripsAndHidesItsContent) {
  absl::StatusOr<std::string> datagram = encrypted_.Encode(SamplePacket());
  ASSERT_TRUE(datagram.ok()) << datagram.status();
  EXPECT_THAT(*datagram, Not(HasSubstr("node-2")));
  DecodeResult result = encrypted_.Decode(*datagram);
  ASSERT_EQ(result.drop, DropReason::kNone) << result.error;

  Packet want = SamplePacket();
  want.set_version(1);
  want.set_cluster("ours");
  EXPECT_TRUE(MessageDifferencer::Equals(result.packet, want))
      << result.packet.DebugString();
}

TEST_F(PacketCodecTest, OverheadIsWhatEncodeAddsToTheSerializedPacket) {
  Packet packet = SamplePacket();
  packet.set_version(1);
  packet.set_cluster("ours");
  for (const PacketCodec* codec : {&plain_, &encrypted_}) {
    absl::StatusOr<std::string> datagram = codec->Encode(packet);
    ASSERT_TRUE(datagram.ok());
    EXPECT_EQ(datagram->size(), packet.ByteSizeLong() + codec->Overhead());
  }
  EXPECT_EQ(plain_.Overhead(), 3u);
  EXPECT_EQ(encrypted_.Overhead(), 3u + 12 + 16);
}

TEST_F(PacketCodecTest, EncodeAcceptsExactlyTheLimitAndRefusesOneByteMore) {
  for (const PacketCodec* codec : {&plain_, &encrypted_}) {
    Packet packet;
    packet.set_version(1);
    packet.set_cluster(codec->cluster());
    packet.set_sender("s");
    // Grow the sender until the datagram is exactly at the limit.
    while (packet.ByteSizeLong() + codec->Overhead() < kMaxDatagramBytes) {
      packet.mutable_sender()->push_back('s');
    }
    ASSERT_EQ(packet.ByteSizeLong() + codec->Overhead(), kMaxDatagramBytes);
    absl::StatusOr<std::string> at_limit = codec->Encode(packet);
    ASSERT_TRUE(at_limit.ok()) << at_limit.status();
    EXPECT_EQ(at_limit->size(), kMaxDatagramBytes);
    EXPECT_EQ(codec->Decode(*at_limit).drop, DropReason::kNone);

    packet.mutable_sender()->push_back('s');
    absl::Status over = codec->Encode(packet).status();
    EXPECT_EQ(over.code(), absl::StatusCode::kResourceExhausted);
    EXPECT_THAT(over.message(), HasSubstr("1400"));
  }
}

TEST_F(PacketCodecTest, OversizeDatagramIsTooLarge) {
  const std::string datagram =
      Envelope(std::string(kMaxDatagramBytes + 1 - 3, '\0'));
  DecodeResult result = plain_.Decode(datagram);
  EXPECT_EQ(result.drop, DropReason::kTooLarge);
  EXPECT_THAT(result.error, HasSubstr("1401"));
  EXPECT_EQ(encrypted_.Decode(datagram).drop, DropReason::kTooLarge);
}

TEST_F(PacketCodecTest, BrokenEnvelopesAreBadEnvelope) {
  const std::vector<std::string> datagrams = {
      "",
      "p",
      std::string("\x70\x01", 2),      // no flags byte
      std::string("\x71\x01\x00", 3),  // wrong magic
      std::string("\x70\x02\x00", 3),  // envelope version 2
      std::string("\x70\x00\x00", 3),  // envelope version 0
      std::string("\x70\x01\x02", 3),  // unknown flag
      std::string("\x70\x01\x80", 3),  // unknown flag
      "GET / HTTP/1.1\r\n\r\n",        // someone else's traffic
  };
  for (const std::string& datagram : datagrams) {
    for (const PacketCodec* codec : {&plain_, &encrypted_}) {
      DecodeResult result = codec->Decode(datagram);
      EXPECT_EQ(result.drop, DropReason::kBadEnvelope)
          << absl::CEscape(datagram);
      EXPECT_NE(result.error, "");
    }
  }
}

TEST_F(PacketCodecTest, EncryptedEnvelopeTooShortForNonceAndTagIsBadEnvelope) {
  DecodeResult result =
      encrypted_.Decode(Envelope(std::string(27, 'x'), /*encrypted=*/true));
  EXPECT_EQ(result.drop, DropReason::kBadEnvelope);
  EXPECT_THAT(result.error, HasSubstr("nonce"));
}

TEST_F(PacketCodecTest, PlaintextWhileWeHaveKeysIsUnencrypted) {
  absl::StatusOr<std::string> datagram = plain_.Encode(SamplePacket());
  ASSERT_TRUE(datagram.ok());
  DecodeResult result = encrypted_.Decode(*datagram);
  EXPECT_EQ(result.drop, DropReason::kUnencrypted);
  EXPECT_THAT(result.error, HasSubstr("keyring"));
}

TEST_F(PacketCodecTest, EncryptedWhileWeHaveNoKeysIsEncryptedNoKey) {
  absl::StatusOr<std::string> datagram = encrypted_.Encode(SamplePacket());
  ASSERT_TRUE(datagram.ok());
  EXPECT_EQ(plain_.Decode(*datagram).drop, DropReason::kEncryptedNoKey);
}

TEST_F(PacketCodecTest, KeyNotInOurRingIsAuthFailed) {
  const Keyring strangers = Ring({Key('s')});
  const PacketCodec stranger("ours", &strangers);
  absl::StatusOr<std::string> datagram = stranger.Encode(SamplePacket());
  ASSERT_TRUE(datagram.ok());
  DecodeResult result = encrypted_.Decode(*datagram);
  EXPECT_EQ(result.drop, DropReason::kAuthFailed);
  EXPECT_THAT(result.error, HasSubstr("authenticate"));
}

TEST_F(PacketCodecTest, RotatedRingDecodesPacketsOfTheOldKey) {
  const Keyring rotated = Ring({Key('n'), Key('k')});
  const PacketCodec rotated_codec("ours", &rotated);
  absl::StatusOr<std::string> old = encrypted_.Encode(SamplePacket());
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(rotated_codec.Decode(*old).drop, DropReason::kNone);
  // And the old ring cannot read the new primary's packets yet.
  absl::StatusOr<std::string> fresh = rotated_codec.Encode(SamplePacket());
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(encrypted_.Decode(*fresh).drop, DropReason::kAuthFailed);
}

TEST_F(PacketCodecTest, AnyFlippedByteOfAnEncryptedPacketIsRejected) {
  absl::StatusOr<std::string> datagram = encrypted_.Encode(SamplePacket());
  ASSERT_TRUE(datagram.ok());
  for (size_t i = 0; i < datagram->size(); ++i) {
    std::string tampered = *datagram;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    const DropReason drop = encrypted_.Decode(tampered).drop;
    if (i < 3) {
      // The header: bad magic/version, or the encrypted flag cleared.
      EXPECT_THAT(drop, ::testing::AnyOf(DropReason::kBadEnvelope,
                                         DropReason::kUnencrypted))
          << "byte " << i;
    } else {
      EXPECT_EQ(drop, DropReason::kAuthFailed) << "byte " << i;
    }
  }
}

TEST_F(PacketCodecTest, FlippedBytesOfAPlainPacketNeverCrashTheDecoder) {
  absl::StatusOr<std::string> datagram = plain_.Encode(SamplePacket());
  ASSERT_TRUE(datagram.ok());
  std::set<DropReason> seen;
  for (size_t i = 0; i < datagram->size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string tampered = *datagram;
      tampered[i] = static_cast<char>(tampered[i] ^ (1 << bit));
      DecodeResult result = plain_.Decode(tampered);
      EXPECT_EQ(result.drop == DropReason::kNone, result.error.empty());
      seen.insert(result.drop);
    }
  }
  // Without a MAC some flips go unnoticed (kNone), others break the parse.
  EXPECT_TRUE(seen.count(DropReason::kMalformed) > 0);
  EXPECT_TRUE(seen.count(DropReason::kBadEnvelope) > 0);
}

TEST_F(PacketCodecTest, UnparsableProtobufIsMalformed) {
  // Field 1 with wire type 7, which does not exist.
  DecodeResult result = plain_.Decode(Envelope("\x0f"));
  EXPECT_EQ(result.drop, DropReason::kMalformed);
  // A length-delimited field running past the end.
  EXPECT_EQ(plain_.Decode(Envelope("\x1a\x10short")).drop,
            DropReason::kMalformed);
  // Also behind encryption, once authenticated.
  EXPECT_EQ(
      encrypted_
          .Decode(Envelope(ring_.Seal("\x0f", Envelope("", true) + "ours"),
                           /*encrypted=*/true))
          .drop,
      DropReason::kMalformed);
}

TEST_F(PacketCodecTest, StringFieldThatIsNotUtf8IsMalformed) {
  // version 1, then sender = "\xff" (proto3 strings must be UTF-8).
  DecodeResult result =
      plain_.Decode(Envelope(std::string("\x08\x01\x1a\x01\xff", 5)));
  EXPECT_EQ(result.drop, DropReason::kMalformed);
  EXPECT_THAT(result.error, HasSubstr("UTF-8"));
}

TEST_F(PacketCodecTest, VersionOtherThanOneIsBadVersion) {
  for (uint32_t version : {0u, 2u, 1000u}) {
    Packet packet = SamplePacket();
    packet.set_cluster("ours");
    packet.set_version(version);
    DecodeResult result = plain_.Decode(RawPlain(packet));
    EXPECT_EQ(result.drop, DropReason::kBadVersion) << version;
    EXPECT_THAT(result.error, HasSubstr(absl::StrCat(version)));
  }
}

TEST_F(PacketCodecTest, PacketOfAnotherClusterIsWrongCluster) {
  const PacketCodec theirs("theirs", nullptr);
  absl::StatusOr<std::string> datagram = theirs.Encode(SamplePacket());
  ASSERT_TRUE(datagram.ok());
  DecodeResult result = plain_.Decode(*datagram);
  EXPECT_EQ(result.drop, DropReason::kWrongCluster);
  EXPECT_THAT(result.error, HasSubstr("theirs"));
}

TEST_F(PacketCodecTest, EncryptedPacketOfAnotherClusterFailsAuthentication) {
  // The cluster name is authenticated data, so even a shared key cannot make
  // another cluster's packet decrypt here.
  const PacketCodec theirs("theirs", &ring_);
  absl::StatusOr<std::string> datagram = theirs.Encode(SamplePacket());
  ASSERT_TRUE(datagram.ok());
  EXPECT_EQ(encrypted_.Decode(*datagram).drop, DropReason::kAuthFailed);
}

TEST_F(PacketCodecTest, ClusterInsideAnAuthenticatedPacketIsCheckedToo) {
  Packet packet = SamplePacket();
  packet.set_version(1);
  packet.set_cluster("theirs");
  const std::string header = Envelope("", /*encrypted=*/true);
  const std::string datagram =
      header + ring_.Seal(packet.SerializeAsString(), header + "ours");
  EXPECT_EQ(encrypted_.Decode(datagram).drop, DropReason::kWrongCluster);
}

TEST_F(PacketCodecTest, PacketWithoutSenderIsInvalidContent) {
  Packet packet = SamplePacket();
  packet.clear_sender();
  absl::StatusOr<std::string> datagram = plain_.Encode(packet);
  ASSERT_TRUE(datagram.ok());
  DecodeResult result = plain_.Decode(*datagram);
  EXPECT_EQ(result.drop, DropReason::kInvalidContent);
  EXPECT_THAT(result.error, HasSubstr("sender"));
}

TEST_F(PacketCodecTest, EntryWithoutANameIsInvalidContent) {
  Packet packet = SamplePacket();
  packet.add_entries()->set_heartbeat(1);
  absl::StatusOr<std::string> datagram = encrypted_.Encode(packet);
  ASSERT_TRUE(datagram.ok());
  DecodeResult result = encrypted_.Decode(*datagram);
  EXPECT_EQ(result.drop, DropReason::kInvalidContent);
  EXPECT_THAT(result.error, HasSubstr("entry 1"));
}

TEST_F(PacketCodecTest, UnknownFieldsFromNewerVersionsAreAccepted) {
  Packet packet = SamplePacket();
  packet.set_version(1);
  packet.set_cluster("ours");
  // Field 1000, varint 5: what a newer daemon might add.
  const std::string newer =
      packet.SerializeAsString() + std::string("\xc0\x3e\x05", 3);
  DecodeResult result = plain_.Decode(Envelope(newer));
  EXPECT_EQ(result.drop, DropReason::kNone) << result.error;
  EXPECT_EQ(result.packet.sender(), "node-1");
}

// Random bytes, and valid datagrams mutated in the ways networks and
// attackers mutate them; the decoder must classify every one.
TEST_F(PacketCodecTest, RandomAndMutatedDatagramsAlwaysDecodeOrDrop) {
  std::mt19937_64 rng(20240601);
  auto below = [&rng](size_t n) { return n == 0 ? 0 : rng() % n; };
  std::vector<std::string> valid;
  for (const PacketCodec* codec : {&plain_, &encrypted_}) {
    for (int entries = 0; entries < 4; ++entries) {
      Packet packet = SamplePacket();
      for (int i = 0; i < entries; ++i)
        *packet.add_entries() = packet.entries(0);
      absl::StatusOr<std::string> datagram = codec->Encode(packet);
      ASSERT_TRUE(datagram.ok());
      valid.push_back(*datagram);
    }
  }

  std::map<DropReason, int> outcomes;
  for (int iteration = 0; iteration < 10000; ++iteration) {
    std::string datagram;
    switch (below(5)) {
      case 0:  // pure noise, sometimes over the limit
        datagram.resize(below(1600));
        for (char& c : datagram) c = static_cast<char>(rng());
        break;
      case 1:  // a valid envelope header and noise
        datagram = Envelope("", below(2) == 1);
        for (size_t n = below(200); n > 0; --n) {
          datagram.push_back(static_cast<char>(rng()));
        }
        break;
      default: {  // a valid datagram, mutated
        datagram = valid[below(valid.size())];
        for (size_t n = 1 + below(4); n > 0; --n) {
          switch (below(4)) {
            case 0:
              datagram[below(datagram.size())] ^=
                  static_cast<char>(1 << below(8));
              break;
            case 1:
              datagram[below(datagram.size())] = static_cast<char>(rng());
              break;
            case 2:
              datagram.resize(std::max<size_t>(3, below(datagram.size())));
              break;
            case 3:
              datagram.insert(below(datagram.size()), 1,
                              static_cast<char>(rng()));
              break;
          }
        }
      }
    }
    for (const PacketCodec* codec : {&plain_, &encrypted_}) {
      DecodeResult result = codec->Decode(datagram);
      ASSERT_GE(result.drop, DropReason::kNone);
      ASSERT_LT(result.drop, DropReason::kCount);
      ++outcomes[result.drop];
      if (result.drop == DropReason::kNone) {
        ASSERT_EQ(result.error, "");
        ASSERT_EQ(result.packet.version(), 1u);
        ASSERT_EQ(result.packet.cluster(), "ours");
        ASSERT_NE(result.packet.sender(), "");
      } else {
        ASSERT_NE(result.error, "") << DropReasonName(result.drop);
      }
    }
  }
  // The mix reached deep into the decoder, not just its first check.
  for (DropReason reason :
       {DropReason::kNone, DropReason::kTooLarge, DropReason::kBadEnvelope,
        DropReason::kUnencrypted, DropReason::kEncryptedNoKey,
        DropReason::kAuthFailed, DropReason::kMalformed}) {
    EXPECT_GT(outcomes[reason], 0) << DropReasonName(reason);
  }
}

}  // namespace
}  // namespace phid
