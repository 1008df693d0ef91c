// What this phid binary is: its version, the commit it was built from and
// the build mode. `phid --version` prints BuildInfoText().
//
// The commit is stamped at build time: .bazelrc runs
// tools/workspace_status.sh (--workspace_status_command), and a stamped
// genrule (server/BUILD.bazel, :build_stamp) writes its STABLE_PHID_COMMIT
// into the binary. A build without that command, or outside a git checkout,
// says "unknown". Thread-safe (constants).
#ifndef PHID_SERVER_BUILD_INFO_H_
#define PHID_SERVER_BUILD_INFO_H_

#include <string>

#include "absl/strings/string_view.h"

namespace phid {

// The release this source tree is; bumped by hand with each release.
inline constexpr absl::string_view kPhidVersion = "0.1.0";

// The git commit (12 hex digits, "-dirty" if the tree had uncommitted
// changes), or "unknown".
absl::string_view BuildCommit();

// Bazel's compilation mode: "opt", "dbg" or "fastbuild".
absl::string_view BuildMode();

// Three lines, e.g.
//   phid 0.1.0
//   commit 94e6dd3a1b2c
//   build opt (assertions off)
std::string BuildInfoText();

}  // namespace phid

#endif  // PHID_SERVER_BUILD_INFO_H_
