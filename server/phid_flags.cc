#include "server/phid_flags.h"

#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "detector/duration_parse.h"
#include "gossip/address.h"
#include "gossip/tags.h"

ABSL_FLAG(std::string, name, "",
          "This member's name, unique in the cluster: 1-128 bytes of "
          "[A-Za-z0-9._:-]. Default: the hostname.");
ABSL_FLAG(std::string, bind, "0.0.0.0:7946",
          "Gossip UDP bind address, ip:port (port 0 = any). Default "
          "0.0.0.0:7946.");
ABSL_FLAG(std::string, advertise, "",
          "Gossip address peers reach us at, ip:port. Default: the --bind "
          "address; for a wildcard bind, this host's first non-loopback IPv4 "
          "address with the bound port.");
ABSL_FLAG(std::string, seeds, "",
          "Comma-separated gossip addresses (ip:port) to join through. "
          "Default: none (a cluster of one until someone joins us).");
ABSL_FLAG(std::string, grpc_address, "127.0.0.1:7070",
          "gRPC API listen address (phi.v1.FailureDetector, reflection, "
          "health). Default 127.0.0.1:7070.");
ABSL_FLAG(std::string, metrics_address, "127.0.0.1:9470",
          "Prometheus /metrics HTTP listen address; empty = off. Default "
          "127.0.0.1:9470.");
ABSL_FLAG(std::string, cluster, "phid",
          "Cluster name; packets of other clusters are dropped. Default "
          "phid.");
ABSL_FLAG(std::string, keyring, "",
          "Keyring file (one 32-byte key per line, hex or base64; the first "
          "encrypts) for AES-256-GCM gossip. Default: none (plaintext).");
ABSL_FLAG(std::string, preset, "lan",
          "Protocol preset: lan (100ms rounds), wan (500ms rounds, more "
          "tolerance) or local (many daemons on one host). Default lan.");
ABSL_FLAG(std::string, gossip_interval, "",
          "Gossip round period, e.g. 100ms; [10ms, 10s]. Setting it "
          "re-derives the detector defaults from it. Default: the preset's "
          "(lan 100ms, wan 500ms, local 100ms).");
ABSL_FLAG(std::string, fanout, "",
          "Peers each round's digest goes to; [1, 16]. Default: the preset's "
          "(lan 3, wan 4, local 3).");
ABSL_FLAG(std::string, model, "",
          "phi model: normal, akka or exponential. Default: the preset's "
          "(normal).");
ABSL_FLAG(std::string, acceptable_pause, "",
          "Silence tolerated before phi rises, e.g. 200ms. Default: the "
          "preset's (lan 200ms, wan 2s, local 300ms).");
ABSL_FLAG(std::string, min_stddev, "",
          "Floor on the interval standard deviation, e.g. 50ms. Default: the "
          "preset's (half a gossip interval).");
ABSL_FLAG(double, default_threshold, 8,
          "phi threshold for requests that give 0, and for metrics; "
          "(0, 64]. Default 8.");
ABSL_FLAG(std::string, tags, "",
          "This member's tags, k=v,k2=v2 (keys [a-z0-9_.-/]). Default: none.");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain for TLS on the gRPC API (with --tls_key). "
          "Default: none (plaintext).");
ABSL_FLAG(std::string, tls_key, "",
          "PEM private key for --tls_cert. Default: none.");
ABSL_FLAG(int, max_watchers, 10000,
          "Concurrent Watch streams; more get RESOURCE_EXHAUSTED. Default "
          "10000.");
ABSL_FLAG(std::string, write_timeout, "10s",
          "A watcher whose stream write is outstanding this long is "
          "evicted. Default 10s.");
ABSL_FLAG(int, max_queued_messages, 10000,
          "Messages that may wait for one watcher before it is evicted. "
          "Default 10000.");
ABSL_FLAG(double, drop_probability, 0,
          "Fault injection: probability of dropping each outgoing gossip "
          "datagram, [0, 1]. Default 0.");
ABSL_FLAG(std::string, added_delay, "0s",
          "Fault injection: delay added to each outgoing gossip datagram. "
          "Default 0s.");
ABSL_FLAG(std::string, shutdown_timeout, "3s",
          "Upper bound on a graceful shutdown (leave, end watches, stop the "
          "server). Default 3s.");
ABSL_FLAG(int, v, 0, "Verbose logging level (glog VLOG). Default 0.");

