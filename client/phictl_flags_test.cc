// phictl's command-line plumbing: the default target, tag selectors and the
// Ctrl-C interrupter (the check of flags before absl parses them is
// detector/base/flag_args.h's, tested there).
#include <string>

#include "absl/status/status.h"
#include "client/phictl.h"
#include "gtest/gtest.h"

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
