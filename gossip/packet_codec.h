// PacketCodec: turns a gossip Packet into datagram bytes and back, with
// optional encryption, and classifies every rejected datagram.
//
// Envelope (all packets):
//   byte 0   magic 0x70 ('p')
//   byte 1   envelope version (1)
//   byte 2   flags: bit 0 = encrypted
//   rest     plaintext: serialized phi.gossip.v1.Packet
//            encrypted: 12-byte nonce | AES-256-GCM ciphertext | 16-byte tag,
//            with bytes 0..2 and the cluster name as additional
//            authenticated data, under any key of the keyring (the primary
//            key encrypts).
// The decoded Packet's `cluster` must equal ours in both modes, so two
// clusters never merge even without keys.
//
// Thread safety: const methods are safe to call concurrently.
#ifndef PHID_GOSSIP_PACKET_CODEC_H_
#define PHID_GOSSIP_PACKET_CODEC_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gossip/keyring.h"
#include "proto/gossip.pb.h"

namespace phid {

// Why a datagram was dropped. Append only (used as metric labels).
enum class DropReason {
  kNone = 0,
  kTooLarge,        // over kMaxDatagramBytes
  kBadEnvelope,     // short, wrong magic or envelope version
  kUnencrypted,     // plaintext while a keyring is configured
  kEncryptedNoKey,  // encrypted while we have no keyring
  kAuthFailed,      // no key in the ring authenticates it
  kMalformed,       // protobuf does not parse
  kBadVersion,      // unsupported Packet.version
  kWrongCluster,    // Packet.cluster differs from ours
  kInvalidContent,  // parses but violates protocol rules: empty sender, or
                    // an entry without a member name
  kCount,           // number of reasons; not a reason
};
// "too_large", "bad_envelope", ... (stable: metric label values).
absl::string_view DropReasonName(DropReason reason);

struct DecodeResult {
  DropReason drop = DropReason::kNone;
  std::string error;  // human-readable detail when dropped
  phi::gossip::v1::Packet packet;
};

class PacketCodec {
 public:
  // `keyring` may be null (no encryption); it must outlive the codec.
  PacketCodec(std::string cluster, const Keyring* keyring);

  // Serializes (and encrypts) `packet`, setting its cluster and version.
  // Fails (RESOURCE_EXHAUSTED) only if the result would exceed
  // kMaxDatagramBytes, i.e. if packet.ByteSizeLong() + Overhead() does.
  absl::StatusOr<std::string> Encode(phi::gossip::v1::Packet packet) const;
  // The same, setting cluster and version on `packet` itself (no copy: the
  // gossip loop reuses one Packet and its allocations for every send).
  absl::StatusOr<std::string> EncodeInPlace(
      phi::gossip::v1::Packet* packet) const;
  // Bytes of envelope overhead Encode adds to a serialized Packet.
  size_t Overhead() const;

  // Checks, in order: size, envelope, encryption (authenticity), protobuf
  // parse, version, cluster, content; the first failure is the DropReason.
  // Never crashes on any input (fuzzed: packet_codec_fuzz.cc).
  DecodeResult Decode(absl::string_view datagram) const;
  // The same into a caller's Packet, reused across calls so that parsing
  // reuses its allocations; on a drop, *packet is unspecified and *error
  // says why.
  DropReason DecodeInto(absl::string_view datagram,
                        phi::gossip::v1::Packet* packet,
                        std::string* error) const;

  const std::string& cluster() const { return cluster_; }

 private:
  std::string cluster_;
  const Keyring* keyring_;
};

}  // namespace phid

#endif  // PHID_GOSSIP_PACKET_CODEC_H_
