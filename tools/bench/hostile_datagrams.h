// HostileDatagrams: the mixed datagram flood of abuse_soak's "hostile"
// phase (issues 12 and 14), aimed at one daemon of a plaintext protocol-2
// cluster:
//   forged   20 %  news of 20 never-seen members each, well formed and
//                  checksummed (admission control refuses most)
//   checksum 20 %  a valid news packet with one bit flipped
//   replay   20 %  heartbeats of real members with counters already seen
//   garbage  30 %  GarbagePackets (damaged, random, wrong cluster, ...),
//                  minus the few that are still valid
//   oversize 10 %  1,401 to 4,000 bytes
// Deterministic for a given seed. Not thread-safe.
#ifndef PHID_TOOLS_BENCH_HOSTILE_DATAGRAMS_H_
#define PHID_TOOLS_BENCH_HOSTILE_DATAGRAMS_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gossip/packet_codec.h"
#include "tests/garbage_packets.h"

namespace phid {

class HostileDatagrams final {
 public:
  struct Member {
    std::string name;
    uint64_t generation;
  };
  struct Datagram {
    std::string bytes;
    const char* kind;  // "forged", "checksum", ... (static storage)
  };

  // `target` is the daemon's name; `members` the real members (with their
  // generations, from ListPeers).
  HostileDatagrams(std::string target, std::vector<Member> members,
                   uint64_t seed);
  HostileDatagrams(const HostileDatagrams&) = delete;
  HostileDatagrams& operator=(const HostileDatagrams&) = delete;

  Datagram Next();

 private:
  std::string ForgedNews();

  const std::string target_;
  const std::vector<Member> members_;
  const PacketCodec codec_;
  e2e::GarbagePackets garbage_;
  std::mt19937_64 rng_;
  uint64_t next_fake_ = 0;
};

}  // namespace phid

#endif  // PHID_TOOLS_BENCH_HOSTILE_DATAGRAMS_H_
