#include "detector/calc/phi_calc.h"

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "detector/base/duration_parse.h"
#include "detector/base/file_read.h"
#include "detector/heartbeat_history.h"

namespace phid {
namespace {

// HistoryOptions' limits: the window holds the last kMaxWindow intervals and
// no interval may exceed kMaxInterval.
constexpr int kMaxWindow = 100000;
constexpr absl::Duration kMaxInterval = absl::Hours(1);

absl::Status FlagError(absl::string_view flag, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", message));
}

// A duration flag's value in ms; `positive` also refuses 0.
absl::StatusOr<double> DurationFlagMs(absl::string_view flag,
                                      absl::string_view text, bool positive) {
  absl::StatusOr<absl::Duration> d = ParseDurationArg(text);
  if (!d.ok()) return FlagError(flag, d.status().message());
  if (positive && *d <= absl::ZeroDuration()) {
    return FlagError(flag, absl::StrCat("must be > 0, got \"", text, "\""));
  }
  return absl::ToDoubleMilliseconds(*d);
}

// Mean and stddev of the intervals in `path`, through a HeartbeatHistory so
// the numbers are the ones a detector would see (population variance, the
// last kMaxWindow intervals).
absl::Status DistributionFromFile(const std::string& path,
                                  IntervalDistribution* dist) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return FlagError("intervals", text.status().message());
  absl::StatusOr<std::vector<absl::Duration>> intervals = ParseIntervals(*text);
  if (!intervals.ok()) {
    return FlagError("intervals",
                     absl::StrCat(path, ": ", intervals.status().message()));
  }
  if (intervals->empty()) {
    return FlagError("intervals", absl::StrCat(path, ": no intervals"));
  }
  HistoryOptions options;
  options.capacity = std::clamp(
      static_cast<int>(std::min<size_t>(intervals->size(), kMaxWindow)), 2,
      kMaxWindow);
  options.min_interval = absl::ZeroDuration();
  options.max_interval = kMaxInterval;
  HeartbeatHistory history(options);
  for (absl::Duration interval : *intervals) history.Add(interval);
  if (!(history.mean_ms() > 0)) {
    return FlagError("intervals",
                     absl::StrCat(path, ": the mean interval must be > 0"));
  }
  dist->mean_ms = history.mean_ms();
  dist->stddev_ms = history.stddev_ms();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<absl::Duration>> ParseIntervals(
    absl::string_view text) {
  std::vector<absl::Duration> out;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    absl::Duration interval;
    double ms;
    if (absl::SimpleAtod(line, &ms)) {
      if (!std::isfinite(ms) || ms < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", line_number, ": \"", line,
                         "\" is not a finite, non-negative number of ms"));
      }
      interval = absl::Milliseconds(ms);
    } else {
      absl::StatusOr<absl::Duration> d = ParseDurationArg(line);
      if (!d.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", line_number, ": ", d.status().message(),
                         ", or a plain number of milliseconds"));
      }
      interval = *d;
    }
    if (interval > kMaxInterval) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_number, ": \"", line,
                       "\" exceeds the longest interval a history admits, ",
                       absl::FormatDuration(kMaxInterval)));
    }
    out.push_back(interval);
  }
  return out;
}

absl::StatusOr<PhiCalcQuery> ParsePhiCalcFlags(const PhiCalcFlags& flags) {
  PhiCalcQuery query;
  absl::StatusOr<PhiModel> model = ParsePhiModel(flags.model);
  if (!model.ok()) return FlagError("model", model.status().message());
  query.model = *model;

  const bool needs_stddev = query.model != PhiModel::kExponential;
  if (!flags.intervals.empty()) {
    if (!flags.mean.empty() || !flags.stddev.empty()) {
      return FlagError("intervals",
                       "give either --intervals or --mean/--stddev, not both");
    }
    absl::Status status =
        DistributionFromFile(flags.intervals, &query.distribution);
    if (!status.ok()) return status;
  } else {
    if (flags.mean.empty()) {
      return FlagError("mean", "required (or give --intervals=FILE)");
    }
    absl::StatusOr<double> mean = DurationFlagMs("mean", flags.mean, true);
    if (!mean.ok()) return mean.status();
    query.distribution.mean_ms = *mean;
    if (flags.stddev.empty()) {
      if (needs_stddev) {
        return FlagError("stddev",
                         absl::StrCat("required for the ", flags.model,
                                      " model (or give --intervals=FILE)"));
      }
    } else {
      absl::StatusOr<double> stddev =
          DurationFlagMs("stddev", flags.stddev, false);
      if (!stddev.ok()) return stddev.status();
      query.distribution.stddev_ms = *stddev;
    }
  }

  absl::StatusOr<double> pause =
      DurationFlagMs("acceptable_pause", flags.acceptable_pause, false);
  if (!pause.ok()) return pause.status();
  query.distribution.acceptable_pause_ms = *pause;

  absl::StatusOr<double> min_stddev =
      DurationFlagMs("min_stddev", flags.min_stddev, false);
  if (!min_stddev.ok()) return min_stddev.status();
  query.distribution.stddev_ms =
      std::max(query.distribution.stddev_ms, *min_stddev);

  if (flags.elapsed.empty() == flags.threshold.empty()) {
    return absl::InvalidArgumentError(
        "give exactly one of --elapsed (prints phi) and --threshold (prints "
        "the elapsed time)");
  }
  if (!flags.elapsed.empty()) {
    absl::StatusOr<double> elapsed =
        DurationFlagMs("elapsed", flags.elapsed, false);
    if (!elapsed.ok()) return elapsed.status();
    query.elapsed_ms = *elapsed;
  } else {
    double threshold;
    if (!absl::SimpleAtod(flags.threshold, &threshold) ||
        !std::isfinite(threshold) || !(threshold > 0)) {
      return FlagError("threshold",
                       absl::StrCat("expected a number > 0 (a phi value, "
                                    "e.g. 8), got \"",
                                    flags.threshold, "\""));
    }
    query.threshold = threshold;
  }
  return query;
}

absl::StatusOr<std::string> EvaluatePhiCalc(const PhiCalcQuery& query) {
  if (query.elapsed_ms.has_value()) {
    return absl::StrFormat(
        "phi=%.3f", Phi(query.model, query.distribution, *query.elapsed_ms));
  }
  if (!query.threshold.has_value()) {
    return absl::InvalidArgumentError("neither elapsed nor threshold given");
  }
  const double elapsed_ms =
      PhiToElapsed(query.model, query.distribution, *query.threshold);
  if (!std::isfinite(elapsed_ms)) {
    return absl::OutOfRangeError(absl::StrCat(
        "phi never reaches ", *query.threshold, " for this distribution"));
  }
  return absl::StrFormat("elapsed=%.3fms", elapsed_ms);
}

absl::StatusOr<std::string> RunPhiCalc(const PhiCalcFlags& flags) {
  absl::StatusOr<PhiCalcQuery> query = ParsePhiCalcFlags(flags);
  if (!query.ok()) return query.status();
  return EvaluatePhiCalc(*query);
}

}  // namespace phid
