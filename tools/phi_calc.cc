// phi_calc: prints phi for a given silence, or the silence at which phi
// reaches a threshold, for a heartbeat interval distribution. A what-if tool
// for choosing detector options; the logic is in detector/calc/phi_calc.h.
#include "detector/calc/phi_calc.h"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"

ABSL_FLAG(std::string, model, "normal",
          "Arrival model: normal (exact Gaussian tail), akka (Akka's "
          "logistic approximation) or exponential (Cassandra's).");
ABSL_FLAG(std::string, mean, "",
          "Mean heartbeat interval, a duration such as 1000ms or 1.5s. "
          "Required unless --intervals is given.");
ABSL_FLAG(std::string, stddev, "",
          "Standard deviation of the interval, a duration. Required for "
          "normal and akka unless --intervals is given.");
ABSL_FLAG(std::string, intervals, "",
          "File of measured intervals, one per line: a number of ms or a "
          "duration; blank and '#' lines skipped. Replaces --mean/--stddev "
          "(population statistics of the last 100000 lines).");
ABSL_FLAG(std::string, acceptable_pause, "0s",
          "Extra silence tolerated before phi rises (added to the mean), a "
          "duration.");
ABSL_FLAG(
    std::string, min_stddev, "1ms",
    "Floor on the standard deviation, a duration; 0 leaves only phi's 1ps "
    "guard against a zero stddev. The "
    "daemon's own default is 50ms.");
ABSL_FLAG(std::string, elapsed, "",
          "Time since the last heartbeat, a duration: prints phi=<value>.");
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

// Handled by absl's usage code rather than registered as flags.
constexpr absl::string_view kUsageFlags[] = {
    "help",    "helpfull",        "helpshort", "helppackage",
    "version", "only_check_args", "helpon",    "helpmatch"};

// absl::ParseCommandLine exits 1 on an unknown flag; this tool promises 2 for
// every input error, so unknown flags are caught first.
bool AllFlagsKnown(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (!absl::ConsumePrefix(&arg, "--") && !absl::ConsumePrefix(&arg, "-")) {
      continue;
    }
    const absl::string_view name = arg.substr(0, arg.find('='));
    if (absl::FindCommandLineFlag(name) != nullptr) continue;
    if (std::find(std::begin(kUsageFlags), std::end(kUsageFlags), name) !=
        std::end(kUsageFlags)) {
      continue;
    }
    // --nofoo negates a boolean flag foo.
    if (absl::StartsWith(name, "no") &&
        absl::FindCommandLineFlag(name.substr(2)) != nullptr) {
      continue;
    }
    std::fprintf(stderr, "phi_calc: unknown flag --%.*s (see --help)\n",
                 static_cast<int>(name.size()), name.data());
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  if (!AllFlagsKnown(argc, argv)) return kExitBadInput;
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    std::fprintf(stderr, "phi_calc: unexpected argument \"%s\" (see --help)\n",
                 positional[1]);
    return kExitBadInput;
  }

  phid::PhiCalcFlags flags;
  flags.model = absl::GetFlag(FLAGS_model);
  flags.mean = absl::GetFlag(FLAGS_mean);
  flags.stddev = absl::GetFlag(FLAGS_stddev);
  flags.intervals = absl::GetFlag(FLAGS_intervals);
  flags.acceptable_pause = absl::GetFlag(FLAGS_acceptable_pause);
  flags.min_stddev = absl::GetFlag(FLAGS_min_stddev);
  flags.elapsed = absl::GetFlag(FLAGS_elapsed);
  flags.threshold = absl::GetFlag(FLAGS_threshold);

  const absl::StatusOr<std::string> line = phid::RunPhiCalc(flags);
  if (!line.ok()) {
    const std::string message(line.status().message());
    std::fprintf(stderr, "phi_calc: %s\n", message.c_str());
    return kExitBadInput;
  }
  std::printf("%s\n", line->c_str());
  return 0;
}
