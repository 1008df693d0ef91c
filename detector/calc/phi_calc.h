// The phi calculator behind `phi_calc` and `phictl phi`: turns the
// command-line arguments, as typed, into one machine-friendly output line.
//
// Given an interval distribution (--mean/--stddev, or a file of measured
// intervals) and a model, it answers one of two questions:
//   --elapsed=D    phi D after the last heartbeat?  -> "phi=4.737"
//   --threshold=T  when does phi reach T?           -> "elapsed=1561.200ms"
// phi is printed with 3 decimals; the elapsed time in milliseconds with 3
// decimals (microseconds), always with the "ms" suffix.
//
// Arguments stay strings until RunPhiCalc parses them, so every mistake comes
// back as one INVALID_ARGUMENT naming the flag, for the binary to print and
// exit 2. Thread-safe (no shared state); reads the --intervals file.
#ifndef PHID_DETECTOR_CALC_PHI_CALC_H_
#define PHID_DETECTOR_CALC_PHI_CALC_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "detector/phi.h"

namespace phid {

// The flags as typed. An empty string means "not given".
struct PhiCalcFlags {
  std::string model = "normal";  // normal | akka | exponential
  std::string mean;              // duration, e.g. "1000ms"
  std::string stddev;            // duration; not needed for exponential
  std::string intervals;         // path; instead of mean and stddev
  std::string acceptable_pause = "0s";
  // Floor on the stddev, like DetectorOptions::min_stddev but defaulting to
  // 1ms: a calculator should show the raw model, only guarded against a zero
  // stddev. "0" leaves just phi's internal 1ps guard.
  std::string min_stddev = "1ms";
  std::string elapsed;    // duration; exactly one of elapsed and threshold
  std::string threshold;  // phi, a number > 0
};

// A parsed, validated question.
struct PhiCalcQuery {
  PhiModel model = PhiModel::kNormal;
  IntervalDistribution distribution;  // stddev already floored
  absl::optional<double> elapsed_ms;  // exactly one of these is set
  absl::optional<double> threshold;
};

// Parses and validates the flags, reading the --intervals file if given.
absl::StatusOr<PhiCalcQuery> ParsePhiCalcFlags(const PhiCalcFlags& flags);

// The output line for a query: "phi=..." or "elapsed=...ms". OUT_OF_RANGE if
// phi never reaches the threshold.
absl::StatusOr<std::string> EvaluatePhiCalc(const PhiCalcQuery& query);

// ParsePhiCalcFlags then EvaluatePhiCalc.
absl::StatusOr<std::string> RunPhiCalc(const PhiCalcFlags& flags);

// Parses an intervals file: one interval per line, either a number of
// milliseconds ("1003.5") or a duration ("1.0035s"). Blank lines and lines
// starting with '#' are skipped. Errors name the line number.
absl::StatusOr<std::vector<absl::Duration>> ParseIntervals(
    absl::string_view text);

}  // namespace phid

#endif  // PHID_DETECTOR_CALC_PHI_CALC_H_
