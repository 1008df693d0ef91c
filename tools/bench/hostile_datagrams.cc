#include "tools/bench/hostile_datagrams.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gossip/member.h"
#include "proto/gossip.pb.h"

namespace phid {

namespace wire = phi::gossip::v1;

namespace {

std::vector<std::string> Names(const std::vector<HostileDatagrams::Member>& m) {
  std::vector<std::string> names;
  for (const auto& member : m) names.push_back(member.name);
  return names;
}

}  // namespace

HostileDatagrams::HostileDatagrams(std::string target,
                                   std::vector<Member> members, uint64_t seed)
    : target_(std::move(target)),
      members_(std::move(members)),
      codec_("phid", nullptr, /*wire_version=*/2),
      garbage_("phid", target_, Names(members_), seed, /*wire_version=*/2),
      rng_(seed) {}

std::string HostileDatagrams::ForgedNews() {
  wire::Packet news;
  news.set_kind(wire::PACKET_KIND_NEWS);
  news.set_sender(absl::StrCat("forger-", next_fake_ / 20));
  news.set_sender_generation(1);
  for (int k = 0; k < 20; ++k, ++next_fake_) {
    wire::DigestEntry* e = news.add_entries();
    e->set_name(absl::StrCat("fake-", next_fake_));
    // Documentation addresses (TEST-NET-3): never reachable.
    e->set_address(absl::StrCat("203.0.113.", next_fake_ % 254 + 1, ":",
                                1024 + next_fake_ % 60000));
    e->set_generation(1);
    e->set_status(wire::MEMBER_STATUS_ALIVE);
  }
  return *codec_.Encode(news);
}

HostileDatagrams::Datagram HostileDatagrams::Next() {
  const int roll = static_cast<int>(rng_() % 100);
  if (roll < 20) return {ForgedNews(), "forged"};
  if (roll < 40) {
    std::string bytes = ForgedNews();
    const size_t at = rng_() % bytes.size();
    bytes[at] = static_cast<char>(bytes[at] ^ (1 << (rng_() % 8)));
    return {std::move(bytes), "checksum"};
  }
  if (roll < 60) {
    const Member& m = members_[rng_() % members_.size()];
    HeartbeatDatagram heartbeat{MemberId(m.name, m.generation),
                                static_cast<uint32_t>(rng_() % 3)};
    return {codec_.EncodeHeartbeat(heartbeat), "replay"};
  }
  if (roll < 90) {
    while (true) {
      e2e::GarbagePackets::Datagram d = garbage_.Next();
      // The few damaged packets still valid would be real gossip.
      if (e2e::ExpectedDrop(codec_, target_, d.bytes) != DropReason::kNone) {
        return {std::move(d.bytes), "garbage"};
      }
    }
  }
  std::string bytes(1401 + rng_() % 2600, '\0');
  for (char& c : bytes) c = static_cast<char>(rng_());
  return {std::move(bytes), "oversize"};
}

}  // namespace phid
