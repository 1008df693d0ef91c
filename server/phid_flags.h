// phid's command-line flags and their translation into DaemonOptions.
//
// The flags are defined in phid_flags.cc (absl flags; --flagfile works).
// Flags whose default comes from --preset (gossip_interval, fanout, model,
// acceptable_pause, min_stddev) are empty strings by default, meaning "the
// preset's value". Every error names the flag; phid exits 2 on any.
//
// This file does not include glog on purpose: its `--v` flag is absl's,
// and glog (built on gflags) declares a FLAGS_v of its own.
#ifndef PHID_SERVER_PHID_FLAGS_H_
#define PHID_SERVER_PHID_FLAGS_H_

#include <string>

#include "absl/status/statusor.h"
#include "server/daemon_options.h"

namespace phid {

// The options the current flag values describe, validated. `hostname` is
// the --name default; `interface_address` ("ip", may be empty) is what to
// advertise when --bind is a wildcard and --advertise is not given.
absl::StatusOr<DaemonOptions> DaemonOptionsFromFlags(
    const std::string& hostname, const std::string& interface_address);

// The --v flag (glog verbosity).
int VerbosityFromFlags();

}  // namespace phid

#endif  // PHID_SERVER_PHID_FLAGS_H_
