// abuse_soak: one phid daemon (of three, on loopback slot --slot) under the
// attacks of issue 14, one after another, while a well-behaved client (its
// own source address) measures ListPeers latency, scrapes /metrics, and
// keeps a Watch at phi 8 that must see no false transition. The target's
// stderr is a FIFO nobody reads for the whole run (a blocked log reader),
// with --v=1 so every watcher logs a line.
//
// Phases: baseline, rapid_reset (HTTP/2 HEADERS + RST_STREAM on raw
// connections), watchers (non-reading Watch streams), slowloris (/metrics,
// one byte a second), garbage (damaged gossip datagrams), hostile (mixed
// hostile datagrams: forged members, bad checksums, replayed heartbeats,
// garbage, oversize; hostile_datagrams.h), each with the target's CPU
// seconds; --phases picks some. Per phase it
// prints one "[abuse]" line; it exits 1 if a check fails:
// ListPeers p99 <= --max_p99, every scrape answered, no false transition,
// RSS <= --max_rss_mb, every non-reader evicted within --evict_within.
//
//   bazel run -c opt //tools/bench:abuse_soak            # full size (manual)
//   bazel test //tools/bench:abuse_soak_ci_test           # CI size
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel_posix.h"
#include "grpcpp/grpcpp.h"
#include "proto/phi.grpc.pb.h"
#include "tests/daemon_process.h"
#include "tests/garbage_packets.h"
#include "tests/loopback_cluster.h"
#include "tools/bench/hostile_datagrams.h"

ABSL_FLAG(int, slot, 9, "Loopback test slot (tests/README.md).");
ABSL_FLAG(absl::Duration, phase, absl::Seconds(20), "Length of each phase.");
ABSL_FLAG(int, rapid_reset_connections, 6, "Rapid-reset connections.");
ABSL_FLAG(int, watchers, 2000, "Non-reading watchers.");
ABSL_FLAG(int, slowloris, 40, "Slowloris connections on /metrics.");
ABSL_FLAG(int, garbage, 1000000, "Garbage datagrams.");
ABSL_FLAG(int, garbage_rate, 20000, "Garbage datagrams per second.");
ABSL_FLAG(absl::Duration, max_p99, absl::Milliseconds(100),
          "Check: ListPeers p99 in every phase.");
ABSL_FLAG(bool, check_rapid_reset, false,
          "Check the rapid_reset phase too. Off: gRPC 1.51 cannot withstand "
          "it (README: Under abuse), so it runs last and is only measured.");
ABSL_FLAG(int, hostile, 1000000, "Hostile datagrams (the hostile phase).");
ABSL_FLAG(int, hostile_rate, 20000, "Hostile datagrams per second.");
ABSL_FLAG(std::vector<std::string>, phases,
          std::vector<std::string>({"baseline", "watchers", "slowloris",
                                    "garbage", "hostile", "rapid_reset"}),
          "Phases to run, in this order (baseline always runs first).");
ABSL_FLAG(std::vector<std::string>, target_flags, {},
          "More flags for the target daemon, comma-separated.");
ABSL_FLAG(int, max_rss_mb, 256, "Check: the target's peak RSS.");
ABSL_FLAG(absl::Duration, evict_within, absl::Seconds(30),
          "Check: every non-reader evicted within this of subscribing.");

