#include "server/phid_flags.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/config.h"
#include "absl/flags/flag.h"
#include "absl/flags/internal/parse.h"
#include "absl/flags/internal/usage.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "detector/phi.h"
#include "gossip/address.h"
#include "gossip/tags.h"
#include "proto/api_limits.h"
#include "server/build_info.h"

namespace phid {

// --model's type: Abseil finds these by argument-dependent lookup.
bool AbslParseFlag(absl::string_view text, PhiModel* model,
                   std::string* error) {
  absl::StatusOr<PhiModel> parsed = ParsePhiModel(text);
  if (!parsed.ok()) {
    *error = std::string(parsed.status().message());
    return false;
  }
  *model = *parsed;
  return true;
}

std::string AbslUnparseFlag(PhiModel model) {
  return std::string(PhiModelName(model));
}

}  // namespace phid

ABSL_FLAG(std::string, name, "",
          "This member's name, unique in the cluster: 1-128 bytes of "
          "[A-Za-z0-9._:-]. Default: the hostname.");
ABSL_FLAG(std::string, bind, "0.0.0.0:7946",
          "Gossip UDP bind address, ip:port (port 0 = any).");
ABSL_FLAG(std::string, advertise, "",
          "Gossip address peers reach us at, ip:port. Default: the --bind "
          "address; for a wildcard bind, this host's first non-loopback IPv4 "
          "address with the bound port.");
ABSL_FLAG(std::vector<std::string>, seeds, {},
          "Comma-separated seeds to join through: ip:port, or "
          "dns-name:port (every address the name has, looked up again on "
          "each join attempt while this daemon is alone, e.g. a Kubernetes "
          "headless Service). --only_check_args checks their syntax, "
          "without lookups. Default: none (the first member of a new "
          "cluster, ready alone).");
ABSL_FLAG(std::string, grpc_address, "127.0.0.1:7070",
          "gRPC API listen address (phi.v1.FailureDetector, reflection, "
          "health): host:port (port 0 = any free port) or unix:/path.");
ABSL_FLAG(std::string, metrics_address, "127.0.0.1:9470",
          "Prometheus /metrics HTTP listen address, host:port; empty = off.");
ABSL_FLAG(std::string, cluster, "phid",
          "Cluster name, 1-64 bytes of [A-Za-z0-9._:-]; packets of other "
          "clusters are dropped.");
ABSL_FLAG(std::string, keyring, "",
          "Keyring file (one 32-byte key per line, hex or base64; the first "
          "encrypts, any decrypts) for AES-256-GCM gossip; `phid keygen` "
          "writes one, SIGHUP re-reads it. Default: none (plaintext).");
ABSL_FLAG(bool, keygen_overwrite, false,
          "phid keygen only: replace FILE if it exists (the keys in it are "
          "lost). Default: refuse.");
ABSL_FLAG(std::string, preset, "lan",
          "Protocol preset: lan (100ms rounds), wan (500ms rounds, more "
          "tolerance), local (many daemons on one host) or lean (protocol "
          "2 at 600ms rounds: ~260 bytes/s per node, below Serf lan's).");
ABSL_FLAG(std::optional<int>, protocol, std::nullopt,
          "Gossip wire protocol: 2 (each member heartbeats straight to "
          "--monitors ring neighbours; only changes are gossiped) or 1 "
          "(every heartbeat relayed to every member; traffic grows with the "
          "cluster). Every daemon of a cluster must use the same one: each "
          "drops the other's datagrams (counted as bad_version). Default: "
          "the preset's.");
ABSL_FLAG(int, max_members, 20000,
          "Most members this daemon holds, failed and left ones included, "
          "[2, 1000000]; past it an unknown member replaces the one failed "
          "or left the longest ago (phid_gossip_protocol_total"
          "{what=\"members_evicted\"}), or is refused and counted "
          "({what=\"members_refused\"}) if every member is alive, so forged "
          "members cannot grow memory without bound. About 1 KB each.");
ABSL_FLAG(std::optional<absl::Duration>, failed_after, std::nullopt,
          "A member that stops without leaving turns FAILED once silent "
          "this long (protocol 2: since its monitors agreed it passed "
          "--report_level), [1s, 24h]; until then it is SUSPECT to "
          "watchers at their threshold. A failed member stays listed "
          "(phictl peers, ListPeers, phid_members{state=\"failed\"}) and "
          "is ALIVE again if it is heard from. Default: the preset's (lan, "
          "local, lean 30s; wan 2m).");
