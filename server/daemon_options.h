// DaemonOptions: everything a phid daemon is configured with, validated up
// front. phid_main.cc fills it from flags; tests fill it directly.
//
// Field names match the command-line flags, and Validate() names the field,
// so an error tells the operator which flag to fix.
#ifndef PHID_SERVER_DAEMON_OPTIONS_H_
#define PHID_SERVER_DAEMON_OPTIONS_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gossip/gossip_options.h"
#include "gossip/udp_transport.h"

namespace phid {

struct DaemonOptions {
  // The gossip protocol: name, cluster, seeds, tags, intervals, detector.
  // Default GossipOptions::ForLan() (the name must still be set).
  GossipOptions gossip = GossipOptions::ForLan();
  // The UDP socket: bind and advertise addresses, fault injection. The bind
  // address is required; advertise is required for a wildcard bind.
  UdpOptions udp;
  // Keyring file (see gossip/keyring.h); empty = no encryption. Default "".
  std::string keyring;
  // gRPC API listen address; port 0 = any free port. Default
  // "127.0.0.1:7070".
  std::string grpc_address = "127.0.0.1:7070";
  // Prometheus /metrics listen address; empty = off. Default
  // "127.0.0.1:9470".
  std::string metrics_address = "127.0.0.1:9470";
  // PEM files for TLS on the gRPC API; both or neither. Default off.
  std::string tls_cert;
  std::string tls_key;
  // Threshold for ListPeers/GetPeer/Watch requests that give 0, and for
  // metrics. Default 8; (0, 64].
  double default_threshold = 8;
  // Concurrent Watch streams. Default 10000; [1, 1000000].
  int max_watchers = 10000;
  // A watcher whose write is outstanding this long is evicted. Default
  // 10 s; [10 ms, 1 h].
  absl::Duration write_timeout = absl::Seconds(10);
  // Messages that may wait for one watcher before it is evicted. Default
  // 10000; [16, 10000000].
  size_t max_queued_messages = 10000;
  // Graceful shutdown (leave, end watches, stop the server) takes at most
  // about this long. Default 3 s; [100 ms, 1 min].
  absl::Duration shutdown_timeout = absl::Seconds(3);

  // OK, or INVALID_ARGUMENT naming the field (= flag) and its valid range.
  absl::Status Validate() const;
};

}  // namespace phid

#endif  // PHID_SERVER_DAEMON_OPTIONS_H_
