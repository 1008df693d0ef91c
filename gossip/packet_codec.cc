#include "gossip/packet_codec.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "google/protobuf/stubs/common.h"
#include "gossip/crc32c.h"
#include "gossip/transport.h"

#if defined(GOOGLE_PROTOBUF_VERSION) && GOOGLE_PROTOBUF_VERSION < 4022000
#include "google/protobuf/stubs/logging.h"
#define PHID_HAVE_PROTOBUF_LOG_SILENCER 1
#endif

namespace phid {
namespace {

constexpr char kMagic = 0x70;  // 'p'
constexpr char kEnvelopeVersion = 1;
constexpr char kFlagEncrypted = 0x01;
constexpr char kKnownFlags = kFlagEncrypted;
constexpr size_t kHeaderBytes = 3;
constexpr uint32_t kPacketVersion = 1;
constexpr char kFlagHeartbeat = 0x02;  // v2
constexpr char kV2Magic = 0x72;  // 'r': magic and envelope version 2 in one
constexpr size_t kV2HeaderBytes = 4;
constexpr size_t kChecksumBytes = 4;

// Protocol rules a well-formed Packet must also satisfy.
std::string ContentError(const phi::gossip::v1::Packet& packet) {
  if (packet.sender().empty()) return "packet has no sender";
  for (int i = 0; i < packet.entries_size(); ++i) {
    if (packet.entries(i).name().empty()) {
      return absl::StrCat("entry ", i, " has no member name");
    }
  }
  return "";
}

// Parses a decrypted or checksummed body and checks its Packet.version.
DropReason ParseBody(absl::string_view body, uint32_t version,
                     phi::gossip::v1::Packet* packet, std::string* error) {
  bool parsed;
  {
#ifdef PHID_HAVE_PROTOBUF_LOG_SILENCER
    // libprotobuf logs an ERROR line for every string field that is not
    // UTF-8; anyone who can reach our port could flood the log that way.
    // The drop reason already reports it.
    google::protobuf::LogSilencer silence_parse_errors;
#endif
    parsed = packet->ParseFromArray(body.data(), static_cast<int>(body.size()));
  }
  if (!parsed) {
    *error =
        "packet does not parse (bad protobuf, or a string field that is not "
        "UTF-8)";
    return DropReason::kMalformed;
  }
  if (packet->version() != version) {
    *error = absl::StrCat("unsupported packet version ", packet->version());
    return DropReason::kBadVersion;
  }
  return DropReason::kNone;
}

}  // namespace

absl::string_view DropReasonName(DropReason reason) {
  switch (reason) {
    case DropReason::kNone:
      return "none";
    case DropReason::kTooLarge:
      return "too_large";
    case DropReason::kBadEnvelope:
      return "bad_envelope";
    case DropReason::kUnencrypted:
      return "unencrypted";
    case DropReason::kEncryptedNoKey:
      return "encrypted_no_key";
    case DropReason::kAuthFailed:
      return "auth_failed";
    case DropReason::kMalformed:
      return "malformed";
    case DropReason::kBadVersion:
      return "bad_version";
    case DropReason::kWrongCluster:
      return "wrong_cluster";
    case DropReason::kInvalidContent:
      return "invalid_content";
    case DropReason::kBadChecksum:
      return "bad_checksum";
    case DropReason::kUnknownSender:
      return "unknown_sender";
    case DropReason::kStale:
      return "stale";
    case DropReason::kBadAddress:
      return "bad_address";
    case DropReason::kCount:
      break;
  }
  return "unknown";
}

PacketCodec::PacketCodec(std::string cluster, const Keyring* keyring,
                         int wire_version)
    : cluster_(std::move(cluster)),
      keyring_(keyring),
      wire_version_(wire_version),
      cluster_tag_(static_cast<uint16_t>(Crc32c(cluster_) & 0xffff)) {
  CHECK(wire_version == 1 || wire_version == 2) << wire_version;
}

void PacketCodec::ReplaceKeyring(const Keyring* keyring) {
  CHECK_EQ(keyring == nullptr, keyring_ == nullptr)
      << "a keyring replaces a keyring; turning encryption on or off needs a "
         "restart";
  keyring_ = keyring;
}

size_t PacketCodec::Overhead() const {
  if (wire_version_ == 2) {
    return kV2HeaderBytes + (keyring_ != nullptr
                                 ? Keyring::kNonceBytes + Keyring::kTagBytes
                                 : kChecksumBytes);
  }
  return kHeaderBytes +
         (keyring_ != nullptr ? Keyring::kNonceBytes + Keyring::kTagBytes : 0);
}

absl::StatusOr<std::string> PacketCodec::Encode(
    phi::gossip::v1::Packet packet) const {
  return EncodeInPlace(&packet);
}

absl::StatusOr<std::string> PacketCodec::EncodeInPlace(
    phi::gossip::v1::Packet* packet) const {
  if (wire_version_ == 2) {
    packet->set_version(2);
    packet->clear_cluster();
    const size_t size = packet->ByteSizeLong() + Overhead();
    if (size > kMaxDatagramBytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("encoded packet would be ", size, " bytes, over the ",
                       kMaxDatagramBytes, "-byte datagram limit"));
    }
    return SealV2(V2Header(false), packet->SerializeAsString());
  }
  packet->set_version(kPacketVersion);
  packet->set_cluster(cluster_);
  const size_t size = packet->ByteSizeLong() + Overhead();
  if (size > kMaxDatagramBytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("encoded packet would be ", size, " bytes, over the ",
                     kMaxDatagramBytes, "-byte datagram limit"));
  }
  std::string header = {kMagic, kEnvelopeVersion,
                        keyring_ != nullptr ? kFlagEncrypted : '\0'};
  if (keyring_ == nullptr) {
    header.reserve(size);  // one allocation for the whole datagram
    packet->AppendToString(&header);
    return header;
  }
  std::string body = packet->SerializeAsString();
  return header + keyring_->Seal(body, header + cluster_);
}

