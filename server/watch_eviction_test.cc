// A watcher that stops reading is evicted without holding up anyone else.
#include <chrono>
#include <memory>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "server/test_daemons.h"

namespace phid {
namespace {

namespace v1 = ::phi::v1;

TEST(WatchEvictionTest, ASilentReaderIsEvictedWhileAFastOneKeepsReceiving) {
  DaemonOptions options = TestDaemonOptions("a");
  options.write_timeout = absl::Milliseconds(300);
  auto a = StartTestDaemon(options);
  auto b = StartTestDaemon(TestDaemonOptions("b", {a->gossip_address()}));

  v1::WatchRequest request;
  request.mutable_level_interval()->set_nanos(100000000);  // 100 ms

  // The slow client: a tiny flow-control window, and it never reads, so
  // the server's writes soon stay outstanding.
  grpc::ChannelArguments tiny_window;
  tiny_window.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 256);
  tiny_window.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  auto slow_stub = v1::FailureDetector::NewStub(ChannelTo(*a, tiny_window));
  grpc::ClientContext slow_context;
  slow_context.set_deadline(std::chrono::system_clock::now() +
                            std::chrono::seconds(60));
  auto slow = slow_stub->Watch(&slow_context, request);

  auto stub = StubFor(*a);
  WatchReader fast(stub.get(), request, absl::Seconds(60));
  bool evicted = false;
  int levels_after_eviction = 0;
  fast.ReadUntil([&](const v1::WatchResponse& m) {
    if (!evicted) {
      evicted =
          absl::StrContains(a->MetricsText(), "phid_watch_evictions_total 1\n");
    } else if (m.has_levels()) {
      ++levels_after_eviction;
    }
    return levels_after_eviction >= 5;
  });
  EXPECT_TRUE(evicted) << fast.status().error_message();
  EXPECT_GE(levels_after_eviction, 5);
  // The fast stream never skipped a beat: sequences rise by one.
  for (size_t i = 0; i < fast.messages().size(); ++i) {
    EXPECT_EQ(fast.messages()[i].sequence(), i + 1);
  }
  EXPECT_TRUE(absl::StrContains(a->MetricsText(), "phid_watchers 1\n"));

  // What the slow client had buffered is still readable; then CANCELLED.
  v1::WatchResponse m;
  while (slow->Read(&m)) {
  }
  EXPECT_EQ(slow->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

}  // namespace
}  // namespace phid
