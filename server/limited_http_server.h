// LimitedHttpServer: cpp-httplib's Server with the limits a port open to
// untrusted clients needs, so slow or large requests cost bounded memory
// and threads, and scrapes from other clients keep working:
//
//   - at most max_connections connections are served at once, at most
//     max_connections_per_client of them from one IP address; a connection
//     over either cap is closed as soon as a thread picks it up;
//   - each request (its headers, its body and the response) must finish
//     within request_timeout of its first byte, however slowly it trickles
//     in (slowloris); an idle keep-alive connection is closed after
//     request_timeout too;
//   - a request reads at most kMaxHeaderBytes of headers plus
//     max_body_bytes of body: a larger Content-Length is answered 413
//     without buffering it, and a chunked or unsized body that grows past
//     the budget ends the connection.
//
// cpp-httplib 0.11 (Debian 12) limits only the time between two reads and
// the size of a Content-Length body; this class serves each connection with
// its own Stream that enforces the rest, and calls httplib's request
// processing for everything else (routes, parsing, responses).
//
// Thread safety: configure (routes, limits) before listening, as with
// httplib::Server; the counters may be read from any thread.
#ifndef PHID_SERVER_LIMITED_HTTP_SERVER_H_
#define PHID_SERVER_LIMITED_HTTP_SERVER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "httplib.h"

namespace phid {

class LimitedHttpServer final : public httplib::Server {
 public:
  struct Limits {
    // Connections served at once (one thread each). Default 32.
    int max_connections = 32;
    // Of those, from one IP address. Default 4.
    int max_connections_per_client = 4;
    // A request's whole life, and the longest idle keep-alive wait.
    // Default 5 s.
    absl::Duration request_timeout = absl::Seconds(5);
    // Largest request body. Default 16 KiB.
    size_t max_body_bytes = 16 << 10;
  };
  // Request line plus headers a request may send.
  static constexpr size_t kMaxHeaderBytes = 32 << 10;

  explicit LimitedHttpServer(const Limits& limits);

  // Connections closed at once for being over a cap.
  uint64_t refused_connections() const { return refused_.load(); }
  // Requests cut off at request_timeout or at the byte budget.
  uint64_t cut_requests() const { return cut_.load(); }

 private:
  class BudgetStream;
  bool process_and_close_socket(int sock) override;
  bool Admit(const std::string& client);
  void Release(const std::string& client);

  const Limits limits_;
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> cut_{0};
  absl::Mutex mu_;
  int active_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, int> per_client_ ABSL_GUARDED_BY(mu_);
};

}  // namespace phid

#endif  // PHID_SERVER_LIMITED_HTTP_SERVER_H_