DropReason PacketCodec::Open(absl::string_view header, absl::string_view* body,
                             std::string* plaintext, std::string* error) const {
  if (keyring_ == nullptr) {
    *error = "encrypted packet, but no keyring is configured";
    return DropReason::kEncryptedNoKey;
  }
  if (body->size() < Keyring::kNonceBytes + Keyring::kTagBytes) {
    *error = "encrypted packet shorter than a nonce and a tag";
    return DropReason::kBadEnvelope;
  }
  size_t key_index = 0;
  absl::StatusOr<std::string> opened =
      keyring_->Open(*body, absl::StrCat(header, cluster_), &key_index);
  if (!opened.ok()) {
    *error = absl::StrCat(
        "cannot authenticate (a key not in our keyring, another cluster, or "
        "tampering): ",
        opened.status().message());
    return DropReason::kAuthFailed;
  }
  if (key_index != 0) {
    secondary_key_opens_.fetch_add(1, std::memory_order_relaxed);
  }
  *plaintext = *std::move(opened);
  *body = *plaintext;
  return DropReason::kNone;
}

DecodeResult PacketCodec::Decode(absl::string_view datagram) const {
  DecodeResult result;
  result.drop = DecodeInto(datagram, &result.packet, &result.error);
  if (result.drop != DropReason::kNone) result.packet.Clear();
  return result;
}

DropReason PacketCodec::DecodeInto(absl::string_view datagram,
                                   phi::gossip::v1::Packet* packet,
                                   std::string* error) const {
  auto Drop = [error](DropReason reason, std::string detail) {
    *error = std::move(detail);
    return reason;
  };
  if (datagram.size() > kMaxDatagramBytes) {
    return Drop(DropReason::kTooLarge,
                absl::StrCat(datagram.size(), "-byte datagram, over the ",
                             kMaxDatagramBytes, "-byte limit"));
  }
  if (datagram.size() < kHeaderBytes) {
    return Drop(DropReason::kBadEnvelope,
                absl::StrCat(datagram.size(), "-byte datagram is too short"));
  }
  if (datagram[0] != kMagic) {
    return Drop(DropReason::kBadEnvelope, "wrong magic byte (not phid?)");
  }
  if (datagram[1] != kEnvelopeVersion) {
    return Drop(DropReason::kBadEnvelope,
                absl::StrCat("unsupported envelope version ",
                             static_cast<int>(datagram[1])));
  }
  const char flags = datagram[2];
  if ((flags & ~kKnownFlags) != 0) {
    return Drop(DropReason::kBadEnvelope,
                absl::StrCat("unknown envelope flags 0x",
                             absl::Hex(static_cast<unsigned char>(flags))));
  }
  const absl::string_view header = datagram.substr(0, kHeaderBytes);
  absl::string_view body = datagram.substr(kHeaderBytes);
  std::string plaintext;
  if ((flags & kFlagEncrypted) != 0) {
    DropReason opened = Open(header, &body, &plaintext, error);
    if (opened != DropReason::kNone) return opened;
  } else if (keyring_ != nullptr) {
    return Drop(DropReason::kUnencrypted,
                "plaintext packet, but a keyring is configured");
  }

  if (DropReason d = ParseBody(body, kPacketVersion, packet, error);
      d != DropReason::kNone) {
    return d;
  }
  if (packet->cluster() != cluster_) {
    return Drop(
        DropReason::kWrongCluster,
        absl::StrCat("packet of cluster \"", absl::CEscape(packet->cluster()),
                     "\", we are \"", cluster_, "\""));
  }
  std::string content_error = ContentError(*packet);
  if (!content_error.empty()) {
    return Drop(DropReason::kInvalidContent, std::move(content_error));
  }
  return DropReason::kNone;
}

