// FakeSeedResolver: a SeedResolver answering from a table the test edits
// between runs (testonly): no DNS in unit tests.
#ifndef PHID_GOSSIP_FAKE_SEED_RESOLVER_H_
#define PHID_GOSSIP_FAKE_SEED_RESOLVER_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gossip/seed_resolver.h"

namespace phid {

// For tests: answers from a table the test edits between runs.
class FakeSeedResolver final : public SeedResolver {
 public:
  // `seed` now resolves to `addresses` (empty: NOT_FOUND).
  void Set(const std::string& seed, std::vector<std::string> addresses) {
    table_[seed] = std::move(addresses);
  }
  absl::StatusOr<std::vector<std::string>> Resolve(
      absl::string_view seed) override {
    ++lookups_;
    auto it = table_.find(std::string(seed));
    if (it == table_.end() || it->second.empty()) {
      return absl::NotFoundError(absl::StrCat("'", seed, "' does not resolve"));
    }
    return it->second;
  }
  // Lookups answered so far.
  int lookups() const { return lookups_; }

 private:
  std::map<std::string, std::vector<std::string>> table_;
  int lookups_ = 0;
};

}  // namespace phid

#endif  // PHID_GOSSIP_FAKE_SEED_RESOLVER_H_
