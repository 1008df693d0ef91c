// GarbagePackets: damaged gossip datagrams, made from real ones, for
// throwing at a daemon's UDP port; and ExpectedDrop, which says what a
// daemon must do with each.
//
// The valid packets are built with the real encoder (PacketCodec and the
// gossip proto), then damaged: bits flipped, bytes replaced, inserted or
// erased, truncated, extended past the datagram limit; or re-encoded for
// another cluster or wire version; or given content the protocol forbids
// (our own name as sender, an entry with generation 0, ...). Pure random
// bytes, with and without a valid envelope header, are mixed in. A damaged
// packet may by chance still be valid: ExpectedDrop tells, and a test that
// must not change membership skips those.
//
// Deterministic for a given seed. Not thread-safe.
#ifndef PHID_TESTS_GARBAGE_PACKETS_H_
#define PHID_TESTS_GARBAGE_PACKETS_H_

#include <cstdint>
#include <random>
#include <string>

#include "absl/strings/string_view.h"
#include "gossip/packet_codec.h"
#include "proto/gossip.pb.h"

namespace phid {
namespace e2e {

class GarbagePackets final {
 public:
  struct Datagram {
    std::string bytes;
    // How it was made: "random", "mutated", "wrong_cluster", ... (static
    // storage).
    const char* kind;
  };

  // Datagrams aimed at daemon `target` (a member name) of the plaintext
  // cluster `cluster`; `members` are names real members use, so damaged
  // entries concern them too.
  // `wire_version` is the daemons' protocol (GossipOptions::protocol).
  GarbagePackets(std::string cluster, std::string target,
                 std::vector<std::string> members, uint64_t seed,
                 int wire_version = 2);
  GarbagePackets(const GarbagePackets&) = delete;
  GarbagePackets& operator=(const GarbagePackets&) = delete;

  Datagram Next();

 private:
  phi::gossip::v1::Packet PlausiblePacket();
  // A valid envelope header for random bytes to follow.
  std::string Header(bool encrypted) const;
  std::string Encode(const PacketCodec& codec,
                     const phi::gossip::v1::Packet& packet);
  std::string Mutate(std::string bytes);
  std::string RandomBytes(size_t n);
  size_t Uniform(size_t lo, size_t hi);  // [lo, hi]
  bool Chance(double p);

  const std::string target_;
  const std::vector<std::string> members_;
  const PacketCodec codec_;
  const PacketCodec other_cluster_;
  std::mt19937_64 rng_;
};

// What a daemon named `self`, whose codec is `codec`, does with `datagram`:
// the DropReason it counts, or DropReason::kNone if it accepts the packet.
// Mirrors GossipNode::OnPacket: the codec's checks, then our own name as
// sender, then every entry's validity (FromWire) and address
// (CheckAnnouncedAddress, for a datagram from `sender`: the tests send
// from loopback).
DropReason ExpectedDrop(const PacketCodec& codec, const std::string& self,
                        absl::string_view datagram,
                        absl::string_view sender = "127.0.0.1:1");

}  // namespace e2e
}  // namespace phid

#endif  // PHID_TESTS_GARBAGE_PACKETS_H_