ABSL_FLAG(absl::Duration, failed_member_retention, absl::Hours(24),
          "How long a FAILED member stays listed before it is removed, "
          "[1s, 720h] (like Serf's reconnect_timeout); `phictl forget NAME` "
          "removes it sooner. Failed members count against --max_members; "
          "a full table forgets the one failed or left the longest ago.");
ABSL_FLAG(absl::Duration, left_member_retention, absl::Hours(1),
          "How long a member that left on purpose stays listed (LEFT) "
          "before it is removed, [1s, 720h].");
ABSL_FLAG(double, admission_rate, 500,
          "Unknown members per second, from all sources together, that "
          "datagrams nobody verified may add, [1, 1e6] (bursts of 10 s of "
          "it); more are refused and counted (phid_gossip_protocol_total"
          "{what=\"admissions_refused_global\"}). Members in verified "
          "datagrams (any under --keyring; a seed's full state answering "
          "our join) are not limited: joining a large cluster is not "
          "slowed. A flood of forged members fills --max_members no faster "
          "than this.");
ABSL_FLAG(double, admission_rate_per_source, 50,
          "The same per source address, [1, 1e6] (bursts of 10 s of it), "
          "so one flooding source cannot use up the others' budget "
          "({what=\"admissions_refused_source\"}).");
ABSL_FLAG(std::optional<int>, monitors, std::nullopt,
          "Protocol 2: monitors per member (K), [1, 16]. Each member sends "
          "K heartbeats a round (48 bytes each with IP/UDP headers). "
          "Default: the preset's (3).");
ABSL_FLAG(std::optional<int>, quorum, std::nullopt,
          "Protocol 2: monitors that must agree (H of K) before a member is "
          "suspected anywhere, [1, --monitors]: one monitor with a bad link "
          "cannot. Default: the preset's (2).");
ABSL_FLAG(std::optional<double>, report_level, std::nullopt,
          "Protocol 2: phi at which a monitor reports a member, (0, 64]. "
          "Subscribers at or above it get exact crossing times; below it, "
          "they hear when the reports arrive. Default: the preset's (2).");
ABSL_FLAG(std::optional<absl::Duration>, gossip_interval, std::nullopt,
          "Gossip round period, e.g. 100ms; [10ms, 10s]. Setting it "
          "re-derives the detector defaults from it (acceptable_pause 2 "
          "rounds, min_stddev half a round). Default: the preset's (lan "
          "100ms, wan 500ms, local 100ms).");
ABSL_FLAG(std::optional<int>, fanout, std::nullopt,
          "Peers each round's digest goes to; [1, 16]. Default: the preset's "
          "(lan 3, wan 4, local 3).");
ABSL_FLAG(std::optional<phid::PhiModel>, model, std::nullopt,
          "phi model: normal, akka or exponential. Default: the preset's "
          "(normal).");
ABSL_FLAG(std::optional<absl::Duration>, acceptable_pause, std::nullopt,
          "Silence tolerated before phi rises, e.g. 200ms; [0, 1h]. Default: "
          "the preset's (lan 200ms, wan 2s, local 300ms).");
ABSL_FLAG(std::optional<absl::Duration>, min_stddev, std::nullopt,
          "Floor on the interval standard deviation, e.g. 50ms; (0, 1h]. "
          "Default: the preset's (half a gossip interval).");
ABSL_FLAG(double, default_threshold, phid::DaemonOptions().default_threshold,
          absl::StrCat("phi threshold for requests that give 0, and for "
                       "metrics; (0, ",
                       phid::kMaxPhiThreshold, "]."));
ABSL_FLAG(std::string, tags, "",
          "This member's tags, k=v,k2=v2 (keys [a-z0-9_.-/]). Default: none.");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain for TLS on the gRPC API (with --tls_key). "
          "Default: none (plaintext).");
ABSL_FLAG(std::string, tls_key, "",
          "PEM private key of --tls_cert (unencrypted). Default: none.");
ABSL_FLAG(int, max_watchers, 10000,
          "Concurrent Watch streams, [1, 1000000]; more get "
          "RESOURCE_EXHAUSTED.");
ABSL_FLAG(int, max_watchers_per_client, 1000,
          "Concurrent Watch streams of one client (one IP address; all unix "
          "socket clients count as one), [1, 1000000]; more get "
          "RESOURCE_EXHAUSTED naming this flag while other clients still "
          "subscribe.");
ABSL_FLAG(int, grpc_max_streams_per_connection, 100,
          "HTTP/2 streams one gRPC connection may have open at once "
          "(SETTINGS_MAX_CONCURRENT_STREAMS), [1, 100000].");
