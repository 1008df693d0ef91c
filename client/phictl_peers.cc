// peers, get and forget: one call to the daemon, one answer printed as text
// or JSON (phictl_commands.h).
#include <algorithm>
#include <string>
#include <vector>

#include "client/format.h"
#include "client/phictl_commands.h"
#include "proto/phi.pb.h"

namespace phid {
namespace phictl_internal {

int RunPeers(const PhidClient& client, const PhictlFlags& flags,
             const PhictlEnvironment& env) {
  phi::v1::ListPeersRequest request;
  request.set_phi_threshold(flags.threshold);
  request.set_tag_selector(flags.tags);
  absl::StatusOr<phi::v1::ListPeersResponse> response =
      client.ListPeers(request);
  if (!response.ok()) return Fail(response.status(), env);
  if (!flags.json) {
    *env.out << FormatPeersTable(*response);
    return kExitOk;
  }
  std::vector<const phi::v1::Peer*> peers;
  for (const phi::v1::Peer& peer : response->peers()) peers.push_back(&peer);
  std::sort(peers.begin(), peers.end(),
            [](const phi::v1::Peer* a, const phi::v1::Peer* b) {
              return a->name() < b->name();
            });
  for (const phi::v1::Peer* peer : peers) {
    if (!PrintJson(*peer, env)) return kExitFailure;
  }
  return kExitOk;
}

int RunGet(const PhidClient& client, const std::string& name,
           const PhictlFlags& flags, const PhictlEnvironment& env) {
  absl::StatusOr<phi::v1::Peer> peer = client.GetPeer(name, flags.threshold);
  if (!peer.ok()) return Fail(peer.status(), env);
  if (flags.json) return PrintJson(*peer, env) ? kExitOk : kExitFailure;
  *env.out << FormatPeer(*peer);
  return kExitOk;
}

int RunForget(const PhidClient& client, const std::string& name,
              const PhictlFlags& flags, const PhictlEnvironment& env) {
  absl::StatusOr<phi::v1::Peer> peer = client.Forget(name);
  if (!peer.ok()) return Fail(peer.status(), env);
  if (flags.json) return PrintJson(*peer, env) ? kExitOk : kExitFailure;
  *env.out << "forgot " << peer->name() << " (" << PeerStateName(peer->state())
           << ", generation " << peer->generation()
           << ") on this daemon; other daemons keep it until they forget it "
              "too or its retention ends\n";
  return kExitOk;
}

}  // namespace phictl_internal
}  // namespace phid
