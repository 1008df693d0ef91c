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

}  // namespace

// The process-wide table (a friend of SharedMemberInfo: it adopts counts).
class InternTable {
 public:
  SharedMemberInfo Intern(absl::string_view name, absl::string_view address,
                          const Tags& tags) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = table_.find(InfoKey{name, address, &tags});
    if (it != table_.end()) {
      // A count of 0 means its last handle is being released, waiting for
      // the lock to erase it: it is never revived. A new copy replaces it;
      // that release then sees an entry that is no longer its own.
      const MemberInfo* found = it->second;
      uint32_t refs = found->refs.load(std::memory_order_relaxed);
      while (refs > 0) {
        if (found->refs.compare_exchange_weak(refs, refs + 1,
                                              std::memory_order_relaxed)) {
          return SharedMemberInfo(found);
        }
      }
      table_.erase(it);
    }
    auto* info = new MemberInfo{std::string(name), std::string(address), tags};
    info->refs.store(1, std::memory_order_relaxed);
    table_.emplace(InfoKey{info->name, info->address, &info->tags}, info);
    return SharedMemberInfo(info);
  }

  // The last handle of `dead` is gone: out of the table (if it is still
  // there under its key) and deleted.
  void Release(const MemberInfo* dead) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = table_.find(InfoKey{dead->name, dead->address, &dead->tags});
      if (it != table_.end() && it->second == dead) table_.erase(it);
    }
    delete dead;
  }

  size_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return table_.size();
  }

 private:
  std::mutex mu_;
  absl::flat_hash_map<InfoKey, const MemberInfo*, absl::Hash<InfoKey>> table_;
};

namespace {

InternTable& Table() {
  static InternTable* table = new InternTable();  // never destroyed
  return *table;
}

}  // namespace

void SharedMemberInfo::reset() {
  const MemberInfo* info = info_;
  info_ = nullptr;
  if (info == nullptr) return;
  // The release that takes the count to 0 owns the copy: Intern never
  // takes a count on a copy at 0.
  if (info->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    Table().Release(info);
  }
}

SharedMemberInfo InternMemberInfo(absl::string_view name,
                                  absl::string_view address, const Tags& tags) {
  return Table().Intern(name, address, tags);
}

size_t InternedMemberInfos() { return Table().size(); }

}  // namespace phid
