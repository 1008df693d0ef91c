#include "server/watch_outbox.h"

#include "glog/logging.h"

namespace phid {

WatchOutbox::WatchOutbox(size_t max_queued) : max_queued_(max_queued) {
  CHECK_GE(max_queued, 1u);
}

bool WatchOutbox::Push(const phi::v1::WatchResponse& message) {
  bool levels = message.has_levels();
  if (levels && waiting_levels_ != nullptr) {
    // Supersede in place (left empty, skipped later), then append.
    waiting_levels_->Clear();
    waiting_levels_ = nullptr;
    ++superseded_;
    ++coalesced_;
  } else if (queued() >= max_queued_) {
    return false;
  }
  queue_.push_back(message);
  if (levels) waiting_levels_ = &queue_.back();
  return true;
}

const phi::v1::WatchResponse* WatchOutbox::StartWrite(MonoTime now) {
  if (in_flight_) return nullptr;
  while (!queue_.empty()) {
    phi::v1::WatchResponse& front = queue_.front();
    if (front.event_case() == phi::v1::WatchResponse::EVENT_NOT_SET) {
      queue_.pop_front();  // superseded levels
      --superseded_;
      continue;
    }
    if (&front == waiting_levels_) waiting_levels_ = nullptr;
    writing_ = std::move(front);
    queue_.pop_front();
    writing_.set_sequence(++sequence_);
    in_flight_ = true;
    write_started_ = now;
    return &writing_;
  }
  return nullptr;
}

void WatchOutbox::WriteDone() { in_flight_ = false; }

absl::Duration WatchOutbox::WriteAge(MonoTime now) const {
  return in_flight_ ? now - write_started_ : absl::ZeroDuration();
}

}  // namespace phid
