#include "server/phid_flags.h"

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"

ABSL_DECLARE_FLAG(std::string, name);
ABSL_DECLARE_FLAG(std::string, bind);
ABSL_DECLARE_FLAG(std::string, advertise);
ABSL_DECLARE_FLAG(std::string, seeds);
ABSL_DECLARE_FLAG(std::string, preset);
ABSL_DECLARE_FLAG(std::string, gossip_interval);
ABSL_DECLARE_FLAG(std::string, fanout);
ABSL_DECLARE_FLAG(std::string, model);
ABSL_DECLARE_FLAG(std::string, acceptable_pause);
ABSL_DECLARE_FLAG(std::string, tags);
ABSL_DECLARE_FLAG(double, default_threshold);
ABSL_DECLARE_FLAG(std::string, tls_cert);
ABSL_DECLARE_FLAG(std::string, write_timeout);
ABSL_DECLARE_FLAG(double, drop_probability);
ABSL_DECLARE_FLAG(int, max_watchers);

namespace phid {
namespace {

class PhidFlagsTest : public ::testing::Test {
 protected:
  absl::FlagSaver saver_;

  void ExpectError(const std::string& flag) {
    absl::StatusOr<DaemonOptions> o = DaemonOptionsFromFlags("host", "");
    ASSERT_FALSE(o.ok()) << flag;
    EXPECT_EQ(o.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StrContains(o.status().message(), "--" + flag))
        << o.status();
  }
};

TEST_F(PhidFlagsTest, DefaultsGiveALanDaemonNamedAfterTheHost) {
  absl::StatusOr<DaemonOptions> o =
      DaemonOptionsFromFlags("host-1", "10.1.2.3");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->gossip.name, "host-1");
  EXPECT_EQ(o->gossip.gossip_interval, absl::Milliseconds(100));
  EXPECT_EQ(o->udp.bind_address, "0.0.0.0:7946");
  // A wildcard bind advertises the interface address with the bound port.
  EXPECT_EQ(o->udp.advertise_address, "10.1.2.3:0");
  EXPECT_EQ(o->grpc_address, "127.0.0.1:7070");
  EXPECT_EQ(o->metrics_address, "127.0.0.1:9470");
  EXPECT_EQ(o->default_threshold, 8);
  EXPECT_EQ(o->max_watchers, 10000);
  EXPECT_EQ(o->write_timeout, absl::Seconds(10));
}

TEST_F(PhidFlagsTest, PresetThenExplicitFlagsWin) {
  absl::SetFlag(&FLAGS_preset, "wan");
  absl::StatusOr<DaemonOptions> o = DaemonOptionsFromFlags("h", "");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->gossip.gossip_interval, absl::Milliseconds(500));
  EXPECT_EQ(o->gossip.detector.acceptable_pause, absl::Seconds(2));

  absl::SetFlag(&FLAGS_gossip_interval, "200ms");
  absl::SetFlag(&FLAGS_fanout, "5");
  absl::SetFlag(&FLAGS_model, "exponential");
  absl::SetFlag(&FLAGS_acceptable_pause, "1s");
  absl::SetFlag(&FLAGS_seeds, "10.0.0.1:7946, 10.0.0.2:7946");
  absl::SetFlag(&FLAGS_tags, "role=db,zone=eu");
  o = DaemonOptionsFromFlags("h", "");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->gossip.gossip_interval, absl::Milliseconds(200));
  EXPECT_EQ(o->gossip.detector.min_stddev, absl::Milliseconds(100));
  EXPECT_EQ(o->gossip.detector.acceptable_pause, absl::Seconds(1));
  EXPECT_EQ(o->gossip.detector.model, PhiModel::kExponential);
  EXPECT_EQ(o->gossip.fanout, 5);
  EXPECT_EQ(o->gossip.seeds.size(), 2u);
  EXPECT_EQ(o->gossip.tags.at("zone"), "eu");
}

TEST_F(PhidFlagsTest, EveryBadValueNamesItsFlag) {
  struct Case {
    std::function<void()> set;
    std::string flag;
  };
  std::vector<Case> cases = {
      {[] { absl::SetFlag(&FLAGS_preset, "moon"); }, "preset"},
      {[] { absl::SetFlag(&FLAGS_name, "bad name"); }, "name"},
      {[] { absl::SetFlag(&FLAGS_bind, "nowhere"); }, "bind"},
      {[] { absl::SetFlag(&FLAGS_advertise, "0.0.0.0:1"); }, "advertise"},
      {[] { absl::SetFlag(&FLAGS_seeds, "a.b"); }, "seeds"},
      {[] { absl::SetFlag(&FLAGS_gossip_interval, "1ms"); }, "gossip_interval"},
      {[] { absl::SetFlag(&FLAGS_gossip_interval, "fast"); },
       "gossip_interval"},
      {[] { absl::SetFlag(&FLAGS_fanout, "0"); }, "fanout"},
      {[] { absl::SetFlag(&FLAGS_fanout, "many"); }, "fanout"},
      {[] { absl::SetFlag(&FLAGS_model, "magic"); }, "model"},
      {[] { absl::SetFlag(&FLAGS_acceptable_pause, "-1s"); },
       "acceptable_pause"},
      {[] { absl::SetFlag(&FLAGS_tags, "Role=x"); }, "tags"},
      {[] { absl::SetFlag(&FLAGS_tags, "role"); }, "tags"},
      // Tags that would not fit a gossip packet are refused, not truncated.
      {[] {
         std::string big;
         for (int i = 0; i < 10; ++i) {
           big += (i ? "," : "") + std::string("k") + std::to_string(i) + "=" +
                  std::string(60, 'v');
         }
         absl::SetFlag(&FLAGS_tags, big);
       },
       "tags"},
      {[] { absl::SetFlag(&FLAGS_default_threshold, 65); },
       "default_threshold"},
      {[] { absl::SetFlag(&FLAGS_tls_cert, "/tmp/cert.pem"); }, "tls_cert"},
      {[] { absl::SetFlag(&FLAGS_write_timeout, "1ms"); }, "write_timeout"},
      {[] { absl::SetFlag(&FLAGS_drop_probability, 2); }, "drop_probability"},
      {[] { absl::SetFlag(&FLAGS_max_watchers, 0); }, "max_watchers"},
  };
  for (const Case& c : cases) {
    absl::FlagSaver saver;
    c.set();
    ExpectError(c.flag);
  }
}

}  // namespace
}  // namespace phid