namespace phid {
namespace {

namespace v1 = ::phi::v1;
using namespace ::phid::e2e;  // NOLINT: the test helpers

int ConnectFrom(const std::string& source_ip, const std::string& ip, int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, source_ip.c_str(), &from.sin_addr);
  if (!source_ip.empty() &&
      bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
    close(fd);
    return -1;
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip.c_str(), &to.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    close(fd);
    return -1;
  }
  // gRPC sets this on the sockets it makes, not on one it is given:
  // without it every small response waits ~40 ms (Nagle, delayed ACK).
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

std::pair<std::string, int> Split(const std::string& address) {
  size_t colon = address.rfind(':');
  int port = 0;
  (void)absl::SimpleAtoi(address.substr(colon + 1), &port);
  return {address.substr(0, colon), port};
}

// GET `path` over a fresh connection from `source_ip`; "" on any failure
// or after `timeout`.
std::string HttpGet(const std::string& source_ip, const std::string& address,
                    absl::Duration timeout) {
  auto [ip, port] = Split(address);
  int fd = ConnectFrom(source_ip, ip, port);
  if (fd < 0) return "";
  std::string req =
      "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string out;
  absl::Time deadline = absl::Now() + timeout;
  char buffer[16384];
  while (true) {
    int ms =
        static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    pollfd p{fd, POLLIN, 0};
    if (ms <= 0 || poll(&p, 1, ms) <= 0) {
      out.clear();
      break;
    }
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return absl::StartsWith(out, "HTTP/1.1 200") ? out : "";
}

double Metric(const std::string& text, const std::string& sample) {
  size_t at = text.find("\n" + sample + " ");
  if (at == std::string::npos) return -1;
  size_t start = at + sample.size() + 2;
  double v = -1;
  (void)absl::SimpleAtod(text.substr(start, text.find('\n', start) - start),
                         &v);
  return v;
}

// utime + stime of `pid`, in seconds.
double CpuSeconds(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces), from field 3.
  std::vector<std::string> f =
      absl::StrSplit(text.substr(text.rfind(')') + 2), ' ');
  double utime = 0, stime = 0;
  if (f.size() < 13 || !absl::SimpleAtod(f[11], &utime) ||
      !absl::SimpleAtod(f[12], &stime)) {
    return -1;
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

int RssMb(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "VmRSS:")) {
      int kb = 0;
      std::vector<std::string> parts =
          absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (parts.size() >= 2) (void)absl::SimpleAtoi(parts[1], &kb);
      return kb / 1024;
    }
  }
  return -1;
}

// The well-behaved client: ListPeers every 20 ms, a scrape every 500 ms, a
// Watch at phi 8; all from `source_ip`.
class GoodClient {
 public:
  // Transitions of `members` (the real ones) count as false.
  GoodClient(const DaemonProcess& target, std::string source_ip,
             std::vector<std::string> members)
      : target_(target),
        source_(std::move(source_ip)),
        members_(std::move(members)) {
    auto [ip, port] = Split(target.config().grpc_address);
    auto channel = [&] {
      return grpc::CreateInsecureChannelFromFd(target.config().grpc_address,
                                               ConnectFrom(source_, ip, port));
    };
    list_stub_ = v1::FailureDetector::NewStub(channel());
    watch_stub_ = v1::FailureDetector::NewStub(channel());
    threads_.emplace_back([this] { ListLoop(); });
    threads_.emplace_back([this] { ScrapeLoop(); });
    threads_.emplace_back([this] { WatchLoop(); });
  }
  ~GoodClient() {
    stop_ = true;
    watch_context_.TryCancel();
    for (auto& t : threads_) t.join();
  }
  struct Window {
    std::vector<double> latencies_ms;
    int scrapes = 0, scrapes_ok = 0;
  };
  Window Take() {
    std::lock_guard<std::mutex> lock(mu_);
    Window w = std::move(window_);
    window_ = Window();
    return w;
  }
  int false_transitions() const { return false_transitions_.load(); }
  bool watch_alive() const { return !watch_ended_.load(); }

 private:
  void ListLoop() {
    while (!stop_) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(10));
      v1::ListPeersResponse response;
      absl::Time start = absl::Now();
      grpc::Status s = list_stub_->ListPeers(&context, {}, &response);
      double ms = absl::ToDoubleMilliseconds(absl::Now() - start);
      if (!s.ok()) ms = 10000;
      {
        std::lock_guard<std::mutex> lock(mu_);
        window_.latencies_ms.push_back(ms);
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
  }
  void ScrapeLoop() {
    while (!stop_) {
      bool ok =
          !HttpGet(source_, target_.config().metrics_address, absl::Seconds(5))
               .empty();
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++window_.scrapes;
        window_.scrapes_ok += ok;
      }
      absl::SleepFor(absl::Milliseconds(500));
    }
  }
  void WatchLoop() {
    v1::WatchRequest request;
    request.set_phi_threshold(8);
    auto reader = watch_stub_->Watch(&watch_context_, request);
    v1::WatchResponse m;
    while (reader->Read(&m)) {
      if (m.has_transition() &&
          m.transition().reason() == v1::TRANSITION_REASON_CROSSED_THRESHOLD &&
          std::find(members_.begin(), members_.end(),
                    m.transition().peer().name()) != members_.end()) {
        ++false_transitions_;
        std::fprintf(stderr, "[abuse] FALSE transition: %s\n",
                     m.ShortDebugString().c_str());
      }
    }
    if (!stop_) watch_ended_ = true;
  }

