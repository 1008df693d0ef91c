// FaultInjectingTransport: a Transport decorator that drops and delays
// outgoing datagrams, for testing phid on a real network (Linux netem is not
// available on our machines; see shared notes). The daemon puts it around
// its UdpTransport when --drop_probability or --added_delay is set; the
// socket itself knows nothing of faults.
//
// Every daemon injects on its own sends, so a link's faults are the sender's;
// received datagrams are always delivered as they arrived.
//
// Delayed datagrams wait in a queue until their owner calls SendDue(now),
// which hands those due to the inner transport and says when the next one
// is. Time comes in through the Clock given at construction (RealClock in
// the daemon, SimulatedClock in tests); nothing here sleeps or owns a thread.
// `wake_owner` (may be empty) is called when a datagram joins an empty
// queue, so an owner waiting for something else can come back in time.
//
// Thread safety: Send() and SendDue() may be called from any thread,
// concurrently; counters may be read from any thread. `wake_owner` runs on
// the sending thread, outside the lock.
#ifndef PHID_GOSSIP_FAULT_INJECTING_TRANSPORT_H_
#define PHID_GOSSIP_FAULT_INJECTING_TRANSPORT_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "detector/base/clock.h"
#include "gossip/transport.h"

namespace phid {

struct TransportFaults {
  // Probability of silently dropping each outgoing datagram, [0, 1].
  // Default 0.
  double drop_probability = 0;
  // Extra delay before each outgoing datagram is sent, finite and >= 0.
  // Default 0.
  absl::Duration added_delay = absl::ZeroDuration();
  // Seed of the drop decisions. Default 1; give daemons different seeds to
  // decorrelate their drops.
  uint64_t seed = 1;

  // True if any fault is configured (the daemon adds the decorator only
  // then).
  bool any() const {
    return drop_probability > 0 || added_delay > absl::ZeroDuration();
  }
  // OK, or INVALID_ARGUMENT naming the first bad field.
  absl::Status Validate() const;
};

class FaultInjectingTransport final : public Transport {
 public:
  // Validates `faults`. `inner` and `clock` must outlive the decorator.
  static absl::StatusOr<std::unique_ptr<FaultInjectingTransport>> Create(
      const TransportFaults& faults, Transport* inner, const Clock& clock,
      std::function<void()> wake_owner = nullptr);
  FaultInjectingTransport(const FaultInjectingTransport&) = delete;
  FaultInjectingTransport& operator=(const FaultInjectingTransport&) = delete;

  // Transport: drops with drop_probability, else sends now (no delay) or
  // queues the datagram until now + added_delay.
  void Send(const std::string& to, absl::string_view payload) override;
  std::string LocalAddress() const override { return inner_->LocalAddress(); }

  // Sends the queued datagrams due by `now`, in the order they were sent.
  // Returns when the next one is due, or absl::InfiniteDuration().
  MonoTime SendDue(MonoTime now);

  // Datagrams dropped by drop_probability.
  uint64_t injected_drops() const { return injected_drops_.load(); }
  // Datagrams queued by added_delay and not yet sent.
  uint64_t delayed_now() const { return delayed_now_.load(); }

 private:
  struct Delayed {
    MonoTime due;
    std::string to;
    std::string payload;
  };

  FaultInjectingTransport(const TransportFaults& faults, Transport* inner,
                          const Clock& clock, std::function<void()> wake_owner);

  // Constant after construction.
  const TransportFaults faults_;
  Transport* const inner_;
  const Clock& clock_;
  const std::function<void()> wake_owner_;

  absl::Mutex mu_;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  std::deque<Delayed> delayed_ ABSL_GUARDED_BY(mu_);  // in due order

  std::atomic<uint64_t> injected_drops_{0};
  std::atomic<uint64_t> delayed_now_{0};
};

}  // namespace phid

#endif  // PHID_GOSSIP_FAULT_INJECTING_TRANSPORT_H_
