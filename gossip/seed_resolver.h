// SeedResolver: turns a seed given as "dns-name:port" into the numeric
// gossip addresses it names right now.
//
// GossipNode resolves its DNS seeds through this interface on every join
// attempt (and so again and again while it is alone), so a seed list kept
// in DNS (a Kubernetes headless Service, a round-robin name) is followed as
// it changes. Numeric seeds never reach a resolver. Unit tests inject a
// fake (fake_seed_resolver.h); the daemon uses SystemSeedResolver.
//
// Thread safety: the node calls Resolve from its owner's thread, under the
// owner's lock. SystemSeedResolver is stateless and safe from any thread.
#ifndef PHID_GOSSIP_SEED_RESOLVER_H_
#define PHID_GOSSIP_SEED_RESOLVER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace phid {

class SeedResolver {
 public:
  virtual ~SeedResolver() = default;
  // The "ip:port" addresses `seed` ("dns-name:port", as ValidateSeed
  // accepts) names; an error says why none (NOT_FOUND for a name that does
  // not exist, UNAVAILABLE for a failed lookup).
  virtual absl::StatusOr<std::vector<std::string>> Resolve(
      absl::string_view seed) = 0;
};

// getaddrinfo(3): /etc/hosts, then DNS, as the host is configured. Blocks
// for as long as the lookup takes (the resolver's timeouts bound it).
class SystemSeedResolver final : public SeedResolver {
 public:
  absl::StatusOr<std::vector<std::string>> Resolve(
      absl::string_view seed) override;
};

}  // namespace phid

#endif  // PHID_GOSSIP_SEED_RESOLVER_H_
