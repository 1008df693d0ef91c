// PeerApi: what the phi.v1 API answers from. It owns this daemon's
// GossipNode and WatchHub behind one lock, and implements the API's
// semantics on them (FailureDetectorBackend): ListPeers, GetPeer, Forget,
// and the Watch subscriptions.
//
// Two kinds of callers:
//   - the daemon's loop thread drives it: Step() feeds the node the
//     datagrams received, ticks it, hands its events and changed views to
//     the hub and fires the hub; NextDue() says when to call Step() again.
//     Leave() starts a graceful leave; ReplaceKeyring() swaps keys.
//   - gRPC's threads (through FailureDetectorService), the status page and
//     the metrics thread call the API methods and FillMetrics(), which take
//     the lock briefly and copy out. Nothing slow runs under it: events are
//     returned to the loop to log, and watch streams only queue (the hub's
//     sinks never block).
//
// Owns the node, the hub, the keyring the node uses and the listener that
// collects the node's events. Does not own the transport, the clock or the
// seed resolver; they must outlive it. Time comes only from `clock`, so a
// test drives a PeerApi on a SimulatedClock and an InMemoryNetwork exactly
// as the daemon drives it on RealClock and UDP (simulated_peers.h).
//
// Thread safety: every method may be called from any thread; Step, Leave,
// ReplaceKeyring and KeepKeyring from one thread at a time (the loop).
#ifndef PHID_SERVER_PEER_API_H_
#define PHID_SERVER_PEER_API_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "detector/base/clock.h"
#include "gossip/events.h"
#include "gossip/gossip_node.h"
#include "gossip/gossip_options.h"
#include "gossip/keyring.h"
#include "gossip/seed_resolver.h"
#include "gossip/transport.h"
#include "server/failure_detector_service.h"
#include "server/metrics.h"
#include "server/watch_hub.h"
#include "server/watch_request.h"

namespace phid {

// Datagrams received in one go (one ReceiveOnce, or one delivery of an
// in-memory network), for Step to feed the node under one lock.
class DatagramBatch final : public PacketSink {
 public:
  struct Datagram {
    std::string from;
    std::string payload;
    MonoTime at;
  };
  void OnPacket(const std::string& from, absl::string_view payload,
                MonoTime now) override {
    datagrams.push_back(Datagram{from, std::string(payload), now});
  }
  std::vector<Datagram> datagrams;
};

class PeerApi final : public FailureDetectorBackend {
 public:
  struct Options {
    // The node's options. gossip.generation must be set (the daemon picks
    // a new one on every start); it is also the Watch messages' epoch.
    GossipOptions gossip;
    // The threshold of requests that name none (phi_threshold 0), of the
    // views the hub is fed and of the metrics. Default 8.
    double default_threshold = 8;
    // Seeds the node's peer selection.
    uint64_t seed = 0;
    // The wall clock in Unix microseconds, for messages' sent_unix_micros
    // (empty: 0).
    std::function<int64_t()> unix_micros;
    // Wakes the loop from any thread: after Forget, and after a Subscribe
    // whose first message may be due before the loop's wait ends. May be
    // empty (a driver that steps anyway).
    std::function<void()> wake;
  };

  // What one Step did, for the loop to act on after the lock is released.
  struct StepResult {
    // The node's membership events, in order (the loop logs them).
    std::vector<MemberEvent> events;
    // GossipNode::Joined() after the step.
    bool joined = false;
    // Watch subscribers after the step.
    size_t watchers = 0;
    // The instant the node ticked and the hub fired.
    MonoTime now;
  };

  // Creates the node (validating options.gossip) and the hub, with the
  // node's view of every member already given to the hub. `keyring` may be
  // null (no encryption); `resolver` may be null (DNS seeds never
  // resolve). `transport`, `resolver` and `clock` must outlive the PeerApi.
  static absl::StatusOr<std::unique_ptr<PeerApi>> Create(
      Options options, Transport* transport, std::unique_ptr<Keyring> keyring,
      SeedResolver* resolver, const Clock& clock);
  PeerApi(const PeerApi&) = delete;
  PeerApi& operator=(const PeerApi&) = delete;
  ~PeerApi() override;

