// The attacks of abuse_soak (issue 14), each aimed at one daemon from the
// attacker's own loopback address, each run on a thread of its own until
// `stop` is set (or its budget is spent):
//   RapidReset          HTTP/2 HEADERS + RST_STREAM(CANCEL) bursts on raw
//                       connections (CVE-2023-44487)
//   NonReadingWatchers  Watch streams whose messages are never read
//   Slowloris           /metrics requests sent one byte a second
//   SendGarbage         damaged gossip datagrams (tests/garbage_packets.h)
//   SendHostile         mixed hostile datagrams (hostile_datagrams.h)
// Datagram floods are paced by PacedDatagramSender. What the target does
// under them is measured by abuse_client.h; nothing here reads its answers.
//
// Thread safety: each call or object on one thread; `stop` may be set from
// any thread.
#ifndef PHID_TOOLS_BENCH_ABUSE_ATTACKS_H_
#define PHID_TOOLS_BENCH_ABUSE_ATTACKS_H_

#include <netinet/in.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "proto/phi.grpc.pb.h"
#include "tools/bench/hostile_datagrams.h"

namespace phid {

// Connects to gRPC `address` again and again, each time sending bursts of
// 100 streams opened (ListPeers) and reset at once, until `stop`. Adds the
// bytes sent to *bytes; returns the streams reset.
uint64_t RapidReset(const std::string& address, const std::atomic<bool>& stop,
                    std::atomic<uint64_t>* bytes);

// `count` Watch streams (a level every 100 ms) on gRPC `address` from
// `source_ip`, 50 to a connection with small HTTP/2 windows, never read:
// the daemon must evict them. Opening stops early if `stop` is set. The
// destructor cancels those still open.
class NonReadingWatchers final {
 public:
  NonReadingWatchers(const std::string& address, const std::string& source_ip,
                     int count, const std::atomic<bool>& stop);
  ~NonReadingWatchers();
  NonReadingWatchers(const NonReadingWatchers&) = delete;
  NonReadingWatchers& operator=(const NonReadingWatchers&) = delete;

 private:
  std::vector<std::unique_ptr<phi::v1::FailureDetector::Stub>> stubs_;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts_;
  std::vector<std::unique_ptr<grpc::ClientReader<phi::v1::WatchResponse>>>
      readers_;
};

// `connections` connections to http `address` from `source_ip`, each sending
// a GET /metrics one byte a second with a header that never ends; a
// connection the server cuts is made again at once. Until `stop`.
void Slowloris(const std::string& address, const std::string& source_ip,
               int connections, const std::atomic<bool>& stop);

// UDP datagrams to `address` ("ip:port"), at most `rate` a second (paced
// every 100 datagrams against the time of construction).
class PacedDatagramSender final {
 public:
  PacedDatagramSender(const std::string& address, int rate);
  ~PacedDatagramSender();
  PacedDatagramSender(const PacedDatagramSender&) = delete;
  PacedDatagramSender& operator=(const PacedDatagramSender&) = delete;

  void Send(const std::string& bytes);
  uint64_t sent() const { return sent_; }

 private:
  const int fd_;
  const int rate_;
  const absl::Time start_;
  sockaddr_in to_{};
  uint64_t sent_ = 0;
};

// Up to `limit` damaged gossip datagrams for daemon `target` (its gossip
// address) of the plaintext protocol-2 cluster "phid" with real `members`,
// at `rate` a second, skipping the few that would still be valid gossip
// (ghost members), as e2e_garbage_test does. Returns the number sent.
uint64_t SendGarbage(const std::string& gossip_address,
                     const std::string& target,
                     const std::vector<std::string>& members, uint64_t limit,
                     int rate, const std::atomic<bool>& stop);

// Up to `limit` hostile datagrams (HostileDatagrams, seed 12) for daemon
// `target` of real `members`, to `gossip_address` at `rate` a second. Counts
// each kind sent in *kinds; returns the number sent.
uint64_t SendHostile(const std::string& gossip_address,
                     const std::string& target,
                     const std::vector<HostileDatagrams::Member>& members,
                     uint64_t limit, int rate, const std::atomic<bool>& stop,
                     std::map<std::string, uint64_t>* kinds);

}  // namespace phid

#endif  // PHID_TOOLS_BENCH_ABUSE_ATTACKS_H_
