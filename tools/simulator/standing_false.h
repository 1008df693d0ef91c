// False suspicions still standing when a simulation ends.
//
// The scenario's probes count a false suspicion when the next evidence on a
// healthy member arrives at an observer whose phi for it had passed a
// threshold. A suspicion that never ends (a stale curve that no recovery or
// repair reached) has no next evidence, so the probes would never count
// it. CountStandingFalse finds those at the end of a run: every live
// observer's curve of every member not in `excluded` (the faulty), at or
// above a threshold now. It reads the cluster between runs only.
#ifndef PHID_TOOLS_SIMULATOR_STANDING_FALSE_H_
#define PHID_TOOLS_SIMULATOR_STANDING_FALSE_H_

#include <set>
#include <string>
#include <vector>

#include "detector/base/mono_time.h"
#include "gossip/sim_cluster.h"

namespace phid {

// Per threshold (in the order given): how many (observer, member) pairs
// stand at or above it, and their durations summed, each from its
// crossing or `since`, whichever is later, to now.
struct StandingFalse {
  std::vector<int> count;
  std::vector<double> duration_ms;
};

StandingFalse CountStandingFalse(SimCluster& cluster,
                                 const std::set<std::string>& excluded,
                                 const std::vector<double>& thresholds,
                                 MonoTime since);

}  // namespace phid

#endif  // PHID_TOOLS_SIMULATOR_STANDING_FALSE_H_
