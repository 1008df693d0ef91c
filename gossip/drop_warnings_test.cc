#include "gossip/drop_warnings.h"

#include "gossip/log_capture.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

TEST(DropWarningsTest, AMismatchIsLoggedWithTheSenderTheReasonAndAdvice) {
  LogCapture log;
  DropWarnings warnings("prod", 2, /*keyed=*/false);
  MonoTime t = absl::Seconds(100);
  EXPECT_TRUE(warnings.Note(DropReason::kWrongCluster, "10.0.0.7:7946", t));
  EXPECT_EQ(log.Count(google::GLOG_WARNING,
                      {"10.0.0.7:7946", "wrong_cluster", "--cluster", "'prod'",
                       "0 more dropped"}),
            1)
      << log.All();
}

TEST(DropWarningsTest, EachReasonLogsOncePerPeriodAndCountsWhatItSuppressed) {
  LogCapture log;
  DropWarnings warnings("prod", 2, /*keyed=*/true);
  MonoTime t = absl::Seconds(100);
  EXPECT_TRUE(warnings.Note(DropReason::kAuthFailed, "10.0.0.7:7946", t));
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(warnings.Note(DropReason::kAuthFailed, "10.0.0.8:7946",
                               t + absl::Seconds(i)));
  }
  // Another reason has its own budget.
  EXPECT_TRUE(warnings.Note(DropReason::kBadVersion, "10.0.0.9:7946", t));
  EXPECT_EQ(log.Count(google::GLOG_WARNING, {"auth_failed"}), 1);
  EXPECT_TRUE(warnings.Note(DropReason::kAuthFailed, "10.0.0.8:7946",
                            t + DropWarnings::kPeriod));
  EXPECT_EQ(log.Count(google::GLOG_WARNING, {"10.0.0.8:7946", "auth_failed",
                                             "keyring", "5 more dropped"}),
            1)
      << log.All();
  EXPECT_EQ(log.Count(google::GLOG_WARNING,
                      {"10.0.0.9:7946", "bad_version", "ours is 2"}),
            1)
      << log.All();
}

TEST(DropWarningsTest, NormalOrHostileDropsAreNeverLogged) {
  LogCapture log;
  DropWarnings warnings("prod", 2, /*keyed=*/false);
  for (DropReason reason :
       {DropReason::kStale, DropReason::kUnknownSender, DropReason::kMalformed,
        DropReason::kTooLarge, DropReason::kInvalidContent}) {
    EXPECT_FALSE(warnings.Note(reason, "10.0.0.7:7946", absl::Seconds(1)));
  }
  EXPECT_EQ(log.Count(google::GLOG_WARNING, {"dropped"}), 0) << log.All();
}

TEST(DropWarningsTest, EveryKeyringMismatchSaysWhatToCheck) {
  DropWarnings plain("phid", 2, /*keyed=*/false);
  EXPECT_NE(plain.Advice(DropReason::kEncryptedNoKey).find("no --keyring"),
            std::string::npos);
  EXPECT_NE(plain.Advice(DropReason::kUnencrypted).find("plaintext"),
            std::string::npos);
}

}  // namespace
}  // namespace phid
