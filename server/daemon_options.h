// DaemonOptions: everything a phid daemon is configured with, validated up
// front. phid_flags.cc fills it from flags; tests fill it directly.
//
// Validate() checks values and CheckFiles() the files they name; both are
// what a real start checks before it binds a socket, so `phid
// --only_check_args` runs them too. Their errors name the command-line flag
// ("--grpc_address: ..."), which is what an operator fixes, and are
// INVALID_ARGUMENT (phid exits 2).
//
// Thread safety: a plain value.
#ifndef PHID_SERVER_DAEMON_OPTIONS_H_
#define PHID_SERVER_DAEMON_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gossip/fault_injecting_transport.h"
#include "gossip/gossip_options.h"
#include "gossip/udp_transport.h"

namespace phid {

struct DaemonOptions {
  // The gossip protocol: name (--name), cluster, seeds, tags, intervals,
  // detector. Default GossipOptions::ForLan() (the name must still be set).
  GossipOptions gossip = GossipOptions::ForLan();
  // The UDP socket: bind (--bind) and advertise (--advertise) addresses.
  // The bind address is required; advertise is required for a wildcard bind.
  UdpOptions udp;
  // Fault injection on outgoing gossip (--drop_probability, --added_delay),
  // off by default; the daemon then wraps its UdpTransport in a
  // FaultInjectingTransport.
  TransportFaults faults;
  // Keyring file (see gossip/keyring.h), re-read on SIGHUP
  // (Daemon::RequestKeyringReload); empty = no encryption. Default "".
  std::string keyring;
  // gRPC API listen address: host:port (port 0 = any free port; host a name,
  // an IPv4 address or [IPv6]) or unix:/absolute/path. Default
  // "127.0.0.1:7070".
  std::string grpc_address = "127.0.0.1:7070";
  // Prometheus /metrics listen address, host:port; empty = off. Default
  // "127.0.0.1:9470".
  std::string metrics_address = "127.0.0.1:9470";
  // PEM files for TLS on the gRPC API; both or neither. Default off.
  std::string tls_cert;
  std::string tls_key;
  // Threshold for ListPeers/GetPeer/Watch requests that give 0, and for
  // metrics. Default 8; (0, kMaxPhiThreshold] (proto/api_limits.h).
  double default_threshold = 8;
  // Concurrent Watch streams. Default 10000; [1, 1000000].
  int max_watchers = 10000;
  // Concurrent Watch streams of one client (its IP address; every unix
  // socket client counts as one), so no client can take every slot.
  // Default 1000; [1, 1000000].
  int max_watchers_per_client = 1000;
  // HTTP/2 streams one gRPC connection may have open at once
  // (SETTINGS_MAX_CONCURRENT_STREAMS). Default 100; [1, 100000].
  int grpc_max_streams_per_connection = 100;
  // Memory gRPC may use for its buffers (its ResourceQuota): past it, gRPC
  // shrinks its read buffers and flow-control windows. Default 128 MiB;
  // [16 MiB, 64 GiB].
  int64_t grpc_memory_limit_bytes = int64_t{128} << 20;
  // The server pings a connection idle this long, and closes it if the
  // ping goes unanswered for grpc_keepalive_timeout: dead clients do not
  // hold watcher slots. Default 30 s / 10 s; [1 s, 1 h] each.
  absl::Duration grpc_keepalive_time = absl::Seconds(30);
  absl::Duration grpc_keepalive_timeout = absl::Seconds(10);
  // The metrics HTTP server: connections served at once (one thread
  // each), at most metrics_max_connections_per_client of them from one
  // IP address; a connection is closed metrics_request_timeout after it
  // was accepted, and a request with a body larger than
  // metrics_max_request_bytes is refused (413). Defaults 32, 4, 5 s,
  // 16 KiB; [1, 1024], [1, metrics_max_connections], [100 ms, 1 min],
  // [0, 16 MiB].
  int metrics_max_connections = 32;
  int metrics_max_connections_per_client = 4;
  absl::Duration metrics_request_timeout = absl::Seconds(5);
  size_t metrics_max_request_bytes = 16 << 10;
  // SO_RCVBUF of the gossip socket: datagrams that arrive while it is full
  // are dropped by the kernel (phid_gossip_kernel_drops_total). 0 = the
  // system default (net.core.rmem_default, often 208 KiB); the kernel
  // doubles the value and caps it at net.core.rmem_max. Default 4 MiB;
  // [0, 1 GiB].
  int udp_receive_buffer_bytes = 4 << 20;
  // A watcher whose write is outstanding this long is evicted. Default
  // 10 s; [10 ms, 1 h].
  absl::Duration write_timeout = absl::Seconds(10);
  // Messages that may wait for one watcher before it is evicted. Default
  // 10000; [16, 10000000].
  size_t max_queued_messages = 10000;
  // Graceful shutdown (leave, end watches, stop the server) takes at most
  // about this long. Default 3 s; [100 ms, 1 min].
  absl::Duration shutdown_timeout = absl::Seconds(3);

  // OK, or INVALID_ARGUMENT naming the flag and its valid range. Reads no
  // file and binds nothing.
  absl::Status Validate() const;

  // Loads the keyring and the TLS certificate and key as a start would, and
  // checks that the key belongs to the certificate. INVALID_ARGUMENT naming
  // --keyring, --tls_cert or --tls_key. Call after Validate().
  absl::Status CheckFiles() const;
};

// OK if `address` is host:port (port in [0, 65535]; host a DNS name, an IPv4
// address or [IPv6]), or, if `allow_unix`, unix:/absolute/path. Otherwise
// INVALID_ARGUMENT "--<flag>: ...".
absl::Status ValidateListenAddress(absl::string_view flag,
                                   absl::string_view address, bool allow_unix);

}  // namespace phid

#endif  // PHID_SERVER_DAEMON_OPTIONS_H_
