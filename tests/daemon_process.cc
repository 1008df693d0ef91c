#include "tests/daemon_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace phid {
namespace e2e {
namespace {

bool IsExecutable(const std::string& path) {
  return !path.empty() && access(path.c_str(), X_OK) == 0;
}

std::shared_ptr<grpc::Channel> FastReconnectChannel(const std::string& target) {
  grpc::ChannelArguments args;
  // Own subchannels: a channel made earlier for the same address (and its
  // reconnect backoff) must not slow this one down.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  // Daemons are killed and restarted on purpose: reconnect within 0.5 s.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                   args);
}

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string SanitizeForFileName(const std::string& text) {
  std::string out = text;
  for (char& c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') {
      c = '_';
    }
  }
  return out;
}

}  // namespace

std::string PhidBinaryPath(std::string* error) {
  std::vector<std::string> candidates;
  if (const char* srcdir = std::getenv("TEST_SRCDIR")) {
    candidates.push_back(absl::StrCat(srcdir, "/phid/server/phid"));
  }
  if (const char* runfiles = std::getenv("RUNFILES_DIR")) {
    candidates.push_back(absl::StrCat(runfiles, "/phid/server/phid"));
  }
  // `bazel run` and direct runs from the runfiles tree.
  candidates.push_back("server/phid");
  for (const std::string& path : candidates) {
    if (IsExecutable(path)) {
      if (path[0] == '/') return path;
      char cwd[4096];
      if (getcwd(cwd, sizeof cwd) == nullptr) return path;
      return absl::StrCat(cwd, "/", path);
    }
  }
  *error = absl::StrCat(
      "phid binary not found (looked at: ", absl::StrJoin(candidates, ", "),
      "); does the test have data = [\"//server:phid\"]?");
  return "";
}

std::string TestTempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr && *dir != '\0' ? dir : "/tmp";
}

std::string DescribeWaitStatus(int wait_status) {
  if (wait_status < 0) return "not started";
  if (WIFEXITED(wait_status)) {
    return absl::StrCat("exited with status ", WEXITSTATUS(wait_status));
  }
  if (WIFSIGNALED(wait_status)) {
    return absl::StrCat("killed by signal ", WTERMSIG(wait_status), " (",
                        strsignal(WTERMSIG(wait_status)), ")");
  }
  return absl::StrCat("wait status ", wait_status);
}

DaemonProcess::DaemonProcess(DaemonConfig config) : config_(std::move(config)) {
  log_path_ =
      absl::StrCat(TestTempDir(), "/phid-", SanitizeForFileName(config_.name),
                   "-", SanitizeForFileName(config_.gossip_address), ".log");
  ClientOptions options;
  options.deadline = absl::Seconds(2);
  options.unreachable_hint =
      absl::StrCat("is daemon ", config_.name, " running? see ", log_path_);
  absl::StatusOr<std::unique_ptr<PhidClient>> client =
      PhidClient::ForChannel(FastReconnectChannel(config_.grpc_address),
                             config_.grpc_address, options);
  if (!client.ok()) {
    std::cerr << "cannot create a client for " << config_.grpc_address << ": "
              << client.status() << std::endl;
    std::abort();
  }
  client_ = *std::move(client);
}

DaemonProcess::~DaemonProcess() {
  const bool was_running = running();
  Kill();
  if (::testing::Test::HasFailure() && starts_ > 0) {
    // Bazel deletes TEST_TMPDIR; it keeps undeclared outputs (zipped in
    // bazel-testlogs/<test>/test.outputs/).
    if (const char* keep = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR")) {
      std::ifstream from(log_path_, std::ios::binary);
      std::ofstream to(absl::StrCat(keep, "/", Basename(log_path_)),
                       std::ios::binary | std::ios::app);
      to << from.rdbuf();
    }
    std::cerr << "---- last lines of " << config_.name << "'s log ("
              << log_path_ << (was_running ? "" : ", not running at the end")
              << ") ----\n"
              << LogTail(25) << "---- end of " << config_.name << "'s log ----"
              << std::endl;
  }
}

absl::Status DaemonProcess::Start(absl::Duration timeout) {
  if (absl::Status s = Spawn(); !s.ok()) return s;
  return WaitUntilServing(timeout);
}