  const DaemonProcess& target_;
  const std::string source_;
  const std::vector<std::string> members_;
  std::unique_ptr<v1::FailureDetector::Stub> list_stub_, watch_stub_;
  grpc::ClientContext watch_context_;
  std::atomic<bool> stop_{false};
  std::atomic<int> false_transitions_{0};
  std::atomic<bool> watch_ended_{false};
  std::mutex mu_;
  Window window_;
  std::vector<std::thread> threads_;
};

// HTTP/2 frames by hand: HEADERS for ListPeers, then RST_STREAM(CANCEL).
void Frame(std::string* out, uint8_t type, uint8_t flags, uint32_t stream,
           const std::string& payload) {
  const uint32_t len = static_cast<uint32_t>(payload.size());
  out->push_back(static_cast<char>(len >> 16));
  out->push_back(static_cast<char>(len >> 8));
  out->push_back(static_cast<char>(len));
  out->push_back(static_cast<char>(type));
  out->push_back(static_cast<char>(flags));
  for (int shift : {24, 16, 8, 0}) {
    out->push_back(static_cast<char>((stream >> shift) & 0xff));
  }
  out->append(payload);
}

std::string Literal(const std::string& s) {
  return std::string(1, static_cast<char>(s.size())) + s;
}

std::string HeaderBlock() {
  std::string b;
  b += '\x83';                                                 // :method POST
  b += '\x86';                                                 // :scheme http
  b += '\x04' + Literal("/phi.v1.FailureDetector/ListPeers");  // :path
  b += '\x01' + Literal("x");                                  // :authority
  b += std::string("\x0f\x10", 2) + Literal("application/grpc");
  b += '\x00' + Literal("te") + Literal("trailers");
  return b;
}

// One attacker connection until `stop`; returns the streams it reset.
uint64_t RapidReset(const std::string& address, const std::atomic<bool>& stop,
                    std::atomic<uint64_t>* bytes) {
  auto [ip, port] = Split(address);
  uint64_t streams = 0;
  const std::string block = HeaderBlock();
  const std::string rst_payload("\0\0\0\x08", 4);
  while (!stop) {
    int fd = ConnectFrom("", ip, port);
    if (fd < 0) {
      absl::SleepFor(absl::Milliseconds(50));
      continue;
    }
    std::string hello = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    Frame(&hello, 4, 0, 0, "");  // SETTINGS
    Frame(&hello, 4, 1, 0, "");  // ACK of the server's (it sends them first)
    send(fd, hello.data(), hello.size(), MSG_NOSIGNAL);
    std::atomic<bool> closed{false};
    std::thread drain([fd, &closed] {
      char buffer[65536];
      while (recv(fd, buffer, sizeof buffer, 0) > 0) {
      }
      closed = true;
    });
    uint32_t id = 1;
    while (!stop && !closed && id < (1u << 30)) {
      std::string burst;
      for (int i = 0; i < 100; ++i, id += 2) {
        Frame(&burst, 1, 0x4, id, block);  // HEADERS, END_HEADERS
        Frame(&burst, 3, 0, id, rst_payload);
      }
      if (send(fd, burst.data(), burst.size(), MSG_NOSIGNAL) <= 0) break;
      *bytes += burst.size();
      streams += 100;
    }
    shutdown(fd, SHUT_RDWR);
    drain.join();
    close(fd);
  }
  return streams;
}

struct PhaseResult {
  std::string name;
  double p50 = 0, p99 = 0, max = 0;
  double cpu_s = 0;  // the target's CPU seconds in the phase
  int scrapes = 0, scrapes_ok = 0;
  int rss_max_mb = 0, rss_end_mb = 0;
  std::string extra;
};

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))];
}

