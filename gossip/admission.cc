#include "gossip/admission.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"

namespace phid {

TokenBucket::TokenBucket(double rate, double burst, MonoTime now)
    : rate_(rate), burst_(burst), tokens_(burst), updated_(now) {}

void TokenBucket::Refill(MonoTime now) {
  if (now <= updated_) return;
  tokens_ =
      std::min(burst_, tokens_ + rate_ * absl::ToDoubleSeconds(now - updated_));
  updated_ = now;
}

bool TokenBucket::Take(MonoTime now) {
  Refill(now);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

bool TokenBucket::Has(MonoTime now) {
  Refill(now);
  return tokens_ >= 1;
}

bool TokenBucket::Full(MonoTime now) {
  Refill(now);
  return tokens_ >= burst_;
}

Admission::Admission(double rate, double rate_per_source, MonoTime now)
    : rate_per_source_(rate_per_source),
      global_(rate, std::max(1.0, rate * kBurstSeconds), now),
      overflow_(rate_per_source, std::max(1.0, rate_per_source * kBurstSeconds),
                now) {}

TokenBucket& Admission::BucketFor(const std::string& source, MonoTime now) {
  auto it = sources_.find(source);
  if (it != sources_.end()) return it->second;
  if (sources_.size() >= kMaxSources) {
    // Forget the sources quiet long enough to have refilled. A sweep costs
    // O(kMaxSources): at most one a second, whatever a flood of forged
    // source addresses does.
    if (now - last_sweep_ < absl::Seconds(1)) return overflow_;
    last_sweep_ = now;
    absl::erase_if(sources_,
                   [now](auto& entry) { return entry.second.Full(now); });
    if (sources_.size() >= kMaxSources) return overflow_;
  }
  return sources_
      .try_emplace(source, rate_per_source_,
                   std::max(1.0, rate_per_source_ * kBurstSeconds), now)
      .first->second;
}

Admission::Verdict Admission::Admit(const std::string& source, MonoTime now) {
  TokenBucket& bucket = BucketFor(source, now);
  if (!bucket.Has(now)) return Verdict::kSourceRate;
  if (!global_.Take(now)) return Verdict::kGlobalRate;
  bucket.Take(now);
  return Verdict::kAdmit;
}

}  // namespace phid
