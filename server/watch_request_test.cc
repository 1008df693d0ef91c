#include "server/watch_request.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "proto/api_limits.h"

namespace phid {
namespace {

namespace v1 = ::phi::v1;

constexpr double kDefault = 8;

absl::Status Parse(const v1::WatchRequest& request) {
  return ParseWatchRequest(request, kDefault).status();
}

void ExpectInvalid(const v1::WatchRequest& request, const std::string& field,
                   const std::string& range) {
  absl::Status status = Parse(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), field)) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), range)) << status;
}

TEST(ParseWatchRequestTest, ZeroesMeanDefaults) {
  absl::StatusOr<WatchSpec> spec = ParseWatchRequest(v1::WatchRequest(), 8);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->threshold, 8);
  EXPECT_EQ(spec->recovery_threshold, 8);
  EXPECT_EQ(spec->level_interval, absl::ZeroDuration());
  EXPECT_EQ(spec->idle_interval, absl::Seconds(5));
  EXPECT_TRUE(spec->names.empty());
  EXPECT_TRUE(spec->tag_selector.empty());
}

TEST(ParseWatchRequestTest, AcceptsEveryFieldInRange) {
  v1::WatchRequest r;
  r.set_phi_threshold(64);
  r.set_recovery_threshold(2.5);
  r.add_names("a");
  r.add_names("b-1.x:9");
  r.set_tag_selector("role=db,zone=eu");
  r.mutable_level_interval()->set_nanos(100000000);
  r.mutable_idle_interval()->set_seconds(3600);
  absl::StatusOr<WatchSpec> spec = ParseWatchRequest(r, 8);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->threshold, 64);
  EXPECT_EQ(spec->recovery_threshold, 2.5);
  EXPECT_EQ(spec->names.size(), 2u);
  EXPECT_EQ(spec->tag_selector.at("zone"), "eu");
  EXPECT_EQ(spec->level_interval, absl::Milliseconds(100));
  EXPECT_EQ(spec->idle_interval, absl::Hours(1));
}

TEST(ParseWatchRequestTest, ThresholdOutOfRangeNamesFieldAndRange) {
  v1::WatchRequest r;
  r.set_phi_threshold(70);
  ExpectInvalid(r, "phi_threshold", "(0, 64], got 70");
  r.set_phi_threshold(-1);
  ExpectInvalid(r, "phi_threshold", "got -1");
  r.set_phi_threshold(std::numeric_limits<double>::quiet_NaN());
  ExpectInvalid(r, "phi_threshold", "(0, 64]");
  r.set_phi_threshold(std::numeric_limits<double>::infinity());
  ExpectInvalid(r, "phi_threshold", "(0, 64]");
}

TEST(ParseWatchRequestTest, RecoveryMustNotExceedThreshold) {
  v1::WatchRequest r;
  r.set_phi_threshold(3);
  r.set_recovery_threshold(4);
  ExpectInvalid(r, "recovery_threshold", "(0, 3], got 4");
  r.set_recovery_threshold(-0.5);
  ExpectInvalid(r, "recovery_threshold", "got -0.5");
  // Against the default threshold when phi_threshold is 0.
  r.set_phi_threshold(0);
  r.set_recovery_threshold(9);
  ExpectInvalid(r, "recovery_threshold", "(0, 8], got 9");
}

TEST(ParseWatchRequestTest, BadNameIsRejectedWithItsIndex) {
  v1::WatchRequest r;
  r.add_names("ok");
  r.add_names("not ok");
  ExpectInvalid(r, "names[1]",
                "1 to 128 bytes of [A-Za-z0-9._:-]), got \"not ok\"");
  r.clear_names();
  r.add_names("");
  ExpectInvalid(r, "names[0]", "must be set to a member name");
}

TEST(ParseWatchRequestTest, BadTagSelectorIsRejected) {
  v1::WatchRequest r;
  r.set_tag_selector("role");
  ExpectInvalid(r, "tag_selector", "key=value");
  r.set_tag_selector("Role=db");
  ExpectInvalid(r, "tag_selector", "lowercase");
}

