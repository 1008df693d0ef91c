#include "client/event_handler.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/format.h"

extern char** environ;

namespace phid {
namespace {

std::string ErrnoText(const char* what) {
  return absl::StrCat(what, ": ", std::strerror(errno));
}

bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Waits for `pid` to exit, at most `timeout`. True with its wait status in
// *status if it exited; false if it still runs (or cannot be watched, with
// *error set).
bool WaitForChild(pid_t pid, absl::Duration timeout, int* status,
                  std::string* error) {
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    *error = ErrnoText("pidfd_open");
    return false;
  }
  struct pollfd ready = {pidfd, POLLIN, 0};
  const int timeout_ms = static_cast<int>(
      absl::ToInt64Milliseconds(timeout + absl::Milliseconds(1)));
  int n;
  do {
    n = poll(&ready, 1, timeout_ms);
  } while (n < 0 && errno == EINTR);
  close(pidfd);
  if (n <= 0) return false;
  return waitpid(pid, status, 0) == pid;
}

std::string DescribeExit(int status) {
  if (WIFEXITED(status)) {
    std::string text = absl::StrCat("exited with status ", WEXITSTATUS(status));
    if (WEXITSTATUS(status) == 127)
      absl::StrAppend(&text, " (command not found)");
    if (WEXITSTATUS(status) == 126) absl::StrAppend(&text, " (not executable)");
    return text;
  }
  if (WIFSIGNALED(status)) {
    return absl::StrCat("was killed by signal ", WTERMSIG(status));
  }
  return absl::StrCat("ended with wait status ", status);
}

}  // namespace

absl::Status EventHandlerOptions::Validate() const {
  if (program.empty()) {
    return absl::InvalidArgumentError("the handler program is empty");
  }
  if (timeout < kMinHandlerTimeout || timeout > kMaxHandlerTimeout) {
    return absl::InvalidArgumentError(absl::StrCat(
        "handler timeout ", FormatShortDuration(timeout),
        " is out of range: give ", FormatShortDuration(kMinHandlerTimeout),
        " to ", FormatShortDuration(kMaxHandlerTimeout)));
  }
  if (queue_capacity < 1) {
    return absl::InvalidArgumentError("handler queue capacity must be >= 1");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<EventHandler>> EventHandler::Start(
    EventHandlerOptions options) {
  if (absl::Status status = options.Validate(); !status.ok()) return status;
  return std::unique_ptr<EventHandler>(new EventHandler(std::move(options)));
}

EventHandler::EventHandler(EventHandlerOptions options)
    : options_(std::move(options)) {
  runner_ = std::thread([this] { Run(); });
}

EventHandler::~EventHandler() {
  size_t abandoned;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    abandoned = queue_.size();
    queue_.clear();
  }
  runner_.join();
  if (abandoned > 0) {
    Log(absl::StrCat("handler: stopped with ", abandoned, " event(s) not run"));
  }
}

bool EventHandler::Enqueue(HandlerEvent event) {
  uint64_t dropped;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return false;
    if (queue_.size() < options_.queue_capacity) {
      queue_.push_back(std::move(event));
      return true;
    }
    dropped = ++counters_.dropped;
  }
  Log(absl::StrCat("handler: queue full (", options_.queue_capacity,
                   " events waiting); dropped ", event.summary, " (", dropped,
                   " dropped so far)"));
  return false;
}

void EventHandler::Drain() {
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || (queue_.empty() && !running_one_);
  };
  mu_.Await(absl::Condition(&idle));
}

EventHandler::Counters EventHandler::counters() const {
  absl::MutexLock lock(&mu_);
  return counters_;
}

void EventHandler::Log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

void EventHandler::Run() {
  for (;;) {
    HandlerEvent event;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;
      event = std::move(queue_.front());
      queue_.pop_front();
      running_one_ = true;
    }
    bool started = false;
    const std::string failure = RunOne(event, &started);
    // Logged before Drain() can return, so a caller that drained sees it.
    if (!failure.empty()) {
      Log(absl::StrCat("handler for ", event.summary, " ", failure));
    }
    absl::MutexLock lock(&mu_);
    running_one_ = false;
    if (started) {
      ++counters_.ran;
      if (!failure.empty()) ++counters_.failed;
    } else {
      ++counters_.errors;
    }
  }
}

std::string EventHandler::RunOne(const HandlerEvent& event, bool* started) {
  *started = false;
  // stdin is an anonymous file holding the JSON: writing it can neither
  // block nor raise SIGPIPE, whatever the program reads.
  const int input = memfd_create("phid-event", MFD_CLOEXEC);
  if (input < 0) return "could not start: " + ErrnoText("memfd_create");
  if (!WriteAll(input, event.json + "\n") || lseek(input, 0, SEEK_SET) != 0) {
    std::string error = "could not start: " + ErrnoText("writing stdin");
    close(input);
    return error;
  }

  // Everything the child needs is built before fork: it may not allocate.
  std::set<std::string> ours;
  std::vector<std::string> variables;
  for (const auto& [name, value] : event.environment) {
    ours.insert(name);
    variables.push_back(absl::StrCat(name, "=", value));
  }
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) {
    absl::string_view entry(*e);
    if (ours.count(std::string(entry.substr(0, entry.find('=')))) == 0) {
      envp.push_back(*e);
    }
  }
  for (std::string& variable : variables) envp.push_back(variable.data());
  envp.push_back(nullptr);
  std::string shell = "/bin/sh", dash_c = "-c", program = options_.program;
  char* argv[] = {shell.data(), dash_c.data(), program.data(), nullptr};

  // A failed exec reports its errno through this close-on-exec pipe.
  int error_pipe[2];
  if (pipe2(error_pipe, O_CLOEXEC) != 0) {
    std::string error = "could not start: " + ErrnoText("pipe2");
    close(input);
    return error;
  }
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    // phictl blocks SIGINT and SIGTERM in its threads; the program must
    // not inherit that, nor an ignored SIGPIPE.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    dup2(input, STDIN_FILENO);
    dup2(STDERR_FILENO, STDOUT_FILENO);
    execve(argv[0], argv, envp.data());
    int error = errno;
    (void)!write(error_pipe[1], &error, sizeof error);
    _exit(127);
  }
  const int fork_errno = errno;
  close(error_pipe[1]);
  close(input);
  if (pid < 0) {
    close(error_pipe[0]);
    return absl::StrCat("could not start: fork: ", std::strerror(fork_errno));
  }
  setpgid(pid, pid);  // also here: kill(-pid) must find the group
  int exec_errno = 0;
  ssize_t n;
  do {
    n = read(error_pipe[0], &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  close(error_pipe[0]);
  int status = 0;
  if (n == sizeof exec_errno) {
    waitpid(pid, &status, 0);
    return absl::StrCat("could not start: exec /bin/sh: ",
                        std::strerror(exec_errno));
  }
  *started = true;
  std::string error;
  if (!WaitForChild(pid, options_.timeout, &status, &error)) {
    kill(-pid, SIGKILL);
    waitpid(pid, &status, 0);
    if (!error.empty())
      return absl::StrCat("killed: cannot wait (", error, ")");
    return absl::StrCat("timed out after ",
                        FormatShortDuration(options_.timeout),
                        "; killed it and its process group");
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  return DescribeExit(status);
}

}  // namespace phid