  // FailureDetectorBackend: the phi.v1 calls, arguments validated here
  // (INVALID_ARGUMENT naming the field).
  absl::StatusOr<phi::v1::ListPeersResponse> ListPeers(
      const phi::v1::ListPeersRequest& request) override;
  absl::StatusOr<phi::v1::Peer> GetPeer(
      const phi::v1::GetPeerRequest& request) override;
  absl::StatusOr<phi::v1::ForgetResponse> Forget(
      const phi::v1::ForgetRequest& request) override;
  absl::StatusOr<uint64_t> Subscribe(const phi::v1::WatchRequest& request,
                                     std::shared_ptr<WatchSink> sink) override;
  // Queued; the loop's next Step removes the subscriber.
  void Unsubscribe(uint64_t id) override;

  // Subscribes `sink` with a spec already validated (the status page's
  // transition log). Returns the subscriber id.
  uint64_t Subscribe(WatchSpec spec, std::shared_ptr<WatchSink> sink);

  // Loop: when Step is next due (the node's tick or the hub's next
  // message, whichever is first).
  MonoTime NextDue();
  // Loop: feeds `datagrams` to the node, removes unsubscribed watchers,
  // ticks the node (its pause guard runs before any crossing is judged),
  // hands its events and changed views to the hub (every view after an
  // observer pause), and fires the hub.
  StepResult Step(std::vector<DatagramBatch::Datagram> datagrams);
  // Loop: the node starts leaving the cluster; LeaveDone says when the
  // leave has propagated.
  void Leave(MonoTime now);
  bool LeaveDone(MonoTime now);

  // Loop: the node uses `keyring` from now on, between two packets. Returns
  // what changed, by key id. Only when Create had a keyring.
  std::string ReplaceKeyring(std::unique_ptr<Keyring> keyring);
  // Loop: counts a reload that failed; returns the keyring kept
  // ("3 keys, primary <id>"). Only when Create had a keyring.
  std::string KeepKeyring();

  // The node's, the hub's and the keyring's part of /metrics: members by
  // state at the default threshold, peers' phi, gossip counters, joined,
  // keyring, watch messages.
  void FillMetrics(MetricsSnapshot* snapshot);

  const std::string& name() const { return name_; }
  double default_threshold() const { return default_threshold_; }

 private:
  // Collects what the node reports while Step holds mu_.
  class Collector final : public MembershipListener {
   public:
    void OnMemberEvent(const MemberEvent& event) override;
    void OnEvidence(const std::string& name, const PhiCurve& before,
                    MonoTime now) override;
    std::vector<MemberEvent> events;
    std::vector<std::string> arrivals;
  };

  PeerApi(const Options& options, const Clock& clock);
  // Hands the node's events and changed views to the hub; returns the
  // events.
  std::vector<MemberEvent> Publish(MonoTime now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Wake();

  // Constant after Create.
  const std::string name_;
  const double default_threshold_;
  const std::function<void()> wake_;
  const Clock& clock_;

  absl::Mutex mu_;
  Collector collector_ ABSL_GUARDED_BY(mu_);
  // The node's keyring (null without one); replaced by a reload. Declared
  // before node_, so it outlives it.
  std::unique_ptr<Keyring> keyring_ ABSL_GUARDED_BY(mu_);
  uint64_t keyring_reloads_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t keyring_reload_failures_ ABSL_GUARDED_BY(mu_) = 0;
  std::unique_ptr<GossipNode> node_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<WatchHub> hub_ ABSL_GUARDED_BY(mu_);

  // Unsubscribe never waits for mu_ (the hub's thread may hold it while a
  // stream ends): ids wait here for the next Step.
  absl::Mutex unsubscribe_mu_;
  std::vector<uint64_t> unsubscribed_ ABSL_GUARDED_BY(unsubscribe_mu_);
};

}  // namespace phid

#endif  // PHID_SERVER_PEER_API_H_
