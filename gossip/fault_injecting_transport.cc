#include "gossip/fault_injecting_transport.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace phid {
namespace {

double Uniform(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

}  // namespace

absl::Status TransportFaults::Validate() const {
  if (!(drop_probability >= 0 && drop_probability <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("TransportFaults.drop_probability must be in [0, 1], got ",
                     drop_probability));
  }
  if (added_delay < absl::ZeroDuration() ||
      added_delay == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("TransportFaults.added_delay must be finite and >= 0, "
                     "got ",
                     absl::FormatDuration(added_delay)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<FaultInjectingTransport>>
FaultInjectingTransport::Create(const TransportFaults& faults, Transport* inner,
                                const Clock& clock,
                                std::function<void()> wake_owner) {
  if (absl::Status s = faults.Validate(); !s.ok()) return s;
  if (inner == nullptr) {
    return absl::InvalidArgumentError("inner transport must not be null");
  }
  return std::unique_ptr<FaultInjectingTransport>(
      new FaultInjectingTransport(faults, inner, clock, std::move(wake_owner)));
}

FaultInjectingTransport::FaultInjectingTransport(
    const TransportFaults& faults, Transport* inner, const Clock& clock,
    std::function<void()> wake_owner)
    : faults_(faults),
      inner_(inner),
      clock_(clock),
      wake_owner_(std::move(wake_owner)),
      rng_(faults.seed) {}

void FaultInjectingTransport::Send(const std::string& to,
                                   absl::string_view payload) {
  const bool delayed = faults_.added_delay > absl::ZeroDuration();
  bool wake = false;
  {
    absl::MutexLock lock(&mu_);
    if (faults_.drop_probability > 0 &&
        Uniform(rng_) < faults_.drop_probability) {
      ++injected_drops_;
      return;
    }
    if (delayed) {
      // The owner may be waiting past this datagram's due time.
      wake = delayed_.empty();
      delayed_.push_back(Delayed{clock_.Now() + faults_.added_delay, to,
                                 std::string(payload)});
      ++delayed_now_;
    }
  }
  if (!delayed) {
    inner_->Send(to, payload);
    return;
  }
  if (wake && wake_owner_) wake_owner_();
}

MonoTime FaultInjectingTransport::SendDue(MonoTime now) {
  std::vector<Delayed> due;
  MonoTime next = absl::InfiniteDuration();
  {
    absl::MutexLock lock(&mu_);
    while (!delayed_.empty() && delayed_.front().due <= now) {
      due.push_back(std::move(delayed_.front()));
      delayed_.pop_front();
    }
    if (!delayed_.empty()) next = delayed_.front().due;
    delayed_now_ -= due.size();
  }
  for (const Delayed& datagram : due)
    inner_->Send(datagram.to, datagram.payload);
  return next;
}

}  // namespace phid
