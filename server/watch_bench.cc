// watch_bench: how fast one phid daemon delivers a transition to W
// watchers while it monitors M peers, and what that costs it.
//
//   bazel run -c opt //server:watch_bench -- --watchers=1000 --peers=8
//
// It starts the observer and M peers as separate phid processes on
// loopback (so the observer's CPU and memory are its own), opens W Watch
// streams to the observer from this process (callback API, a few
// channels), then for each round SIGSTOPs one peer until every watcher
// got its CROSSED_THRESHOLD and SIGCONTs it until every watcher got its
// RECOVERED. Latency is receive time minus the daemon's sent_unix_micros
// (same host clock): per message p50/p99/max, and per round the time until
// the last watcher had it. Watchers spread over four thresholds (4, 6, 8,
// 10), i.e. four judges. Reports the observer's CPU (idle with W watchers,
// and during the rounds) and its RSS.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "detector/base/process_stats.h"
#include "grpcpp/grpcpp.h"
#include "proto/phi.grpc.pb.h"

ABSL_FLAG(int, watchers, 1000, "Watch streams (W), up to 10000.");
ABSL_FLAG(int, peers, 8, "Peer daemons the observer monitors (M).");
ABSL_FLAG(int, rounds, 5, "Stop/continue rounds of one peer.");
ABSL_FLAG(int, channels, 16, "gRPC channels the watchers spread over.");
ABSL_FLAG(std::string, phid, "server/phid", "Path of the phid binary.");
ABSL_FLAG(int, idle_seconds, 10, "Seconds of idle CPU measurement.");