absl::Status DaemonProcess::Spawn() {
  if (running()) {
    return absl::FailedPreconditionError(
        absl::StrCat(config_.name, " is already running (pid ", pid_, ")"));
  }
  std::string error;
  const std::string binary = PhidBinaryPath(&error);
  if (binary.empty()) return absl::NotFoundError(error);

  std::vector<std::string> args = config_.launcher;
  args.push_back(binary);
  args.push_back(absl::StrCat("--name=", config_.name));
  args.push_back(absl::StrCat("--bind=", config_.gossip_address));
  args.push_back(absl::StrCat("--grpc_address=", config_.grpc_address));
  args.push_back(absl::StrCat("--metrics_address=", config_.metrics_address));
  args.push_back(absl::StrCat("--seeds=", absl::StrJoin(config_.seeds, ",")));
  args.push_back(absl::StrCat("--preset=", config_.preset));
  for (const std::string& flag : config_.extra_flags) args.push_back(flag);

  // Everything the child touches is prepared before fork(): between fork
  // and exec only async-signal-safe calls are allowed (gRPC has threads).
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  const int log_fd =
      open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return absl::InternalError(
        absl::StrCat("cannot open ", log_path_, ": ", std::strerror(errno)));
  }
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ++starts_;
  const std::string banner = absl::StrCat(
      "==== start #", starts_, " at ",
      absl::FormatTime("%H:%M:%E3S", absl::Now(), absl::LocalTimeZone()), ": ",
      absl::StrJoin(args, " "), "\n");
  (void)!write(log_fd, banner.data(), banner.size());

  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    const int e = errno;
    close(log_fd);
    if (null_fd >= 0) close(null_fd);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(e)));
  }
  if (pid == 0) {
    // The child: die with the test, write to the log, exec.
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    // Drop the test's sockets (gRPC connections, other daemons' pipes).
    if (close_range(3, ~0U, 0) != 0) {
      for (int fd = 3; fd < 4096; ++fd) close(fd);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    execv(argv[0], argv.data());
    static const char kExecFailed[] = "exec failed\n";
    (void)!write(STDERR_FILENO, kExecFailed, sizeof kExecFailed - 1);
    _exit(127);
  }
  close(log_fd);
  if (null_fd >= 0) close(null_fd);
  pid_ = pid;
  return absl::OkStatus();
}

absl::Status DaemonProcess::WaitUntilServing(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::Status last = absl::UnavailableError("not asked yet");
  while (true) {
    if (!running()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "phid ", config_.name, " ", DescribeWaitStatus(last_wait_status_),
          " before serving; log ", log_path_, ":\n", LogTail(10)));
    }
    absl::StatusOr<phi::v1::ListPeersResponse> peers =
        client_->ListPeers(phi::v1::ListPeersRequest());
    if (peers.ok()) {
      // Guards against a stranger's daemon on the same address.
      if (peers->self() != config_.name) {
        return absl::FailedPreconditionError(
            absl::StrCat(config_.grpc_address, " is served by '", peers->self(),
                         "', not by ", config_.name, " (address clash?)"));
      }
      return absl::OkStatus();
    }
    last = peers.status();
    if (absl::Now() >= deadline) break;
    absl::SleepFor(absl::Milliseconds(25));
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "phid ", config_.name, " did not answer ListPeers on ",
      config_.grpc_address, " within ", absl::FormatDuration(timeout),
      " (last error: ", last.ToString(), "); log ", log_path_, ":\n",
      LogTail(10)));
}

absl::Status DaemonProcess::Signal(int signo) {
  if (!running()) {
    return absl::FailedPreconditionError(
        absl::StrCat(config_.name, " is not running"));
  }
  if (kill(pid_, signo) != 0) {
    return absl::InternalError(
        absl::StrCat("kill(", pid_, ", ", signo, "): ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> DaemonProcess::WaitForExit(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (running()) {
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          config_.name, " still runs after ", absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  return last_wait_status_;
}

void DaemonProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  last_wait_status_ = status;
  pid_ = -1;
}

absl::Status DaemonProcess::Restart(absl::Duration timeout) {
  Kill();
  return Start(timeout);
}

bool DaemonProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  if (r == pid_) last_wait_status_ = status;
  pid_ = -1;
  return false;
}

std::string DaemonProcess::LogTail(int lines) const {
  std::ifstream in(log_path_);
  std::vector<std::string> all;
  std::string line;
  while (std::getline(in, line)) all.push_back(line);
  size_t from =
      all.size() > static_cast<size_t>(lines) ? all.size() - lines : 0;
  std::string out;
  for (size_t i = from; i < all.size(); ++i)
    absl::StrAppend(&out, all[i], "\n");
  return out;
}

}  // namespace e2e
}  // namespace phid
