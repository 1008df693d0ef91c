// The per-client watcher cap: a client over it is refused with
// RESOURCE_EXHAUSTED naming the cap, while another client still subscribes.
// Clients are told apart by IP address: the second one connects from
// 127.0.3.1 (a loopback source address only; nothing listens there).
#include <memory>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "server/test_daemons.h"

namespace phid {
namespace {

namespace v1 = ::phi::v1;

bool GotSnapshot(WatchReader& reader) {
  return reader.ReadUntil([](const v1::WatchResponse& m) {
    return m.has_snapshot();
  }) != nullptr;
}

TEST(WatchLimitsTest, AClientOverItsCapIsRefusedWhileOthersStillSubscribe) {
  DaemonOptions options = TestDaemonOptions("a");
  options.max_watchers_per_client = 2;
  auto a = StartTestDaemon(options);
  auto stub = StubFor(*a);

  WatchReader first(stub.get(), WatchFor({}));
  WatchReader second(stub.get(), WatchFor({}));
  ASSERT_TRUE(GotSnapshot(first)) << first.status().error_message();
  ASSERT_TRUE(GotSnapshot(second)) << second.status().error_message();

  WatchReader third(stub.get(), WatchFor({}));
  EXPECT_FALSE(GotSnapshot(third));
  EXPECT_EQ(third.status().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StrContains(third.status().error_message(),
                                "--max_watchers_per_client"))
      << third.status().error_message();
  EXPECT_TRUE(absl::StrContains(third.status().error_message(), "127.0.0.1"))
      << third.status().error_message();

  // Another client (another address) is not affected.
  auto other = v1::FailureDetector::NewStub(ChannelFrom(*a, "127.0.3.1"));
  WatchReader elsewhere(other.get(), WatchFor({}));
  EXPECT_TRUE(GotSnapshot(elsewhere)) << elsewhere.status().error_message();
  EXPECT_TRUE(
      absl::StrContains(a->MetricsText(), "phid_watch_refused_total 1\n"));

  // A slot freed is a slot the first client may use again.
  first.context().TryCancel();
  first.Finish();
  bool resubscribed = false;
  for (int attempt = 0; attempt < 100 && !resubscribed; ++attempt) {
    // The cancelled stream's OnDone may come a moment after Finish: retry
    // until it has (each refusal is immediate, so this does not spin long).
    WatchReader again(stub.get(), WatchFor({}));
    resubscribed = GotSnapshot(again);
  }
  EXPECT_TRUE(resubscribed);
}

TEST(WatchLimitsTest, ClientKeyIsTheAddressWithoutItsPort) {
  EXPECT_EQ(ClientKey("ipv4:10.0.0.1:5000"), "ipv4:10.0.0.1");
  EXPECT_EQ(ClientKey("ipv6:[::1]:5000"), "ipv6:[::1]");
  EXPECT_EQ(ClientKey("unix:/run/phid.sock"), "unix:/run/phid.sock");
  EXPECT_EQ(ClientKey("ipv4:"), "ipv4:");
}

}  // namespace
}  // namespace phid
