#include "detector/phi_accrual_detector.h"

#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace phid {
namespace {

// OK if lo < d <= hi (lo_open) or lo <= d <= hi, else INVALID_ARGUMENT
// "<field> must be in (lo, hi], got <d>".
absl::Status CheckRange(absl::string_view field, absl::Duration d,
                        absl::Duration lo, bool lo_open, absl::Duration hi) {
  const bool ok = (lo_open ? d > lo : d >= lo) && d <= hi;
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      field, " must be in ", lo_open ? "(" : "[", absl::FormatDuration(lo),
      ", ", absl::FormatDuration(hi), "], got ", absl::FormatDuration(d)));
}

const DetectorOptions& CheckedValid(const DetectorOptions& options) {
  const absl::Status valid = options.Validate();
  CHECK(valid.ok()) << valid;
  return options;
}

}  // namespace

absl::Status DetectorOptions::Validate() const {
  switch (model) {
    case PhiModel::kNormal:
    case PhiModel::kAkka:
    case PhiModel::kExponential:
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("model must be normal, akka or exponential, got ",
                       static_cast<int>(model)));
  }
  const absl::Duration hour = absl::Hours(1);
  absl::Status status = CheckRange("acceptable_pause", acceptable_pause,
                                   absl::ZeroDuration(), false, hour);
  if (!status.ok()) return status;
  status =
      CheckRange("min_stddev", min_stddev, absl::ZeroDuration(), true, hour);
  if (!status.ok()) return status;
  status = CheckRange("first_heartbeat_estimate", first_heartbeat_estimate,
                      absl::ZeroDuration(), true, hour);
  if (!status.ok()) return status;
  return history.Validate();
}

PhiAccrualDetector::PhiAccrualDetector(const DetectorOptions& options)
    : options_(CheckedValid(options)), history_(options.history) {}

void PhiAccrualDetector::Heartbeat(MonoTime now) {
  if (!has_arrival_) {
    if (!seeded_) {
      history_.SeedFromEstimate(options_.first_heartbeat_estimate);
      seeded_ = true;
    }
    has_arrival_ = true;
    last_arrival_ = now;
    return;
  }
  if (history_.Add(now - last_arrival_)) seeded_ = false;
  // Even a refused interval ends here: the next one is measured from this
  // arrival, not from an older one.
  last_arrival_ = now;
}

absl::Status PhiAccrualDetector::SeedFromStats(const IntervalStats& stats) {
  if (has_arrival_ && !seeded_) {
    return absl::FailedPreconditionError(
        "SeedFromStats: the history already holds a measured interval");
  }
  absl::Status status = history_.SeedFromStats(stats);
  if (status.ok()) seeded_ = true;
  return status;
}

void PhiAccrualDetector::DiscountPause(absl::Duration paused) {
  if (has_arrival_) last_arrival_ += paused;
}

ArrivalCurve PhiAccrualDetector::curve() const {
  return ArrivalCurve{options_.model, distribution(), last_arrival_};
}

double PhiAccrualDetector::Phi(MonoTime now) const {
  if (!has_arrival_) return 0;
  return curve().Phi(now);
}

absl::optional<MonoTime> PhiAccrualDetector::TimeAtPhi(double threshold) const {
  if (!has_arrival_) return absl::nullopt;
  return curve().TimeAt(threshold);
}

IntervalDistribution PhiAccrualDetector::distribution() const {
  IntervalDistribution dist;
  double stddev_ms;
  if (history_.empty()) {
    // Neither seeded nor arrived yet: what the first arrival will seed.
    dist.mean_ms =
        absl::ToDoubleMilliseconds(options_.first_heartbeat_estimate);
    stddev_ms = dist.mean_ms / 4;
  } else {
    dist.mean_ms = history_.mean_ms();
    stddev_ms = history_.stddev_ms();
  }
  const double floor_ms = absl::ToDoubleMilliseconds(options_.min_stddev);
  dist.stddev_ms = stddev_ms > floor_ms ? stddev_ms : floor_ms;
  dist.acceptable_pause_ms =
      absl::ToDoubleMilliseconds(options_.acceptable_pause);
  return dist;
}

}  // namespace phid
