#include "server/background_seed_resolver.h"

#include "gossip/fake_seed_resolver.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

TEST(BackgroundSeedResolverTest, AnswersAtOnceThenWithTheBackgroundLookup) {
  auto fake = std::make_unique<FakeSeedResolver>();
  FakeSeedResolver* dns = fake.get();
  dns->Set("seeds.test:7946", {"10.0.0.1:7946"});
  BackgroundSeedResolver resolver(std::move(fake));
  absl::StatusOr<std::vector<std::string>> first =
      resolver.Resolve("seeds.test:7946");
  EXPECT_EQ(first.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(first.status().message().find("seeds.test:7946"),
            std::string::npos);
  resolver.WaitIdleForTesting();
  absl::StatusOr<std::vector<std::string>> second =
      resolver.Resolve("seeds.test:7946");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, std::vector<std::string>{"10.0.0.1:7946"});
}

TEST(BackgroundSeedResolverTest, EveryCallAsksForAFreshLookup) {
  auto fake = std::make_unique<FakeSeedResolver>();
  FakeSeedResolver* dns = fake.get();
  BackgroundSeedResolver resolver(std::move(fake));
  (void)resolver.Resolve("seeds.test:7946");
  resolver.WaitIdleForTesting();
  EXPECT_EQ(resolver.Resolve("seeds.test:7946").status().code(),
            absl::StatusCode::kNotFound);
  resolver.WaitIdleForTesting();
  // The fake is only touched by the resolver's thread while it works;
  // idle, the test may edit it.
  dns->Set("seeds.test:7946", {"10.0.0.2:7946"});
  (void)resolver.Resolve("seeds.test:7946");
  resolver.WaitIdleForTesting();
  absl::StatusOr<std::vector<std::string>> now =
      resolver.Resolve("seeds.test:7946");
  ASSERT_TRUE(now.ok()) << now.status();
  EXPECT_EQ(*now, std::vector<std::string>{"10.0.0.2:7946"});
  resolver.WaitIdleForTesting();  // the last call asked for one more
  EXPECT_EQ(dns->lookups(), 4);
}

}  // namespace
}  // namespace phid
