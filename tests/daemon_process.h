// DaemonProcess: one real phid daemon, run as a separate process, for the
// end-to-end tests in this folder.
//
// It fork/execs the phid binary from the test's runfiles (the test needs
// `data = ["//server:phid"]`), optionally behind a launcher such as
// `ip netns exec NS`, sends the daemon's stdout and stderr to a log file
// under TEST_TMPDIR, and waits until the gRPC API answers ListPeers. The
// process is SIGKILLed when the DaemonProcess is destroyed, and also when the
// test process dies (PR_SET_PDEATHSIG), so no daemon outlives its test.
//
//   DaemonConfig config;
//   config.name = "node-1";
//   config.gossip_address = "127.0.1.11:17101";
//   config.grpc_address = "127.0.1.11:17121";
//   DaemonProcess daemon(config);
//   ASSERT_OK(daemon.Start());
//   daemon.client().ListPeers(...);
//   daemon.Signal(SIGSTOP);
//
// Thread safety: none; use a DaemonProcess from the test's main thread (the
// thread that forked is the "parent" PR_SET_PDEATHSIG watches). client() is
// thread-safe, like any PhidClient.
#ifndef PHID_TESTS_DAEMON_PROCESS_H_
#define PHID_TESTS_DAEMON_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/phid_client.h"

namespace phid {
namespace e2e {

// The path of the phid binary in the test's runfiles
// ($TEST_SRCDIR/phid/server/phid), or "" with a message in `error`.
std::string PhidBinaryPath(std::string* error);

// A directory for the test's files: $TEST_TMPDIR, else /tmp.
std::string TestTempDir();

struct DaemonConfig {
  // --name. Required.
  std::string name;
  // --bind (and so the advertised gossip address), "ip:port". Required.
  std::string gossip_address;
  // --grpc_address: "ip:port" or "unix:/path". Required.
  std::string grpc_address;
  // --metrics_address, "ip:port"; empty = metrics off.
  std::string metrics_address;
  // --seeds. The daemon's own address may be among them (it skips it).
  std::vector<std::string> seeds;
  // --preset. Default "local": many daemons sharing the test machine.
  std::string preset = "local";
  // More flags, e.g. "--drop_probability=0.1", "--keyring=/path".
  std::vector<std::string> extra_flags;
  // Runs the binary through this command, e.g.
  // {"/usr/sbin/ip", "netns", "exec", "ns1"}. It must exec the daemon (not
  // fork it) so that signals reach the daemon. Default: none.
  std::vector<std::string> launcher;
};

class DaemonProcess final {
 public:
  // Creates the client (gRPC channel) at once; starts nothing.
  explicit DaemonProcess(DaemonConfig config);
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;
  // SIGKILLs the daemon if it still runs, and reaps it. If the test has
  // failed, prints the tail of the daemon's log and keeps the whole log in
  // TEST_UNDECLARED_OUTPUTS_DIR (Bazel deletes TEST_TMPDIR).
  ~DaemonProcess();

  // Spawn() then WaitUntilServing(timeout).
  absl::Status Start(absl::Duration timeout = absl::Seconds(15));
  // Starts the process. FAILED_PRECONDITION if it already runs.
  absl::Status Spawn();
  // Waits until the daemon answers ListPeers. Fails early, with the log's
  // tail, if the process exits.
  absl::Status WaitUntilServing(absl::Duration timeout);

  // kill(pid, signo). FAILED_PRECONDITION if the process is not running.
  absl::Status Signal(int signo);
  // Waits for the process to end; returns its wait status (WIFEXITED, ...).
  // DEADLINE_EXCEEDED if it still runs after `timeout`.
  absl::StatusOr<int> WaitForExit(absl::Duration timeout);
  // SIGKILL and reap; no-op if not running.
  void Kill();
  // Kill() then Start(timeout): same name, addresses and flags; a new
  // generation.
  absl::Status Restart(absl::Duration timeout = absl::Seconds(15));

  // Whether the process runs (reaps it if it has ended).
  bool running();
  pid_t pid() const { return pid_; }
  // The wait status of the last run that ended; -1 if none did.
  int last_wait_status() const { return last_wait_status_; }

  const DaemonConfig& config() const { return config_; }
  const std::string& name() const { return config_.name; }
  // Talks to this daemon's gRPC API. The channel reconnects quickly (100 to
  // 500 ms backoff) across restarts.
  const PhidClient& client() const { return *client_; }
  const std::string& log_path() const { return log_path_; }
  // The last `lines` lines of the log.
  std::string LogTail(int lines) const;

 private:
  const DaemonConfig config_;
  std::unique_ptr<PhidClient> client_;
  std::string log_path_;
  pid_t pid_ = -1;
  int last_wait_status_ = -1;
  int starts_ = 0;
};

// "exited with status 1", "killed by signal 9", ... for a wait status.
std::string DescribeWaitStatus(int wait_status);

}  // namespace e2e
}  // namespace phid

#endif  // PHID_TESTS_DAEMON_PROCESS_H_
