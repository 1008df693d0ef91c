#include "gossip/member_info.h"

#include <mutex>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"

namespace phid {
namespace {

// A key that views either a live MemberInfo or the arguments of a lookup.
struct InfoKey {
  absl::string_view name;
  absl::string_view address;
  const Tags* tags;

  friend bool operator==(const InfoKey& a, const InfoKey& b) {
    return a.name == b.name && a.address == b.address && *a.tags == *b.tags;
  }
  template <typename H>
  friend H AbslHashValue(H h, const InfoKey& k) {
    h = H::combine(std::move(h), k.name, k.address, k.tags->size());
    for (const auto& [key, value] : *k.tags) {
      h = H::combine(std::move(h), key, value);
    }
    return h;
  }
};

class InternTable {
 public:
  SharedMemberInfo Intern(absl::string_view name, absl::string_view address,
                          const Tags& tags) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = table_.find(InfoKey{name, address, &tags});
    if (it != table_.end()) {
      // Expired: its last handle is being released, waiting for the lock
      // to erase it. A new copy replaces it; that release then sees a key
      // that is no longer its own and leaves the entry alone.
      if (SharedMemberInfo alive = it->second.weak.lock()) return alive;
      table_.erase(it);
    }
    auto* info = new MemberInfo{std::string(name), std::string(address), tags};
    SharedMemberInfo shared(info,
                            [this](const MemberInfo* dead) { Release(dead); });
    table_.emplace(InfoKey{info->name, info->address, &info->tags},
                   Entry{info, shared});
    return shared;
  }

  size_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return table_.size();
  }

 private:
  struct Entry {
    const MemberInfo* info;
    std::weak_ptr<const MemberInfo> weak;
  };

  void Release(const MemberInfo* dead) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = table_.find(InfoKey{dead->name, dead->address, &dead->tags});
      if (it != table_.end() && it->second.info == dead) table_.erase(it);
    }
    delete dead;
  }

  std::mutex mu_;
  absl::flat_hash_map<InfoKey, Entry, absl::Hash<InfoKey>> table_;
};

InternTable& Table() {
  static InternTable* table = new InternTable();  // never destroyed
  return *table;
}

}  // namespace

SharedMemberInfo InternMemberInfo(absl::string_view name,
                                  absl::string_view address, const Tags& tags) {
  return Table().Intern(name, address, tags);
}

size_t InternedMemberInfos() { return Table().size(); }

}  // namespace phid
