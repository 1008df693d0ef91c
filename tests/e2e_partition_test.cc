// A network partition between real daemons, each in a network namespace of
// its own: cutting one daemon's link makes each side suspect the other;
// restoring it brings every member back to ALIVE, none lost.
//
// Needs root (it creates network namespaces, a bridge and veth links, all
// inside namespaces it owns and deletes; the 10.231.0.0/24 addresses exist
// only there). Skipped otherwise.
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "proto/phi.pb.h"
#include "tests/bridged_namespaces.h"
#include "tests/daemon_process.h"
#include "tests/loopback_cluster.h"
#include "tests/watch_recorder.h"

namespace phid {
namespace e2e {
namespace {

namespace v1 = ::phi::v1;

constexpr int kDaemons = 3;
constexpr int kCut = 3;  // the daemon whose link is cut
constexpr double kThreshold = 8;
constexpr char kSubnet[] = "10.231.0";
constexpr int kGossipPort = 17801;
// How long the link stays cut (once every suspicion is in): a partition
// that outlasts detection several times over, still far from the 30 s
// after which silent members turn FAILED (--failed_after).
constexpr absl::Duration kPartition = absl::Seconds(3);

// A short directory for the daemons' gRPC unix sockets: a socket path must
// fit in 108 bytes, and TEST_TMPDIR is longer than that under Bazel. The
// daemons' gRPC must be a unix socket anyway: their network is only inside
// their namespaces, the filesystem is shared.
class SocketDir final {
 public:
  SocketDir() {
    char path[] = "/tmp/phid-e2e-XXXXXX";
    if (mkdtemp(path) != nullptr) path_ = path;
  }
  SocketDir(const SocketDir&) = delete;
  SocketDir& operator=(const SocketDir&) = delete;
  ~SocketDir() {
    for (const std::string& f : files_) std::remove(f.c_str());
    if (!path_.empty()) rmdir(path_.c_str());
  }
  // A path in the directory, removed with it.
  std::string File(const std::string& name) {
    files_.push_back(absl::StrCat(path_, "/", name));
    return files_.back();
  }
  bool ok() const { return !path_.empty(); }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

TEST(PartitionE2eTest,
     BothSidesOfACutLinkSuspectEachOtherAndAllRecoverWhenItIsRestored) {
  if (geteuid() != 0) {
    GTEST_SKIP() << "needs root: the test creates network namespaces, a "
                    "bridge and veth links (ip netns add); run it as root";
  }
  if (IpBinary().empty()) {
    GTEST_SKIP() << "iproute2's `ip` is not installed";
  }
  absl::StatusOr<std::unique_ptr<BridgedNamespaces>> net =
      BridgedNamespaces::Create(kDaemons, kSubnet);
  ASSERT_TRUE(net.ok()) << net.status();
  SocketDir sockets;
  ASSERT_TRUE(sockets.ok());

  // Declared after the namespaces: destroyed (killed) before them.
  std::vector<std::unique_ptr<DaemonProcess>> cluster;
  for (int i = 1; i <= kDaemons; ++i) {
    DaemonConfig c;
    c.name = absl::StrCat("node-", i);
    c.gossip_address = absl::StrCat((*net)->address(i), ":", kGossipPort);
    c.grpc_address = absl::StrCat("unix:", sockets.File(c.name + ".sock"));
    c.metrics_address = "";
    c.seeds = {absl::StrCat((*net)->address(1), ":", kGossipPort),
               absl::StrCat((*net)->address(2), ":", kGossipPort)};
    c.launcher = (*net)->Launcher(i);
    cluster.push_back(std::make_unique<DaemonProcess>(std::move(c)));
    ASSERT_TRUE(cluster.back()->Spawn().ok());
  }
  for (const auto& d : cluster) {
    absl::Status s = d->WaitUntilServing(absl::Seconds(15));
    ASSERT_TRUE(s.ok()) << s;
  }
  absl::Status all = WaitUntilAllSeeAll(Pointers(cluster), absl::Seconds(20));
  ASSERT_TRUE(all.ok()) << all;
  std::map<std::string, uint64_t> generations;
  {
    absl::StatusOr<v1::ListPeersResponse> peers =
        ListPeersAt(*cluster[0], kThreshold);
    ASSERT_TRUE(peers.ok()) << peers.status();
    for (const v1::Peer& p : peers->peers())
      generations[p.name()] = p.generation();
  }
  std::vector<std::unique_ptr<WatchRecorder>> watches;
  for (const auto& d : cluster) {
    auto watch =
        WatchRecorder::Start(d->client(), WatchAt(kThreshold), d->name());
    ASSERT_TRUE(watch.ok()) << watch.status();
    watches.push_back(*std::move(watch));
  }
  const std::string cut = cluster[kCut - 1]->name();
  // Who must suspect whom: the cut daemon and the rest, across the cut.
  std::vector<std::pair<int, std::string>> across;  // (observer, suspect)
  for (int i = 1; i <= kDaemons; ++i) {
    if (i == kCut) continue;
    across.emplace_back(i - 1, cut);
    across.emplace_back(kCut - 1, cluster[i - 1]->name());
  }

  const absl::Time cut_at = absl::Now();
  ASSERT_TRUE((*net)->SetLinkUp(kCut, false).ok());
  std::cout << "\n[partition] " << cut << "'s link is down ("
            << (*net)->name(kCut) << ")\n";
  for (const auto& [observer, suspect] : across) {
    absl::optional<ReceivedMessage> m = watches[observer]->WaitForTransition(
        suspect, v1::TRANSITION_REASON_CROSSED_THRESHOLD, absl::Seconds(5));
    ASSERT_TRUE(m.has_value())
        << watches[observer]->label() << " did not suspect " << suspect << "; "
        << watches[observer]->DescribeTransitions();
    std::cout << "[partition]   " << watches[observer]->label() << " suspected "
              << suspect << " " << Millis(m->received - cut_at)
              << " after the cut\n";
  }
  for (const auto& [observer, suspect] : across) {
    absl::StatusOr<v1::ListPeersResponse> peers =
        ListPeersAt(*cluster[observer], kThreshold);
    ASSERT_TRUE(peers.ok()) << peers.status();
    const v1::Peer* p = FindPeer(*peers, suspect);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->state(), v1::PEER_STATE_SUSPECT)
        << cluster[observer]->name() << ": " << p->ShortDebugString();
  }

