// PacketCodec: turns a gossip Packet into datagram bytes and back, with
// optional encryption, and classifies every rejected datagram.
//
// Protocol v1 envelope (wire_version 1):
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
// Protocol v2 envelope (wire_version 2), built to keep a heartbeat small:
//   byte 0     0x72: magic and envelope version 2 in one byte (a v1
//              datagram, 0x70, is kBadVersion)
//   byte 1     flags: bit 0 = encrypted, bit 1 = heartbeat layout
//   bytes 2-3  cluster tag: the low 16 bits of CRC-32C(cluster name), so a
//              packet of another cluster is told apart (kWrongCluster)
//   body       heartbeat: member id (8 bytes LE) | counter (4 bytes LE);
//              otherwise a serialized Packet (version 2, no cluster field)
//   plaintext: CRC-32C of (cluster name | every byte before it), 4 bytes LE:
//              corruption is dropped (kBadChecksum), forgery is not;
//   encrypted: 12-byte nonce | AES-256-GCM(body) | 16-byte tag, with bytes
//              0-3 and the cluster name as additional authenticated data.
// A plaintext heartbeat is 20 bytes (48 on the wire with IP/UDP headers);
// with a keyring, 44 (72).
//
// Keyring rotation: ReplaceKeyring swaps the ring between packets; any key
// of the ring opens, the primary seals, and secondary_key_opens() counts
// datagrams opened by a key other than the primary (a peer still sealing
// with an older key, or already with a newer one).
//
// Thread safety: const methods are safe to call concurrently;
// ReplaceKeyring is not safe to call concurrently with anything.
#ifndef PHID_GOSSIP_PACKET_CODEC_H_
#define PHID_GOSSIP_PACKET_CODEC_H_

#include <atomic>
#include <cstdint>
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
  kBadChecksum,     // v2 plaintext: the CRC-32C does not match (corrupted,
                    // or another cluster whose name shares our tag)
  kUnknownSender,   // v2 heartbeat from a member id we do not know
  kStale,           // v2 heartbeat not newer than one already seen (a
                    // duplicate or a replay)
  kBadAddress,      // an entry's address is not one host's gossip port
                    // (port 0, broadcast, multicast, unspecified), or is
                    // loopback from a non-loopback sender
  kCount,           // number of reasons; not a reason
};
// "too_large", "bad_envelope", ... (stable: metric label values).
absl::string_view DropReasonName(DropReason reason);

struct DecodeResult {
  DropReason drop = DropReason::kNone;
  std::string error;  // human-readable detail when dropped
  phi::gossip::v1::Packet packet;
};

// A protocol v2 heartbeat: the sender's member id and heartbeat counter.
struct HeartbeatDatagram {
  uint64_t sender = 0;
  uint32_t counter = 0;
};

class PacketCodec {
 public:
  // `keyring` may be null (no encryption); it must outlive the codec.
  // `wire_version` is 1 or 2 (CHECK).
  PacketCodec(std::string cluster, const Keyring* keyring,
              int wire_version = 1);

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

  // Protocol v2 only: a heartbeat datagram.
  std::string EncodeHeartbeat(const HeartbeatDatagram& heartbeat) const;
  // Protocol v2 only: like DecodeInto, and a heartbeat datagram fills
  // *heartbeat (and sets *is_heartbeat) instead of *packet.
  DropReason DecodeV2(absl::string_view datagram,
                      phi::gossip::v1::Packet* packet,
                      HeartbeatDatagram* heartbeat, bool* is_heartbeat,
                      std::string* error) const;

  // Seals with `keyring`'s primary from now on and opens with any of its
  // keys; it must outlive the codec. A rotation replaces a ring with a ring:
  // turning encryption on or off needs a restart (CHECK: both null or both
  // not null).
  void ReplaceKeyring(const Keyring* keyring);
  // Datagrams authenticated by a key other than the primary, ever.
  uint64_t secondary_key_opens() const {
    return secondary_key_opens_.load(std::memory_order_relaxed);
  }

  const std::string& cluster() const { return cluster_; }
  int wire_version() const { return wire_version_; }

 private:
  std::string V2Header(bool heartbeat) const;
  // Authenticates and decrypts *body (header and cluster name as AAD);
  // on success *body points into *plaintext.
  DropReason Open(absl::string_view header, absl::string_view* body,
                  std::string* plaintext, std::string* error) const;
  // Appends the checksum (plaintext) or seals the body (keyring).
  std::string SealV2(std::string header, absl::string_view body) const;

  std::string cluster_;
  const Keyring* keyring_;
  mutable std::atomic<uint64_t> secondary_key_opens_{0};
  int wire_version_;
  uint16_t cluster_tag_;
};

}  // namespace phid

#endif  // PHID_GOSSIP_PACKET_CODEC_H_
