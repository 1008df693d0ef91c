#include "tools/bench/abuse_probes.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "detector/base/process_stats.h"

namespace phid {

std::pair<std::string, int> SplitAddress(const std::string& address) {
  size_t colon = address.rfind(':');
  int port = 0;
  (void)absl::SimpleAtoi(address.substr(colon + 1), &port);
  return {address.substr(0, colon), port};
}

int ConnectFrom(const std::string& source_ip, const std::string& ip, int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, source_ip.c_str(), &from.sin_addr);
  if (!source_ip.empty() &&
      bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
    close(fd);
    return -1;
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip.c_str(), &to.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    close(fd);
    return -1;
  }
  // gRPC sets this on the sockets it makes, not on one it is given:
  // without it every small response waits ~40 ms (Nagle, delayed ACK).
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

std::string HttpGetMetrics(const std::string& source_ip,
                           const std::string& address, absl::Duration timeout) {
  auto [ip, port] = SplitAddress(address);
  int fd = ConnectFrom(source_ip, ip, port);
  if (fd < 0) return "";
  std::string req =
      "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string out;
  absl::Time deadline = absl::Now() + timeout;
  char buffer[16384];
  while (true) {
    int ms =
        static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    pollfd p{fd, POLLIN, 0};
    if (ms <= 0 || poll(&p, 1, ms) <= 0) {
      out.clear();
      break;
    }
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return absl::StartsWith(out, "HTTP/1.1 200") ? out : "";
}

double Metric(const std::string& text, const std::string& sample) {
  size_t at = text.find("\n" + sample + " ");
  if (at == std::string::npos) return -1;
  size_t start = at + sample.size() + 2;
  double v = -1;
  (void)absl::SimpleAtod(text.substr(start, text.find('\n', start) - start),
                         &v);
  return v;
}

double CpuSeconds(pid_t pid) {
  absl::StatusOr<ProcessStats> stats = ReadProcessStats(pid);
  return stats.ok() ? stats->cpu_seconds : -1;
}

int RssMb(pid_t pid) {
  absl::StatusOr<ProcessStats> stats = ReadProcessStats(pid);
  if (!stats.ok() || stats->rss_kb < 0) return -1;
  return static_cast<int>(stats->rss_kb / 1024);
}

}  // namespace phid
