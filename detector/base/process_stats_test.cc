#include "detector/base/process_stats.h"

#include <unistd.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

// Fields 3 to 16 of a real /proc/PID/stat; utime 250 and stime 50 ticks.
constexpr char kStatTail[] =
    "S 1 1234 1234 0 -1 4194560 5000 0 0 0 250 50 0 0 20 0 9 0 100 "
    "123456789 3000 18446744073709551615";

TEST(ProcessStatsTest, ReadsCpuTimeAndMemoryFromProcText) {
  const absl::StatusOr<ProcessStats> stats = ParseProcessStats(
      absl::StrCat("1234 (phid) ", kStatTail),
      "Name:\tphid\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\nThreads:\t9\n",
      100);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_DOUBLE_EQ(stats->cpu_seconds, 3.0);
  EXPECT_EQ(stats->rss_kb, 10240);
  EXPECT_EQ(stats->peak_rss_kb, 20480);
}

TEST(ProcessStatsTest, ACommandNameWithSpacesAndParenthesesIsSkipped) {
  const absl::StatusOr<ProcessStats> stats =
      ParseProcessStats(absl::StrCat("7 (a b) (c)) ", kStatTail), "", 100);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_DOUBLE_EQ(stats->cpu_seconds, 3.0);
}

TEST(ProcessStatsTest, AZombieHasNoMemoryLines) {
  const absl::StatusOr<ProcessStats> stats = ParseProcessStats(
      absl::StrCat("7 (x) ", kStatTail), "Name:\tx\nState:\tZ (zombie)\n", 100);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->rss_kb, -1);
  EXPECT_EQ(stats->peak_rss_kb, -1);
}

TEST(ProcessStatsTest, RefusesTextThatIsNotAStatLine) {
  EXPECT_EQ(ParseProcessStats("", "", 100).status().code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(ParseProcessStats("7 (x) S 1 2", "", 100).status().code(),
            absl::StatusCode::kInternal);
}

TEST(ProcessStatsTest, ReadsThisProcess) {
  const absl::StatusOr<ProcessStats> self = ReadProcessStats();
  ASSERT_TRUE(self.ok()) << self.status();
  EXPECT_GT(self->rss_kb, 0);
  EXPECT_GE(self->peak_rss_kb, self->rss_kb);
  const absl::StatusOr<ProcessStats> by_pid = ReadProcessStats(getpid());
  ASSERT_TRUE(by_pid.ok()) << by_pid.status();
  EXPECT_GT(by_pid->rss_kb, 0);
}

TEST(ProcessStatsTest, AProcessThatIsGoneIsNotFound) {
  // Above /proc/sys/kernel/pid_max's largest possible value (2^22).
  EXPECT_TRUE(absl::IsNotFound(ReadProcessStats(1 << 23).status()));
}

}  // namespace
}  // namespace phid