namespace phid {
namespace {

absl::Status FlagError(absl::string_view flag, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", message));
}

absl::Status ParseDurationFlag(absl::string_view flag, const std::string& text,
                               absl::Duration* out) {
  absl::StatusOr<absl::Duration> d = ParseDurationArg(text);
  if (!d.ok()) return FlagError(flag, d.status().message());
  *out = *d;
  return absl::OkStatus();
}

// Rewrites field names in the layers' messages into flag names.
absl::Status NameTheFlag(const absl::Status& status) {
  if (status.ok()) return status;
  std::string message = absl::StrReplaceAll(
      status.message(), {{"UdpOptions.bind_address", "bind"},
                         {"UdpOptions.advertise_address", "advertise"},
                         {"UdpOptions.", ""},
                         {"detector.", ""}});
  return absl::InvalidArgumentError(absl::StrCat("--", message));
}

absl::StatusOr<GossipOptions> Preset(const std::string& name) {
  if (name == "lan") return GossipOptions::ForLan();
  if (name == "wan") return GossipOptions::ForWan();
  if (name == "local") return GossipOptions::ForLocalTesting();
  return FlagError("preset",
                   absl::StrCat("must be lan, wan or local, got '", name, "'"));
}

}  // namespace

absl::StatusOr<DaemonOptions> DaemonOptionsFromFlags(
    const std::string& hostname, const std::string& interface_address) {
  DaemonOptions o;
  absl::StatusOr<GossipOptions> preset = Preset(absl::GetFlag(FLAGS_preset));
  if (!preset.ok()) return preset.status();
  GossipOptions& g = o.gossip = *preset;

  g.name = absl::GetFlag(FLAGS_name);
  if (g.name.empty()) g.name = hostname;
  g.cluster = absl::GetFlag(FLAGS_cluster);
  for (absl::string_view seed :
       absl::StrSplit(absl::GetFlag(FLAGS_seeds), ',', absl::SkipEmpty())) {
    seed = absl::StripAsciiWhitespace(seed);
    if (!ParseAddress(seed).ok()) {
      return FlagError("seeds",
                       absl::StrCat("'", seed, "' is not an address ip:port"));
    }
    g.seeds.emplace_back(seed);
  }
  absl::StatusOr<Tags> tags = ParseTags(absl::GetFlag(FLAGS_tags));
  if (!tags.ok()) return FlagError("tags", tags.status().message());
  g.tags = *tags;

  if (std::string text = absl::GetFlag(FLAGS_gossip_interval); !text.empty()) {
    if (absl::Status s =
            ParseDurationFlag("gossip_interval", text, &g.gossip_interval);
        !s.ok()) {
      return s;
    }
    g.detector = DetectorOptionsForInterval(g.gossip_interval);
  }
  if (std::string text = absl::GetFlag(FLAGS_fanout); !text.empty()) {
    if (!absl::SimpleAtoi(text, &g.fanout)) {
      return FlagError("fanout", absl::StrCat("not an integer: '", text, "'"));
    }
  }
  if (std::string text = absl::GetFlag(FLAGS_model); !text.empty()) {
    absl::StatusOr<PhiModel> model = ParsePhiModel(text);
    if (!model.ok()) return FlagError("model", model.status().message());
    g.detector.model = *model;
  }
  if (std::string text = absl::GetFlag(FLAGS_acceptable_pause); !text.empty()) {
    if (absl::Status s = ParseDurationFlag("acceptable_pause", text,
                                           &g.detector.acceptable_pause);
        !s.ok()) {
      return s;
    }
  }
  if (std::string text = absl::GetFlag(FLAGS_min_stddev); !text.empty()) {
    if (absl::Status s =
            ParseDurationFlag("min_stddev", text, &g.detector.min_stddev);
        !s.ok()) {
      return s;
    }
  }

  o.udp.bind_address = absl::GetFlag(FLAGS_bind);
  absl::StatusOr<sockaddr_storage> bind = ParseAddress(o.udp.bind_address);
  if (!bind.ok()) return FlagError("bind", bind.status().message());
  o.udp.advertise_address = absl::GetFlag(FLAGS_advertise);
  if (o.udp.advertise_address.empty() && IsUnspecifiedAddress(*bind)) {
    // Port 0 in the advertise address means "the bound port".
    o.udp.advertise_address = absl::StrCat(
        interface_address.empty() ? "127.0.0.1" : interface_address, ":0");
  }
  o.udp.drop_probability = absl::GetFlag(FLAGS_drop_probability);
  if (absl::Status s = ParseDurationFlag(
          "added_delay", absl::GetFlag(FLAGS_added_delay), &o.udp.added_delay);
      !s.ok()) {
    return s;
  }

  o.keyring = absl::GetFlag(FLAGS_keyring);
  o.grpc_address = absl::GetFlag(FLAGS_grpc_address);
  o.metrics_address = absl::GetFlag(FLAGS_metrics_address);
  o.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  o.tls_key = absl::GetFlag(FLAGS_tls_key);
  o.default_threshold = absl::GetFlag(FLAGS_default_threshold);
  o.max_watchers = absl::GetFlag(FLAGS_max_watchers);
  int queued = absl::GetFlag(FLAGS_max_queued_messages);
  if (queued < 0) {
    return FlagError("max_queued_messages", "must not be negative");
  }
  o.max_queued_messages = static_cast<size_t>(queued);
  if (absl::Status s =
          ParseDurationFlag("write_timeout", absl::GetFlag(FLAGS_write_timeout),
                            &o.write_timeout);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ParseDurationFlag("shutdown_timeout",
                                         absl::GetFlag(FLAGS_shutdown_timeout),
                                         &o.shutdown_timeout);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = NameTheFlag(o.Validate()); !s.ok()) return s;
  return o;
}

int VerbosityFromFlags() { return absl::GetFlag(FLAGS_v); }

}  // namespace phid
