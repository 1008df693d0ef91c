#include "client/watch_stream.h"

#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/grpc_status.h"
#include "glog/logging.h"
#include "google/protobuf/duration.pb.h"
#include "proto/api_limits.h"
#include "proto/duration.h"

namespace phid {
namespace {

// Tags of the three operations a call goes through. Only one is ever
// outstanding, so they serve as consistency checks.
void* const kStartTag = reinterpret_cast<void*>(1);
void* const kReadTag = reinterpret_cast<void*>(2);
void* const kFinishTag = reinterpret_cast<void*>(3);

absl::Duration LivenessTimeout(const phi::v1::WatchRequest& request,
                               const WatchOptions& options) {
  if (options.liveness_timeout != absl::ZeroDuration()) {
    return options.liveness_timeout;
  }
  absl::Duration idle = FromProtoDuration(request.idle_interval());
  if (idle <= absl::ZeroDuration()) idle = kDefaultIdleInterval;
  return 3 * idle + absl::Seconds(1);
}

uint64_t SeedOrRandom(uint64_t seed) {
  if (seed != 0) return seed;
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

}  // namespace

absl::Status WatchOptions::Validate() const {
  if (absl::Status backoff_status = backoff.Validate(); !backoff_status.ok()) {
    return backoff_status;
  }
  if (liveness_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "liveness_timeout must be 0 (derived), positive or infinite");
  }
  return absl::OkStatus();
}

bool IsRetryableWatchError(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kCancelled:  // e.g. the daemon evicted a slow reader
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      return true;
    default:
      // The request itself is wrong or not allowed: asking again the same
      // way gets the same answer.
      return false;
  }
}

struct WatchStream::Call {
  std::unique_ptr<grpc::ClientContext> context;
  std::unique_ptr<grpc::ClientAsyncReader<phi::v1::WatchResponse>> reader;
  bool started = false;    // StartCall completed with ok
  bool received = false;   // at least one message arrived
  bool timed_out = false;  // cancelled by the liveness timeout
};

WatchStream::WatchStream(std::shared_ptr<grpc::Channel> channel,
                         std::string target, std::string unreachable_hint,
                         phi::v1::WatchRequest request, WatchOptions options)
    : target_(std::move(target)),
      unreachable_hint_(std::move(unreachable_hint)),
      request_(std::move(request)),
      options_(std::move(options)),
      liveness_timeout_(LivenessTimeout(request_, options_)),
      stub_(phi::v1::FailureDetector::NewStub(channel)),
      backoff_(options_.backoff, SeedOrRandom(options_.seed)) {
  const absl::Status valid = options_.Validate();
  CHECK(valid.ok()) << valid;
}

WatchStream::~WatchStream() {
  if (call_ != nullptr) {
    call_->context->TryCancel();
    EndCall().IgnoreError();  // the caller is gone; nobody to tell
  }
  cq_.Shutdown();
  void* tag;
  bool ok;
  while (cq_.Next(&tag, &ok)) {
  }
}

bool WatchStream::Next(phi::v1::WatchResponse* response) {
  while (!finished_) {
    if (IsCancelled()) break;
    if (call_ == nullptr && !StartCall()) break;
    if (ReadMessage(response)) {
      if (!call_->received) {
        call_->received = true;
        ++connections_;
        backoff_.Reset();
      }
      return true;
    }
    absl::Status ended = EndCall();
    if (IsCancelled()) break;
    if (!IsRetryableWatchError(ended.code())) {
      finished_ = true;
      absl::MutexLock lock(&mu_);
      final_status_ = std::move(ended);
      return false;
    }
    pending_delay_ = backoff_.NextDelay();
    if (options_.on_disconnect) options_.on_disconnect(ended, pending_delay_);
  }
  finished_ = true;
  absl::MutexLock lock(&mu_);
  if (final_status_.ok())
    final_status_ = absl::CancelledError("watch cancelled");
  return false;
}

void WatchStream::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  if (live_context_ != nullptr) live_context_->TryCancel();
}

absl::Status WatchStream::status() const {
  absl::MutexLock lock(&mu_);
  return final_status_;
}

bool WatchStream::IsCancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

bool WatchStream::StartCall() {
  {
    absl::MutexLock lock(&mu_);
    if (pending_delay_ > absl::ZeroDuration()) {
      mu_.AwaitWithTimeout(absl::Condition(&cancelled_), pending_delay_);
      pending_delay_ = absl::ZeroDuration();
    }
    if (cancelled_) return false;
    call_ = std::make_unique<Call>();
    call_->context = std::make_unique<grpc::ClientContext>();
    live_context_ = call_->context.get();
  }
  call_->reader =
      stub_->PrepareAsyncWatch(call_->context.get(), request_, &cq_);
  call_->reader->StartCall(kStartTag);
  bool ok = false;
  const bool in_time =
      AwaitOperation(kStartTag, absl::Now() + liveness_timeout_, &ok);
  call_->started = ok && in_time;
  return true;
}

bool WatchStream::ReadMessage(phi::v1::WatchResponse* response) {
  if (!call_->started) return false;
  call_->reader->Read(response, kReadTag);
  bool ok = false;
  AwaitOperation(kReadTag, absl::Now() + liveness_timeout_, &ok);
  // A message that raced with the liveness cancellation is still good; the
  // next Read reports the cancellation.
  return ok;
}

absl::Status WatchStream::EndCall() {
  grpc::Status status;
  call_->reader->Finish(&status, kFinishTag);
  bool ok = false;
  AwaitOperation(kFinishTag, absl::InfiniteFuture(), &ok);
  const bool received = call_->received;
  const bool timed_out = call_->timed_out;
  {
    absl::MutexLock lock(&mu_);
    live_context_ = nullptr;
  }
  call_.reset();

  const std::string silence = absl::FormatDuration(liveness_timeout_);
  if (timed_out && received) {
    return absl::UnavailableError(absl::StrCat(
        "phid at ", target_, " sent nothing for ", silence,
        " although it sends idle heartbeats; the connection is presumed dead"));
  }
  if (timed_out) {
    CallContext context{target_, unreachable_hint_, liveness_timeout_, false};
    return ToAbslStatus(
        grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "no first message"),
        context);
  }
  if (status.ok()) {
    return absl::UnavailableError(
        absl::StrCat("phid at ", target_, " ended the watch stream"));
  }
  CallContext context{target_, unreachable_hint_, absl::InfiniteDuration(),
                      received};
  return ToAbslStatus(status, context);
}

bool WatchStream::AwaitOperation(void* tag, absl::Time deadline, bool* ok) {
  void* got = nullptr;
  bool in_time = true;
  if (deadline != absl::InfiniteFuture()) {
    const grpc::CompletionQueue::NextStatus next =
        cq_.AsyncNext(&got, ok, absl::ToChronoTime(deadline));
    CHECK_NE(next, grpc::CompletionQueue::SHUTDOWN);
    if (next == grpc::CompletionQueue::GOT_EVENT) {
      CHECK_EQ(got, tag);
      return true;
    }
    // Too slow: cancel, which completes the operation promptly.
    in_time = false;
    call_->timed_out = true;
    call_->context->TryCancel();
  }
  CHECK(cq_.Next(&got, ok));
  CHECK_EQ(got, tag);
  return in_time;
}

}  // namespace phid
