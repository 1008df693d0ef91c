#include "detector/heartbeat_history.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace phid {
namespace {

constexpr int kMinCapacity = 2;
constexpr int kMaxCapacity = 100000;

}  // namespace

absl::Status HistoryOptions::Validate() const {
  if (capacity < kMinCapacity || capacity > kMaxCapacity) {
    return absl::InvalidArgumentError(
        absl::StrCat("history.capacity must be in [", kMinCapacity, ", ",
                     kMaxCapacity, "], got ", capacity));
  }
  if (min_interval < absl::ZeroDuration() || min_interval > absl::Seconds(10)) {
    return absl::InvalidArgumentError(
        absl::StrCat("history.min_interval must be in [0, 10s], got ",
                     absl::FormatDuration(min_interval)));
  }
  if (max_interval <= min_interval || max_interval > absl::Hours(1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "history.max_interval must be in (history.min_interval, 1h], got ",
        absl::FormatDuration(max_interval), " with history.min_interval ",
        absl::FormatDuration(min_interval)));
  }
  if (!(max_interval_mean_factor >= 0 && max_interval_mean_factor <= 1000)) {
    return absl::InvalidArgumentError(
        absl::StrCat("history.max_interval_mean_factor must be in [0, 1000], "
                     "got ",
                     max_interval_mean_factor));
  }
  return absl::OkStatus();
}

HeartbeatHistory::HeartbeatHistory(const HistoryOptions& options)
    : options_(options) {
  const absl::Status valid = options_.Validate();
  CHECK(valid.ok()) << valid;
  // The ring is allocated by the first Push: an observer holds a history for
  // every member, and under protocol v2 most of them never fill one.
}

bool HeartbeatHistory::Add(absl::Duration interval) {
  if (interval < options_.min_interval) return false;
  if (interval > options_.max_interval) {
    // Slow members (large clusters) may still admit a gap of a few means.
    double limit_ms = options_.max_interval_mean_factor * mean_;
    if (count_ == 0 || absl::ToDoubleMilliseconds(interval) > limit_ms) {
      return false;
    }
  }
  Push(absl::ToDoubleMilliseconds(interval));
  return true;
}

void HeartbeatHistory::SeedFromEstimate(
    absl::Duration first_heartbeat_estimate) {
  Clear();
  const double estimate_ms =
      absl::ToDoubleMilliseconds(first_heartbeat_estimate);
  Push(estimate_ms - estimate_ms / 4);
  Push(estimate_ms + estimate_ms / 4);
  Recompute();
}

absl::Status HeartbeatHistory::SeedFromStats(const IntervalStats& stats) {
  if (stats.count == 0) {
    return absl::InvalidArgumentError("interval stats: count must be >= 1");
  }
  if (!std::isfinite(stats.mean_ms) || !(stats.mean_ms > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "interval stats: mean_ms must be finite and > 0, got ", stats.mean_ms));
  }
  if (!std::isfinite(stats.variance_ms2) || !(stats.variance_ms2 >= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("interval stats: variance_ms2 must be finite and >= 0, "
                     "got ",
                     stats.variance_ms2));
  }
  const uint64_t capacity = static_cast<uint64_t>(options_.capacity);
  const size_t n = static_cast<size_t>(
      std::max<uint64_t>(2, std::min(stats.count, capacity)));
  // Population variance of k pairs mean +/- s is s^2. With n odd, one sample
  // sits at the mean and the n - 1 others must carry all n shares of the
  // variance: s^2 = variance * n / (n - 1).
  const double spread =
      n % 2 == 0 ? std::sqrt(stats.variance_ms2)
                 : std::sqrt(stats.variance_ms2 * static_cast<double>(n) /
                             static_cast<double>(n - 1));
  Clear();
  if (n % 2 == 1) Push(stats.mean_ms);
  while (count_ < n) {
    Push(stats.mean_ms - spread);
    Push(stats.mean_ms + spread);
  }
  Recompute();
  return absl::OkStatus();
}

void HeartbeatHistory::Clear() {
  next_ = 0;
  count_ = 0;
  mean_ = 0;
  m2_ = 0;
  adds_since_recompute_ = 0;
}

double HeartbeatHistory::variance_ms2() const {
  if (count_ == 0) return 0;
  return m2_ / static_cast<double>(count_);
}

double HeartbeatHistory::stddev_ms() const { return std::sqrt(variance_ms2()); }

IntervalStats HeartbeatHistory::stats() const {
  IntervalStats stats;
  stats.count = count_;
  stats.mean_ms = mean_;
  stats.variance_ms2 = variance_ms2();
  return stats;
}

void HeartbeatHistory::Push(double sample_ms) {
  const size_t capacity = static_cast<size_t>(options_.capacity);
  if (ring_.empty()) ring_.assign(capacity, 0.0);
  if (count_ == capacity) {
    // The window is full: `sample_ms` replaces the oldest sample. With n
    // fixed, M2 changes by (x - old) * ((x - new_mean) + (old - old_mean)).
    const double old = ring_[next_];
    const double n = static_cast<double>(count_);
    const double new_mean = mean_ + (sample_ms - old) / n;
    m2_ += (sample_ms - old) * ((sample_ms - new_mean) + (old - mean_));
    mean_ = new_mean;
  } else {
    ++count_;
    const double delta = sample_ms - mean_;
    mean_ += delta / static_cast<double>(count_);
    m2_ += delta * (sample_ms - mean_);
  }
  if (!(m2_ > 0)) m2_ = 0;  // rounding can push it just below zero
  ring_[next_] = sample_ms;
  next_ = (next_ + 1) % capacity;
  if (++adds_since_recompute_ >= options_.capacity) Recompute();
}

void HeartbeatHistory::Recompute() {
  adds_since_recompute_ = 0;
  if (count_ == 0) {
    mean_ = 0;
    m2_ = 0;
    return;
  }
  // Until the window first fills, samples occupy slots [0, count_); after,
  // every slot. Either way the first count_ slots are the window.
  double sum = 0;
  for (size_t i = 0; i < count_; ++i) sum += ring_[i];
  mean_ = sum / static_cast<double>(count_);
  double m2 = 0;
  for (size_t i = 0; i < count_; ++i) {
    const double d = ring_[i] - mean_;
    m2 += d * d;
  }
  m2_ = m2;
}

}  // namespace phid
