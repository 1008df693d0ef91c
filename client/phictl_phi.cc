// phi: the phi calculator, injected by the phictl binary as
// PhictlEnvironment::phi_calculator (phictl.h). The calculator reads its own
// flags; it gets only --threshold, phictl's, and only if given, so its own
// default applies otherwise.
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "client/phictl_commands.h"

namespace phid {
namespace phictl_internal {

int RunPhi(const PhictlFlags& flags, const PhictlEnvironment& env) {
  if (!env.phi_calculator) {
    *env.err << "phictl: phi is not built in; use bazel run //tools:phi_calc\n";
    return kExitFailure;
  }
  const std::string threshold = flags.given.count("threshold") > 0
                                    ? absl::StrCat(flags.threshold)
                                    : std::string();
  absl::StatusOr<std::string> line = env.phi_calculator(threshold);
  if (!line.ok()) return Fail(line.status(), env);
  *env.out << *line << "\n";
  return kExitOk;
}

}  // namespace phictl_internal
}  // namespace phid
