#include "tools/bench/abuse_report.h"

#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

PhaseResult Healthy(const std::string& name) {
  PhaseResult r;
  r.name = name;
  r.p50 = 2;
  r.p99 = 40;
  r.max = 60;
  r.scrapes = r.scrapes_ok = 10;
  r.rss_max_mb = 100;
  r.rss_end_mb = 90;
  r.cpu_s = 1.5;
  return r;
}

TEST(AbuseReportTest, AHealthyPhasePassesAndSaysSo) {
  const AbuseChecks checks;
  const PhaseResult r = Healthy("garbage");
  EXPECT_TRUE(PhasePasses(r, checks));
  EXPECT_EQ(PhaseLine(r, checks),
            "[abuse] phase=garbage listpeers_p50_ms=2.00 p99_ms=40.00 "
            "max_ms=60.00 scrapes_ok=10/10 rss_max_mb=100 rss_end_mb=90 "
            "cpu_s=1.5  PASS");
}

TEST(AbuseReportTest, EachLimitFailsAPhaseOnItsOwn) {
  const AbuseChecks checks;  // 100 ms, 256 MB
  PhaseResult slow = Healthy("watchers");
  slow.p99 = 100.5;
  PhaseResult unanswered = Healthy("watchers");
  unanswered.scrapes_ok = 9;
  PhaseResult fat = Healthy("watchers");
  fat.rss_max_mb = 257;
  PhaseResult flagged = Healthy("watchers");
  flagged.extra = "watchers=200 FAIL(eviction)";
  for (const PhaseResult& r : {slow, unanswered, fat, flagged}) {
    EXPECT_FALSE(PhasePasses(r, checks)) << PhaseLine(r, checks);
    EXPECT_TRUE(absl::EndsWith(PhaseLine(r, checks), " FAIL"));
  }
  PhaseResult at_limits = Healthy("watchers");
  at_limits.p99 = 100;
  at_limits.rss_max_mb = 256;
  EXPECT_TRUE(PhasePasses(at_limits, checks));
}

TEST(AbuseReportTest, RapidResetIsOnlyMeasuredUnlessChecked) {
  PhaseResult r = Healthy("rapid_reset");
  r.p99 = 10000;
  AbuseChecks checks;
  EXPECT_FALSE(PhaseChecked(r, checks));
  EXPECT_TRUE(PhasePasses(r, checks));
  EXPECT_TRUE(absl::EndsWith(PhaseLine(r, checks),
                             " MEASURED(known unsafe, not checked)"));
  checks.check_rapid_reset = true;
  EXPECT_FALSE(PhasePasses(r, checks));
  EXPECT_TRUE(absl::EndsWith(PhaseLine(r, checks), " FAIL"));
}

TEST(AbuseReportTest, TheWatchFailsOnAFalseTransitionOrADeathBeforeTheReset) {
  const AbuseChecks checks;
  WatchOutcome outcome;
  EXPECT_TRUE(WatchPasses(outcome, checks));
  WatchOutcome false_transition = outcome;
  false_transition.false_transitions_before_rapid_reset = 1;
  false_transition.false_transitions = 1;
  WatchOutcome watch_died = outcome;
  watch_died.watch_alive_before_rapid_reset = false;
  WatchOutcome target_died = outcome;
  target_died.target_alive = false;
  for (const WatchOutcome& o : {false_transition, watch_died, target_died}) {
    EXPECT_FALSE(WatchPasses(o, checks)) << WatchLine(o);
  }
  EXPECT_EQ(WatchLine(false_transition),
            "[abuse] false_transitions=1 (before rapid reset 1) "
            "target_alive=1 watch_alive_before_rapid_reset=1 after=1");
}

TEST(AbuseReportTest, WhatTheRapidResetBreaksCountsOnlyWhenChecked) {
  WatchOutcome outcome;
  outcome.false_transitions = 3;  // all during the rapid reset
  outcome.watch_alive = false;
  AbuseChecks checks;
  EXPECT_TRUE(WatchPasses(outcome, checks));
  checks.check_rapid_reset = true;
  EXPECT_FALSE(WatchPasses(outcome, checks));
}

TEST(AbuseReportTest, TheReportEndsWithOneVerdictForEverything) {
  const AbuseChecks checks;
  PhaseResult slow = Healthy("slowloris");
  slow.p99 = 500;
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  EXPECT_TRUE(PrintAbuseReport({Healthy("baseline")}, {}, checks, out));
  EXPECT_FALSE(PrintAbuseReport({Healthy("baseline"), slow}, {}, checks, out));
  std::rewind(out);
  std::string text;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, out)) > 0) {
    text.append(buffer, n);
  }
  std::fclose(out);
  // The first report passed, the second failed on its slow phase only.
  EXPECT_TRUE(absl::StrContains(text, "after=1\n[abuse] PASS\n[abuse] phase="))
      << text;
  EXPECT_TRUE(absl::EndsWith(text,
                             " FAIL\n[abuse] false_transitions=0 "
                             "(before rapid reset 0) target_alive=1 "
                             "watch_alive_before_rapid_reset=1 "
                             "after=1\n[abuse] FAIL\n"))
      << text;
}

}  // namespace
}  // namespace phid
