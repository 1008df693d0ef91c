// Admission: how fast members we have never heard of may enter our table on
// the word of an unverified datagram.
//
// Without a keyring anybody can forge a datagram announcing members, and a
// forged member whose monitors are forged too is never reported, so never
// reaped: each one holds a slot of --max_members for good. Admission puts a
// token bucket in front of those slots: one per source address
// (`rate_per_source` members a second, bursts of 10 s of it), so one
// flooding source cannot use up the budget of the others, and one for all
// sources together (`rate`, bursts of 10 s of it), which bounds a flood
// from forged source addresses too. The node does not ask for members
// vouched for by a verified datagram (any datagram under a keyring; a
// push-pull carrying our cookie; a full state or repair answering a request
// of ours): a join brings a seed's whole membership at once, uncounted.
//
// Memory: at most kMaxSources per-source buckets (~100 bytes each); when
// they are all busy, new sources share one more bucket.
//
// Not thread-safe; owned by a GossipNode.
#ifndef PHID_GOSSIP_ADMISSION_H_
#define PHID_GOSSIP_ADMISSION_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "detector/base/clock.h"

namespace phid {

// `rate` tokens a second up to `burst`; starts full.
class TokenBucket final {
 public:
  TokenBucket(double rate, double burst, MonoTime now);
  // Takes one token if there is one at `now`.
  bool Take(MonoTime now);
  // Whether Take would succeed.
  bool Has(MonoTime now);
  // Full at `now`: nothing taken lately, forgettable.
  bool Full(MonoTime now);

 private:
  void Refill(MonoTime now);

  double rate_;
  double burst_;
  double tokens_;
  MonoTime updated_;
};

class Admission final {
 public:
  static constexpr size_t kMaxSources = 4096;
  // Bursts are this many seconds of the rate.
  static constexpr double kBurstSeconds = 10;

  enum class Verdict {
    kAdmit,
    kSourceRate,  // the source's bucket is empty
    kGlobalRate,  // the bucket of all sources together is empty
  };

  Admission(double rate, double rate_per_source, MonoTime now);
  Admission(const Admission&) = delete;
  Admission& operator=(const Admission&) = delete;

  // May one more unknown member announced by an unverified datagram from
  // `source` ("ip:port") enter at `now`? A refusal takes no token.
  Verdict Admit(const std::string& source, MonoTime now);

  size_t sources() const { return sources_.size(); }

 private:
  TokenBucket& BucketFor(const std::string& source, MonoTime now);

  const double rate_per_source_;
  TokenBucket global_;
  TokenBucket overflow_;  // shared by sources past kMaxSources
  MonoTime last_sweep_ = -absl::InfiniteDuration();
  absl::flat_hash_map<std::string, TokenBucket> sources_;
};

}  // namespace phid

#endif  // PHID_GOSSIP_ADMISSION_H_
