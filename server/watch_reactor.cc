#include "server/watch_reactor.h"

#include <optional>
#include <utility>

#include "glog/logging.h"
#include "gossip/log_limiter.h"
#include "server/raw_messages.h"

namespace phid {

WatchReactor::WatchReactor(grpc::CallbackServerContext* context,
                           const Options& options, const Clock& clock,
                           std::function<void(WatchReactor*)> on_done)
    : context_(context),
      options_(options),
      clock_(clock),
      on_done_(std::move(on_done)),
      outbox_(options.max_queued) {}

void WatchReactor::Start(std::shared_ptr<WatchReactor> self) {
  absl::MutexLock lock(&mu_);
  self_ = std::move(self);
}

void WatchReactor::Send(const phi::v1::WatchResponse& message) {
  absl::MutexLock lock(&mu_);
  if (finish_called_ || finish_pending_ || eviction_ != Eviction::kNone) {
    return;
  }
  if (!outbox_.Push(message)) {
    EvictLocked(Eviction::kQueueFull);
    return;
  }
  WriteNextLocked();
}

void WatchReactor::WriteNextLocked() {
  if (finish_called_ || finish_pending_) return;
  const phi::v1::WatchResponse* next = outbox_.StartWrite(clock_.Now());
  if (next == nullptr) return;
  EncodeMessage(*next, &write_bytes_);
  StartWrite(&write_bytes_);
}

void WatchReactor::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  outbox_.WriteDone();
  if (!ok) {
    // The client went away or was cancelled; nothing more can be written.
    FinishLocked(
        grpc::Status(grpc::StatusCode::CANCELLED, "the watch stream broke"));
    return;
  }
  if (finish_pending_) {
    FinishLocked(pending_status_);
    return;
  }
  WriteNextLocked();
}

void WatchReactor::End(const grpc::Status& status) {
  absl::MutexLock lock(&mu_);
  if (finish_called_ || finish_pending_) return;
  if (outbox_.write_in_flight()) {
    finish_pending_ = true;
    pending_status_ = status;
    return;
  }
  FinishLocked(status);
}

void WatchReactor::OnCancel() {
  absl::MutexLock lock(&mu_);
  if (finish_called_) return;
  if (outbox_.write_in_flight()) {
    // Its OnWriteDone(false) follows and finishes.
    finish_pending_ = true;
    pending_status_ = grpc::Status::CANCELLED;
    return;
  }
  FinishLocked(grpc::Status::CANCELLED);
}

void WatchReactor::FinishLocked(const grpc::Status& status) {
  if (finish_called_) return;
  finish_called_ = true;
  finish_pending_ = false;
  Finish(status);
}

bool WatchReactor::EvictIfStalled(MonoTime now) {
  absl::MutexLock lock(&mu_);
  if (finish_called_ || eviction_ != Eviction::kNone) return false;
  if (outbox_.WriteAge(now) <= options_.write_timeout) return false;
  EvictLocked(Eviction::kWriteTimeout);
  return true;
}

void WatchReactor::EvictLocked(Eviction why) {
  eviction_ = why;
  // A client can cause any number of these: one line per 10 s at most.
  static LogLimiter* const limiter = new LogLimiter(absl::Seconds(10));
  if (std::optional<uint64_t> suppressed = limiter->Admit(clock_.Now())) {
    LOG(WARNING) << "evicting watcher " << context_->peer() << " (subscriber "
                 << subscriber_id_ << "): "
                 << (why == Eviction::kQueueFull
                         ? "more than " + std::to_string(options_.max_queued) +
                               " messages waiting"
                         : "a write outstanding for over " +
                               absl::FormatDuration(options_.write_timeout))
                 << "; it is not reading its stream (" << *suppressed
                 << " similar evictions not logged; "
                    "phid_watch_evictions_total counts them all)";
  }
  // Finish cannot reach a client that stopped reading (the status would
  // queue behind the unread data); cancelling resets the HTTP/2 stream.
  context_->TryCancel();
}

bool WatchReactor::set_subscriber_id(uint64_t id) {
  absl::MutexLock lock(&mu_);
  subscriber_id_ = id;
  return !done_;
}

uint64_t WatchReactor::subscriber_id() const {
  absl::MutexLock lock(&mu_);
  return subscriber_id_;
}

WatchReactor::Eviction WatchReactor::eviction() const {
  absl::MutexLock lock(&mu_);
  return eviction_;
}

void WatchReactor::OnDone() {
  std::shared_ptr<WatchReactor> keep;
  {
    absl::MutexLock lock(&mu_);
    done_ = true;
    keep = std::move(self_);
  }
  on_done_(this);
  // `keep` may hold the last reference: released after the lock is gone.
}

}  // namespace phid
