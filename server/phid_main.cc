// phid: the failure-detector daemon. Gossips heartbeats over UDP, keeps a
// phi-accrual detector per peer and serves phi.v1.FailureDetector over
// gRPC. See server/daemon.h for how it is put together.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "absl/time/clock.h"
#include "glog/logging.h"
#include "server/daemon.h"
#include "server/keygen.h"
#include "server/phid_flags.h"
#include "server/stderr_relay.h"

namespace {

using phid::kExitBadOptions;
constexpr int kExitStartFailed = 1;

std::string Hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

// The first non-loopback IPv4 address of an interface that is up: what to
// advertise when binding 0.0.0.0 without --advertise.
std::string FirstInterfaceAddress() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string found;
  for (ifaddrs* i = list; i != nullptr && found.empty(); i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
    if ((i->ifa_flags & IFF_UP) == 0 || (i->ifa_flags & IFF_LOOPBACK) != 0) {
      continue;
    }
    char text[INET_ADDRSTRLEN];
    const auto* in = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
    if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof text) != nullptr) {
      found = text;
    }
  }
  freeifaddrs(list);
  return found;
}

}  // namespace

int main(int argc, char** argv) {
  std::string keygen_file;
  const phid::PhidCommand command =
      phid::ParsePhidCommandLine(argc, argv, &keygen_file);
  if (command == phid::PhidCommand::kKeygen) {
    absl::StatusOr<std::string> id =
        phid::WriteNewKeyFile(keygen_file, phid::KeygenOverwriteFromFlags());
    if (!id.ok()) {
      std::fprintf(stderr, "phid keygen: %s\n",
                   std::string(id.status().message()).c_str());
      return kExitStartFailed;
    }
    std::fputs(phid::KeygenNextSteps(keygen_file, *id).c_str(), stdout);
    return 0;
  }

  FLAGS_logtostderr = true;
  FLAGS_v = phid::VerbosityFromFlags();
  google::InitGoogleLogging(argv[0]);

  absl::StatusOr<phid::DaemonOptions> options =
      phid::DaemonOptionsFromFlags(Hostname(), FirstInterfaceAddress());
  absl::Status checked = options.status();
  if (checked.ok()) checked = options->CheckFiles();
  if (!checked.ok()) {
    std::fprintf(stderr, "phid: %s\n(see phid --help)\n",
                 std::string(checked.message()).c_str());
    return kExitBadOptions;
  }
  if (command == phid::PhidCommand::kCheckArgsOnly) {
    std::printf("phid: options OK (member '%s', gossip on %s, gRPC on %s)\n",
                options->gossip.name.c_str(), options->udp.bind_address.c_str(),
                options->grpc_address.c_str());
    return 0;
  }

  // Logging must never block the daemon (README: Under abuse). From here on
  // stderr is a non-blocking pipe; options errors above went out directly.
  if (absl::Status s = phid::StderrRelay::Start(1 << 20); !s.ok()) {
    std::fprintf(stderr, "phid: %s (logging may block)\n",
                 std::string(s.message()).c_str());
  }

  // Signals are taken synchronously by this thread; block them before any
  // other thread starts so they inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);  // reload the keyring (ExecReload)
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Decorrelate injected drops between daemons.
  options->faults.seed = static_cast<uint64_t>(getpid()) ^
                         static_cast<uint64_t>(absl::ToUnixNanos(absl::Now()));

  absl::StatusOr<std::unique_ptr<phid::Daemon>> daemon =
      phid::Daemon::Start(*options);
  if (!daemon.ok()) {
    LOG(ERROR) << "phid could not start: " << daemon.status().message();
    phid::StderrRelay::Flush(absl::Seconds(1));
    return daemon.status().code() == absl::StatusCode::kInvalidArgument
               ? kExitBadOptions
               : kExitStartFailed;
  }
  int signal_number = 0;
  while (sigwait(&signals, &signal_number) == 0 && signal_number == SIGHUP) {
    LOG(INFO) << "received SIGHUP; reloading the keyring";
    (*daemon)->RequestKeyringReload();
  }
  LOG(INFO) << "received " << (signal_number == SIGTERM ? "SIGTERM" : "SIGINT")
            << "; shutting down";
  (*daemon)->RequestShutdown();
  (*daemon)->Wait();
  daemon->reset();
  phid::StderrRelay::Flush(absl::Seconds(1));
  return 0;
}