TEST(ParseWatchRequestTest, LevelIntervalBelowMinimumIsRejected) {
  v1::WatchRequest r;
  r.mutable_level_interval()->set_nanos(50000000);
  ExpectInvalid(r, "level_interval", "at least 100ms, got 50ms");
  r.mutable_level_interval()->set_seconds(-1);
  r.mutable_level_interval()->set_nanos(0);
  ExpectInvalid(r, "level_interval", "got -1s");
  r.mutable_level_interval()->set_seconds(1);
  r.mutable_level_interval()->set_nanos(-5);
  ExpectInvalid(r, "level_interval", "not a valid duration");
}

TEST(ParseWatchRequestTest, IdleIntervalOutsideRangeIsRejected) {
  v1::WatchRequest r;
  r.mutable_idle_interval()->set_nanos(99000000);
  ExpectInvalid(r, "idle_interval", "[100ms, 1h], got 99ms");
  r.mutable_idle_interval()->set_nanos(0);
  r.mutable_idle_interval()->set_seconds(7200);
  ExpectInvalid(r, "idle_interval", "got 2h");
  r.mutable_idle_interval()->set_seconds(0);
  r.mutable_idle_interval()->set_nanos(2000000000);
  ExpectInvalid(r, "idle_interval", "not a valid duration");
}

TEST(ResolveThresholdTest, ZeroIsTheDefault) {
  EXPECT_EQ(*ResolveThreshold(0, 8, "phi_threshold"), 8);
  EXPECT_EQ(*ResolveThreshold(0.5, 8, "phi_threshold"), 0.5);
  EXPECT_FALSE(ResolveThreshold(65, 8, "phi_threshold").ok());
}

TEST(ParseWatchRequestTest, NamesAreCappedAtTheDocumentedLimit) {
  v1::WatchRequest r;
  for (size_t i = 0; i < kMaxWatchNames; ++i) {
    r.add_names(absl::StrCat("node-", i));
  }
  absl::StatusOr<WatchSpec> spec = ParseWatchRequest(r, kDefault);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->names.size(), kMaxWatchNames);
  r.add_names("one-too-many");
  ExpectInvalid(r, "names holds 1001 names",
                absl::StrCat("at most ", kMaxWatchNames));
}

TEST(ParseWatchRequestTest, ALongOrHostileNameIsEchoedShortAndEscaped) {
  v1::WatchRequest r;
  r.add_names(std::string(1 << 20, 'x') + "!");
  absl::Status status = Parse(r);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(
      status.message(),
      absl::StrCat("got \"", std::string(kMaxEchoedBytes, 'x'), "\"…")))
      << status.message().substr(0, 200);
  EXPECT_TRUE(absl::StrContains(status.message(), "(1048577 bytes)"));
  EXPECT_LT(status.message().size(), 250u);

  r.set_names(0, std::string("a\0b\x1b[2J", 7));
  status = Parse(r);
  EXPECT_TRUE(absl::StrContains(status.message(), "got \"a\\x00b\\x1b[2J\""))
      << status;
}

TEST(ValidateMemberNameTest, OneRuleForEveryRpc) {
  EXPECT_TRUE(ValidateMemberName("node-1.example_com:7946", "name").ok());
  for (const std::string& bad : {std::string(""), std::string("has space"),
                                 std::string(129, 'a'), std::string("\xff")}) {
    absl::Status status = ValidateMemberName(bad, "name");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(absl::StartsWith(status.message(), "name must be")) << status;
  }
}

TEST(ParseTagSelectorTest, AHostileSelectorIsEchoedShortWithoutTheRawReason) {
  EXPECT_TRUE(ParseTagSelector("").ok());
  EXPECT_EQ(ParseTagSelector("dc=eu")->at("dc"), "eu");
  absl::StatusOr<TagSelector> plain = ParseTagSelector("role");
  EXPECT_EQ(plain.status().message(),
            "tag_selector must be k=v,k2=v2, got \"role\": tag 'role' is not "
            "of the form key=value");
  const std::string hostile = std::string(1000, 'k') + "\x1b";
  absl::StatusOr<TagSelector> cut = ParseTagSelector(hostile);
  EXPECT_EQ(cut.status().message(),
            absl::StrCat("tag_selector must be k=v,k2=v2, got \"",
                         std::string(kMaxEchoedBytes, 'k'), "\"…"));
}

}  // namespace
}  // namespace phid
