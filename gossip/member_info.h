// MemberInfo: the immutable part of what a member announces (name, gossip
// address, tags), held once per process however many tables hold it.
//
// Why: in the simulator every one of N nodes holds every member, and an
// equal record decoded by N different nodes would otherwise be stored N
// times (at N = 10,000 that is 10^8 copies of the same strings). In the
// daemon there is one table, and interning costs one lookup when a member
// joins, restarts or moves.
//
// InternMemberInfo returns a shared handle to the process-wide copy with
// that content, creating it if none is alive. A copy lives as long as some
// handle does; the last handle's release removes it from the table, so the
// table holds only what some member table still uses (bounded by them).
// The handle is one pointer (8 bytes, the count is in the copy): it is in
// every (observer, member) pair of the simulator.
// Equal content gives the same object, so equality of handles is equality
// of content; nothing may depend on the address itself (runs must not
// depend on allocation order).
//
// Thread-safe: the simulator's nodes intern on worker threads at once.
#ifndef PHID_GOSSIP_MEMBER_INFO_H_
#define PHID_GOSSIP_MEMBER_INFO_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "gossip/member.h"

namespace phid {

struct MemberInfo {
  std::string name;
  std::string address;  // gossip address "ip:port"
  Tags tags;
  // Handles alive; only SharedMemberInfo and the intern table touch it.
  mutable std::atomic<uint32_t> refs{0};
};

// A counted handle to an interned MemberInfo (like a shared_ptr to const,
// in one pointer). Null when default-constructed or reset.
class SharedMemberInfo {
 public:
  SharedMemberInfo() = default;
  SharedMemberInfo(const SharedMemberInfo& other) : info_(other.info_) {
    if (info_ != nullptr) info_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  SharedMemberInfo(SharedMemberInfo&& other) noexcept : info_(other.info_) {
    other.info_ = nullptr;
  }
  SharedMemberInfo& operator=(SharedMemberInfo other) noexcept {
    std::swap(info_, other.info_);
    return *this;
  }
  ~SharedMemberInfo() { reset(); }

  void reset();
  const MemberInfo* get() const { return info_; }
  const MemberInfo* operator->() const { return info_; }
  const MemberInfo& operator*() const { return *info_; }
  explicit operator bool() const { return info_ != nullptr; }

 private:
  friend class InternTable;
  // Adopts one count already taken on `info`.
  explicit SharedMemberInfo(const MemberInfo* info) : info_(info) {}
  const MemberInfo* info_ = nullptr;
};

// The process-wide MemberInfo equal to (name, address, tags).
SharedMemberInfo InternMemberInfo(absl::string_view name,
                                  absl::string_view address, const Tags& tags);

// Distinct MemberInfos alive in the process (for tests and the simulator).
size_t InternedMemberInfos();

}  // namespace phid

#endif  // PHID_GOSSIP_MEMBER_INFO_H_
