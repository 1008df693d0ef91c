#include "tools/bench/abuse_client.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "absl/time/clock.h"
#include "grpcpp/create_channel_posix.h"
#include "tools/bench/abuse_probes.h"

namespace phid {

namespace v1 = ::phi::v1;

GoodClient::GoodClient(const e2e::DaemonProcess& target, std::string source_ip,
                       std::vector<std::string> members)
    : target_(target),
      source_(std::move(source_ip)),
      members_(std::move(members)) {
  auto [ip, port] = SplitAddress(target.config().grpc_address);
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

GoodClient::~GoodClient() {
  stop_ = true;
  watch_context_.TryCancel();
  for (auto& t : threads_) t.join();
}

GoodClient::Window GoodClient::Take() {
  std::lock_guard<std::mutex> lock(mu_);
  Window w = std::move(window_);
  window_ = Window();
  return w;
}

void GoodClient::ListLoop() {
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

void GoodClient::ScrapeLoop() {
  while (!stop_) {
    bool ok = !HttpGetMetrics(source_, target_.config().metrics_address,
                              absl::Seconds(5))
                   .empty();
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++window_.scrapes;
      window_.scrapes_ok += ok;
    }
    absl::SleepFor(absl::Milliseconds(500));
  }
}

void GoodClient::WatchLoop() {
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

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))];
}

PhaseResult RunPhase(
    const std::string& name, GoodClient& good, pid_t pid,
    const std::function<void(const std::atomic<bool>&)>& attack,
    absl::Duration length, const std::atomic<bool>* done) {
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

}  // namespace phid
