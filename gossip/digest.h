// DigestBuilder: chooses which member entries go into each gossip packet.
//
// A packet holds at most kMaxDatagramBytes, about a dozen entries, so at
// large N a digest cannot carry everyone. Order of choice:
//   1. our own entry, always (our heartbeat is the news only we create);
//   2. membership news (join, restart, leave) still within its piggyback
//      budget of news_retransmit_mult * ceil(log2(N + 1)) sends — the
//      epidemic bound that reaches all N members in O(log N) rounds — in
//      at most half the packet, so heartbeats keep flowing during a join
//      storm. A peer that shows it already has the news cuts the budget to
//      5 * news_retransmit_mult (see Membership: rumor mongering with
//      feedback);
//   3. fresh heartbeats: members whose newer heartbeat we learned since our
//      last round, newest first, as compact entries (~25 bytes instead of
//      ~90) in every packet of the round, using up to 60% of the packet, so
//      each new heartbeat spreads as an epidemic with branching factor
//      `fanout` instead of waiting for its turn;
//   4. the rest round-robin from a cursor that persists across packets, so
//      every member's latest heartbeat, statistics and our phi for it leave
//      this node every ceil(N / entries-per-packet) packets.
// With fanout f and E entries per packet, an observer hears about a given
// member about f*E/N times per round once N > E.
//
// Not thread-safe; owned by a GossipNode.
#ifndef PHID_GOSSIP_DIGEST_H_
#define PHID_GOSSIP_DIGEST_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "detector/base/clock.h"
#include "gossip/membership.h"
#include "proto/gossip.pb.h"

namespace phid {

// Converts between the wire entry and the validated in-memory entry.
// A compact entry carries only what an arrival needs (see gossip.proto).
// `v2`: no statistics or phi, but the member's monitor reports.
void ToWire(const Member& member, bool is_self, MonoTime now,
            phi::gossip::v1::DigestEntry* out, bool compact = false,
            bool v2 = false);
// Validates a wire entry; false (with the reason in *error) if invalid.
bool FromWire(const phi::gossip::v1::DigestEntry& wire, GossipEntry* out,
              std::string* error);
// Bytes `entry` adds to a Packet: its field tag, length and payload. The
// one measure every packer uses against its byte budget.
size_t EntryWireSize(const phi::gossip::v1::DigestEntry& entry);

class DigestBuilder {
 public:
  // Starts a round: takes the fresh heartbeats the round's packets share.
  void BeginRound(Membership& membership, size_t max_fresh);
  // Fills `packet` with entries up to `byte_budget` serialized bytes.
  void Fill(Membership& membership, MonoTime now, size_t byte_budget,
            phi::gossip::v1::Packet* packet);

 private:
  // Member pointers are valid for one round: nothing merges or reaps
  // between BeginRound and the round's last Fill.
  std::string cursor_;                        // last member sent round-robin
  std::vector<const Member*> fresh_;          // this round's fresh
  std::vector<const Member*> news_;           // most urgent first
  absl::flat_hash_set<const Member*> added_;  // in this packet
};

}  // namespace phid

#endif  // PHID_GOSSIP_DIGEST_H_
