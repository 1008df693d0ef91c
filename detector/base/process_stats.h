// ProcessStats: a process's CPU time and memory as Linux's /proc reports
// them (/proc/PID/stat, /proc/PID/status), for the benchmarks that watch a
// daemon (server/watch_bench, tools/bench/abuse_soak) and the simulator's
// own peak. The one reader of those files. Thread-safe (no shared state).
#ifndef PHID_DETECTOR_BASE_PROCESS_STATS_H_
#define PHID_DETECTOR_BASE_PROCESS_STATS_H_

#include <sys/types.h>

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace phid {

struct ProcessStats {
  double cpu_seconds = 0;  // utime + stime
  // VmRSS and VmHWM; -1 where /proc does not say (a zombie has neither).
  int64_t rss_kb = -1;
  int64_t peak_rss_kb = -1;
};

// Of process `pid`, or of this process for 0. NOT_FOUND (or another errno
// code) if /proc cannot be read, INTERNAL if /proc/PID/stat is not as Linux
// writes it.
absl::StatusOr<ProcessStats> ReadProcessStats(pid_t pid = 0);

// The parsing, apart for tests: `stat` and `status` are the files' text;
// `ticks_per_second` is sysconf(_SC_CLK_TCK).
absl::StatusOr<ProcessStats> ParseProcessStats(absl::string_view stat,
                                               absl::string_view status,
                                               long ticks_per_second);

}  // namespace phid

#endif  // PHID_DETECTOR_BASE_PROCESS_STATS_H_
