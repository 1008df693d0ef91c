// phictl's command-line plumbing: the default target, tag selectors, flag
// checks before absl parses them, and the Ctrl-C interrupter.
#include <csignal>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "client/phictl.h"
#include "gtest/gtest.h"

ABSL_FLAG(double, test_number, 0, "a number for CheckFlagArguments");
ABSL_FLAG(bool, test_switch, false, "a boolean for CheckFlagArguments");
ABSL_FLAG(std::string, test_text, "", "a string for CheckFlagArguments");

namespace phid {
namespace {

TEST(DefaultTargetTest, IsTheEnvironmentVariableWhenSet) {
  EXPECT_EQ(DefaultTarget("unix:/run/phid.sock"), "unix:/run/phid.sock");
  EXPECT_EQ(DefaultTarget(""), "127.0.0.1:7070");
  EXPECT_EQ(DefaultTarget(nullptr), "127.0.0.1:7070");
}

TEST(ValidateTagSelectorTest, AcceptsKeyValuePairs) {
  EXPECT_TRUE(ValidateTagSelector("").ok());
  EXPECT_TRUE(ValidateTagSelector("dc=eu").ok());
  EXPECT_TRUE(ValidateTagSelector("dc=eu,rack=").ok());
  EXPECT_FALSE(ValidateTagSelector("dc").ok());
  EXPECT_FALSE(ValidateTagSelector("=eu").ok());
  EXPECT_FALSE(ValidateTagSelector("dc=eu,").ok());
}

absl::StatusOr<std::set<std::string>> Check(std::vector<std::string> args) {
  args.insert(args.begin(), "phictl");
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

TEST(InterrupterTest, RunsTheHandlerOnce) {
  Interrupter interrupter;
  int calls = 0;
  interrupter.SetHandler([&calls] { ++calls; });
  EXPECT_TRUE(interrupter.Interrupt());
  EXPECT_FALSE(interrupter.Interrupt());  // the second one should exit
  EXPECT_EQ(calls, 1);
}

TEST(InterrupterTest, AnInterruptWithoutAHandlerReachesTheNextHandler) {
  Interrupter interrupter;
  EXPECT_FALSE(interrupter.Interrupt());
  int calls = 0;
  interrupter.SetHandler([&calls] { ++calls; });
  EXPECT_EQ(calls, 1);
}

TEST(InterrupterTest, AClearedHandlerIsNotRun) {
  Interrupter interrupter;
  int calls = 0;
  interrupter.SetHandler([&calls] { ++calls; });
  interrupter.SetHandler(nullptr);
  EXPECT_FALSE(interrupter.Interrupt());
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace phid
