// The commands behind RunPhictl (phictl.h), one file per group, and the
// output helpers they share. Internal to phictl_lib: RunPhictl has checked
// the command line (flags that apply, operands, --threshold, --tags,
// --timeout) and made the client before any Run* here is called.
//   phictl_peers.cc  peers, get, forget: one call, one answer
//   phictl_watch.cc  watch (and --exec, watch_exec.h)
//   phictl_top.cc    top, the live view
//   phictl_phi.cc    phi, the injected calculator
// Each returns the exit status (kExitOk...). Thread safety: as RunPhictl.
#ifndef PHID_CLIENT_PHICTL_COMMANDS_H_
#define PHID_CLIENT_PHICTL_COMMANDS_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/phictl.h"
#include "client/phid_client.h"
#include "google/protobuf/message.h"
#include "proto/phi.pb.h"

namespace phid {
namespace phictl_internal {

// Prints `status` and picks the exit status: a value the daemon refused is a
// command-line mistake too (kExitUsage), anything else kExitFailure.
int Fail(const absl::Status& status, const PhictlEnvironment& env);

// Prints `message` with a pointer to --help; kExitUsage.
int Usage(absl::string_view message, const PhictlEnvironment& env);

// Writes `message` as a JSON line. False (after printing why) on failure.
bool PrintJson(const google::protobuf::Message& message,
               const PhictlEnvironment& env);

// A phi threshold flag: 0 (the daemon's default) or (0, kMaxPhiThreshold].
absl::Status ValidateThreshold(absl::string_view flag, double value);

// phictl_peers.cc.
int RunPeers(const PhidClient& client, const PhictlFlags& flags,
             const PhictlEnvironment& env);
int RunGet(const PhidClient& client, const std::string& name,
           const PhictlFlags& flags, const PhictlEnvironment& env);
int RunForget(const PhidClient& client, const std::string& name,
              const PhictlFlags& flags, const PhictlEnvironment& env);

// phictl_watch.cc. The WatchRequest the flags describe, or INVALID_ARGUMENT
// naming the flag.
absl::StatusOr<phi::v1::WatchRequest> WatchRequestFromFlags(
    const PhictlFlags& flags);
int RunWatch(const PhidClient& client, const phi::v1::WatchRequest& request,
             const PhictlFlags& flags, const PhictlEnvironment& env);

// phictl_top.cc. Before the client is made: checks top's own flags and the
// terminal, and shortens `options`' deadline so a hung call cannot freeze
// the screen. Returns the exit status if top cannot run.
std::optional<int> PrepareTop(const PhictlFlags& flags,
                              const PhictlEnvironment& env,
                              ClientOptions* options);
int RunTop(const PhidClient& client, const PhictlFlags& flags,
           const PhictlEnvironment& env);

// phictl_phi.cc. Needs no daemon.
int RunPhi(const PhictlFlags& flags, const PhictlEnvironment& env);

}  // namespace phictl_internal
}  // namespace phid

#endif  // PHID_CLIENT_PHICTL_COMMANDS_H_
