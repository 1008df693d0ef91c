// WatchReactor: one Watch RPC on gRPC's callback API, and the WatchSink the
// hub sends that subscriber's messages to.
//
// Modelled on gRPC's own health Watch: one write in flight; what the hub
// sends meanwhile waits in a WatchOutbox (transitions in order, levels
// coalesced); Finish exactly once; cleanup in OnDone. All reactor
// operations happen under the stream's mutex; gRPC runs this reactor's
// callbacks on its own threads, never inline, so that is safe (the health
// service relies on the same).
//
// A subscriber that stops reading is evicted with TryCancel, never waited
// for: when its queue is over the cap (checked on Send) or when a write has
// been outstanding longer than the write timeout (EvictIfStalled, called
// periodically). Send never blocks, so a slow subscriber costs the hub's
// thread and the other subscribers nothing.
//
// Lifetime: shared_ptr. The stream keeps itself alive from Start() until
// OnDone; the hub and the service registry hold references too, and calls
// on a finished stream are no-ops.
//
// Thread safety: every public method may be called from any thread.
#ifndef PHID_SERVER_WATCH_REACTOR_H_
#define PHID_SERVER_WATCH_REACTOR_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "detector/base/clock.h"
#include "grpcpp/grpcpp.h"
#include "proto/phi.grpc.pb.h"
#include "server/watch_hub.h"
#include "server/watch_outbox.h"

namespace phid {

// Writes the messages' bytes: the service's methods are raw (see
// failure_detector_service.h).
class WatchReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer>,
                           public WatchSink {
 public:
  struct Options {
    // Messages that may wait for a slow reader before it is evicted.
    size_t max_queued = 10000;
    // A write outstanding this long evicts the subscriber.
    absl::Duration write_timeout = absl::Seconds(10);
  };
  // Why a stream ended early.
  enum class Eviction { kNone, kQueueFull, kWriteTimeout };

  // `context` and `clock` must outlive the stream's OnDone. `on_done` runs
  // once, from OnDone, on a gRPC thread.
  WatchReactor(grpc::CallbackServerContext* context, const Options& options,
               const Clock& clock, std::function<void(WatchReactor*)> on_done);

  // Takes the self-reference released in OnDone. Call once, first.
  void Start(std::shared_ptr<WatchReactor> self);

  // WatchSink: queues `message` and writes it when the stream is free.
  void Send(const phi::v1::WatchResponse& message) override;

  // Ends the stream with `status` after the write in flight (queued
  // messages are dropped). No-op if already ending.
  void End(const grpc::Status& status);

  // Evicts the subscriber if its write has been outstanding longer than the
  // write timeout. True if this call evicted it.
  bool EvictIfStalled(MonoTime now);

  // The hub's id for this subscriber; 0 until set. False if the stream is
  // already done (then the caller must unsubscribe `id` itself).
  bool set_subscriber_id(uint64_t id);
  uint64_t subscriber_id() const;
  Eviction eviction() const;

 private:
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void EvictLocked(Eviction why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Constant after construction.
  grpc::CallbackServerContext* const context_;
  const Options options_;
  const Clock& clock_;
  const std::function<void(WatchReactor*)> on_done_;

  mutable absl::Mutex mu_;
  WatchOutbox outbox_ ABSL_GUARDED_BY(mu_);
  // The write in flight, encoded; gRPC reads it until OnWriteDone.
  grpc::ByteBuffer write_bytes_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<WatchReactor> self_ ABSL_GUARDED_BY(mu_);
  bool finish_called_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  // End() came while a write was in flight: finish when it completes.
  bool finish_pending_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status pending_status_ ABSL_GUARDED_BY(mu_);
  Eviction eviction_ ABSL_GUARDED_BY(mu_) = Eviction::kNone;
  uint64_t subscriber_id_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace phid

#endif  // PHID_SERVER_WATCH_REACTOR_H_
