#include "tests/garbage_packets.h"

#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gossip/address.h"
#include "gossip/crc32c.h"
#include "gossip/digest.h"
#include "gossip/membership.h"
#include "gossip/transport.h"

namespace phid {
namespace e2e {

namespace wire = ::phi::gossip::v1;

GarbagePackets::GarbagePackets(std::string cluster, std::string target,
                               std::vector<std::string> members, uint64_t seed,
                               int wire_version)
    : target_(std::move(target)),
      members_(std::move(members)),
      codec_(cluster, nullptr, wire_version),
      other_cluster_(absl::StrCat(cluster, "-other"), nullptr, wire_version),
      rng_(seed) {}

std::string GarbagePackets::Header(bool encrypted) const {
  if (codec_.wire_version() == 1) {
    return std::string("\x70\x01", 2) + (encrypted ? '\x01' : '\x00');
  }
  // 0x72, flags, the cluster tag (low 16 bits of CRC-32C(cluster), LE).
  uint32_t tag = Crc32c(codec_.cluster()) & 0xffff;
  return {'\x72', encrypted ? '\x01' : '\x00', static_cast<char>(tag & 0xff),
          static_cast<char>(tag >> 8)};
}

size_t GarbagePackets::Uniform(size_t lo, size_t hi) {
  return std::uniform_int_distribution<size_t>(lo, hi)(rng_);
}

bool GarbagePackets::Chance(double p) {
  return std::bernoulli_distribution(p)(rng_);
}

std::string GarbagePackets::RandomBytes(size_t n) {
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng_() & 0xff);
  return out;
}

wire::Packet GarbagePackets::PlausiblePacket() {
  wire::Packet packet;
  packet.set_kind(static_cast<wire::PacketKind>(Uniform(1, 3)));
  packet.set_sender(absl::StrCat("ghost-", Uniform(0, 50)));
  packet.set_sender_generation(Uniform(1, uint64_t{1} << 52));
  if (packet.kind() != wire::PACKET_KIND_GOSSIP) {
    packet.set_parts(static_cast<uint32_t>(Uniform(1, 3)));
    packet.set_part(static_cast<uint32_t>(Uniform(0, packet.parts() - 1)));
  }
  const size_t entries = Uniform(1, 10);
  for (size_t i = 0; i < entries; ++i) {
    wire::DigestEntry* e = packet.add_entries();
    e->set_name(Chance(0.5) ? members_[Uniform(0, members_.size() - 1)]
                            : absl::StrCat("ghost-", Uniform(0, 50)));
    e->set_generation(Uniform(1, uint64_t{1} << 52));
    e->set_heartbeat(Uniform(0, 100000));
    e->set_status(Chance(0.9) ? wire::MEMBER_STATUS_ALIVE
                              : wire::MEMBER_STATUS_LEFT);
    if (Chance(0.3)) continue;  // compact
    e->set_address(
        absl::StrCat("127.0.1.", Uniform(1, 254), ":", Uniform(1024, 65535)));
    if (Chance(0.5)) {
      wire::IntervalStats* s = e->mutable_stats();
      s->set_count(Uniform(1, 1000));
      s->set_mean_ms(50 + static_cast<double>(Uniform(0, 450)));
      s->set_variance_ms2(static_cast<double>(Uniform(0, 10000)));
    }
    if (Chance(0.5)) e->set_phi(static_cast<double>(Uniform(0, 200)) / 10);
    if (Chance(0.3)) (*e->mutable_tags())["zone"] = "a";
  }
  return packet;
}

std::string GarbagePackets::Encode(const PacketCodec& codec,
                                   const wire::Packet& packet) {
  absl::StatusOr<std::string> bytes = codec.Encode(packet);
  return bytes.ok() ? *std::move(bytes) : std::string();
}

std::string GarbagePackets::Mutate(std::string bytes) {
  const size_t mutations = Uniform(1, 4);
  for (size_t m = 0; m < mutations; ++m) {
    // Mostly past the 3-byte envelope header, where the protobuf is.
    auto position = [&]() -> size_t {
      if (bytes.empty()) return 0;
      if (bytes.size() > 3 && Chance(0.9)) return Uniform(3, bytes.size() - 1);
      return Uniform(0, bytes.size() - 1);
    };
    switch (Uniform(0, 5)) {
      case 0:  // flip a bit
        if (!bytes.empty())
          bytes[position()] ^= static_cast<char>(1 << Uniform(0, 7));
        break;
      case 1:  // replace a byte
        if (!bytes.empty()) bytes[position()] = static_cast<char>(rng_());
        break;
      case 2:  // truncate
        if (!bytes.empty()) bytes.resize(Uniform(0, bytes.size() - 1));
        break;
      case 3:  // extend
        bytes += RandomBytes(Uniform(1, 64));
        break;
      case 4:  // insert a byte
        bytes.insert(bytes.begin() + static_cast<long>(position()),
                     static_cast<char>(rng_()));
        break;
      case 5:  // erase a few bytes
        if (!bytes.empty()) {
          size_t at = position();
          bytes.erase(at, Uniform(1, 8));
        }
        break;
    }
  }
  return bytes;
}

GarbagePackets::Datagram GarbagePackets::Next() {
  const size_t pick = Uniform(0, 99);
  if (pick < 15) {
    return {RandomBytes(Uniform(0, 1500)), "random"};
  }
  if (pick < 25) {
    return {Header(false) + RandomBytes(Uniform(0, 1300)),
            "random_after_header"};
  }
  if (pick < 30) {
    return {Header(true) + RandomBytes(Uniform(0, 200)), "random_encrypted"};
  }
  if (pick < 70) {
    return {Mutate(Encode(codec_, PlausiblePacket())), "mutated"};
  }
  if (pick < 75) {
    std::string bytes = Encode(other_cluster_, PlausiblePacket());
    return {Chance(0.3) ? Mutate(std::move(bytes)) : std::move(bytes),
            "wrong_cluster"};
  }
  if (pick < 80) {
    wire::Packet packet = PlausiblePacket();
    packet.set_cluster(codec_.cluster());
    packet.set_version(Chance(0.5) ? 0
                                   : static_cast<uint32_t>(Uniform(2, 1000)));
    return {std::string("\x70\x01\x00", 3) + packet.SerializeAsString(),
            "bad_version"};
  }
  if (pick < 85) {
    std::string bytes = Encode(codec_, PlausiblePacket());
    bytes += RandomBytes(kMaxDatagramBytes + Uniform(1, 400) - bytes.size());
    return {std::move(bytes), "oversize"};
  }
  // Well-formed, but content the protocol forbids.
  wire::Packet packet = PlausiblePacket();
  wire::DigestEntry* entry = packet.mutable_entries(
      static_cast<int>(Uniform(0, packet.entries_size() - 1)));
  switch (Uniform(0, 8)) {
    case 0:
      packet.set_sender(target_);  // our own name from elsewhere
      break;
    case 1:
      packet.clear_sender();
      break;
    case 2:
      entry->clear_name();
      break;
    case 3:
      entry->set_generation(0);
      break;
    case 4:
      entry->set_name("no spaces allowed");
      break;
    case 5:
      entry->set_phi(Chance(0.5) ? -1.0
                                 : std::numeric_limits<double>::infinity());
      if (entry->address().empty()) entry->set_address("127.0.1.1:1");
      break;
    case 6:
      entry->set_status(static_cast<wire::MemberStatus>(Uniform(3, 100)));
      break;
    case 7:  // a compact entry may not carry statistics
      entry->clear_address();
      entry->mutable_stats()->set_count(1);
      entry->mutable_stats()->set_mean_ms(100);
      break;
    case 8: {  // an address that is no host's gossip port
      static const char* const kNotUnicast[] = {
          "127.0.1.1:0",  "255.255.255.255:7946", "224.0.0.1:7946",
          "0.0.0.0:7946", "[ff02::1]:7946",       "[::]:7946"};
      entry->set_address(kNotUnicast[Uniform(0, 5)]);
      return {Encode(codec_, packet), "bad_address"};
    }
  }
  return {Encode(codec_, packet), "invalid_content"};
}

DropReason ExpectedDrop(const PacketCodec& codec, const std::string& self,
                        absl::string_view datagram, absl::string_view sender) {
  DecodeResult decoded;
  if (codec.wire_version() == 2) {
    HeartbeatDatagram heartbeat;
    bool is_heartbeat = false;
    std::string error;
    decoded.drop = codec.DecodeV2(datagram, &decoded.packet, &heartbeat,
                                  &is_heartbeat, &error);
    // A damaged heartbeat that still checks out names no member we know.
    if (decoded.drop == DropReason::kNone && is_heartbeat) {
      return DropReason::kUnknownSender;
    }
  } else {
    decoded = codec.Decode(datagram);
  }
  if (decoded.drop != DropReason::kNone) return decoded.drop;
  if (decoded.packet.sender() == self) return DropReason::kInvalidContent;
  for (const wire::DigestEntry& entry : decoded.packet.entries()) {
    GossipEntry unused;
    std::string error;
    if (!FromWire(entry, &unused, &error)) return DropReason::kInvalidContent;
    if (!unused.compact &&
        !CheckAnnouncedAddress(unused.record.address, sender).ok()) {
      return DropReason::kBadAddress;
    }
  }
  return DropReason::kNone;
}

}  // namespace e2e
}  // namespace phid
