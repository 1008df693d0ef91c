// The phi.v1 Watch API over a real gRPC server on loopback, on a fake
// backend whose WatchHub runs on a SimulatedClock: when a transition fires
// is decided by simulated time alone, so its timing can be asserted exactly
// on any machine load.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "detector/base/simulated_clock.h"
#include "detector/phi.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/phi.grpc.pb.h"
#include "server/failure_detector_service.h"
#include "server/service_on_loopback.h"
#include "server/test_daemons.h"
#include "server/test_views.h"
#include "server/watch_hub.h"
#include "server/watch_request.h"

namespace phid {
namespace {

namespace v1 = ::phi::v1;

// A backend with a real WatchHub on a SimulatedClock. The test moves time;
// gRPC's threads subscribe. One mutex guards the hub and the clock.
class SimulatedBackend final : public FailureDetectorBackend {
 public:
  SimulatedBackend() : hub_(HubOptions(clock_)) {}

  absl::StatusOr<v1::ListPeersResponse> ListPeers(
      const v1::ListPeersRequest&) override {
    return absl::UnimplementedError("not in this fake");
  }
  absl::StatusOr<v1::Peer> GetPeer(const v1::GetPeerRequest&) override {
    return absl::UnimplementedError("not in this fake");
  }
  absl::StatusOr<v1::ForgetResponse> Forget(const v1::ForgetRequest&) override {
    return absl::UnimplementedError("not in this fake");
  }
  absl::StatusOr<uint64_t> Subscribe(const v1::WatchRequest& request,
                                     std::shared_ptr<WatchSink> sink) override {
    absl::StatusOr<WatchSpec> spec = ParseWatchRequest(request, 8);
    if (!spec.ok()) return spec.status();
    absl::MutexLock lock(&mu_);
    return hub_.Subscribe(*std::move(spec), std::move(sink), clock_.Now());
  }
  void Unsubscribe(uint64_t id) override {
    absl::MutexLock lock(&mu_);
    hub_.Unsubscribe(id);
  }

  MonoTime Now() {
    absl::MutexLock lock(&mu_);
    return clock_.Now();
  }
  void SetViews(const std::vector<MemberView>& views) {
    absl::MutexLock lock(&mu_);
    hub_.OnMembersChanged(views, clock_.Now());
    hub_.Fire(clock_.Now());
  }
  // Moves the clock to each instant the hub has something due, up to
  // `until`, firing there: what the daemon's loop does in real time.
  void RunUntil(MonoTime until) {
    absl::MutexLock lock(&mu_);
    for (int fired = 0;; ++fired) {
      ASSERT_LT(fired, 100000) << "the hub is due again and again";
      const MonoTime due = hub_.NextDue();
      if (due > until) break;
      if (due > clock_.Now()) clock_.AdvanceTo(due);
      hub_.Fire(clock_.Now());
    }
    clock_.AdvanceTo(until);
  }

 private:
  static WatchHub::Options HubOptions(const SimulatedClock& clock) {
    WatchHub::Options options;
    options.epoch = 7;
    // sent_unix_micros from simulated time: the instant the hub fired.
    options.unix_micros = [&clock] {
      return absl::ToInt64Microseconds(clock.Now());
    };
    return options;
  }

  absl::Mutex mu_;
  SimulatedClock clock_;  // guarded by mu_
  WatchHub hub_;          // guarded by mu_
};

class ServiceSimTest : public ::testing::Test {
 protected:
  ServiceSimTest()
      : loopback_(&backend_, service_clock_),
        stub_(v1::FailureDetector::NewStub(loopback_.channel())) {}

  SimulatedBackend backend_;
  // The service's own clock (write timeouts) stays put.
  SimulatedClock service_clock_;
  ServiceOnLoopback loopback_;
  std::unique_ptr<v1::FailureDetector::Stub> stub_;
};

TEST_F(ServiceSimTest, TwoThresholdsSeeSuspicionAtTheirOwnTimes) {
  const MonoTime last_arrival = backend_.Now();
  backend_.SetViews({View("b", last_arrival)});
  WatchReader low(stub_.get(), WatchFor({"b"}, 3));
  WatchReader high(stub_.get(), WatchFor({"b"}, 12));
  ASSERT_NE(low.ReadUntil([](const auto& m) { return m.has_snapshot(); }),
            nullptr);
  ASSERT_NE(high.ReadUntil([](const auto& m) { return m.has_snapshot(); }),
            nullptr);
  // b falls silent: time runs on with no arrival.
  backend_.RunUntil(last_arrival + absl::Seconds(10));
  const v1::WatchResponse* at3 =
      low.NextTransition("b", v1::TRANSITION_REASON_CROSSED_THRESHOLD);
  const v1::WatchResponse* at12 =
      high.NextTransition("b", v1::TRANSITION_REASON_CROSSED_THRESHOLD);
  ASSERT_NE(at3, nullptr) << low.status().error_message();
  ASSERT_NE(at12, nullptr) << high.status().error_message();
  // phi at the instant the hub fired: at the threshold.
  EXPECT_GE(at3->transition().phi(), 3 - 1e-6);
  EXPECT_GE(at12->transition().phi(), 12 - 1e-6);
  EXPECT_EQ(at3->transition().peer().threshold(), 3);
  EXPECT_EQ(at12->transition().peer().state(), v1::PEER_STATE_SUSPECT);

  // The instants differ by the analytic distance between the thresholds
  // for the distribution both were judged on; on simulated time, to the
  // microsecond the messages carry.
  const v1::Peer& peer = at12->transition().peer();
  IntervalDistribution dist;
  dist.mean_ms = peer.interval_mean_ms();
  dist.stddev_ms = peer.interval_stddev_ms();
  dist.acceptable_pause_ms = Dist().acceptable_pause_ms;
  const double expected_ms = PhiToElapsed(PhiModel::kNormal, dist, 12) -
                             PhiToElapsed(PhiModel::kNormal, dist, 3);
  const double measured_ms =
      (at12->sent_unix_micros() - at3->sent_unix_micros()) / 1000.0;
  EXPECT_GT(measured_ms, 0);
  EXPECT_NEAR(measured_ms, expected_ms, 0.002) << "expected " << expected_ms;
  // And each at its own analytic instant after the last arrival.
  EXPECT_NEAR(at3->sent_unix_micros() / 1000.0,
              absl::ToDoubleMilliseconds(Analytic(last_arrival, 3)), 0.002);
  low.context().TryCancel();
  high.context().TryCancel();
}

}  // namespace
}  // namespace phid
