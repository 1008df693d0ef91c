#include "client/backoff.h"

#include <algorithm>

#include "glog/logging.h"

namespace phid {

absl::Status BackoffOptions::Validate() const {
  if (initial <= absl::ZeroDuration() || initial == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        "backoff initial delay must be positive and finite");
  }
  if (max < initial || max == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        "backoff max delay must be finite and at least the initial delay");
  }
  if (!(multiplier >= 1.0)) {
    return absl::InvalidArgumentError("backoff multiplier must be >= 1");
  }
  if (!(jitter >= 0.0 && jitter < 1.0)) {
    return absl::InvalidArgumentError("backoff jitter must be in [0, 1)");
  }
  return absl::OkStatus();
}

Backoff::Backoff(const BackoffOptions& options, uint64_t seed)
    : options_(options), nominal_(options.initial), rng_(seed) {
  const absl::Status valid = options.Validate();
  CHECK(valid.ok()) << valid;
}

absl::Duration Backoff::NextDelay() {
  std::uniform_real_distribution<double> spread(1.0 - options_.jitter,
                                                1.0 + options_.jitter);
  const absl::Duration delay = std::min(nominal_ * spread(rng_), options_.max);
  nominal_ = std::min(nominal_ * options_.multiplier, options_.max);
  return delay;
}

void Backoff::Reset() { nominal_ = options_.initial; }

}  // namespace phid
