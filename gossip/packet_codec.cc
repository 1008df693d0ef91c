#include "gossip/packet_codec.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/stubs/common.h"
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
    case DropReason::kCount:
      break;
  }
  return "unknown";
}

PacketCodec::PacketCodec(std::string cluster, const Keyring* keyring)
    : cluster_(std::move(cluster)), keyring_(keyring) {}

size_t PacketCodec::Overhead() const {
  return kHeaderBytes +
         (keyring_ != nullptr ? Keyring::kNonceBytes + Keyring::kTagBytes : 0);
}

absl::StatusOr<std::string> PacketCodec::Encode(
    phi::gossip::v1::Packet packet) const {
  return EncodeInPlace(&packet);
}

absl::StatusOr<std::string> PacketCodec::EncodeInPlace(
    phi::gossip::v1::Packet* packet) const {
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
    if (keyring_ == nullptr) {
      return Drop(DropReason::kEncryptedNoKey,
                  "encrypted packet, but no keyring is configured");
    }
    if (body.size() < Keyring::kNonceBytes + Keyring::kTagBytes) {
      return Drop(DropReason::kBadEnvelope,
                  "encrypted packet shorter than a nonce and a tag");
    }
    absl::StatusOr<std::string> opened =
        keyring_->Open(body, absl::StrCat(header, cluster_));
    if (!opened.ok()) {
      return Drop(DropReason::kAuthFailed,
                  absl::StrCat("cannot authenticate (a key not in our "
                               "keyring, another cluster, or tampering): ",
                               opened.status().message()));
    }
    plaintext = *std::move(opened);
    body = plaintext;
  } else if (keyring_ != nullptr) {
    return Drop(DropReason::kUnencrypted,
                "plaintext packet, but a keyring is configured");
  }

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
    return Drop(DropReason::kMalformed,
                "packet does not parse (bad protobuf, or a string field "
                "that is not UTF-8)");
  }
  if (packet->version() != kPacketVersion) {
    return Drop(DropReason::kBadVersion,
                absl::StrCat("unsupported packet version ", packet->version()));
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

}  // namespace phid
