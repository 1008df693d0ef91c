// PhictlTest: phictl run in-process against a FakeFailureDetector on
// loopback, its output captured (testonly; for phictl_test and
// phictl_top_test). Waits are bounded by RPC deadlines, never by sleeps.
#ifndef PHID_CLIENT_PHICTL_TEST_FIXTURE_H_
#define PHID_CLIENT_PHICTL_TEST_FIXTURE_H_

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "client/fake_failure_detector.h"
#include "client/phictl.h"
#include "gtest/gtest.h"

namespace phid {

inline std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

class PhictlTest : public ::testing::Test {
 protected:
  PhictlTest() : server_(&fake_) {
    flags_.target = server_.target();
    env_.out = &out_;
    env_.err = &err_;
    env_.interrupter = &interrupter_;
    env_.zone = absl::UTCTimeZone();
    env_.watch_options.backoff.initial = absl::Milliseconds(10);
    env_.watch_options.backoff.max = absl::Milliseconds(100);
    env_.watch_options.seed = 1;
  }

  ~PhictlTest() override { server_.Shutdown(); }

  int Run(std::vector<std::string> args) {
    return RunPhictl(args, flags_, env_);
  }

  // Sets a flag's value as if given on the command line.
  void Give(const std::string& name) { flags_.given.insert(name); }

  FakeFailureDetector fake_;
  FakeServer server_;
  PhictlFlags flags_;
  Interrupter interrupter_;
  std::ostringstream out_;
  std::ostringstream err_;
  PhictlEnvironment env_;
};

}  // namespace phid

#endif  // PHID_CLIENT_PHICTL_TEST_FIXTURE_H_
