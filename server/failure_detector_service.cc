#include "server/failure_detector_service.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "server/grpc_status.h"

namespace phid {

namespace v1 = ::phi::v1;

FailureDetectorService::FailureDetectorService(const Options& options,
                                               FailureDetectorBackend* backend,
                                               const Clock& clock)
    : options_(options), backend_(backend), clock_(clock) {}

grpc::ServerUnaryReactor* FailureDetectorService::ListPeers(
    grpc::CallbackServerContext* context, const v1::ListPeersRequest* request,
    v1::ListPeersResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<v1::ListPeersResponse> result = backend_->ListPeers(*request);
  if (result.ok()) *response = *std::move(result);
  reactor->Finish(ToGrpcStatus(result.status()));
  return reactor;
}

grpc::ServerUnaryReactor* FailureDetectorService::GetPeer(
    grpc::CallbackServerContext* context, const v1::GetPeerRequest* request,
    v1::Peer* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<v1::Peer> result = backend_->GetPeer(*request);
  if (result.ok()) *response = *std::move(result);
  reactor->Finish(ToGrpcStatus(result.status()));
  return reactor;
}

grpc::ServerWriteReactor<v1::WatchResponse>* FailureDetectorService::Watch(
    grpc::CallbackServerContext* context, const v1::WatchRequest* request) {
  auto stream = std::make_shared<WatchReactor>(
      context, options_.stream, clock_,
      [this](WatchReactor* done) { StreamDone(done); });
  stream->Start(stream);
  {
    absl::MutexLock lock(&mu_);
    if (ending_) {
      stream->End(end_status_);
      return stream.get();
    }
    if (watchers_.load() >= options_.max_watchers) {
      LOG_EVERY_N(WARNING, 100)
          << "refusing a watcher from " << context->peer() << ": "
          << options_.max_watchers << " already watching (--max_watchers)";
      stream->End(ToGrpcStatus(absl::ResourceExhaustedError(absl::StrCat(
          "this daemon already serves ", options_.max_watchers,
          " watchers (its --max_watchers); retry later or raise the cap"))));
      return stream.get();
    }
    ++watchers_;
    streams_[stream.get()] = stream;
  }
  absl::StatusOr<uint64_t> id = backend_->Subscribe(*request, stream);
  if (!id.ok()) {
    stream->End(ToGrpcStatus(id.status()));
    return stream.get();
  }
  VLOG(1) << "watcher " << *id << " from " << context->peer() << ": "
          << request->ShortDebugString();
  if (!stream->set_subscriber_id(*id)) backend_->Unsubscribe(*id);
  return stream.get();
}

void FailureDetectorService::StreamDone(WatchReactor* stream) {
  std::shared_ptr<WatchReactor> owned;
  {
    absl::MutexLock lock(&mu_);
    auto it = streams_.find(stream);
    if (it == streams_.end()) return;  // refused before it was counted
    owned = std::move(it->second);
    streams_.erase(it);
    --watchers_;
  }
  uint64_t id = stream->subscriber_id();
  if (id != 0) backend_->Unsubscribe(id);
  if (stream->eviction() != WatchReactor::Eviction::kNone) ++evictions_;
  VLOG(1) << "watcher " << id << " done";
}

int FailureDetectorService::EvictStalled(MonoTime now) {
  std::vector<std::shared_ptr<WatchReactor>> streams;
  {
    absl::MutexLock lock(&mu_);
    streams.reserve(streams_.size());
    for (const auto& [ptr, stream] : streams_) streams.push_back(stream);
  }
  int evicted = 0;
  for (const auto& stream : streams) evicted += stream->EvictIfStalled(now);
  return evicted;
}

void FailureDetectorService::EndAllWatches(const grpc::Status& status) {
  std::vector<std::shared_ptr<WatchReactor>> streams;
  {
    absl::MutexLock lock(&mu_);
    ending_ = true;
    end_status_ = status;
    for (const auto& [ptr, stream] : streams_) streams.push_back(stream);
  }
  for (const auto& stream : streams) stream->End(status);
}

}  // namespace phid
