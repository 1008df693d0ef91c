// phid's command line: its flags, how they are parsed, and their
// translation into DaemonOptions.
//
// The flags are defined in phid_flags.cc (Abseil flags; --flagfile works).
// `phid --help` lists them (and only them; --helpfull adds Abseil's own);
// --version prints BuildInfoText() (server/build_info.h). Flags whose
// default comes from --preset (gossip_interval, fanout, model,
// acceptable_pause, min_stddev) are std::optional: unset means "the preset's
// value".
//
// Exit status 2 for every invalid option: ParsePhidCommandLine makes
// Abseil's parser exit 2 rather than 1 on an unknown flag, a bad value or a
// missing --flagfile, and DaemonOptionsFromFlags' errors are
// INVALID_ARGUMENT naming the flag. The systemd unit does not restart on 2.
//
// This file does not include glog on purpose: its `--v` flag is absl's,
// and glog (built on gflags) declares a FLAGS_v of its own.
//
// Thread safety: call from main() before starting threads.
#ifndef PHID_SERVER_PHID_FLAGS_H_
#define PHID_SERVER_PHID_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/daemon_options.h"

namespace phid {

inline constexpr int kExitBadOptions = 2;

// What the command line asks phid to do once it parsed.
enum class PhidCommand {
  kRun,            // start the daemon
  kCheckArgsOnly,  // --only_check_args: validate everything, bind nothing
  kKeygen,         // `phid keygen FILE`: write a new key file (keygen.h)
};

// Parses argv with Abseil's parser. Exits 2 (after Abseil's message naming
// the flag) on an unknown flag, a bad value or an unreadable --flagfile, and
// 2 on a positional argument other than `keygen FILE`; exits 0 after
// printing --help, --helpfull, --helpshort, --helpon, --helpmatch,
// --helppackage or --version. Returns what remains to do; for kKeygen,
// *keygen_file is FILE.
PhidCommand ParsePhidCommandLine(int argc, char** argv,
                                 std::string* keygen_file);

// --keygen_overwrite.
bool KeygenOverwriteFromFlags();

// The options the current flag values describe, validated
// (DaemonOptions::Validate). `hostname` is the --name default;
// `interface_address` ("ip", may be empty) is what to advertise when --bind
// is a wildcard and --advertise is not given.
absl::StatusOr<DaemonOptions> DaemonOptionsFromFlags(
    const std::string& hostname, const std::string& interface_address);

// The --v flag (glog verbosity).
int VerbosityFromFlags();

// Whether `phid --help` lists the flags defined in `file` (a path as
// __FILE__ gives it): phid's own flags, not the libraries'.
bool IsPhidFlagsFile(absl::string_view file);

}  // namespace phid

#endif  // PHID_SERVER_PHID_FLAGS_H_
