#include "proto/duration.h"

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

using ::testing::HasSubstr;

google::protobuf::Duration Proto(int64_t seconds, int32_t nanos) {
  google::protobuf::Duration d;
  d.set_seconds(seconds);
  d.set_nanos(nanos);
  return d;
}

TEST(ProtoDurationTest, RoundTripsWholeAndFractionalSeconds) {
  for (absl::Duration d :
       {absl::ZeroDuration(), absl::Milliseconds(1500), absl::Nanoseconds(1),
        absl::Hours(49) + absl::Microseconds(7), -absl::Milliseconds(2500)}) {
    google::protobuf::Duration proto;
    ToProtoDuration(d, &proto);
    EXPECT_EQ(FromProtoDuration(proto), d) << d;
    absl::StatusOr<absl::Duration> parsed = ParseProtoDuration(proto, "f");
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, d);
  }
}

TEST(ProtoDurationTest, SecondsAndNanosHaveOneSign) {
  google::protobuf::Duration proto;
  ToProtoDuration(absl::Milliseconds(1500), &proto);
  EXPECT_EQ(proto.seconds(), 1);
  EXPECT_EQ(proto.nanos(), 500000000);
  ToProtoDuration(-absl::Milliseconds(1500), &proto);
  EXPECT_EQ(proto.seconds(), -1);
  EXPECT_EQ(proto.nanos(), -500000000);
}

TEST(ProtoDurationTest, InvalidDurationsAreRefusedNamingTheField) {
  for (const google::protobuf::Duration& bad :
       {Proto(1, -1), Proto(-1, 1), Proto(0, 1000000000),
        Proto(0, -1000000000)}) {
    absl::StatusOr<absl::Duration> parsed =
        ParseProtoDuration(bad, "idle_interval");
    ASSERT_FALSE(parsed.ok()) << bad.DebugString();
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(),
                HasSubstr("idle_interval is not a valid duration"));
  }
}

}  // namespace
}  // namespace phid
