// BridgedNamespaces: a private network for partition tests. N network
// namespaces, each with one veth link ("eth0", address <subnet>.i/24) whose
// other end is a port of a bridge that lives in a namespace of its own.
// Taking a bridge port down cuts that namespace off; nothing outside these
// namespaces ever sees their addresses or their traffic.
//
//   auto net = BridgedNamespaces::Create(3, "10.231.0");
//   config.launcher = (*net)->Launcher(1);   // ip netns exec <ns 1>
//   (*net)->SetLinkUp(3, false);             // partition namespace 3
//
// Names are unique per run ("phid-e2e-<pid>-<i>", "phid-e2e-<pid>-br").
// The destructor deletes every namespace it created (and with them the
// links), also when the test fails; namespaces left by an earlier run that
// was SIGKILLed (its pid no longer alive) are deleted on the next Create.
// Processes still running in a namespace keep it alive until they exit, so
// kill them first.
//
// Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN) and iproute2's `ip`.
// Not thread-safe.
#ifndef PHID_TESTS_BRIDGED_NAMESPACES_H_
#define PHID_TESTS_BRIDGED_NAMESPACES_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace phid {
namespace e2e {

// The path of iproute2's `ip`, or "" if there is none.
std::string IpBinary();

// Runs `argv` (argv[0] a path), waits, and returns its stdout and stderr;
// an error with that output if it exits non-zero.
absl::StatusOr<std::string> RunCommand(const std::vector<std::string>& argv);

class BridgedNamespaces final {
 public:
  // `subnet` is the first three octets of a private /24, e.g. "10.231.0".
  static absl::StatusOr<std::unique_ptr<BridgedNamespaces>> Create(
      int count, const std::string& subnet);
  BridgedNamespaces(const BridgedNamespaces&) = delete;
  BridgedNamespaces& operator=(const BridgedNamespaces&) = delete;
  ~BridgedNamespaces();

  // Namespace i (1-based) and its address "<subnet>.i".
  const std::string& name(int i) const { return members_[i - 1]; }
  std::string address(int i) const;
  // {ip, "netns", "exec", name(i)}: a DaemonConfig launcher.
  std::vector<std::string> Launcher(int i) const;
  // Sets namespace i's port on the bridge up or down.
  absl::Status SetLinkUp(int i, bool up);

 private:
  BridgedNamespaces(std::string ip, std::string prefix, std::string subnet)
      : ip_(std::move(ip)),
        prefix_(std::move(prefix)),
        subnet_(std::move(subnet)) {}
  absl::Status Build(int count);
  absl::Status Ip(const std::vector<std::string>& args);
  absl::Status AddNamespace(const std::string& name);

  const std::string ip_;
  const std::string prefix_;  // "phid-e2e-<pid>"
  const std::string subnet_;
  std::string bridge_;                // the bridge's namespace
  std::vector<std::string> members_;  // namespace i at [i - 1]
  std::vector<std::string> created_;  // to delete, in creation order
};

}  // namespace e2e
}  // namespace phid

#endif  // PHID_TESTS_BRIDGED_NAMESPACES_H_
