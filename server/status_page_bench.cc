// What one poll of the status page costs the daemon past ListPeers: the
// /v1/peers JSON of a page of 100 out of N members (by name, and by phi),
// and the /v1/events JSON of the newest 100 transitions. Manual:
//   bazel run -c opt //server:status_page_bench
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "proto/phi.pb.h"
#include "server/status_page.h"

namespace phid {
namespace {

namespace v1 = ::phi::v1;

v1::ListPeersResponse Members(int n) {
  v1::ListPeersResponse all;
  all.set_self("node-00001");
  all.set_threshold(8);
  for (int i = 0; i < n; ++i) {
    v1::Peer* p = all.add_peers();
    p->set_name(absl::StrCat("node-", 10000 + i));
    p->set_address(absl::StrCat("10.0.", i / 250, ".", i % 250, ":7946"));
    p->set_generation(1796124954308429 + i);
    p->set_heartbeat(4000 + i);
    p->set_status(v1::MEMBER_STATUS_ALIVE);
    p->set_state(v1::PEER_STATE_ALIVE);
    p->set_phi((i % 97) / 13.0);
    p->mutable_time_to_threshold()->set_nanos(500000000);
    p->mutable_last_heartbeat_age()->set_nanos(80000000);
    p->set_interval_mean_ms(102.5);
    p->set_interval_stddev_ms(50);
    p->set_samples(1000);
    (*p->mutable_tags())["zone"] = absl::StrCat("z", i % 4);
    (*p->mutable_tags())["role"] = i % 3 ? "web" : "db";
    p->set_threshold(8);
  }
  return all;
}

void BM_PeersJson(benchmark::State& state) {
  v1::ListPeersResponse all = Members(state.range(0));
  absl::StatusOr<PeersQuery> query = ParsePeersQuery(
      {{"sort", state.range(1) ? "phi" : "name"}, {"offset", "0"}});
  size_t bytes = 0;
  for (auto _ : state) {
    std::string json = RenderPeersJson(all, *query);
    bytes = json.size();
    benchmark::DoNotOptimize(json);
  }
  state.counters["bytes"] = bytes;
}
BENCHMARK(BM_PeersJson)
    ->ArgNames({"members", "by_phi"})
    ->Args({100, 0})
    ->Args({1000, 0})
    ->Args({10000, 0})
    ->Args({10000, 1})
    ->Unit(benchmark::kMicrosecond);

void BM_EventsJson(benchmark::State& state) {
  TransitionLog log;
  v1::ListPeersResponse all = Members(1000);
  for (const v1::Peer& peer : all.peers()) {
    v1::WatchResponse message;
    message.set_epoch(1);
    *message.mutable_transition()->mutable_peer() = peer;
    log.Send(message);
  }
  uint64_t after = state.range(0) ? 1000 : 0;
  for (auto _ : state) benchmark::DoNotOptimize(log.RenderJson(after, 100));
}
BENCHMARK(BM_EventsJson)
    ->ArgName("nothing_new")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace phid

BENCHMARK_MAIN();
