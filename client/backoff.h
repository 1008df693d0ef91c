// Backoff: the delays between reconnection attempts of a watch.
//
// Exponential with jitter, as gRPC's own connection backoff: the first delay
// is about `initial`, each later one `multiplier` times the previous, capped
// at `max`, and each spread by +-`jitter` so that many clients that lost the
// same daemon do not reconnect in lockstep. Reset() after a connection that
// worked, so a daemon restart is followed by a quick reconnect.
//
// A value class with no clock: it only computes delays, the caller waits.
// Deterministic for a given seed. Not thread-safe.
#ifndef PHID_CLIENT_BACKOFF_H_
#define PHID_CLIENT_BACKOFF_H_

#include <cstdint>
#include <random>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace phid {

struct BackoffOptions {
  // The first delay (before jitter). Default 100 ms; must be > 0.
  absl::Duration initial = absl::Milliseconds(100);
  // No delay exceeds this, jitter included. Default 5 s; must be >= initial.
  absl::Duration max = absl::Seconds(5);
  // Each delay is the previous one times this. Default 1.6; must be >= 1.
  double multiplier = 1.6;
  // Each delay is spread uniformly over [1 - jitter, 1 + jitter] times its
  // nominal value. Default 0.2; must be in [0, 1).
  double jitter = 0.2;

  absl::Status Validate() const;
};

class Backoff {
 public:
  // `options` must be valid (CHECK).
  Backoff(const BackoffOptions& options, uint64_t seed);

  // The delay to wait before the next attempt; grows with every call.
  absl::Duration NextDelay();

  // Starts over from `initial`.
  void Reset();

 private:
  BackoffOptions options_;
  absl::Duration nominal_;
  std::mt19937_64 rng_;
};

}  // namespace phid

#endif  // PHID_CLIENT_BACKOFF_H_
