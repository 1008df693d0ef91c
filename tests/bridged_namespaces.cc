#include "tests/bridged_namespaces.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace phid {
namespace e2e {
namespace {

constexpr char kPrefix[] = "phid-e2e-";

// Deletes namespaces named phid-e2e-<pid>-... whose <pid> is dead: left by
// a run that could not clean up (SIGKILL, a crash).
void RemoveStaleNamespaces(const std::string& ip) {
  absl::StatusOr<std::string> list = RunCommand({ip, "netns", "list"});
  if (!list.ok()) return;
  for (absl::string_view line :
       absl::StrSplit(*list, '\n', absl::SkipEmpty())) {
    absl::string_view name = line.substr(0, line.find(' '));
    absl::string_view rest = name;
    if (!absl::ConsumePrefix(&rest, kPrefix)) continue;
    int pid = 0;
    if (!absl::SimpleAtoi(rest.substr(0, rest.find('-')), &pid) || pid <= 0) {
      continue;
    }
    if (kill(pid, 0) == 0 || errno != ESRCH) continue;  // its owner lives
    std::cerr << "deleting network namespace " << name
              << " left by an earlier run (pid " << pid << ")\n";
    (void)RunCommand({ip, "netns", "del", std::string(name)});
  }
}

}  // namespace

std::string IpBinary() {
  for (const char* path :
       {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return "";
}

absl::StatusOr<std::string> RunCommand(const std::vector<std::string>& argv) {
  std::vector<std::string> args = argv;
  std::vector<char*> c_args;
  for (std::string& a : args) c_args.push_back(a.data());
  c_args.push_back(nullptr);
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  const pid_t pid = fork();
  if (pid < 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(pipe_fds[1], STDERR_FILENO);
    execv(c_args[0], c_args.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  std::string output;
  char buffer[4096];
  ssize_t n;
  while ((n = read(pipe_fds[0], buffer, sizeof buffer)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    output.append(buffer, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(
        absl::StrCat("`", absl::StrJoin(argv, " "), "` failed: ", output));
  }
  return output;
}

absl::StatusOr<std::unique_ptr<BridgedNamespaces>> BridgedNamespaces::Create(
    int count, const std::string& subnet) {
  const std::string ip = IpBinary();
  if (ip.empty())
    return absl::NotFoundError("iproute2's `ip` is not installed");
  RemoveStaleNamespaces(ip);
  std::unique_ptr<BridgedNamespaces> net(
      new BridgedNamespaces(ip, absl::StrCat(kPrefix, getpid()), subnet));
  // On failure the destructor deletes what was made.
  if (absl::Status s = net->Build(count); !s.ok()) return s;
  return net;
}

absl::Status BridgedNamespaces::Ip(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {ip_};
  argv.insert(argv.end(), args.begin(), args.end());
  absl::StatusOr<std::string> out = RunCommand(argv);
  return out.ok() ? absl::OkStatus() : out.status();
}

absl::Status BridgedNamespaces::AddNamespace(const std::string& name) {
  if (absl::Status s = Ip({"netns", "add", name}); !s.ok()) return s;
  created_.push_back(name);
  return Ip({"-n", name, "link", "set", "lo", "up"});
}

absl::Status BridgedNamespaces::Build(int count) {
  bridge_ = absl::StrCat(prefix_, "-br");
  if (absl::Status s = AddNamespace(bridge_); !s.ok()) return s;
  // No STP: a port forwards as soon as it is up.
  if (absl::Status s = Ip({"-n", bridge_, "link", "add", "br0", "type",
                           "bridge", "stp_state", "0"});
      !s.ok()) {
    return s;
  }
  if (absl::Status s = Ip({"-n", bridge_, "link", "set", "br0", "up"});
      !s.ok()) {
    return s;
  }
  for (int i = 1; i <= count; ++i) {
    const std::string ns = absl::StrCat(prefix_, "-", i);
    const std::string port = absl::StrCat("port", i);
    if (absl::Status s = AddNamespace(ns); !s.ok()) return s;
    members_.push_back(ns);
    // Both ends are created inside the namespaces, never in ours.
    const std::vector<std::vector<std::string>> steps = {
        {"-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", port,
         "netns", bridge_},
        {"-n", bridge_, "link", "set", port, "master", "br0"},
        {"-n", bridge_, "link", "set", port, "up"},
        {"-n", ns, "addr", "add", absl::StrCat(address(i), "/24"), "dev",
         "eth0"},
        {"-n", ns, "link", "set", "eth0", "up"},
    };
    for (const auto& step : steps) {
      if (absl::Status s = Ip(step); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

BridgedNamespaces::~BridgedNamespaces() {
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
    absl::Status s = Ip({"netns", "del", *it});
    if (!s.ok()) std::cerr << "cleanup: " << s << std::endl;
  }
}

std::string BridgedNamespaces::address(int i) const {
  return absl::StrCat(subnet_, ".", i);
}

std::vector<std::string> BridgedNamespaces::Launcher(int i) const {
  return {ip_, "netns", "exec", name(i)};
}

absl::Status BridgedNamespaces::SetLinkUp(int i, bool up) {
  return Ip({"-n", bridge_, "link", "set", absl::StrCat("port", i),
             up ? "up" : "down"});
}

}  // namespace e2e
}  // namespace phid
