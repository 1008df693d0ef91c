// SimulatedPeers: phid daemons without their processes, for the API's
// tests (testonly). Each peer is a PeerApi, as a Daemon would build it
// from the same DaemonOptions, gossiping over one InMemoryNetwork on one
// SimulatedClock, and served by a real FailureDetectorService on loopback
// gRPC (ServiceOnLoopback), so a test calls it with the real stub.
//
// RunFor / RunUntil are the daemon's loop on simulated time: at every
// instant a peer is due (PeerApi::NextDue) or a datagram arrives, every
// running peer is stepped with what it received. Nothing waits: a test
// moves time, then reads its Watch streams (gRPC's threads deliver what the
// hubs queued), so what it asserts depends on simulated time alone, not on
// the machine's load. Before moving time past a new Watch, read its
// snapshot: the subscription is made on gRPC's thread.
//
// Faults mirror the daemon's test hooks: Crash (CrashForTesting: gone
// without leaving), Pause (PauseForTesting: no steps, datagrams held as a
// socket buffer would), Leave (RequestShutdown: leaves, keeps gossiping
// until the leave has propagated or half of shutdown_timeout passed, then
// ends every Watch UNAVAILABLE), Restart (a new process: new generation,
// same name and address).
//
// Thread safety: drive it from the test's thread. gRPC's threads call the
// PeerApis, which read the shared clock (it is guarded).
#ifndef PHID_SERVER_SIMULATED_PEERS_H_
#define PHID_SERVER_SIMULATED_PEERS_H_

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "detector/base/clock.h"
#include "detector/base/simulated_clock.h"
#include "gossip/in_memory_network.h"
#include "proto/phi.grpc.pb.h"
#include "server/daemon_options.h"
#include "server/peer_api.h"
#include "server/service_on_loopback.h"

namespace phid {

class SimulatedPeers final {
 public:
  explicit SimulatedPeers(uint64_t seed = 1);
  SimulatedPeers(const SimulatedPeers&) = delete;
  SimulatedPeers& operator=(const SimulatedPeers&) = delete;
  ~SimulatedPeers();

  // Starts a peer named options.gossip.name, at the next simulated address
  // ("10.0.0.<n>:7946"), joining through options.gossip.seeds (addresses:
  // address()). Uses the gossip options, default threshold, watcher caps,
  // stream limits and --keyring file, as Daemon does. CHECK-fails if it
  // cannot start.
  void Start(const DaemonOptions& options);

  const std::string& address(const std::string& name) const;
  PeerApi& api(const std::string& name);
  std::unique_ptr<phi::v1::FailureDetector::Stub> Stub(const std::string& name);
  // Whether `observer` knows `name` (GetPeer finds it).
  bool Knows(const std::string& observer, const std::string& name);
  // The PeerApi's part of /metrics (DaemonMetrics adds the sockets').
  std::string MetricsText(const std::string& name);
  MonoTime Now() const { return clock_.Now(); }

  // Moves simulated time by `d`, stepping the peers on the way.
  void RunFor(absl::Duration d);
  // Runs until `done()` holds (checked after every step) or `limit`
  // passes; returns whether it held.
  bool RunUntil(const std::function<bool()>& done, absl::Duration limit);

  void Crash(const std::string& name);
  void Pause(const std::string& name, bool paused);
  void Leave(const std::string& name);
  void Restart(const std::string& name);
  // What the daemon's loop does on SIGHUP: re-reads options.keyring
  // (ReloadKeyringFile).
  void ReloadKeyring(const std::string& name);

 private:
  // The clock the peers, the network and gRPC's threads read.
  class SharedClock final : public Clock {
   public:
    MonoTime Now() const override;
    void AdvanceTo(MonoTime t);

   private:
    mutable absl::Mutex mu_;
    SimulatedClock clock_ ABSL_GUARDED_BY(mu_);
  };

  enum class State { kRunning, kPaused, kLeaving, kStopped };
  struct Peer {
    DaemonOptions options;
    std::string address;
    DatagramBatch inbox;
    std::unique_ptr<PeerApi> api;
    // Declared after api: destroyed first.
    std::unique_ptr<ServiceOnLoopback> grpc;
    State state = State::kRunning;
    MonoTime leave_started;
  };

  Peer& Find(const std::string& name) const;
  std::unique_ptr<Peer> Launch(const DaemonOptions& options,
                               const std::string& address);
  // Ends the peer's watches and takes it off the network.
  void Stop(Peer* peer);
  // One instant of the loop: due at or before `end`? Then moves there,
  // delivers and steps; else returns false.
  bool StepOnce(MonoTime end);

  SharedClock clock_;
  // The services' own clock (write timeouts): it stays put.
  SimulatedClock service_clock_;
  InMemoryNetwork net_;
  uint64_t next_generation_ = 1;
  int next_address_ = 1;
  std::map<std::string, std::unique_ptr<Peer>> peers_;
};

}  // namespace phid

#endif  // PHID_SERVER_SIMULATED_PEERS_H_
