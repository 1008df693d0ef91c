#include "detector/calc/phi_calc_flags.h"

#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"

ABSL_FLAG(std::string, model, phid::PhiCalcFlags().model,
          "phi calculator: the arrival model, normal (exact Gaussian tail), "
          "akka (Akka's logistic approximation) or exponential (Cassandra's).");
ABSL_FLAG(std::string, mean, "",
          "phi calculator: mean heartbeat interval, a duration such as 1000ms "
          "or 1.5s. Required unless --intervals is given.");
ABSL_FLAG(std::string, stddev, "",
          "phi calculator: standard deviation of the interval, a duration. "
          "Required for normal and akka unless --intervals is given.");
ABSL_FLAG(std::string, intervals, "",
          "phi calculator: file of measured intervals, one per line: a number "
          "of ms or a duration; blank and '#' lines skipped. Replaces "
          "--mean/--stddev (population statistics of the last 100000 lines).");
ABSL_FLAG(std::string, acceptable_pause, phid::PhiCalcFlags().acceptable_pause,
          "phi calculator: extra silence tolerated before phi rises (added to "
          "the mean), a duration.");
ABSL_FLAG(std::string, min_stddev, phid::PhiCalcFlags().min_stddev,
          "phi calculator: floor on the standard deviation, a duration; 0 "
          "leaves only phi's 1ps guard against a zero stddev. The daemon's "
          "own default is 50ms.");
ABSL_FLAG(std::string, elapsed, "",
          "phi calculator: time since the last heartbeat, a duration: prints "
          "phi=<value>. Give it or --threshold (prints elapsed=<ms>ms).");

namespace phid {

PhiCalcFlags PhiCalcFlagsFromCommandLine(std::string threshold) {
  PhiCalcFlags flags;
  flags.model = absl::GetFlag(FLAGS_model);
  flags.mean = absl::GetFlag(FLAGS_mean);
  flags.stddev = absl::GetFlag(FLAGS_stddev);
  flags.intervals = absl::GetFlag(FLAGS_intervals);
  flags.acceptable_pause = absl::GetFlag(FLAGS_acceptable_pause);
  flags.min_stddev = absl::GetFlag(FLAGS_min_stddev);
  flags.elapsed = absl::GetFlag(FLAGS_elapsed);
  flags.threshold = std::move(threshold);
  return flags;
}

void AddPhiCalcFlagsToHelp(absl::string_view main_file) {
  const std::string main(main_file);
  auto listed = [main](absl::string_view file) {
    return absl::EndsWith(file, main) ||
           absl::EndsWith(file, "detector/calc/phi_calc_flags.cc");
  };
  absl::FlagsUsageConfig config;
  config.contains_help_flags = listed;
  config.contains_helpshort_flags = listed;
  absl::SetFlagsUsageConfig(config);
}

}  // namespace phid
