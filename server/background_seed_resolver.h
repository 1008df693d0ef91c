// BackgroundSeedResolver: a SeedResolver that never blocks its caller.
//
// The gossip node resolves DNS seeds on its join attempts, under the
// daemon's lock, and getaddrinfo can block for seconds when DNS is slow or
// down. This wrapper answers at once with the last result of each seed's
// lookup (UNAVAILABLE "lookup in progress" before the first), and asks its
// own thread for a fresh lookup through the wrapped, blocking resolver. The
// next join attempt (at most join_retry_max later) sees the new answer.
// Memory is bounded by the configured seeds: only they are ever looked up.
//
// Thread safety: Resolve may be called from any thread. The destructor
// waits for a lookup in progress to return.
#ifndef PHID_SERVER_BACKGROUND_SEED_RESOLVER_H_
#define PHID_SERVER_BACKGROUND_SEED_RESOLVER_H_

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "gossip/seed_resolver.h"

namespace phid {

class BackgroundSeedResolver final : public SeedResolver {
 public:
  explicit BackgroundSeedResolver(std::unique_ptr<SeedResolver> blocking);
  BackgroundSeedResolver(const BackgroundSeedResolver&) = delete;
  BackgroundSeedResolver& operator=(const BackgroundSeedResolver&) = delete;
  ~BackgroundSeedResolver() override;

  absl::StatusOr<std::vector<std::string>> Resolve(
      absl::string_view seed) override;

  // Tests: blocks until no lookup is asked for or running.
  void WaitIdleForTesting();

 private:
  struct Entry {
    bool wanted = false;  // a fresh lookup was asked for
    bool answered = false;
    absl::StatusOr<std::vector<std::string>> result;
  };
  void Run();
  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::unique_ptr<SeedResolver> blocking_;
  mutable absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace phid

#endif  // PHID_SERVER_BACKGROUND_SEED_RESOLVER_H_
