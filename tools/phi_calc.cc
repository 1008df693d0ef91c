// phi_calc: prints phi for a given silence, or the silence at which phi
// reaches a threshold, for a heartbeat interval distribution. A what-if tool
// for choosing detector options; the logic is in detector/calc/phi_calc.h,
// the flags (but --threshold) in detector/calc/phi_calc_flags.h, shared with
// `phictl phi`.
#include "detector/calc/phi_calc.h"

#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "detector/base/flag_args.h"
#include "detector/calc/phi_calc_flags.h"

ABSL_FLAG(std::string, threshold, "",
          "A phi value > 0: prints elapsed=<ms>ms, when phi reaches it.");

namespace {

constexpr char kUsage[] =
    "Computes phi-accrual failure detector values.\n"
    "\n"
    "  phi_calc --model=akka --mean=1000ms --stddev=100ms --elapsed=1400ms\n"
    "    prints phi after 1400ms of silence, e.g. \"phi=4.737\"\n"
    "  phi_calc --model=normal --mean=1s --stddev=100ms --threshold=8\n"
    "    prints when phi reaches 8, e.g. \"elapsed=1561.200ms\"\n"
    "\n"
    "Give --mean (and --stddev) or --intervals, and exactly one of --elapsed\n"
    "and --threshold. Output is one line on stdout: \"phi=<value>\" with 3\n"
    "decimals, or \"elapsed=<ms>ms\" in milliseconds with 3 decimals.\n"
    "Durations take a unit: 250us, 1400ms, 1.5s, 2m. Exit status: 0 on\n"
    "success, 2 on bad input (with a message on stderr).";

constexpr int kExitBadInput = 2;

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  phid::AddPhiCalcFlagsToHelp("tools/phi_calc.cc");
  // absl::ParseCommandLine exits 1 on a bad flag; this tool promises 2 for
  // every input error, so flags are checked first.
  if (absl::StatusOr<std::set<std::string>> given =
          phid::CheckFlagArguments(argc, argv);
      !given.ok()) {
    const std::string message(given.status().message());
    std::fprintf(stderr, "phi_calc: %s (see --help)\n", message.c_str());
    return kExitBadInput;
  }
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    std::fprintf(stderr, "phi_calc: unexpected argument \"%s\" (see --help)\n",
                 positional[1]);
    return kExitBadInput;
  }

  const absl::StatusOr<std::string> line = phid::RunPhiCalc(
      phid::PhiCalcFlagsFromCommandLine(absl::GetFlag(FLAGS_threshold)));
  if (!line.ok()) {
    const std::string message(line.status().message());
    std::fprintf(stderr, "phi_calc: %s\n", message.c_str());
    return kExitBadInput;
  }
  std::printf("%s\n", line->c_str());
  return 0;
}
