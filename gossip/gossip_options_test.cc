#include "gossip/gossip_options.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

using ::testing::HasSubstr;

GossipOptions Valid() {
  GossipOptions o = GossipOptions::ForLan();
  o.name = "node-a";
  return o;
}

TEST(GossipOptionsTest, PresetsAreValid) {
  for (GossipOptions o : {GossipOptions::ForLan(), GossipOptions::ForWan(),
                          GossipOptions::ForLocalTesting()}) {
    o.name = "node-a";
    EXPECT_TRUE(o.Validate().ok()) << o.Validate();
  }
}

TEST(GossipOptionsTest, TheLanPresetDetectsAtPhiEightWithinASecond) {
  // With the detector following the interval, phi 8 for a perfectly regular
  // 100 ms heartbeat is reached at mean + pause + ~5.6 * min_stddev.
  GossipOptions o = Valid();
  IntervalDistribution d;
  d.mean_ms = absl::ToDoubleMilliseconds(o.gossip_interval);
  d.stddev_ms = absl::ToDoubleMilliseconds(o.detector.min_stddev);
  d.acceptable_pause_ms =
      absl::ToDoubleMilliseconds(o.detector.acceptable_pause);
  double elapsed = PhiToElapsed(o.detector.model, d, 8);
  EXPECT_GT(elapsed, 400);
  EXPECT_LT(elapsed, 1000);
}

TEST(GossipOptionsTest, InvalidFieldsAreNamed) {
  struct Case {
    void (*mutate)(GossipOptions&);
    const char* field;
  } cases[] = {
      {[](GossipOptions& o) { o.name = ""; }, "name"},
      {[](GossipOptions& o) { o.name = "a b"; }, "name"},
      {[](GossipOptions& o) { o.cluster = "bad cluster"; }, "cluster"},
      {[](GossipOptions& o) { o.seeds = {"nowhere"}; }, "seeds"},
      {[](GossipOptions& o) { o.seeds = {"10.0.0.1:0"}; }, "seeds"},
      {[](GossipOptions& o) { o.seeds = {"255.255.255.255:7946"}; }, "seeds"},
      {[](GossipOptions& o) { o.gossip_interval = absl::Milliseconds(1); },
       "gossip_interval"},
      {[](GossipOptions& o) { o.fanout = 0; }, "fanout"},
      {[](GossipOptions& o) { o.fanout = 17; }, "fanout"},
      {[](GossipOptions& o) { o.pause_limit = absl::ZeroDuration(); },
       "pause_limit"},
      {[](GossipOptions& o) { o.failed_after = absl::Milliseconds(5); },
       "failed_after"},
      {[](GossipOptions& o) {
         o.failed_member_retention = absl::Hours(24 * 31);
       },
       "failed_member_retention"},
      {[](GossipOptions& o) { o.left_member_retention = absl::ZeroDuration(); },
       "left_member_retention"},
      {[](GossipOptions& o) { o.opinion_floor = -1; }, "opinion_floor"},
      {[](GossipOptions& o) { o.admission_rate = 0; }, "admission_rate"},
      {[](GossipOptions& o) { o.admission_rate_per_source = 2e6; },
       "admission_rate_per_source"},
      {[](GossipOptions& o) {
         o.tags = {{"Bad", "x"}};
       },
       "tags"},
      {[](GossipOptions& o) { o.detector.min_stddev = absl::ZeroDuration(); },
       "detector.min_stddev"},
  };
  for (const Case& c : cases) {
    GossipOptions o = Valid();
    c.mutate(o);
    absl::Status s = o.Validate();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_THAT(s.message(), HasSubstr(c.field));
  }
}

}  // namespace
}  // namespace phid
