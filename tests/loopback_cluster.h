// Clusters of real phid daemons on loopback for the end-to-end tests, and
// waits on what their APIs report.
//
// Address plan (other work on this machine uses 127.0.0.x and the usual
// ports): test slot S (1..24) owns 127.0.1.(10S+1)..127.0.1.(10S+9); its
// daemon k (1..9) gossips on 127.0.1.(10S+k):(17000+100S+k), serves gRPC on
// port 17000+100S+20+k and metrics on 17000+100S+40+k of the same address.
// Each test uses its own slot, so tests never share an address even when
// they run in parallel.
//
//   std::vector<std::unique_ptr<DaemonProcess>> cluster;
//   ASSERT_OK(StartLoopbackCluster(/*slot=*/1, /*size=*/5, {}, &cluster));
//   ASSERT_OK(WaitUntilAllSeeAll(Pointers(cluster), absl::Seconds(15)));
//
// Not thread-safe (see DaemonProcess).
#ifndef PHID_TESTS_LOOPBACK_CLUSTER_H_
#define PHID_TESTS_LOOPBACK_CLUSTER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/phi.pb.h"
#include "tests/daemon_process.h"

namespace phid {
namespace e2e {

// The loopback address of daemon `index` of test `slot` (see above).
std::string LoopbackIp(int slot, int index);

// Daemon `index` (1..9) of `slot` (1..9): name "node-<index>", addresses as
// above, seeds daemons 1 and 2 of the slot.
DaemonConfig LoopbackDaemonConfig(int slot, int index);

// Starts daemons 1..size of `slot` with `extra_flags`, all at once, and
// waits until each serves. Daemons go to `out` as they are spawned, so they
// are cleaned up even if starting fails.
absl::Status StartLoopbackCluster(
    int slot, int size, const std::vector<std::string>& extra_flags,
    std::vector<std::unique_ptr<DaemonProcess>>* out);

std::vector<DaemonProcess*> Pointers(
    const std::vector<std::unique_ptr<DaemonProcess>>& daemons);

// ListPeers at `threshold` on `daemon`.
absl::StatusOr<phi::v1::ListPeersResponse> ListPeersAt(
    const DaemonProcess& daemon, double threshold);
// The entry for `name` in `peers`, or null.
const phi::v1::Peer* FindPeer(const phi::v1::ListPeersResponse& peers,
                              const std::string& name);

// Waits until every daemon's ListPeers at phi 8 lists exactly the names of
// `daemons`, each ALIVE (status and state), and every peer has at least
// `min_samples` measured intervals (a warm history, so a test does not
// judge a detector still on its first estimate). DEADLINE_EXCEEDED with
// the last views on timeout.
absl::Status WaitUntilAllSeeAll(const std::vector<DaemonProcess*>& daemons,
                                absl::Duration timeout, int min_samples = 20);

// Repeats `probe` every 20 ms until it returns OK or `timeout` passes;
// returns its last status.
absl::Status PollUntilOk(const std::function<absl::Status()>& probe,
                         absl::Duration timeout);

// "1234.5 ms".
std::string Millis(absl::Duration d);

}  // namespace e2e
}  // namespace phid

#endif  // PHID_TESTS_LOOPBACK_CLUSTER_H_