ABSL_FLAG(int, grpc_memory_limit_mb, 128,
          "Memory gRPC may use for its buffers (its ResourceQuota), in MiB, "
          "[16, 65536]. Note: gRPC 1.51 has no defence against HTTP/2 rapid "
          "reset; keep --grpc_address on loopback or behind a firewall "
          "(README: Under abuse).");
ABSL_FLAG(absl::Duration, grpc_keepalive_time, absl::Seconds(30),
          "The server pings a gRPC connection idle this long, [1s, 1h]...");
ABSL_FLAG(absl::Duration, grpc_keepalive_timeout, absl::Seconds(10),
          "... and closes it when the ping is unanswered this long, [1s, "
          "1h], so dead clients free their watcher slots.");
ABSL_FLAG(int, metrics_max_connections, 32,
          "HTTP connections the metrics server serves at once (one thread "
          "each), [1, 1024]; more are closed at once.");
ABSL_FLAG(int, metrics_max_connections_per_client, 4,
          "Of those, at most this many from one IP address, [1, "
          "--metrics_max_connections]: a slow client cannot take them all.");
ABSL_FLAG(absl::Duration, metrics_request_timeout, absl::Seconds(5),
          "A metrics HTTP connection is closed this long after it was "
          "accepted, whatever it sends (slowloris), [100ms, 1m].");
ABSL_FLAG(size_t, metrics_max_request_bytes, 16 << 10,
          "Largest metrics HTTP request body, bytes, [0, 16777216]; larger "
          "is refused with 413 before it is read.");
ABSL_FLAG(int, udp_receive_buffer, 4 << 20,
          "SO_RCVBUF of the gossip socket, bytes, [0, 1073741824]; 0 = the "
          "system default. The kernel doubles it and caps it at "
          "net.core.rmem_max; datagrams arriving while it is full are "
          "dropped (phid_gossip_kernel_drops_total).");
ABSL_FLAG(absl::Duration, write_timeout, absl::Seconds(10),
          "A watcher whose stream write is outstanding this long is "
          "evicted; [10ms, 1h].");
ABSL_FLAG(size_t, max_queued_messages, 10000,
          "Messages that may wait for one watcher before it is evicted; "
          "[16, 10000000].");
ABSL_FLAG(double, drop_probability, 0,
          "Fault injection: probability of dropping each outgoing gossip "
          "datagram, [0, 1].");
ABSL_FLAG(absl::Duration, added_delay, absl::ZeroDuration(),
          "Fault injection: delay added to each outgoing gossip datagram, "
          ">= 0.");
ABSL_FLAG(absl::Duration, shutdown_timeout, absl::Seconds(3),
          "Upper bound on a graceful shutdown (leave, end watches, stop the "
          "server); [100ms, 1m].");
ABSL_FLAG(int, v, 0, "Verbose logging level (glog VLOG).");

// Abseil's parser reports every command-line error (unknown flag, bad value,
// unreadable --flagfile) through this hook, after printing "ERROR: <what>"
// and before std::exit(1) (absl/flags/usage_config.h). phid promises 2 for
// invalid options, so it exits here. Defined in this file, the hook is
// phid's only: phictl and phi_calc do not link it.
extern "C" void ABSL_INTERNAL_C_SYMBOL(AbslInternalReportFatalUsageError)(
    absl::string_view) {
  std::fputs("phid: invalid command line (see phid --help)\n", stderr);
  std::fflush(stderr);
  _exit(phid::kExitBadOptions);
}

