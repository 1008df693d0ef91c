// JoinWatch: when a daemon that has not joined its cluster warns about it,
// and what the warning says.
//
// A daemon whose seeds never answer gossips with nobody, and nothing else
// tells the operator. So after kGrace without joining (a rollout may start
// a daemon a few seconds before its seeds) it logs a WARNING naming the
// seeds it tried, what they resolved to, and the likely causes, and repeats
// it every kRepeat while it stays unjoined. What "joined" means is
// GossipNode::Joined()'s to say; this class only keeps the schedule.
//
// Thread safety: none; owned by a GossipNode.
#ifndef PHID_GOSSIP_JOIN_WATCH_H_
#define PHID_GOSSIP_JOIN_WATCH_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "detector/base/clock.h"
#include "gossip/gossip_counters.h"

namespace phid {

// One configured seed and what its last lookup gave.
struct SeedLookup {
  std::string seed;                    // as configured
  std::vector<std::string> addresses;  // numeric; the seed itself if numeric
  std::string error;                   // why it resolved to nothing
};

class JoinWatch final {
 public:
  // First warning after this long unjoined; then one every kRepeat.
  static constexpr absl::Duration kGrace = absl::Seconds(10);
  static constexpr absl::Duration kRepeat = absl::Seconds(30);

  explicit JoinWatch(MonoTime now) : unjoined_since_(now) {}
  JoinWatch(const JoinWatch&) = delete;
  JoinWatch& operator=(const JoinWatch&) = delete;

  // Called every round with whether we are joined now (or need no join
  // warning); true when a warning is due.
  bool WarningDue(bool joined, MonoTime now);
  // How long we have been unjoined (zero while joined).
  absl::Duration UnjoinedFor(MonoTime now) const {
    return joined_ ? absl::ZeroDuration() : now - unjoined_since_;
  }

 private:
  bool joined_ = false;
  MonoTime unjoined_since_;
  int warnings_ = 0;  // since we were last joined
};

// The warning: how long, the seeds tried (and their addresses), the peers
// known, and the likely causes, with the mismatch drops seen so far (from
// `counters`) singled out.
std::string JoinWarning(absl::Duration unjoined_for,
                        const std::vector<SeedLookup>& seeds, int peers,
                        const GossipCounters& counters);

}  // namespace phid

#endif  // PHID_GOSSIP_JOIN_WATCH_H_