// Runs `attack` (which must return when `stop` is set) for the phase while
// sampling RSS; then folds the good client's window into a result.
PhaseResult RunPhase(
    const std::string& name, GoodClient& good, pid_t pid,
    const std::function<void(const std::atomic<bool>&)>& attack,
    absl::Duration length, const std::atomic<bool>* done = nullptr) {
  good.Take();
  const double cpu_before = CpuSeconds(pid);
  std::atomic<bool> stop{false};
  std::thread t([&] { attack(stop); });
  PhaseResult r;
  r.name = name;
  absl::Time end = absl::Now() + length;
  while (absl::Now() < end && (done == nullptr || !*done)) {
    r.rss_max_mb = std::max(r.rss_max_mb, RssMb(pid));
    absl::SleepFor(absl::Milliseconds(100));
  }
  stop = true;
  t.join();
  r.rss_end_mb = RssMb(pid);
  r.cpu_s = CpuSeconds(pid) - cpu_before;
  GoodClient::Window w = good.Take();
  r.p50 = Percentile(w.latencies_ms, 0.5);
  r.p99 = Percentile(w.latencies_ms, 0.99);
  r.max = Percentile(w.latencies_ms, 1.0);
  r.scrapes = w.scrapes;
  r.scrapes_ok = w.scrapes_ok;
  return r;
}