namespace phid {
namespace {

constexpr char kUsage[] =
    "a phi-accrual failure-detector daemon.\n"
    "\n"
    "  phid --name=db-1 --bind=10.0.0.5:7946 --seeds=10.0.0.4:7946\n"
    "  phid --flagfile=/etc/phid/phid.flags [--only_check_args]\n"
    "  phid keygen FILE [--keygen_overwrite]\n"
    "\n"
    "Daemons gossip heartbeats over UDP; local services ask over gRPC\n"
    "(phi.v1.FailureDetector on --grpc_address) for peers and Watch\n"
    "suspicion at their own phi threshold. Options may also come from\n"
    "--flagfile (one --flag=value per line). --only_check_args checks the\n"
    "options and the files they name (keyring, TLS) as a start would, and\n"
    "binds nothing. --version prints the version, commit and build mode;\n"
    "--helpfull lists the libraries' flags too.\n"
    "\n"
    "phid keygen FILE writes a new random gossip key (mode 0600) for\n"
    "--keyring and prints how to rotate a running cluster to it. SIGHUP\n"
    "(systemctl reload phid) re-reads --keyring without leaving the\n"
    "cluster; a bad file keeps the keys in use.\n"
    "\n"
    "Exit status: 0 after a clean shutdown (SIGTERM, SIGINT), a passed\n"
    "check or a written key; 1 if the daemon could not start (a port in\n"
    "use...) or the key could not be written; 2 for invalid options.";

absl::StatusOr<GossipOptions> Preset(const std::string& name) {
  if (name == "lan") return GossipOptions::ForLan();
  if (name == "wan") return GossipOptions::ForWan();
  if (name == "local") return GossipOptions::ForLocalTesting();
  if (name == "lean") return GossipOptions::ForLean();
  return absl::InvalidArgumentError(absl::StrCat(
      "--preset: must be lan, wan, local or lean, got '", name, "'"));
}

void ConfigureUsage() {
  absl::SetProgramUsageMessage(kUsage);
  absl::FlagsUsageConfig config;
  config.contains_help_flags = IsPhidFlagsFile;
  config.contains_helpshort_flags = IsPhidFlagsFile;
  config.version_string = BuildInfoText;
  absl::SetFlagsUsageConfig(config);
}

}  // namespace

bool IsPhidFlagsFile(absl::string_view file) {
  return absl::EndsWith(file, "server/phid_flags.cc");
}

bool KeygenOverwriteFromFlags() {
  return absl::GetFlag(FLAGS_keygen_overwrite);
}

PhidCommand ParsePhidCommandLine(int argc, char** argv,
                                 std::string* keygen_file) {
  ConfigureUsage();
  // absl::ParseCommandLine is this call with kHandleUsage, which would end
  // the process on --only_check_args before phid checked anything. Usage
  // flags are handled below instead (newer Abseil makes the same split
  // public as ParseAbseilFlagsOnly).
  const std::vector<char*> positional =
      absl::flags_internal::ParseCommandLineImpl(
          argc, argv, absl::flags_internal::ArgvListAction::kRemoveParsedArgs,
          absl::flags_internal::UsageFlagsAction::kIgnoreUsage,
          absl::flags_internal::OnUndefinedFlag::kAbortIfUndefined);
  const auto mode = absl::flags_internal::GetFlagsHelpMode();
  if (mode != absl::flags_internal::HelpMode::kNone &&
      mode != absl::flags_internal::HelpMode::kOnlyCheckArgs) {
    absl::flags_internal::HandleUsageFlags(std::cout,
                                           absl::ProgramUsageMessage());
    std::cout.flush();
    std::exit(0);
  }
  if (positional.size() > 1 && std::string(positional[1]) == "keygen") {
    if (positional.size() != 3 || positional[2][0] == '\0') {
      std::fputs(
          "phid: keygen takes one argument, the file to write (phid keygen "
          "/etc/phid/keyring)\n",
          stderr);
      std::exit(kExitBadOptions);
    }
    *keygen_file = positional[2];
    return PhidCommand::kKeygen;
  }
  if (positional.size() > 1) {
    std::fprintf(stderr,
                 "phid: unexpected argument \"%s\": phid takes only "
                 "--flags, or keygen FILE (see phid --help)\n",
                 positional[1]);
    std::exit(kExitBadOptions);
  }
  return mode == absl::flags_internal::HelpMode::kOnlyCheckArgs
             ? PhidCommand::kCheckArgsOnly
             : PhidCommand::kRun;
}

absl::StatusOr<DaemonOptions> DaemonOptionsFromFlags(
    const std::string& hostname, const std::string& interface_address) {
  DaemonOptions o;
  absl::StatusOr<GossipOptions> preset = Preset(absl::GetFlag(FLAGS_preset));
  if (!preset.ok()) return preset.status();
  GossipOptions& g = o.gossip = *preset;

  g.name = absl::GetFlag(FLAGS_name);
  if (g.name.empty()) g.name = hostname;
  g.cluster = absl::GetFlag(FLAGS_cluster);
  for (const std::string& seed : absl::GetFlag(FLAGS_seeds)) {
    absl::string_view trimmed = absl::StripAsciiWhitespace(seed);
    if (!trimmed.empty()) g.seeds.emplace_back(trimmed);
  }
  absl::StatusOr<Tags> tags = ParseTags(absl::GetFlag(FLAGS_tags));
  if (!tags.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tags: ", tags.status().message()));
  }
  g.tags = *std::move(tags);
  if (std::optional<absl::Duration> interval =
          absl::GetFlag(FLAGS_gossip_interval)) {
    g.gossip_interval = *interval;
    g.detector = DetectorOptionsForInterval(g.gossip_interval);
  }
  if (std::optional<int> fanout = absl::GetFlag(FLAGS_fanout)) {
    g.fanout = *fanout;
  }
  g.max_members = absl::GetFlag(FLAGS_max_members);
  if (std::optional<absl::Duration> after = absl::GetFlag(FLAGS_failed_after)) {
    g.failed_after = *after;
  }
  g.failed_member_retention = absl::GetFlag(FLAGS_failed_member_retention);
  g.left_member_retention = absl::GetFlag(FLAGS_left_member_retention);
  g.admission_rate = absl::GetFlag(FLAGS_admission_rate);
  g.admission_rate_per_source = absl::GetFlag(FLAGS_admission_rate_per_source);
  if (std::optional<int> protocol = absl::GetFlag(FLAGS_protocol)) {
    g.protocol = *protocol;
  }
  if (std::optional<int> monitors = absl::GetFlag(FLAGS_monitors)) {
    g.monitors = *monitors;
  }
  if (std::optional<int> quorum = absl::GetFlag(FLAGS_quorum)) {
    g.quorum = *quorum;
  }
  if (std::optional<double> level = absl::GetFlag(FLAGS_report_level)) {
    g.report_level = *level;
  }
  if (std::optional<PhiModel> model = absl::GetFlag(FLAGS_model)) {
    g.detector.model = *model;
  }
  if (std::optional<absl::Duration> pause =
          absl::GetFlag(FLAGS_acceptable_pause)) {
    g.detector.acceptable_pause = *pause;
  }
  if (std::optional<absl::Duration> floor = absl::GetFlag(FLAGS_min_stddev)) {
    g.detector.min_stddev = *floor;
  }

  o.udp.bind_address = absl::GetFlag(FLAGS_bind);
  o.udp.advertise_address = absl::GetFlag(FLAGS_advertise);
  if (o.udp.advertise_address.empty()) {
    absl::StatusOr<sockaddr_storage> bind = ParseAddress(o.udp.bind_address);
    if (bind.ok() && IsUnspecifiedAddress(*bind)) {
      // Port 0 in the advertise address means "the bound port".
      o.udp.advertise_address = absl::StrCat(
          interface_address.empty() ? "127.0.0.1" : interface_address, ":0");
    }
  }
  o.faults.drop_probability = absl::GetFlag(FLAGS_drop_probability);
  o.faults.added_delay = absl::GetFlag(FLAGS_added_delay);

  o.keyring = absl::GetFlag(FLAGS_keyring);
  o.grpc_address = absl::GetFlag(FLAGS_grpc_address);
  o.metrics_address = absl::GetFlag(FLAGS_metrics_address);
  o.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  o.tls_key = absl::GetFlag(FLAGS_tls_key);
  o.default_threshold = absl::GetFlag(FLAGS_default_threshold);
  o.max_watchers = absl::GetFlag(FLAGS_max_watchers);
  o.max_queued_messages = absl::GetFlag(FLAGS_max_queued_messages);
  o.max_watchers_per_client = absl::GetFlag(FLAGS_max_watchers_per_client);
  o.grpc_max_streams_per_connection =
      absl::GetFlag(FLAGS_grpc_max_streams_per_connection);
  o.grpc_memory_limit_bytes = int64_t{absl::GetFlag(FLAGS_grpc_memory_limit_mb)}
                              << 20;
  o.grpc_keepalive_time = absl::GetFlag(FLAGS_grpc_keepalive_time);
  o.grpc_keepalive_timeout = absl::GetFlag(FLAGS_grpc_keepalive_timeout);
  o.metrics_max_connections = absl::GetFlag(FLAGS_metrics_max_connections);
  o.metrics_max_connections_per_client =
      absl::GetFlag(FLAGS_metrics_max_connections_per_client);
  o.metrics_request_timeout = absl::GetFlag(FLAGS_metrics_request_timeout);
  o.metrics_max_request_bytes = absl::GetFlag(FLAGS_metrics_max_request_bytes);
  o.udp_receive_buffer_bytes = absl::GetFlag(FLAGS_udp_receive_buffer);
  o.write_timeout = absl::GetFlag(FLAGS_write_timeout);
  o.shutdown_timeout = absl::GetFlag(FLAGS_shutdown_timeout);
  if (absl::Status s = o.Validate(); !s.ok()) return s;
  return o;
}

int VerbosityFromFlags() { return absl::GetFlag(FLAGS_v); }

}  // namespace phid
