// phi: the phi calculator, injected by the phictl binary as
// PhictlEnvironment::phi_calculator (phictl_commands.h). Passes on only the
// calculator's flags that were given, so its own defaults apply.
#include <string>
#include <utility>
#include <vector>

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
  const std::vector<std::pair<std::string, std::string>> values = {
      {"model", flags.model},
      {"mean", flags.mean},
      {"stddev", flags.stddev},
      {"intervals", flags.intervals},
      {"acceptable_pause", flags.acceptable_pause},
      {"min_stddev", flags.min_stddev},
      {"elapsed", flags.elapsed},
      {"threshold", absl::StrCat(flags.threshold)},
  };
  std::vector<std::pair<std::string, std::string>> given;
  for (const auto& [name, value] : values) {
    if (flags.given.count(name) > 0) given.emplace_back(name, value);
  }
  absl::StatusOr<std::string> line = env.phi_calculator(given);
  if (!line.ok()) return Fail(line.status(), env);
  *env.out << *line << "\n";
  return kExitOk;
}

}  // namespace phictl_internal
}  // namespace phid
