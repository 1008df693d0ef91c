#include "server/background_seed_resolver.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace phid {

BackgroundSeedResolver::BackgroundSeedResolver(
    std::unique_ptr<SeedResolver> blocking)
    : blocking_(std::move(blocking)), thread_([this] { Run(); }) {}

BackgroundSeedResolver::~BackgroundSeedResolver() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

absl::StatusOr<std::vector<std::string>> BackgroundSeedResolver::Resolve(
    absl::string_view seed) {
  absl::MutexLock lock(&mu_);
  Entry& entry = entries_[std::string(seed)];
  entry.wanted = true;
  if (!entry.answered) {
    return absl::UnavailableError(
        absl::StrCat("the lookup of '", seed, "' is still in progress"));
  }
  return entry.result;
}

bool BackgroundSeedResolver::Idle() const {
  if (busy_) return false;
  for (const auto& [seed, entry] : entries_) {
    if (entry.wanted) return false;
  }
  return true;
}

void BackgroundSeedResolver::WaitIdleForTesting() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](BackgroundSeedResolver* r)
           ABSL_NO_THREAD_SAFETY_ANALYSIS { return r->Idle(); },
      this));
}

void BackgroundSeedResolver::Run() {
  absl::MutexLock lock(&mu_);
  while (true) {
    mu_.Await(absl::Condition(
        +[](BackgroundSeedResolver* r) ABSL_NO_THREAD_SAFETY_ANALYSIS {
          return r->stopping_ || !r->Idle();
        },
        this));
    if (stopping_) return;
    std::string seed;
    for (auto& [name, entry] : entries_) {
      if (entry.wanted) {
        seed = name;
        entry.wanted = false;
        break;
      }
    }
    busy_ = true;
    mu_.Unlock();
    absl::StatusOr<std::vector<std::string>> result = blocking_->Resolve(seed);
    mu_.Lock();
    busy_ = false;
    Entry& entry = entries_[seed];
    entry.answered = true;
    entry.result = std::move(result);
  }
}

}  // namespace phid
