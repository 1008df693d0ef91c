#include "detector/base/process_stats.h"

#include <unistd.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "detector/base/file_read.h"

namespace phid {
namespace {

// "VmRSS:     1234 kB" -> 1234; -1 if `name` is not there.
int64_t StatusKb(absl::string_view status, absl::string_view name) {
  for (absl::string_view line : absl::StrSplit(status, '\n')) {
    if (!absl::ConsumePrefix(&line, name) || !absl::ConsumePrefix(&line, ":")) {
      continue;
    }
    line = absl::StripAsciiWhitespace(line);
    absl::ConsumeSuffix(&line, "kB");
    int64_t kb = -1;
    return absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &kb) ? kb : -1;
  }
  return -1;
}

}  // namespace

absl::StatusOr<ProcessStats> ParseProcessStats(absl::string_view stat,
                                               absl::string_view status,
                                               long ticks_per_second) {
  // The command name (field 2) is in parentheses and may hold spaces and
  // parentheses itself: the fields after the last ')' start at field 3.
  const size_t paren = stat.rfind(')');
  if (paren == absl::string_view::npos || paren + 2 > stat.size()) {
    return absl::InternalError("/proc stat without a command name");
  }
  const std::vector<absl::string_view> fields =
      absl::StrSplit(stat.substr(paren + 2), ' ');
  double utime = 0, stime = 0;  // fields 14 and 15, in clock ticks
  if (fields.size() < 13 || !absl::SimpleAtod(fields[11], &utime) ||
      !absl::SimpleAtod(fields[12], &stime)) {
    return absl::InternalError("/proc stat without utime and stime");
  }
  ProcessStats stats;
  stats.cpu_seconds = (utime + stime) / static_cast<double>(ticks_per_second);
  stats.rss_kb = StatusKb(status, "VmRSS");
  stats.peak_rss_kb = StatusKb(status, "VmHWM");
  return stats;
}

absl::StatusOr<ProcessStats> ReadProcessStats(pid_t pid) {
  const std::string dir =
      pid == 0 ? std::string("/proc/self") : absl::StrCat("/proc/", pid);
  absl::StatusOr<std::string> stat = ReadFileToString(dir + "/stat");
  if (!stat.ok()) return stat.status();
  absl::StatusOr<std::string> status = ReadFileToString(dir + "/status");
  if (!status.ok()) return status.status();
  return ParseProcessStats(*stat, *status, sysconf(_SC_CLK_TCK));
}

}  // namespace phid
