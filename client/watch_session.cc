#include "client/watch_session.h"

#include <utility>

#include "glog/logging.h"

namespace phid {
namespace {

// The session whose thread this is, so Stop() and the destructor can tell a
// call from a callback.
thread_local const WatchSession* current_session = nullptr;

}  // namespace

WatchSession::WatchSession(std::unique_ptr<WatchStream> stream,
                           WatchCallbacks callbacks)
    : stream_(std::move(stream)), callbacks_(std::move(callbacks)) {
  CHECK(stream_ != nullptr);
  CHECK(callbacks_.on_message) << "WatchCallbacks::on_message is required";
  absl::MutexLock lock(&join_mu_);
  thread_ = std::thread([this] { Run(); });
}

WatchSession::~WatchSession() {
  CHECK(current_session != this)
      << "a WatchSession must not be destroyed from its own callbacks";
  Stop();
}

void WatchSession::Stop() {
  stream_->Cancel();
  if (current_session == this) return;  // the loop ends after the callback
  absl::MutexLock lock(&join_mu_);
  if (thread_.joinable()) thread_.join();
}

void WatchSession::Run() {
  current_session = this;
  phi::v1::WatchResponse message;
  while (stream_->Next(&message)) callbacks_.on_message(message);
  const absl::Status status = stream_->status();
  if (!absl::IsCancelled(status) && callbacks_.on_status) {
    callbacks_.on_status(status);
  }
  if (callbacks_.on_done) callbacks_.on_done(status);
}

}  // namespace phid
