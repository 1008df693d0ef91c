// The system resolver on a name every host answers from /etc/hosts
// ("localhost"): no DNS traffic. Names that do not resolve are tested with
// the fake (join_test.cc), never against a real DNS server.
#include "gossip/seed_resolver.h"

#include <algorithm>

#include "gtest/gtest.h"

namespace phid {
namespace {

TEST(SystemSeedResolverTest, LocalhostResolvesToALoopbackAddressWithThePort) {
  SystemSeedResolver resolver;
  absl::StatusOr<std::vector<std::string>> found =
      resolver.Resolve("localhost:7946");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_TRUE(std::any_of(found->begin(), found->end(),
                          [](const std::string& a) {
                            return a == "127.0.0.1:7946" || a == "[::1]:7946";
                          }))
      << found->front();
}

}  // namespace
}  // namespace phid
