#include "server/failure_detector_service.h"

#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "server/grpc_status.h"
#include "server/raw_messages.h"

namespace phid {

namespace v1 = ::phi::v1;

FailureDetectorService::FailureDetectorService(const Options& options,
                                               FailureDetectorBackend* backend,
                                               const Clock& clock)
    : options_(options), backend_(backend), clock_(clock) {}

namespace {

// Decodes the request, asks `answer`, encodes its response: one unary RPC.
template <typename Request, typename Response>
grpc::ServerUnaryReactor* Unary(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* bytes,
    grpc::ByteBuffer* response,
    const std::function<absl::StatusOr<Response>(const Request&)>& answer) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // A call reset before it ran (HTTP/2 rapid reset) costs no lock and no
  // snapshot.
  if (context->IsCancelled()) {
    reactor->Finish(grpc::Status::CANCELLED);
    return reactor;
  }
  Request request;
  const absl::Status decoded = DecodeRequest(*bytes, &request);
  absl::StatusOr<Response> result =
      decoded.ok() ? answer(request) : absl::StatusOr<Response>(decoded);
  if (result.ok()) EncodeMessage(*result, response);
  reactor->Finish(ToGrpcStatus(result.status()));
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* FailureDetectorService::ListPeers(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Unary<v1::ListPeersRequest, v1::ListPeersResponse>(
      context, request, response,
      [this](const v1::ListPeersRequest& r) { return backend_->ListPeers(r); });
}

grpc::ServerUnaryReactor* FailureDetectorService::GetPeer(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Unary<v1::GetPeerRequest, v1::Peer>(
      context, request, response,
      [this](const v1::GetPeerRequest& r) { return backend_->GetPeer(r); });
}

grpc::ServerUnaryReactor* FailureDetectorService::Forget(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Unary<v1::ForgetRequest, v1::ForgetResponse>(
      context, request, response, [this, context](const v1::ForgetRequest& r) {
        absl::StatusOr<v1::ForgetResponse> forgotten = backend_->Forget(r);
        if (forgotten.ok()) {
          LOG(INFO) << context->peer() << " had member "
                    << forgotten->peer().name() << " forgotten";
        }
        return forgotten;
      });
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* FailureDetectorService::Watch(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* bytes) {
  auto stream = std::make_shared<WatchReactor>(
      context, options_.stream, clock_,
      [this](WatchReactor* done) { StreamDone(done); });
  stream->Start(stream);
  v1::WatchRequest watch_request;
  if (absl::Status s = DecodeRequest(*bytes, &watch_request); !s.ok()) {
    stream->End(ToGrpcStatus(s));
    return stream.get();
  }
  const v1::WatchRequest* request = &watch_request;
  {
    absl::MutexLock lock(&mu_);
    if (ending_) {
      stream->End(end_status_);
      return stream.get();
    }
    if (watchers_.load() >= options_.max_watchers) {
      ++refused_;
      if (std::optional<uint64_t> suppressed =
              refusal_log_.Admit(clock_.Now())) {
        LOG(WARNING) << "refusing a watcher from " << context->peer() << ": "
                     << options_.max_watchers
                     << " already watching (--max_watchers; " << *suppressed
                     << " similar refusals not logged)";
      }
      stream->End(ToGrpcStatus(absl::ResourceExhaustedError(absl::StrCat(
          "this daemon already serves ", options_.max_watchers,
          " watchers (its --max_watchers); retry later or raise the cap"))));
      return stream.get();
    }
    std::string client = ClientKey(context->peer());
    int& mine = per_client_[client];
    if (mine >= options_.max_watchers_per_client) {
      ++refused_;
      if (std::optional<uint64_t> suppressed =
              refusal_log_.Admit(clock_.Now())) {
        LOG(WARNING) << "refusing a watcher from " << context->peer()
                     << ": it has " << mine
                     << " already (--max_watchers_per_client; " << *suppressed
                     << " similar refusals not logged)";
      }
      stream->End(ToGrpcStatus(absl::ResourceExhaustedError(absl::StrCat(
          "this client (", client, ") already has ", mine,
          " watchers, the daemon's --max_watchers_per_client; close some "
          "or share one stream"))));
      return stream.get();
    }
    ++mine;
    client_of_[stream.get()] = std::move(client);
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
    auto client = client_of_.find(stream);
    if (client != client_of_.end()) {
      auto count = per_client_.find(client->second);
      if (count != per_client_.end() && --count->second <= 0) {
        per_client_.erase(count);
      }
      client_of_.erase(client);
    }
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

std::string ClientKey(absl::string_view peer) {
  if (!absl::StartsWith(peer, "ipv4:") && !absl::StartsWith(peer, "ipv6:")) {
    return std::string(peer);
  }
  const size_t colon = peer.rfind(':');
  // "ipv4:" itself has a colon: keep at least the scheme.
  if (colon == absl::string_view::npos || colon < 5) return std::string(peer);
  return std::string(peer.substr(0, colon));
}

}  // namespace phid