namespace {

namespace v1 = ::phi::v1;

int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

int FreePort(int type) {
  int fd = socket(AF_INET, type, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

pid_t Spawn(const std::vector<std::string>& args, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    for (const std::string& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

using ::phid::ProcessStats;

ProcessStats Stats(pid_t pid) {
  return ::phid::ReadProcessStats(pid).value_or(ProcessStats());
}

// Latencies (us) of one kind of transition, one entry per watcher message.
struct Samples {
  absl::Mutex mu;
  std::vector<int64_t> latency;
  std::vector<int64_t> received_at;
};

class Watcher final : public grpc::ClientReadReactor<v1::WatchResponse> {
 public:
  Watcher(v1::FailureDetector::Stub* stub, double threshold,
          const std::string& victim, Samples* crossed, Samples* recovered,
          std::atomic<int>* ready)
      : victim_(victim),
        crossed_(crossed),
        recovered_(recovered),
        ready_(ready) {
    request_.set_phi_threshold(threshold);
    stub->async()->Watch(&context_, &request_, this);
    StartRead(&message_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    int64_t now = NowMicros();
    if (message_.has_snapshot()) ++*ready_;
    if (message_.has_transition() &&
        message_.transition().peer().name() == victim_) {
      Samples* s = nullptr;
      if (message_.transition().reason() ==
          v1::TRANSITION_REASON_CROSSED_THRESHOLD) {
        s = crossed_;
      } else if (message_.transition().reason() ==
                 v1::TRANSITION_REASON_RECOVERED) {
        s = recovered_;
      }
      if (s != nullptr) {
        absl::MutexLock lock(&s->mu);
        s->latency.push_back(now - message_.sent_unix_micros());
        s->received_at.push_back(now);
      }
    }
    StartRead(&message_);
  }
  void OnDone(const grpc::Status&) override {
    absl::MutexLock lock(&mu_);
    done_ = true;
  }
  void Cancel() { context_.TryCancel(); }
  void AwaitDone() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&done_));
  }

 private:
  grpc::ClientContext context_;
  v1::WatchRequest request_;
  v1::WatchResponse message_;
  std::string victim_;
  Samples* crossed_;
  Samples* recovered_;
  std::atomic<int>* ready_;
  absl::Mutex mu_;
  bool done_ = false;
};

double Percentile(std::vector<int64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, size_t(p * (v.size() - 1) + 0.5));
  return v[i] / 1000.0;
}

bool WaitFor(const std::function<bool()>& pred, absl::Duration limit) {
  absl::Time end = absl::Now() + limit;
  while (!pred()) {
    if (absl::Now() > end) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

size_t Count(Samples* s) {
  absl::MutexLock lock(&s->mu);
  return s->latency.size();
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int w = absl::GetFlag(FLAGS_watchers);
  const int m = absl::GetFlag(FLAGS_peers);
  const int rounds = absl::GetFlag(FLAGS_rounds);
  const std::string phid = absl::GetFlag(FLAGS_phid);

  int grpc_port = FreePort(SOCK_STREAM);
  int gossip_port = FreePort(SOCK_DGRAM);
  std::string seed = absl::StrCat("127.0.0.1:", gossip_port);
  std::vector<pid_t> peers;
  pid_t observer =
      Spawn({phid, "--name=observer", "--bind=" + seed,
             absl::StrCat("--grpc_address=127.0.0.1:", grpc_port),
             "--metrics_address=", "--max_watchers=20000", "--preset=local"},
            "/tmp/watch_bench_observer.log");
  for (int i = 0; i < m; ++i) {
    peers.push_back(
        Spawn({phid, absl::StrCat("--name=peer-", i),
               absl::StrCat("--bind=127.0.0.1:", FreePort(SOCK_DGRAM)),
               absl::StrCat("--grpc_address=127.0.0.1:", FreePort(SOCK_STREAM)),
               "--metrics_address=", "--seeds=" + seed, "--preset=local"},
              absl::StrCat("/tmp/watch_bench_peer", i, ".log")));
  }
  const std::string victim = "peer-0";

  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<v1::FailureDetector::Stub>> stubs;
  for (int i = 0; i < absl::GetFlag(FLAGS_channels); ++i) {
    grpc::ChannelArguments args;
    args.SetInt("phid.bench.channel", i);  // distinct connections
    channels.push_back(
        grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", grpc_port),
                                  grpc::InsecureChannelCredentials(), args));
    stubs.push_back(v1::FailureDetector::NewStub(channels.back()));
  }
  bool joined = WaitFor(
      [&] {
        grpc::ClientContext context;
        v1::ListPeersResponse response;
        return stubs[0]->ListPeers(&context, {}, &response).ok() &&
               response.peers_size() == m + 1;
      },
      absl::Seconds(30));
  if (!joined) {
    std::fprintf(stderr, "peers did not join; see /tmp/watch_bench_*.log\n");
    return 1;
  }

  Samples crossed, recovered;
  std::atomic<int> ready{0};
  std::vector<std::unique_ptr<Watcher>> watchers;
  const double thresholds[] = {4, 6, 8, 10};
  absl::Time open_start = absl::Now();
  for (int i = 0; i < w; ++i) {
    watchers.push_back(std::make_unique<Watcher>(stubs[i % stubs.size()].get(),
                                                 thresholds[i % 4], victim,
                                                 &crossed, &recovered, &ready));
  }
  WaitFor([&] { return ready.load() == w; }, absl::Seconds(60));
  absl::Duration open_time = absl::Now() - open_start;

  ProcessStats idle0 = Stats(observer);
  absl::Time idle_start = absl::Now();
  absl::SleepFor(absl::Seconds(absl::GetFlag(FLAGS_idle_seconds)));
  ProcessStats idle1 = Stats(observer);
  double idle_cpu = (idle1.cpu_seconds - idle0.cpu_seconds) /
                    absl::ToDoubleSeconds(absl::Now() - idle_start);

  std::vector<double> fanout_crossed, fanout_recovered;
  ProcessStats busy0 = Stats(observer);
  absl::Time busy_start = absl::Now();
  int completed = 0;
  for (int r = 0; r < rounds; ++r) {
    size_t c0 = Count(&crossed), r0 = Count(&recovered);
    int64_t stop_at = NowMicros();
    kill(peers[0], SIGSTOP);
    bool all =
        WaitFor([&] { return Count(&crossed) >= c0 + w; }, absl::Seconds(20));
    kill(peers[0], SIGCONT);
    bool back =
        WaitFor([&] { return Count(&recovered) >= r0 + w; }, absl::Seconds(20));
    {
      absl::MutexLock lock(&crossed.mu);
      std::vector<int64_t> round(crossed.latency.begin() + c0,
                                 crossed.latency.end());
      fanout_crossed.push_back(Percentile(round, 1.0));
    }
    {
      absl::MutexLock lock(&recovered.mu);
      std::vector<int64_t> round(recovered.latency.begin() + r0,
                                 recovered.latency.end());
      fanout_recovered.push_back(Percentile(round, 1.0));
    }
    (void)stop_at;
    completed += all && back;
    absl::SleepFor(absl::Milliseconds(500));  // let arrivals settle
  }
  ProcessStats busy1 = Stats(observer);
  double busy_cpu = (busy1.cpu_seconds - busy0.cpu_seconds) /
                    absl::ToDoubleSeconds(absl::Now() - busy_start);

  std::printf(
      "watch_bench: W=%d watchers over %zu channels, M=%d peers, "
      "%d rounds (%d complete)\n",
      w, channels.size(), m, rounds, completed);
  std::printf("  opening %d watches (snapshot received): %.0f ms\n", w,
              absl::ToDoubleMilliseconds(open_time));
  {
    absl::MutexLock lock(&crossed.mu);
    std::printf(
        "  CROSSED_THRESHOLD latency per message: p50 %.2f ms, p99 "
        "%.2f ms, max %.2f ms (%zu messages)\n",
        Percentile(crossed.latency, 0.5), Percentile(crossed.latency, 0.99),
        Percentile(crossed.latency, 1.0), crossed.latency.size());
  }
  {
    absl::MutexLock lock(&recovered.mu);
    std::printf(
        "  RECOVERED latency per message:         p50 %.2f ms, p99 "
        "%.2f ms, max %.2f ms (%zu messages)\n",
        Percentile(recovered.latency, 0.5), Percentile(recovered.latency, 0.99),
        Percentile(recovered.latency, 1.0), recovered.latency.size());
  }
  auto show = [](const char* what, std::vector<double> v) {
    std::sort(v.begin(), v.end());
    std::printf(
        "  %s: until the last watcher had it, per round: median %.2f "
        "ms, worst %.2f ms\n",
        what, v.empty() ? 0 : v[v.size() / 2], v.empty() ? 0 : v.back());
  };
  show("CROSSED_THRESHOLD", fanout_crossed);
  show("RECOVERED", fanout_recovered);
  std::printf("  observer CPU: idle %.1f%% of a core, during rounds %.1f%%\n",
              100 * idle_cpu, 100 * busy_cpu);
  std::printf("  observer memory: RSS %.1f MB, peak %.1f MB\n",
              busy1.rss_kb / 1024.0, busy1.peak_rss_kb / 1024.0);

  for (auto& watcher : watchers) watcher->Cancel();
  for (auto& watcher : watchers) watcher->AwaitDone();
  for (pid_t p : peers) kill(p, SIGTERM);
  kill(observer, SIGTERM);
  for (pid_t p : peers) waitpid(p, nullptr, 0);
  waitpid(observer, nullptr, 0);
  return completed == rounds ? 0 : 1;
}
