#include "server/limited_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "detector/base/clock.h"

namespace phid {
namespace {

std::string AddressText(const sockaddr_storage& addr, int* port) {
  char text[INET6_ADDRSTRLEN] = "";
  *port = 0;
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    *port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    *port = ntohs(in6->sin6_port);
  }
  return text;
}

// Milliseconds to `deadline`, capped at `cap`; 0 or less means none left.
int MillisLeft(MonoTime now, MonoTime deadline, absl::Duration cap) {
  return static_cast<int>(
      absl::ToInt64Milliseconds(std::min(deadline - now, cap)));
}

}  // namespace

// One connection's stream: every read and write waits at most until the
// current request's deadline, and a request reads at most its budget.
class LimitedHttpServer::BudgetStream final : public httplib::Stream {
 public:
  BudgetStream(int fd, const Limits& limits) : fd_(fd), limits_(limits) {}

  // A new request starts: fresh deadline and byte budget.
  void StartRequest() {
    deadline_ = RealClock::Get().Now() + limits_.request_timeout;
    budget_ = kMaxHeaderBytes + limits_.max_body_bytes;
  }
  // Waits (up to the request timeout) for the next request's first byte.
  bool WaitForRequest() {
    StartRequest();
    if (buffered_ > 0) return true;
    return Wait(POLLIN);
  }
  bool cut() const { return cut_; }

  bool is_readable() const override { return buffered_ > 0 || Wait(POLLIN); }
  bool is_writable() const override { return Wait(POLLOUT); }

  ssize_t read(char* ptr, size_t size) override {
    if (budget_ == 0) {
      cut_ = true;
      return -1;
    }
    if (buffered_ == 0) {
      if (!Wait(POLLIN)) return -1;
      ssize_t n = recv(fd_, buffer_, sizeof buffer_, 0);
      if (n <= 0) return n;
      offset_ = 0;
      buffered_ = static_cast<size_t>(n);
    }
    size_t n = std::min({size, buffered_, budget_});
    std::memcpy(ptr, buffer_ + offset_, n);
    offset_ += n;
    buffered_ -= n;
    budget_ -= n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!Wait(POLLOUT)) return -1;
    return send(fd_, ptr, size, MSG_NOSIGNAL);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    ip = AddressText(addr, &port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    ip = AddressText(addr, &port);
  }
  int socket() const override { return fd_; }

 private:
  // Waits for `events` until the deadline; false (and cut) past it.
  bool Wait(short events) const {
    while (true) {
      int ms = MillisLeft(RealClock::Get().Now(), deadline_,
                          limits_.request_timeout);
      if (ms <= 0) {
        cut_ = true;
        return false;
      }
      pollfd p{fd_, events, 0};
      int r = poll(&p, 1, ms);
      if (r > 0) return (p.revents & (events | POLLHUP | POLLERR)) != 0;
      if (r == 0) continue;  // re-check the deadline
      if (errno != EINTR) return false;
    }
  }

  const int fd_;
  const Limits limits_;
  MonoTime deadline_;
  size_t budget_ = 0;
  char buffer_[4096];
  size_t offset_ = 0;
  size_t buffered_ = 0;
  mutable bool cut_ = false;
};

LimitedHttpServer::LimitedHttpServer(const Limits& limits) : limits_(limits) {
  // Spare threads close connections over the cap at once instead of
  // queueing them behind the served ones.
  const size_t threads = static_cast<size_t>(limits.max_connections) + 4;
  new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  set_payload_max_length(limits.max_body_bytes);
}

bool LimitedHttpServer::Admit(const std::string& client) {
  absl::MutexLock lock(&mu_);
  int& mine = per_client_[client];
  if (active_ >= limits_.max_connections ||
      mine >= limits_.max_connections_per_client) {
    if (mine == 0) per_client_.erase(client);
    return false;
  }
  ++mine;
  ++active_;
  return true;
}

void LimitedHttpServer::Release(const std::string& client) {
  absl::MutexLock lock(&mu_);
  --active_;
  auto it = per_client_.find(client);
  if (it != per_client_.end() && --it->second <= 0) per_client_.erase(it);
}

bool LimitedHttpServer::process_and_close_socket(int sock) {
  BudgetStream stream(sock, limits_);
  std::string client;
  int port = 0;
  stream.get_remote_ip_and_port(client, port);
  bool ok = false;
  if (Admit(client)) {
    // httplib's keep-alive loop, with a deadline per request.
    for (size_t count = std::max<size_t>(keep_alive_max_count_, 1);
         count > 0 && svr_sock_ != INVALID_SOCKET; --count) {
      if (!stream.WaitForRequest()) break;  // idle: not a cut request
      bool connection_closed = false;
      ok = process_request(stream, /*close_connection=*/count == 1,
                           connection_closed, nullptr);
      if (stream.cut()) {
        ++cut_;
        break;
      }
      if (!ok || connection_closed) break;
    }
    Release(client);
  } else {
    ++refused_;
  }
  shutdown(sock, SHUT_RDWR);
  close(sock);
  return ok;
}

}  // namespace phid
