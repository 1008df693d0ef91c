#include "tools/bench/abuse_report.h"

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"

namespace phid {

bool PhaseChecked(const PhaseResult& result, const AbuseChecks& checks) {
  return result.name != "rapid_reset" || checks.check_rapid_reset;
}

bool PhasePasses(const PhaseResult& result, const AbuseChecks& checks) {
  if (!PhaseChecked(result, checks)) return true;
  return result.p99 <= checks.max_p99_ms &&
         result.scrapes_ok == result.scrapes &&
         result.rss_max_mb <= checks.max_rss_mb &&
         !absl::StrContains(result.extra, "FAIL");
}

std::string PhaseLine(const PhaseResult& r, const AbuseChecks& checks) {
  return absl::StrFormat(
      "[abuse] phase=%s listpeers_p50_ms=%.2f p99_ms=%.2f max_ms=%.2f "
      "scrapes_ok=%d/%d rss_max_mb=%d rss_end_mb=%d cpu_s=%.1f %s %s",
      r.name, r.p50, r.p99, r.max, r.scrapes_ok, r.scrapes, r.rss_max_mb,
      r.rss_end_mb, r.cpu_s, r.extra,
      !PhaseChecked(r, checks) ? "MEASURED(known unsafe, not checked)"
                               : (PhasePasses(r, checks) ? "PASS" : "FAIL"));
}

bool WatchPasses(const WatchOutcome& outcome, const AbuseChecks& checks) {
  bool ok = outcome.false_transitions_before_rapid_reset == 0 &&
            outcome.watch_alive_before_rapid_reset && outcome.target_alive;
  if (checks.check_rapid_reset) {
    ok &= outcome.false_transitions == 0 && outcome.watch_alive;
  }
  return ok;
}

std::string WatchLine(const WatchOutcome& outcome) {
  return absl::StrFormat(
      "[abuse] false_transitions=%d (before rapid reset %d) target_alive=%d "
      "watch_alive_before_rapid_reset=%d after=%d",
      outcome.false_transitions, outcome.false_transitions_before_rapid_reset,
      outcome.target_alive, outcome.watch_alive_before_rapid_reset,
      outcome.watch_alive);
}

bool PrintAbuseReport(const std::vector<PhaseResult>& results,
                      const WatchOutcome& outcome, const AbuseChecks& checks,
                      std::FILE* out) {
  bool ok = true;
  for (const PhaseResult& r : results) {
    ok &= PhasePasses(r, checks);
    std::fprintf(out, "%s\n", PhaseLine(r, checks).c_str());
  }
  std::fprintf(out, "%s\n", WatchLine(outcome).c_str());
  ok &= WatchPasses(outcome, checks);
  std::fprintf(out, "[abuse] %s\n", ok ? "PASS" : "FAIL");
  std::fflush(out);
  return ok;
}

}  // namespace phid
