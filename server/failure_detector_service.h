// FailureDetectorService: the phi.v1.FailureDetector gRPC service on the
// callback API.
//
// ListPeers, GetPeer and Forget answer from the backend (the PeerApi)
// at once. Watch creates a WatchReactor, registers it with the backend's
// WatchHub (which sends the snapshot) and then lives on the hub's messages
// until the client goes, the daemon shuts down (EndAllWatches), or the
// subscriber is evicted for not reading. Concurrent watchers are capped,
// in all and per client (its IP address, ClientKey): past either cap the
// Watch ends RESOURCE_EXHAUSTED naming the cap's flag, and other clients
// still subscribe.
//
// The methods are gRPC's raw callback methods: each decodes its request
// itself (raw_messages.h), so a request that does not parse, such as a
// string that is not UTF-8, is answered INVALID_ARGUMENT naming the field
// rather than gRPC's UNIMPLEMENTED with an empty message.
//
// Every absl::Status from below becomes a grpc::Status in ToGrpcStatus
// (grpc_status.h) and nowhere else.
//
// Thread safety: the RPC handlers run on gRPC's threads; EvictStalled and
// EndAllWatches may be called from any thread (the daemon's loop does).
#ifndef PHID_SERVER_FAILURE_DETECTOR_SERVICE_H_
#define PHID_SERVER_FAILURE_DETECTOR_SERVICE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "detector/base/clock.h"
#include "gossip/log_limiter.h"
#include "proto/phi.grpc.pb.h"
#include "server/watch_hub.h"
#include "server/watch_reactor.h"

namespace phid {

// What the service needs from the daemon: the PeerApi (peer_api.h), or a
// test's fake. Implementations are thread-safe.
class FailureDetectorBackend {
 public:
  virtual ~FailureDetectorBackend() = default;
  virtual absl::StatusOr<phi::v1::ListPeersResponse> ListPeers(
      const phi::v1::ListPeersRequest& request) = 0;
  virtual absl::StatusOr<phi::v1::Peer> GetPeer(
      const phi::v1::GetPeerRequest& request) = 0;
  // Removes a failed or left member from this daemon (see phi.proto).
  virtual absl::StatusOr<phi::v1::ForgetResponse> Forget(
      const phi::v1::ForgetRequest& request) = 0;
  // Validates `request` and subscribes `sink` to the hub, which sends the
  // snapshot before this returns. Returns the subscriber id.
  virtual absl::StatusOr<uint64_t> Subscribe(
      const phi::v1::WatchRequest& request,
      std::shared_ptr<WatchSink> sink) = 0;
  // Stops sending to `id`; may take effect a little later. Never blocks on
  // the hub's thread.
  virtual void Unsubscribe(uint64_t id) = 0;
};

class FailureDetectorService final
    : public phi::v1::FailureDetector::WithRawCallbackMethod_ListPeers<
          phi::v1::FailureDetector::WithRawCallbackMethod_GetPeer<
              phi::v1::FailureDetector::WithRawCallbackMethod_Watch<
                  phi::v1::FailureDetector::WithRawCallbackMethod_Forget<
                      phi::v1::FailureDetector::Service>>>> {
 public:
  struct Options {
    // Concurrent Watch streams; more get RESOURCE_EXHAUSTED. Default 10000.
    int max_watchers = 10000;
    // Concurrent Watch streams of one client (ClientKey). Default 1000.
    int max_watchers_per_client = 1000;
    // Per stream: messages waiting and the write timeout before eviction.
    WatchReactor::Options stream;
  };

  // `backend` and `clock` must outlive the service.
  FailureDetectorService(const Options& options,
                         FailureDetectorBackend* backend, const Clock& clock);
  FailureDetectorService(const FailureDetectorService&) = delete;
  FailureDetectorService& operator=(const FailureDetectorService&) = delete;

  // Requests and responses are the phi.v1 messages' bytes.
  grpc::ServerUnaryReactor* ListPeers(grpc::CallbackServerContext* context,
                                      const grpc::ByteBuffer* request,
                                      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetPeer(grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Forget(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Watch(
      grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* request) override;

  // Evicts every watcher whose write has been outstanding too long.
  // Returns how many it evicted now.
  int EvictStalled(MonoTime now);
  // Refuses new watches and ends every open one with `status`.
  void EndAllWatches(const grpc::Status& status);

  int watchers() const { return watchers_.load(); }
  // Watches refused by either cap.
  uint64_t refused() const { return refused_.load(); }
  uint64_t evictions() const { return evictions_.load(); }

 private:
  void StreamDone(WatchReactor* stream);

  // Constant after construction.
  const Options options_;
  FailureDetectorBackend* const backend_;
  const Clock& clock_;

  std::atomic<int> watchers_{0};
  std::atomic<uint64_t> evictions_{0};
  std::atomic<uint64_t> refused_{0};
  // Refusals are caused by clients: at most one line per 10 s.
  LogLimiter refusal_log_{absl::Seconds(10)};
  absl::Mutex mu_;
  bool ending_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status end_status_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<WatchReactor*, std::shared_ptr<WatchReactor>> streams_
      ABSL_GUARDED_BY(mu_);
  // Open streams per ClientKey; the key of each counted stream.
  absl::flat_hash_map<std::string, int> per_client_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<WatchReactor*, std::string> client_of_
      ABSL_GUARDED_BY(mu_);
};

// The client a peer string of gRPC's (grpc::ServerContext::peer()) names,
// for per-client caps: the address without its port ("ipv4:10.0.0.1:5000"
// -> "ipv4:10.0.0.1", "ipv6:[::1]:5000" -> "ipv6:[::1]"); anything else
// (unix sockets: "unix:...") as it is.
std::string ClientKey(absl::string_view peer);

}  // namespace phid

#endif  // PHID_SERVER_FAILURE_DETECTOR_SERVICE_H_
