// HeartbeatHistory: a bounded window of one member's heartbeat inter-arrival
// intervals with their running mean and variance.
//
// Add() is O(1): the mean and variance are updated incrementally (Welford,
// with removal of the sample that leaves the window) and recomputed exactly
// from the window every `capacity` additions so rounding never accumulates.
// The variance is the population variance of the window (sum of squared
// deviations divided by n, not n - 1), here and in IntervalStats; it is never
// negative and never NaN.
//
// Admission rules (see HistoryOptions): an interval shorter than
// min_interval is not a new sample (the same heartbeat reaching us along
// several gossip paths must not collapse the mean); one longer than
// max_interval (an outage) is not recorded either.
//
// Seeding: a history can start from a first-heartbeat estimate (Akka's
// bootstrap: two samples mean +/- mean/4) or from statistics gossiped by
// another observer (count, mean, variance), so a new observer starts
// calibrated. Seeding places synthetic samples mean +/- stddev in the window;
// real arrivals then push them out one by one.
//
// Not thread-safe; owned by one detector.
#ifndef PHID_DETECTOR_HEARTBEAT_HISTORY_H_
#define PHID_DETECTOR_HEARTBEAT_HISTORY_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace phid {

// Summary statistics of a history; also what gossip carries.
struct IntervalStats {
  uint64_t count = 0;  // samples behind the mean (window size, <= capacity)
  double mean_ms = 0;
  double variance_ms2 = 0;  // population variance (divides by count)
};

struct HistoryOptions {
  // Samples kept; older ones fall out. Default 1000; range [2, 100000].
  int capacity = 1000;
  // Intervals shorter than this are not admitted. Default 10 ms; [0, 10 s].
  absl::Duration min_interval = absl::Milliseconds(10);
  // Intervals longer than this are not admitted. Default 10 s;
  // must exceed min_interval, at most 1 hour.
  absl::Duration max_interval = absl::Seconds(10);
  // Also admits intervals up to this many times the current mean, however
  // long: where heartbeats are naturally seconds apart (large clusters) a
  // fixed max_interval would cut off the tail. 0 = off (default); [0, 1000].
  double max_interval_mean_factor = 0;

  absl::Status Validate() const;
};

class HeartbeatHistory {
 public:
  // Options must be valid (CHECK).
  explicit HeartbeatHistory(const HistoryOptions& options = HistoryOptions());

  HeartbeatHistory(const HeartbeatHistory&) = default;
  HeartbeatHistory& operator=(const HeartbeatHistory&) = default;

  // Records one interval. Returns false if the admission rules refused it.
  bool Add(absl::Duration interval);

  // Replaces the contents with Akka's bootstrap: samples at
  // estimate +/- estimate/4 (mean estimate, stddev estimate/4). Synthetic
  // samples bypass the admission rules.
  void SeedFromEstimate(absl::Duration first_heartbeat_estimate);
  // Replaces the contents with n = max(2, min(stats.count, capacity))
  // synthetic samples whose mean and population variance equal the given
  // ones (to rounding): pairs mean - s, mean + s, and for odd n one more
  // sample at the mean (oldest) with s widened to sqrt(variance * n/(n-1)).
  // With a large variance some samples may be negative; only the statistics
  // matter. Rejects count 0, a non-finite or non-positive mean and a
  // non-finite or negative variance (INVALID_ARGUMENT), leaving the history
  // unchanged.
  absl::Status SeedFromStats(const IntervalStats& stats);

  void Clear();

  // A cache hint: the slot the next Add writes. Callers merging many
  // members at once issue it ahead so the misses overlap.
  void PrefetchNextSlot() const {
    if (!ring_.empty()) __builtin_prefetch(&ring_[next_], 1);
  }
  int size() const { return static_cast<int>(count_); }
  bool empty() const { return count_ == 0; }
  double mean_ms() const { return mean_; }
  double variance_ms2() const;
  double stddev_ms() const;
  IntervalStats stats() const;
  const HistoryOptions& options() const { return options_; }

 private:
  void Push(double sample_ms);
  void Recompute();

  HistoryOptions options_;
  std::vector<double> ring_;  // capacity slots, from the first sample on
  size_t next_ = 0;           // slot the next sample goes into
  size_t count_ = 0;          // samples in the window
  double mean_ = 0;
  double m2_ = 0;  // sum of squared deviations from mean_
  int adds_since_recompute_ = 0;
};

}  // namespace phid

#endif  // PHID_DETECTOR_HEARTBEAT_HISTORY_H_
