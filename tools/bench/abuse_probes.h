// What abuse_soak measures of its target from outside, and the loopback
// connections its clients and attackers make: a TCP connection from a chosen
// source address (each side of the soak has its own 127.0.0.N, so the
// daemon's per-client limits see them apart), one GET /metrics, a sample
// read from the scraped text, and the target's CPU time and RSS from /proc.
//
// Blocking calls for the soak's own threads; thread-safe (no shared state).
// Wall-clock timeouts: this is a benchmark, never a unit test.
#ifndef PHID_TOOLS_BENCH_ABUSE_PROBES_H_
#define PHID_TOOLS_BENCH_ABUSE_PROBES_H_

#include <sys/types.h>

#include <string>
#include <utility>

#include "absl/time/time.h"

namespace phid {

// "ip:port" -> {ip, port}; port 0 if unparsable.
std::pair<std::string, int> SplitAddress(const std::string& address);

// A connected TCP socket to ip:port bound to `source_ip` ("" = any), with
// TCP_NODELAY; -1 on failure. The caller closes it.
int ConnectFrom(const std::string& source_ip, const std::string& ip, int port);

// GET /metrics from http `address` over a fresh connection from
// `source_ip`: the whole response if it is a 200, "" on any failure or
// after `timeout`.
std::string HttpGetMetrics(const std::string& source_ip,
                           const std::string& address, absl::Duration timeout);

// The value of the Prometheus sample named exactly `sample` (name and
// labels, e.g. `phid_members{state="alive"}`) in scraped `text`; -1 if
// absent.
double Metric(const std::string& text, const std::string& sample);

// utime + stime of process `pid`, in seconds; -1 if unreadable.
double CpuSeconds(pid_t pid);

// VmRSS of process `pid`, in MiB (rounded down); -1 if unreadable.
int RssMb(pid_t pid);

}  // namespace phid

#endif  // PHID_TOOLS_BENCH_ABUSE_PROBES_H_