  // The partition lasts kPartition: the scenario, not a wait for something.
  absl::SleepFor(cut_at + kPartition - absl::Now());
  const absl::Time healed_at = absl::Now();
  ASSERT_TRUE((*net)->SetLinkUp(kCut, true).ok());
  std::cout << "[partition] link restored after " << Millis(healed_at - cut_at)
            << "\n";
  for (const auto& [observer, suspect] : across) {
    absl::optional<ReceivedMessage> m = watches[observer]->WaitForTransition(
        suspect, v1::TRANSITION_REASON_RECOVERED, absl::Seconds(10), healed_at);
    ASSERT_TRUE(m.has_value())
        << watches[observer]->label() << " did not recover " << suspect << "; "
        << watches[observer]->DescribeTransitions();
    std::cout << "[partition]   " << watches[observer]->label() << " recovered "
              << suspect << " " << Millis(m->received - healed_at)
              << " after the link came back\n";
  }
  all = WaitUntilAllSeeAll(Pointers(cluster), absl::Seconds(10));
  ASSERT_TRUE(all.ok()) << all;
  // No member lost, none restarted; and the two connected daemons never
  // doubted each other.
  for (const auto& d : cluster) {
    absl::StatusOr<v1::ListPeersResponse> peers = ListPeersAt(*d, kThreshold);
    ASSERT_TRUE(peers.ok()) << peers.status();
    ASSERT_EQ(peers->peers_size(), kDaemons) << d->name();
    for (const v1::Peer& p : peers->peers()) {
      EXPECT_EQ(p.generation(), generations[p.name()])
          << d->name() << " sees " << p.name() << " with a new generation";
    }
  }
  for (const auto& watch : watches) {
    for (const ReceivedMessage& m : watch->Transitions()) {
      const v1::Transition& t = m.message.transition();
      EXPECT_TRUE(t.reason() == v1::TRANSITION_REASON_CROSSED_THRESHOLD ||
                  t.reason() == v1::TRANSITION_REASON_RECOVERED)
          << watch->DescribeTransitions();
      EXPECT_TRUE(watch->label() == cut || t.peer().name() == cut)
          << "suspicion between connected daemons; "
          << watch->DescribeTransitions();
    }
  }
  std::cout << std::flush;
}

}  // namespace
}  // namespace e2e
}  // namespace phid