// The hostile phase: --hostile mixed datagrams at --hostile_rate from the
// attacker's address, then the target's drop and refusal counts.
void RunHostile(const DaemonProcess& target,
                const std::vector<std::unique_ptr<DaemonProcess>>& daemons,
                GoodClient& good, const std::string& good_ip,
                std::vector<PhaseResult>* results) {
  // The real members' generations, for replayed heartbeats.
  std::vector<HostileDatagrams::Member> members;
  {
    auto stub = v1::FailureDetector::NewStub(grpc::CreateChannel(
        target.config().grpc_address, grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    v1::ListPeersResponse peers;
    if (stub->ListPeers(&context, {}, &peers).ok()) {
      for (const v1::Peer& p : peers.peers()) {
        members.push_back({p.name(), p.generation()});
      }
    }
  }
  const std::string before =
      HttpGet(good_ip, target.config().metrics_address, absl::Seconds(5));
  uint64_t sent = 0;
  std::map<std::string, uint64_t> kinds;
  const absl::Time start = absl::Now();
  results->push_back(RunPhase(
      "hostile", good, target.pid(),
      [&](const std::atomic<bool>& stop) {
        HostileDatagrams hostile(target.name(), members, 12);
        auto [ip, port] = Split(target.config().gossip_address);
        int fd = socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(static_cast<uint16_t>(port));
        inet_pton(AF_INET, ip.c_str(), &to.sin_addr);
        const int rate = absl::GetFlag(FLAGS_hostile_rate);
        const uint64_t total = absl::GetFlag(FLAGS_hostile);
        while (!stop && sent < total) {
          HostileDatagrams::Datagram d = hostile.Next();
          sendto(fd, d.bytes.data(), d.bytes.size(), 0,
                 reinterpret_cast<sockaddr*>(&to), sizeof to);
          ++sent;
          ++kinds[d.kind];
          if (sent % 100 == 0) {
            absl::Time due = start + absl::Seconds(1) * (sent / double(rate));
            if (due > absl::Now()) absl::SleepFor(due - absl::Now());
          }
        }
        close(fd);
      },
      absl::Seconds(1) * (absl::GetFlag(FLAGS_hostile) /
                          double(absl::GetFlag(FLAGS_hostile_rate))) +
          absl::Seconds(5)));
  const double took = absl::ToDoubleSeconds(absl::Now() - start);
  absl::SleepFor(absl::Seconds(1));
  const std::string after =
      HttpGet(good_ip, target.config().metrics_address, absl::Seconds(5));
  std::string& extra = results->back().extra;
  extra = absl::StrCat("datagrams=", sent, " rate=", sent / took);
  for (const auto& [kind, n] : kinds)
    absl::StrAppend(&extra, " ", kind, "=", n);
  auto delta = [&](const std::string& sample) {
    return Metric(after, sample) - std::max(0.0, Metric(before, sample));
  };
  double drops = 0;
  for (size_t i = 1; i < static_cast<size_t>(DropReason::kCount); ++i) {
    const std::string reason(DropReasonName(static_cast<DropReason>(i)));
    const double d =
        delta(absl::StrCat("phid_gossip_drops_total{reason=\"", reason, "\"}"));
    drops += d;
    if (d > 0) absl::StrAppend(&extra, " drop_", reason, "=", d);
  }
  absl::StrAppend(&extra, " drops_total=", drops);
  for (const char* what : {"admissions_refused_source",
                           "admissions_refused_global", "members_refused"}) {
    absl::StrAppend(
        &extra, " ", what, "=",
        delta(absl::StrCat("phid_gossip_protocol_total{what=\"", what, "\"}")));
  }
  absl::StrAppend(
      &extra, " kernel_drops=", delta("phid_gossip_kernel_drops_total"),
      " members_after=", Metric(after, "phid_members{state=\"alive\"}"));
}

int Main() {
  const int slot = absl::GetFlag(FLAGS_slot);
  const absl::Duration phase = absl::GetFlag(FLAGS_phase);
  const std::string good_ip = LoopbackIp(slot, 9);
  const std::string attacker_ip = LoopbackIp(slot, 8);

  // The blocked stderr: a FIFO this process holds open and never reads.
  const std::string fifo =
      absl::StrCat(TestTempDir(), "/abuse-stderr-", getpid());
  unlink(fifo.c_str());
  if (mkfifo(fifo.c_str(), 0600) != 0) {
    std::perror("mkfifo");
    return 1;
  }
  int fifo_reader = open(fifo.c_str(), O_RDONLY | O_NONBLOCK);

  std::vector<std::unique_ptr<DaemonProcess>> daemons;
  for (int i = 1; i <= 3; ++i) {
    DaemonConfig c = LoopbackDaemonConfig(slot, i);
    if (i == 1) {
      c.launcher = {"/bin/sh", "-c", "exec \"$@\" 2>>" + fifo, "sh"};
      c.extra_flags = {"--v=1",
                       absl::StrCat("--max_watchers_per_client=",
                                    absl::GetFlag(FLAGS_watchers) + 10),
                       "--write_timeout=5s"};
      for (const std::string& f : absl::GetFlag(FLAGS_target_flags)) {
        c.extra_flags.push_back(f);
      }
    }
    daemons.push_back(std::make_unique<DaemonProcess>(std::move(c)));
    if (absl::Status s = daemons.back()->Start(); !s.ok()) {
      std::fprintf(stderr, "[abuse] start: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  if (absl::Status s = WaitUntilAllSeeAll(Pointers(daemons), absl::Seconds(20));
      !s.ok()) {
    std::fprintf(stderr, "[abuse] cluster: %s\n", s.ToString().c_str());
    return 1;
  }
  DaemonProcess& target = *daemons[0];
  const pid_t pid = target.pid();
  std::vector<std::string> names;
  for (auto& d : daemons) names.push_back(d->name());
  GoodClient good(target, good_ip, names);
  const std::vector<std::string> phases = absl::GetFlag(FLAGS_phases);
  auto run = [&](const std::string& name) {
    return std::find(phases.begin(), phases.end(), name) != phases.end();
  };
  absl::SleepFor(absl::Seconds(1));
  std::vector<PhaseResult> results;

  results.push_back(RunPhase(
      "baseline", good, pid, [](const std::atomic<bool>&) {}, phase));

  if (run("watchers")) {
    const int n = absl::GetFlag(FLAGS_watchers);
    std::string evicted_text;
    absl::Duration all_gone = absl::InfiniteDuration();
    std::atomic<bool> evicted_all{false};
    results.push_back(RunPhase(
        "watchers", good, pid,
        [&](const std::atomic<bool>& stop) {
          auto [ip, port] = Split(target.config().grpc_address);
          std::vector<std::unique_ptr<v1::FailureDetector::Stub>> stubs;
          std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
          std::vector<std::unique_ptr<grpc::ClientReader<v1::WatchResponse>>>
              readers;
          v1::WatchRequest request;
          request.mutable_level_interval()->set_nanos(100000000);
          for (int i = 0; i < n && !stop; ++i) {
            if (i % 50 == 0) {
              grpc::ChannelArguments args;
              args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 1024);
              args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
              int fd = ConnectFrom(attacker_ip, ip, port);
              stubs.push_back(v1::FailureDetector::NewStub(
                  grpc::CreateCustomInsecureChannelFromFd(
                      target.config().grpc_address, fd, args)));
            }
            contexts.push_back(std::make_unique<grpc::ClientContext>());
            readers.push_back(
                stubs.back()->Watch(contexts.back().get(), request));
          }
          const absl::Time subscribed = absl::Now();
          // Never read; wait until the daemon has evicted every one.
          while (!stop) {
            std::string text = HttpGet(good_ip, target.config().metrics_address,
                                       absl::Seconds(5));
            // The good client's own Watch stays: 1 left means all evicted.
            if (Metric(text, "phid_watchers") == 1 &&
                all_gone == absl::InfiniteDuration()) {
              all_gone = absl::Now() - subscribed;
              evicted_text = absl::StrCat(
                  "evicted=", Metric(text, "phid_watch_evictions_total"));
              evicted_all = true;
            }
            absl::SleepFor(absl::Milliseconds(500));
          }
          for (auto& c : contexts) c->TryCancel();
          readers.clear();
          contexts.clear();
          stubs.clear();
        },
        phase + absl::GetFlag(FLAGS_evict_within), &evicted_all));
    absl::SleepFor(absl::Seconds(3));
    results.back().extra =
        absl::StrCat("watchers=", n, " ", evicted_text, " all_evicted_after_s=",
                     all_gone == absl::InfiniteDuration()
                         ? std::string("never")
                         : absl::StrCat(absl::ToDoubleSeconds(all_gone)),
                     " rss_3s_after_mb=", RssMb(pid));
    if (all_gone > absl::GetFlag(FLAGS_evict_within)) {
      results.back().extra += " FAIL(eviction)";
    }
  }

  if (run("slowloris"))
    results.push_back(RunPhase(
        "slowloris", good, pid,
        [&](const std::atomic<bool>& stop) {
          auto [ip, port] = Split(target.config().metrics_address);
          std::vector<int> fds(absl::GetFlag(FLAGS_slowloris), -1);
          const std::string req = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-a: ";
          std::vector<size_t> sent(fds.size(), 0);
          while (!stop) {
            for (size_t i = 0; i < fds.size(); ++i) {
              if (fds[i] < 0) {
                fds[i] = ConnectFrom(attacker_ip, ip, port);
                sent[i] = 0;
              }
              char c = sent[i] < req.size() ? req[sent[i]] : 'a';
              if (fds[i] >= 0 && send(fds[i], &c, 1, MSG_NOSIGNAL) != 1) {
                close(fds[i]);
                fds[i] = -1;  // cut by the server: come back at once
              } else {
                ++sent[i];
              }
            }
            absl::SleepFor(absl::Seconds(1));
          }
          for (int fd : fds) {
            if (fd >= 0) close(fd);
          }
        },
        phase));

  if (run("garbage")) {
    uint64_t sent = 0;
    results.push_back(RunPhase(
        "garbage", good, pid,
        [&](const std::atomic<bool>& stop) {
          std::vector<std::string> members;
          for (auto& d : daemons) members.push_back(d->name());
          const PacketCodec codec("phid", nullptr, /*wire_version=*/2);
          GarbagePackets garbage("phid", target.config().gossip_address,
                                 members, 14, /*wire_version=*/2);
          auto [ip, port] = Split(target.config().gossip_address);
          int fd = socket(AF_INET, SOCK_DGRAM, 0);
          sockaddr_in to{};
          to.sin_family = AF_INET;
          to.sin_port = htons(static_cast<uint16_t>(port));
          inet_pton(AF_INET, ip.c_str(), &to.sin_addr);
          const int rate = absl::GetFlag(FLAGS_garbage_rate);
          const absl::Time start = absl::Now();
          while (!stop &&
                 sent < static_cast<uint64_t>(absl::GetFlag(FLAGS_garbage))) {
            GarbagePackets::Datagram d = garbage.Next();
            // The few damaged packets still valid would be real gossip
            // (ghost members): not sent, as in e2e_garbage_test.
            if (ExpectedDrop(codec, target.name(), d.bytes) ==
                DropReason::kNone) {
              continue;
            }
            sendto(fd, d.bytes.data(), d.bytes.size(), 0,
                   reinterpret_cast<sockaddr*>(&to), sizeof to);
            ++sent;
            if (sent % 100 == 0) {
              absl::Time due = start + absl::Seconds(1) * (sent / double(rate));
              if (due > absl::Now()) absl::SleepFor(due - absl::Now());
            }
          }
          close(fd);
        },
        phase));
    std::string text =
        HttpGet(good_ip, target.config().metrics_address, absl::Seconds(5));
    results.back().extra = absl::StrCat(
        "datagrams=", sent,
        " kernel_drops=", Metric(text, "phid_gossip_kernel_drops_total"));
  }

  if (run("hostile")) RunHostile(target, daemons, good, good_ip, &results);

  // The good Watch must have lived through every checked phase.
  const bool watch_ok = good.watch_alive();
  const int false_before_reset = good.false_transitions();
  if (run("rapid_reset")) {
    std::atomic<uint64_t> bytes{0}, streams{0};
    results.push_back(RunPhase(
        "rapid_reset", good, pid,
        [&](const std::atomic<bool>& stop) {
          std::vector<std::thread> t;
          for (int i = 0; i < absl::GetFlag(FLAGS_rapid_reset_connections);
               ++i) {
            t.emplace_back([&] {
              streams += RapidReset(target.config().grpc_address, stop, &bytes);
            });
          }
          for (auto& x : t) x.join();
        },
        phase));
    absl::SleepFor(absl::Seconds(3));
    results.back().extra = absl::StrCat("streams_reset=", streams.load(),
                                        " attack_mb=", bytes.load() >> 20,
                                        " rss_3s_after_mb=", RssMb(pid));
  }

  // Checks.
  bool ok = true;
  const double max_p99 =
      absl::ToDoubleMilliseconds(absl::GetFlag(FLAGS_max_p99));
  for (const PhaseResult& r : results) {
    const bool checked =
        r.name != "rapid_reset" || absl::GetFlag(FLAGS_check_rapid_reset);
    bool pass =
        !checked || r.p99 <= max_p99 && r.scrapes_ok == r.scrapes &&
                        r.rss_max_mb <= absl::GetFlag(FLAGS_max_rss_mb) &&
                        !absl::StrContains(r.extra, "FAIL");
    ok &= pass;
    std::printf(
        "[abuse] phase=%s listpeers_p50_ms=%.2f p99_ms=%.2f max_ms=%.2f "
        "scrapes_ok=%d/%d rss_max_mb=%d rss_end_mb=%d cpu_s=%.1f %s %s\n",
        r.name.c_str(), r.p50, r.p99, r.max, r.scrapes_ok, r.scrapes,
        r.rss_max_mb, r.rss_end_mb, r.cpu_s, r.extra.c_str(),
        !checked ? "MEASURED(known unsafe, not checked)"
                 : (pass ? "PASS" : "FAIL"));
  }
  // The rapid reset may take the good Watch down with it: judged before.
  const bool alive = target.running();
  std::printf(
      "[abuse] false_transitions=%d (before rapid reset %d) target_alive=%d "
      "watch_alive_before_rapid_reset=%d after=%d\n",
      good.false_transitions(), false_before_reset, target.running(), watch_ok,
      good.watch_alive());
  ok &= false_before_reset == 0 && watch_ok && alive;
  if (absl::GetFlag(FLAGS_check_rapid_reset)) {
    ok &= good.false_transitions() == 0 && good.watch_alive();
  }
  std::printf("[abuse] %s\n", ok ? "PASS" : "FAIL");
  std::fflush(stdout);
  if (!ok) std::fprintf(stderr, "%s\n", daemons[1]->LogTail(30).c_str());
  close(fifo_reader);
  unlink(fifo.c_str());
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace phid

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return phid::Main();
}
