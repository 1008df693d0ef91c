// abuse_soak's verdicts: which phases pass the checks, and the "[abuse]"
// lines it prints (one per phase, one for the good client's Watch, then
// PASS or FAIL). Pure functions of the numbers, so the verdicts are tested
// (abuse_report_test.cc).
#ifndef PHID_TOOLS_BENCH_ABUSE_REPORT_H_
#define PHID_TOOLS_BENCH_ABUSE_REPORT_H_

#include <cstdio>
#include <string>
#include <vector>

#include "tools/bench/abuse_client.h"

namespace phid {

// The soak's limits (its --max_p99, --max_rss_mb, --check_rapid_reset).
struct AbuseChecks {
  double max_p99_ms = 100;
  int max_rss_mb = 256;
  // Off: the rapid_reset phase is only measured (gRPC 1.51 cannot withstand
  // it), and a Watch it takes down does not fail the run.
  bool check_rapid_reset = false;
};

// The good client's Watch across the run.
struct WatchOutcome {
  int false_transitions = 0;  // at the end
  int false_transitions_before_rapid_reset = 0;
  bool watch_alive_before_rapid_reset = true;
  bool watch_alive = true;  // at the end
  bool target_alive = true;
};

// Whether `result` counts: every phase but rapid_reset, which only with
// check_rapid_reset.
bool PhaseChecked(const PhaseResult& result, const AbuseChecks& checks);

// A checked phase passes with ListPeers p99 <= max_p99_ms, every scrape
// answered, peak RSS <= max_rss_mb and no "FAIL" in its extra numbers. An
// unchecked one always passes.
bool PhasePasses(const PhaseResult& result, const AbuseChecks& checks);

// "[abuse] phase=NAME listpeers_p50_ms=... EXTRA PASS|FAIL|MEASURED(...)".
std::string PhaseLine(const PhaseResult& result, const AbuseChecks& checks);

// The Watch passes with no false transition and the Watch and the target
// alive before the rapid reset, and (with check_rapid_reset) at the end too.
bool WatchPasses(const WatchOutcome& outcome, const AbuseChecks& checks);

// "[abuse] false_transitions=N (before rapid reset N) target_alive=..."
std::string WatchLine(const WatchOutcome& outcome);

// Prints every phase's line, the Watch's line and "[abuse] PASS" or
// "[abuse] FAIL" to `out`. True if everything passed.
bool PrintAbuseReport(const std::vector<PhaseResult>& results,
                      const WatchOutcome& outcome, const AbuseChecks& checks,
                      std::FILE* out);

}  // namespace phid

#endif  // PHID_TOOLS_BENCH_ABUSE_REPORT_H_
