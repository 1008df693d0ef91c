#include "gossip/member_info.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace phid {
namespace {

TEST(MemberInfoTest, EqualContentIsOneSharedCopy) {
  Tags tags = {{"role", "db"}};
  SharedMemberInfo a = InternMemberInfo("node-1", "10.0.0.1:7946", tags);
  SharedMemberInfo b = InternMemberInfo("node-1", "10.0.0.1:7946", tags);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(a->name, "node-1");
  EXPECT_EQ(a->address, "10.0.0.1:7946");
  EXPECT_EQ(a->tags, tags);
  // Any difference in name, address or tags is another copy.
  EXPECT_NE(a.get(), InternMemberInfo("node-2", "10.0.0.1:7946", tags).get());
  EXPECT_NE(a.get(), InternMemberInfo("node-1", "10.0.0.2:7946", tags).get());
  EXPECT_NE(a.get(), InternMemberInfo("node-1", "10.0.0.1:7946", {}).get());
  EXPECT_NE(
      a.get(),
      InternMemberInfo("node-1", "10.0.0.1:7946", {{"role", "web"}}).get());
}

TEST(MemberInfoTest, TheLastHandleTakesTheCopyOutOfTheTable) {
  size_t before = InternedMemberInfos();
  {
    SharedMemberInfo a = InternMemberInfo("gone-1", "10.0.0.9:7946", {});
    SharedMemberInfo b = a;
    EXPECT_EQ(InternedMemberInfos(), before + 1);
    a.reset();
    EXPECT_EQ(InternedMemberInfos(), before + 1);
  }
  EXPECT_EQ(InternedMemberInfos(), before);
  // And it can be interned again afterwards.
  SharedMemberInfo again = InternMemberInfo("gone-1", "10.0.0.9:7946", {});
  EXPECT_EQ(again->name, "gone-1");
  EXPECT_EQ(InternedMemberInfos(), before + 1);
}

// Threads interning and releasing the same few records at once agree on
// the copies and leave nothing behind.
TEST(MemberInfoTest, ConcurrentInternsShareAndRelease) {
  size_t before = InternedMemberInfos();
  SharedMemberInfo held = InternMemberInfo("busy-0", "10.0.1.0:7946", {});
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &held, &mismatches] {
      for (int i = 0; i < 20000; ++i) {
        std::string name = "busy-" + std::to_string(i % 4);
        std::string address = "10.0.1." + std::to_string(i % 4) + ":7946";
        SharedMemberInfo info = InternMemberInfo(name, address, {});
        if (info->name != name || info->address != address) ++mismatches[t];
        if (i % 4 == 0 && info.get() != held.get()) ++mismatches[t];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
  EXPECT_EQ(InternedMemberInfos(), before + 1);  // only `held` is left
  held.reset();
  EXPECT_EQ(InternedMemberInfos(), before);
}

}  // namespace
}  // namespace phid
