#include "tests/loopback_cluster.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

namespace phid {
namespace e2e {

namespace v1 = ::phi::v1;

namespace {

constexpr int kBasePort = 17000;

int PortOf(int slot, int offset, int index) {
  return kBasePort + 100 * slot + offset + index;
}

std::string DescribeView(const DaemonProcess& daemon,
                         const v1::ListPeersResponse& peers) {
  std::vector<std::string> parts;
  for (const v1::Peer& p : peers.peers()) {
    parts.push_back(absl::StrFormat("%s(%s/%s phi=%.2f samples=%d)", p.name(),
                                    v1::MemberStatus_Name(p.status()),
                                    v1::PeerState_Name(p.state()), p.phi(),
                                    static_cast<int>(p.samples())));
  }
  return absl::StrCat(daemon.name(), " sees [", absl::StrJoin(parts, ", "),
                      "]");
}

}  // namespace

std::string LoopbackIp(int slot, int index) {
  return absl::StrCat("127.0.1.", 10 * slot + index);
}

DaemonConfig LoopbackDaemonConfig(int slot, int index) {
  DaemonConfig c;
  const std::string ip = LoopbackIp(slot, index);
  c.name = absl::StrCat("node-", index);
  c.gossip_address = absl::StrCat(ip, ":", PortOf(slot, 0, index));
  c.grpc_address = absl::StrCat(ip, ":", PortOf(slot, 20, index));
  c.metrics_address = absl::StrCat(ip, ":", PortOf(slot, 40, index));
  c.seeds = {absl::StrCat(LoopbackIp(slot, 1), ":", PortOf(slot, 0, 1)),
             absl::StrCat(LoopbackIp(slot, 2), ":", PortOf(slot, 0, 2))};
  return c;
}

absl::Status StartLoopbackCluster(
    int slot, int size, const std::vector<std::string>& extra_flags,
    std::vector<std::unique_ptr<DaemonProcess>>* out) {
  for (int i = 1; i <= size; ++i) {
    DaemonConfig config = LoopbackDaemonConfig(slot, i);
    config.extra_flags = extra_flags;
    out->push_back(std::make_unique<DaemonProcess>(std::move(config)));
    if (absl::Status s = out->back()->Spawn(); !s.ok()) return s;
  }
  for (auto& daemon : *out) {
    if (absl::Status s = daemon->WaitUntilServing(absl::Seconds(15)); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

std::vector<DaemonProcess*> Pointers(
    const std::vector<std::unique_ptr<DaemonProcess>>& daemons) {
  std::vector<DaemonProcess*> out;
  for (const auto& d : daemons) out.push_back(d.get());
  return out;
}

absl::StatusOr<v1::ListPeersResponse> ListPeersAt(const DaemonProcess& daemon,
                                                  double threshold) {
  v1::ListPeersRequest request;
  request.set_phi_threshold(threshold);
  return daemon.client().ListPeers(request);
}

const v1::Peer* FindPeer(const v1::ListPeersResponse& peers,
                         const std::string& name) {
  for (const v1::Peer& p : peers.peers()) {
    if (p.name() == name) return &p;
  }
  return nullptr;
}

absl::Status PollUntilOk(const std::function<absl::Status()>& probe,
                         absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    absl::Status s = probe();
    if (s.ok() || absl::Now() >= deadline) return s;
    absl::SleepFor(absl::Milliseconds(20));
  }
}

absl::Status WaitUntilAllSeeAll(const std::vector<DaemonProcess*>& daemons,
                                absl::Duration timeout, int min_samples) {
  std::set<std::string> names;
  for (const DaemonProcess* d : daemons) names.insert(d->name());
  absl::Status s = PollUntilOk(
      [&]() -> absl::Status {
        // Protocol 2: only a peer's monitors measure its intervals; the
        // other observers show 0 samples. Every peer must be calibrated
        // at each observer that measures it, and measured somewhere.
        std::map<std::string, uint64_t> most_samples;
        for (const DaemonProcess* d : daemons) {
          absl::StatusOr<v1::ListPeersResponse> peers = ListPeersAt(*d, 8);
          if (!peers.ok()) return peers.status();
          std::set<std::string> seen;
          bool ok = true;
          for (const v1::Peer& p : peers->peers()) {
            seen.insert(p.name());
            if (!p.is_self()) {
              most_samples[p.name()] =
                  std::max(most_samples[p.name()], p.samples());
            }
            ok &= p.status() == v1::MEMBER_STATUS_ALIVE &&
                  p.state() == v1::PEER_STATE_ALIVE &&
                  (p.is_self() || p.samples() == 0 ||
                   p.samples() >= static_cast<uint64_t>(min_samples));
          }
          if (!ok || seen != names) {
            return absl::FailedPreconditionError(DescribeView(*d, *peers));
          }
        }
        for (const auto& [name, samples] : most_samples) {
          if (samples < static_cast<uint64_t>(min_samples)) {
            return absl::FailedPreconditionError(
                absl::StrCat(name, " has ", samples, " samples at most"));
          }
        }
        return absl::OkStatus();
      },
      timeout);
  if (s.ok()) return s;
  return absl::DeadlineExceededError(absl::StrCat(
      "not every daemon saw all ", names.size(), " daemons ALIVE (with ",
      min_samples, " samples each) within ", absl::FormatDuration(timeout),
      "; last: ", s.message()));
}

std::string Millis(absl::Duration d) {
  return absl::StrFormat("%.1f ms", absl::ToDoubleMilliseconds(d));
}

}  // namespace e2e
}  // namespace phid
