#include "gossip/admission.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

MonoTime At(double seconds) { return absl::Seconds(seconds); }

TEST(TokenBucketTest, StartsFullAndRefillsAtItsRate) {
  TokenBucket bucket(2, 4, At(0));
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(bucket.Take(At(0))) << i;
  EXPECT_FALSE(bucket.Take(At(0)));
  EXPECT_FALSE(bucket.Take(At(0.4)));
  EXPECT_TRUE(bucket.Take(At(0.5)));  // 2 a second: one token in 0.5 s
  EXPECT_FALSE(bucket.Take(At(0.5)));
  EXPECT_FALSE(bucket.Full(At(1)));
  EXPECT_TRUE(bucket.Full(At(100)));  // never more than the burst
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(bucket.Take(At(100))) << i;
  EXPECT_FALSE(bucket.Take(At(100)));
}

TEST(AdmissionTest, OneSourceGetsItsBurstThenItsRate) {
  Admission admission(/*rate=*/1000, /*rate_per_source=*/10, At(0));
  int admitted = 0;
  for (int i = 0; i < 500; ++i) {
    admitted +=
        admission.Admit("10.0.0.1:7946", At(0)) == Admission::Verdict::kAdmit;
  }
  EXPECT_EQ(admitted, 100);  // 10 s of 10 a second
  EXPECT_EQ(admission.Admit("10.0.0.1:7946", At(0)),
            Admission::Verdict::kSourceRate);
  // Another source is not held back by the first.
  EXPECT_EQ(admission.Admit("10.0.0.2:7946", At(0)),
            Admission::Verdict::kAdmit);
  EXPECT_EQ(admission.Admit("10.0.0.1:7946", At(0.1)),
            Admission::Verdict::kAdmit);
}

TEST(AdmissionTest, ManySourcesTogetherStopAtTheGlobalRate) {
  Admission admission(/*rate=*/100, /*rate_per_source=*/10, At(0));
  int admitted = 0, global = 0;
  // Forged source addresses: one member each.
  for (int i = 0; i < 20000; ++i) {
    Admission::Verdict v = admission.Admit(
        absl::StrCat("10.", i / 250 % 250, ".", i % 250, ".1:7946"), At(0));
    admitted += v == Admission::Verdict::kAdmit;
    global += v == Admission::Verdict::kGlobalRate;
  }
  EXPECT_EQ(admitted, 1000);  // 10 s of 100 a second
  EXPECT_GT(global, 0);
  EXPECT_LE(admission.sources(), Admission::kMaxSources);
  // The budget comes back at its rate.
  admitted = 0;
  for (int i = 0; i < 1000; ++i) {
    admitted += admission.Admit(absl::StrCat("10.200.0.", i % 250, ":1"),
                                At(1)) == Admission::Verdict::kAdmit;
  }
  EXPECT_EQ(admitted, 100);
}

TEST(AdmissionTest, PastTheSourceLimitNewSourcesShareOneBucket) {
  Admission admission(/*rate=*/1e6, /*rate_per_source=*/1, At(0));
  for (size_t i = 0; i < Admission::kMaxSources; ++i) {
    ASSERT_EQ(admission.Admit(absl::StrCat("s", i), At(0)),
              Admission::Verdict::kAdmit);
  }
  // Every tracked source is busy: the next ones share the overflow bucket
  // (10 tokens), and the table does not grow.
  int admitted = 0;
  for (int i = 0; i < 100; ++i) {
    admitted += admission.Admit(absl::StrCat("new", i), At(0)) ==
                Admission::Verdict::kAdmit;
  }
  EXPECT_EQ(admitted, 10);
  EXPECT_EQ(admission.sources(), Admission::kMaxSources);
  // Once they refilled, the quiet sources are forgotten and new ones tracked.
  EXPECT_EQ(admission.Admit("later", At(20)), Admission::Verdict::kAdmit);
  EXPECT_EQ(admission.sources(), 1u);
}

}  // namespace
}  // namespace phid
