// LimitedHttpServer against raw sockets: an oversized body is refused, a
// trickling request is cut at its timeout, and one client over its
// connection cap does not keep another from being served. Clients connect
// from loopback source addresses 127.0.3.x (nothing listens there).
#include "server/limited_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace phid {
namespace {

int ConnectFrom(const std::string& source_ip, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  inet_pton(AF_INET, source_ip.c_str(), &from.sin_addr);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from), 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  return fd;
}

void SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may close early: that is allowed
    sent += static_cast<size_t>(n);
  }
}

// Everything the server sends until it closes; gives up (returning what
// came) if it has not closed within 20 s, far beyond any limit here.
std::string ReadUntilClosed(int fd) {
  std::string out;
  char buffer[4096];
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 20000) <= 0) return out + "<still open>";
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return out;
    out.append(buffer, static_cast<size_t>(n));
  }
}

class LimitedHttpServerTest : public ::testing::Test {
 protected:
  void Start(const LimitedHttpServer::Limits& limits) {
    server_ = std::make_unique<LimitedHttpServer>(limits);
    server_->Get("/metrics", [](const httplib::Request&, httplib::Response& r) {
      r.set_content("ok\n", "text/plain");
    });
    server_->Post("/metrics",
                  [](const httplib::Request& q, httplib::Response& r) {
                    r.set_content(absl::StrCat(q.body.size()), "text/plain");
                  });
    port_ = server_->bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] {
      server_->listen_after_bind();
      returned_ = true;
    });
  }
  void TearDown() override {
    if (server_ == nullptr) return;
    while (!server_->is_running() && !returned_) std::this_thread::yield();
    server_->stop();
    thread_.join();
  }
  std::string Get(const std::string& source_ip) {
    int fd = ConnectFrom(source_ip, port_);
    SendAll(fd,
            "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    std::string response = ReadUntilClosed(fd);
    close(fd);
    return response;
  }

  std::unique_ptr<LimitedHttpServer> server_;
  int port_ = 0;
  std::atomic<bool> returned_{false};
  std::thread thread_;
};

TEST_F(LimitedHttpServerTest, ServesAnOrdinaryRequest) {
  Start(LimitedHttpServer::Limits());
  std::string response = Get("127.0.3.1");
  EXPECT_TRUE(absl::StartsWith(response, "HTTP/1.1 200")) << response;
  EXPECT_TRUE(absl::EndsWith(response, "ok\n")) << response;
}

TEST_F(LimitedHttpServerTest, RefusesABodyLargerThanTheLimitWithoutReadingIt) {
  LimitedHttpServer::Limits limits;
  limits.max_body_bytes = 1024;
  Start(limits);
  int fd = ConnectFrom("127.0.3.1", port_);
  // Announces 200 MB, sends 256 KiB of it: the server answers 413 and
  // closes without waiting for the rest.
  SendAll(fd,
          "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 209715200\r\n"
          "\r\n");
  SendAll(fd, std::string(256 << 10, 'x'));
  std::string response = ReadUntilClosed(fd);
  close(fd);
  EXPECT_TRUE(absl::StartsWith(response, "HTTP/1.1 413")) << response;
  // A body within the limit is still accepted.
  fd = ConnectFrom("127.0.3.1", port_);
  SendAll(fd,
          "POST /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
          "Content-Length: 1000\r\n\r\n" +
              std::string(1000, 'y'));
  response = ReadUntilClosed(fd);
  close(fd);
  EXPECT_TRUE(absl::StartsWith(response, "HTTP/1.1 200")) << response;
  EXPECT_TRUE(absl::EndsWith(response, "1000")) << response;
}

TEST_F(LimitedHttpServerTest, EndsAChunkedBodyThatOutgrowsTheBudget) {
  LimitedHttpServer::Limits limits;
  limits.max_body_bytes = 1024;
  Start(limits);
  int fd = ConnectFrom("127.0.3.1", port_);
  SendAll(fd,
          "POST /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
          "\r\n");
  std::string chunk = "1000\r\n" + std::string(0x1000, 'z') + "\r\n";
  for (int i = 0; i < 64; ++i) SendAll(fd, chunk);  // 256 KiB
  std::string response = ReadUntilClosed(fd);
  close(fd);
  EXPECT_FALSE(absl::StrContains(response, "still open")) << response;
  EXPECT_FALSE(absl::StartsWith(response, "HTTP/1.1 200")) << response;
  EXPECT_EQ(server_->cut_requests(), 1u);
}

TEST_F(LimitedHttpServerTest, CutsATricklingRequestAtItsTimeout) {
  LimitedHttpServer::Limits limits;
  limits.request_timeout = absl::Milliseconds(300);
  Start(limits);
  int fd = ConnectFrom("127.0.3.1", port_);
  SendAll(fd, "GET /metrics HTTP/1.1\r\nHo");  // and nothing more
  std::string response = ReadUntilClosed(fd);
  close(fd);
  EXPECT_EQ(response, "");
  EXPECT_EQ(server_->cut_requests(), 1u);
}

TEST_F(LimitedHttpServerTest, OneClientOverItsCapDoesNotBlockAnother) {
  LimitedHttpServer::Limits limits;
  limits.max_connections_per_client = 1;
  limits.request_timeout = absl::Seconds(30);
  Start(limits);
  // Client .2 holds its one connection: a first request answered (so the
  // connection is surely admitted), then one that never ends ...
  int held = ConnectFrom("127.0.3.2", port_);
  SendAll(held, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string first;
  char buffer[4096];
  while (!absl::EndsWith(first, "ok\n")) {
    ssize_t n = recv(held, buffer, sizeof buffer, 0);
    ASSERT_GT(n, 0) << first;
    first.append(buffer, static_cast<size_t>(n));
  }
  SendAll(held, "GET /metrics HTTP/1.1\r\nHo");
  // ... so its second connection is closed at once, unanswered ...
  int extra = ConnectFrom("127.0.3.2", port_);
  EXPECT_EQ(ReadUntilClosed(extra), "");
  close(extra);
  EXPECT_EQ(server_->refused_connections(), 1u);
  // ... and client .3 is served meanwhile.
  std::string response = Get("127.0.3.3");
  EXPECT_TRUE(absl::StartsWith(response, "HTTP/1.1 200")) << response;
  close(held);
}

}  // namespace
}  // namespace phid
