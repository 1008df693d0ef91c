// ProbeLimiter: at most one datagram per member per interval, for a
// bounded number of members: what keeps the answers to reconnect probes
// (and the probes a peer's news prompts) from making a daemon a reflector
// or an amplifier, whatever forged datagrams arrive.
//
// Remembers when each member was last allowed one (by member id). Entries
// older than `every` are forgotten when room is needed; while `capacity`
// members were allowed one within the last `every`, no other member is.
// Memory: at most `capacity` entries (16 bytes each).
//
// Not thread-safe; owned by a GossipNode.
#ifndef PHID_GOSSIP_PROBE_LIMITER_H_
#define PHID_GOSSIP_PROBE_LIMITER_H_

#include <cstddef>
#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "detector/base/clock.h"

namespace phid {

class ProbeLimiter final {
 public:
  // `every` > 0, `capacity` >= 1.
  ProbeLimiter(absl::Duration every, size_t capacity)
      : every_(every), capacity_(capacity) {}
  ProbeLimiter(const ProbeLimiter&) = delete;
  ProbeLimiter& operator=(const ProbeLimiter&) = delete;

  // Whether member `id` may be sent one at `now`; if so, that is
  // remembered.
  bool Allow(uint64_t id, MonoTime now);
  size_t size() const { return last_.size(); }

 private:
  absl::Duration every_;
  size_t capacity_;
  absl::flat_hash_map<uint64_t, MonoTime> last_;
};

}  // namespace phid

#endif  // PHID_GOSSIP_PROBE_LIMITER_H_