namespace {

void PutLittleEndian(uint64_t value, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) {
    out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

uint64_t GetLittleEndian(absl::string_view in, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) {
    value |= static_cast<uint64_t>(static_cast<unsigned char>(in[i]))
             << (8 * i);
  }
  return value;
}

constexpr size_t kHeartbeatBodyBytes = 12;

}  // namespace

std::string PacketCodec::V2Header(bool heartbeat) const {
  char flags = (keyring_ != nullptr ? kFlagEncrypted : 0) |
               (heartbeat ? kFlagHeartbeat : 0);
  std::string header = {kV2Magic, flags};
  PutLittleEndian(cluster_tag_, 2, &header);
  return header;
}

std::string PacketCodec::SealV2(std::string header,
                                absl::string_view body) const {
  if (keyring_ != nullptr) {
    return header + keyring_->Seal(body, header + cluster_);
  }
  header.append(body.data(), body.size());
  uint32_t crc = Crc32c(header, Crc32c(cluster_));
  PutLittleEndian(crc, 4, &header);
  return header;
}

std::string PacketCodec::EncodeHeartbeat(
    const HeartbeatDatagram& heartbeat) const {
  CHECK_EQ(wire_version_, 2);
  std::string body;
  PutLittleEndian(heartbeat.sender, 8, &body);
  PutLittleEndian(heartbeat.counter, 4, &body);
  return SealV2(V2Header(true), body);
}

DropReason PacketCodec::DecodeV2(absl::string_view datagram,
                                 phi::gossip::v1::Packet* packet,
                                 HeartbeatDatagram* heartbeat,
                                 bool* is_heartbeat, std::string* error) const {
  auto Drop = [error](DropReason reason, std::string detail) {
    *error = std::move(detail);
    return reason;
  };
  *is_heartbeat = false;
  if (datagram.size() > kMaxDatagramBytes) {
    return Drop(DropReason::kTooLarge,
                absl::StrCat(datagram.size(), "-byte datagram, over the ",
                             kMaxDatagramBytes, "-byte limit"));
  }
  if (datagram.size() >= 2 && datagram[0] == kMagic) {
    return Drop(DropReason::kBadVersion,
                absl::StrCat("a protocol v1 datagram (envelope version ",
                             static_cast<int>(datagram[1]),
                             "); this daemon speaks v2 (--protocol)"));
  }
  if (datagram.size() < kV2HeaderBytes || datagram[0] != kV2Magic) {
    return Drop(DropReason::kBadEnvelope, "short datagram or wrong magic");
  }
  const char flags = datagram[1];
  if ((flags & ~(kFlagEncrypted | kFlagHeartbeat)) != 0 ||
      datagram.size() < kV2HeaderBytes) {
    return Drop(DropReason::kBadEnvelope, "unknown flags or short header");
  }
  if (GetLittleEndian(datagram.substr(2), 2) != cluster_tag_) {
    return Drop(DropReason::kWrongCluster,
                "cluster tag differs: a packet of another cluster");
  }
  const absl::string_view header = datagram.substr(0, kV2HeaderBytes);
  absl::string_view body = datagram.substr(kV2HeaderBytes);
  std::string plaintext;
  if ((flags & kFlagEncrypted) != 0) {
    DropReason opened = Open(header, &body, &plaintext, error);
    if (opened != DropReason::kNone) return opened;
  } else {
    if (keyring_ != nullptr) {
      return Drop(DropReason::kUnencrypted,
                  "plaintext packet, but a keyring is configured");
    }
    if (body.size() < kChecksumBytes) {
      return Drop(DropReason::kBadEnvelope, "no room for the checksum");
    }
    absl::string_view covered =
        datagram.substr(0, datagram.size() - kChecksumBytes);
    uint32_t want = static_cast<uint32_t>(
        GetLittleEndian(datagram.substr(datagram.size() - kChecksumBytes), 4));
    if (Crc32c(covered, Crc32c(cluster_)) != want) {
      return Drop(DropReason::kBadChecksum,
                  "checksum mismatch: corrupted, or another cluster");
    }
    body = body.substr(0, body.size() - kChecksumBytes);
  }
  if ((flags & kFlagHeartbeat) != 0) {
    if (body.size() != kHeartbeatBodyBytes) {
      return Drop(DropReason::kMalformed,
                  absl::StrCat("heartbeat body of ", body.size(), " bytes"));
    }
    heartbeat->sender = GetLittleEndian(body, 8);
    heartbeat->counter =
        static_cast<uint32_t>(GetLittleEndian(body.substr(8), 4));
    *is_heartbeat = true;
    return DropReason::kNone;
  }
  if (DropReason d = ParseBody(body, 2, packet, error);
      d != DropReason::kNone) {
    return d;
  }
  std::string content_error = ContentError(*packet);
  if (!content_error.empty()) {
    return Drop(DropReason::kInvalidContent, std::move(content_error));
  }
  return DropReason::kNone;
}

}  // namespace phid
