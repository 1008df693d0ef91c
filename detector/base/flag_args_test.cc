// CheckFlagArguments on flags registered here for the purpose.
#include "detector/base/flag_args.h"

#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"

ABSL_FLAG(double, test_number, 0, "a number for CheckFlagArguments");
ABSL_FLAG(bool, test_switch, false, "a boolean for CheckFlagArguments");
ABSL_FLAG(std::string, test_text, "", "a string for CheckFlagArguments");

namespace phid {
namespace {

absl::StatusOr<std::set<std::string>> Check(std::vector<std::string> args) {
  args.insert(args.begin(), "tool");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  return CheckFlagArguments(static_cast<int>(argv.size()), argv.data());
}

TEST(CheckFlagArgumentsTest, ReturnsTheFlagsGivenAndSetsThem) {
  absl::StatusOr<std::set<std::string>> given =
      Check({"watch", "--test_number=2.5", "-test_switch", "--test_text",
             "hello", "operand"});
  ASSERT_TRUE(given.ok()) << given.status();
  EXPECT_EQ(*given,
            (std::set<std::string>{"test_number", "test_switch", "test_text"}));
  EXPECT_EQ(absl::GetFlag(FLAGS_test_number), 2.5);
  EXPECT_EQ(absl::GetFlag(FLAGS_test_text), "hello");
}

TEST(CheckFlagArgumentsTest, RefusesAnUnknownFlag) {
  absl::StatusOr<std::set<std::string>> given = Check({"--bogus=1"});
  EXPECT_TRUE(absl::IsInvalidArgument(given.status()));
  EXPECT_EQ(given.status().message(), "unknown flag --bogus");
}

TEST(CheckFlagArgumentsTest, RefusesAValueOfTheWrongType) {
  absl::StatusOr<std::set<std::string>> given = Check({"--test_number=abc"});
  EXPECT_TRUE(absl::IsInvalidArgument(given.status()));
  EXPECT_TRUE(
      absl::StartsWith(given.status().message(), "bad value for --test_number"))
      << given.status();
}

TEST(CheckFlagArgumentsTest, RefusesAMissingValue) {
  EXPECT_EQ(Check({"--test_text"}).status().message(),
            "--test_text needs a value");
}

TEST(CheckFlagArgumentsTest, AcceptsANegatedBoolean) {
  absl::StatusOr<std::set<std::string>> given = Check({"--notest_switch"});
  ASSERT_TRUE(given.ok());
  EXPECT_EQ(given->count("test_switch"), 1u);
}

TEST(CheckFlagArgumentsTest, LeavesHelpToAbsl) {
  absl::StatusOr<std::set<std::string>> given =
      Check({"--help", "--helpon=phictl"});
  ASSERT_TRUE(given.ok()) << given.status();
  EXPECT_TRUE(given->empty());
}

TEST(CheckFlagArgumentsTest, StopsAtDoubleDash) {
  EXPECT_TRUE(Check({"--", "--bogus"}).ok());
}

}  // namespace
}  // namespace phid
