// CheckFlagArguments: the command lines' own check of argv against the
// registered Abseil flags, run before absl::ParseCommandLine, which exits 1
// on a bad flag where phid's command-line tools promise 2 for every input
// error (phictl, phi_calc). The one pre-parser: a tool calls it, prints the
// error with its name and exits 2, then lets Abseil parse for real.
//
// Thread safety: call from main() before starting threads (it sets flags).
#ifndef PHID_DETECTOR_BASE_FLAG_ARGS_H_
#define PHID_DETECTOR_BASE_FLAG_ARGS_H_

#include <set>
#include <string>

#include "absl/status/statusor.h"

namespace phid {

// Checks every flag in argv[1..] (up to a "--") against the registered
// flags, and sets the ones it parses. Returns the names of the flags given
// (--nofoo gives foo), or INVALID_ARGUMENT for an unknown flag ("unknown
// flag --x"), a missing value ("--x needs a value") or a value its type
// cannot parse ("bad value for --x: ..."). Abseil's usage flags (--help,
// --helpon=..., --version, ...) are left to absl::ParseCommandLine.
absl::StatusOr<std::set<std::string>> CheckFlagArguments(int argc, char** argv);

}  // namespace phid

#endif  // PHID_DETECTOR_BASE_FLAG_ARGS_H_
