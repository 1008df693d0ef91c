#include "gossip/gossip_options.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gossip/address.h"
#include "gossip/tags.h"

namespace phid {
namespace {

absl::Status CheckRange(absl::string_view field, absl::Duration value,
                        absl::Duration lo, absl::Duration hi) {
  if (value < lo || value > hi) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, " must be in [", absl::FormatDuration(lo), ", ",
        absl::FormatDuration(hi), "], got ", absl::FormatDuration(value)));
  }
  return absl::OkStatus();
}

}  // namespace

DetectorOptions DetectorOptionsForInterval(absl::Duration gossip_interval) {
  DetectorOptions d;
  d.model = PhiModel::kNormal;
  d.acceptable_pause = 2 * gossip_interval;
  d.min_stddev = gossip_interval / 2;
  d.first_heartbeat_estimate = 2 * gossip_interval;
  d.history.capacity = 1000;
  d.history.min_interval = gossip_interval / 5;
  // A silence of 20 rounds is an outage (a pause, a partition), not an
  // interval: recording it would widen the distribution and slow the
  // detection of the member's next real failure for the whole window.
  d.history.max_interval = std::max(absl::Seconds(2), 20 * gossip_interval);
  // ...unless the member's own intervals are that long (large clusters hear
  // of a member every few seconds): then up to 10 of its mean intervals.
  d.history.max_interval_mean_factor = 10;
  return d;
}

absl::Status GossipOptions::Validate() const {
  if (!IsValidMemberName(name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "name must be 1 to 128 bytes of [A-Za-z0-9._:-], got '", name, "'"));
  }
  // Same alphabet as member names: the name travels in every packet and
  // must stay valid UTF-8 for protobuf.
  if (cluster.size() > 64 || !IsValidMemberName(cluster)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cluster must be 1 to 64 bytes of [A-Za-z0-9._:-], got '",
                     cluster, "'"));
  }
  absl::Status tags_status = ValidateTags(tags);
  if (!tags_status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tags: ", tags_status.message()));
  }
  for (const std::string& seed : seeds) {
    if (absl::Status bad = ValidateSeed(seed); !bad.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("seeds: ", bad.message()));
    }
    // A numeric seed must be one host's address; a DNS name is checked
    // when it resolves.
    absl::StatusOr<sockaddr_storage> parsed = ParseAddress(seed);
    if (!parsed.ok()) continue;
    if (absl::Status unicast = CheckUnicastAddress(*parsed); !unicast.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("seeds: ", unicast.message()));
    }
  }
  absl::Status s;
  if (!(s = CheckRange("gossip_interval", gossip_interval,
                       absl::Milliseconds(10), absl::Seconds(10)))
           .ok()) {
    return s;
  }
  if (fanout < 1 || fanout > 16) {
    return absl::InvalidArgumentError(
        absl::StrCat("fanout must be in [1, 16], got ", fanout));
  }
  const struct {
    absl::string_view field;
    absl::Duration value, lo, hi;
  } durations[] = {
      {"push_pull_interval", push_pull_interval, absl::Milliseconds(100),
       absl::Hours(1)},
      {"join_retry_initial", join_retry_initial, absl::Milliseconds(10),
       absl::Minutes(10)},
      {"join_retry_max", join_retry_max, join_retry_initial, absl::Hours(1)},
      {"leave_propagation", leave_propagation, absl::ZeroDuration(),
       absl::Minutes(1)},
      {"failed_after", failed_after, absl::Seconds(1), absl::Hours(24)},
      {"failed_member_retention", failed_member_retention, absl::Seconds(1),
       absl::Hours(24 * 30)},
      {"left_member_retention", left_member_retention, absl::Seconds(1),
       absl::Hours(24 * 30)},
      {"tombstone_ttl", tombstone_ttl, absl::Seconds(1), absl::Hours(24)},
      {"pause_limit", pause_limit, absl::Milliseconds(10), absl::Hours(1)},
      {"opinion_ttl", opinion_ttl, absl::Milliseconds(100), absl::Hours(1)},
  };
  for (const auto& d : durations) {
    if (!(s = CheckRange(d.field, d.value, d.lo, d.hi)).ok()) return s;
  }
  if (!(opinion_floor >= 0 && opinion_floor <= 64)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "opinion_floor must be in [0, 64], got %g", opinion_floor));
  }
  if (news_retransmit_mult < 1 || news_retransmit_mult > 100) {
    return absl::InvalidArgumentError(
        absl::StrCat("news_retransmit_mult must be in [1, 100], got ",
                     news_retransmit_mult));
  }
  if (max_members < 2 || max_members > 1000000) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_members must be in [2, 1000000], got ", max_members));
  }
  for (const auto& [field, rate] :
       {std::pair<const char*, double>{"admission_rate", admission_rate},
        {"admission_rate_per_source", admission_rate_per_source}}) {
    if (!(rate >= 1 && rate <= 1e6)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s must be in [1, 1e6], got %g", field, rate));
    }
  }
  if (protocol != 1 && protocol != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("protocol must be 1 or 2, got ", protocol));
  }
  if (monitors < 1 || monitors > 16) {
    return absl::InvalidArgumentError(
        absl::StrCat("monitors must be in [1, 16], got ", monitors));
  }
  if (quorum < 1 || quorum > monitors) {
    return absl::InvalidArgumentError(absl::StrCat(
        "quorum must be in [1, monitors = ", monitors, "], got ", quorum));
  }
  if (!(report_level > 0 && report_level <= 64)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "report_level must be in (0, 64], got %g", report_level));
  }
  if (!(s = CheckRange("summary_interval", summary_interval,
                       absl::Milliseconds(100), absl::Hours(1)))
           .ok()) {
    return s;
  }
  if (!(s = CheckRange("reconnect_interval", reconnect_interval,
                       absl::Seconds(1), absl::Hours(1)))
           .ok()) {
    return s;
  }
  absl::Status detector_status = detector.Validate();
  if (!detector_status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("detector.", detector_status.message()));
  }
  return absl::OkStatus();
}

GossipOptions GossipOptions::ForLan() {
  GossipOptions o;
  o.protocol = 2;
  o.detector = DetectorOptionsForInterval(o.gossip_interval);
  return o;
}

GossipOptions GossipOptions::ForWan() {
  GossipOptions o;
  o.protocol = 2;
  o.gossip_interval = absl::Milliseconds(500);
  o.fanout = 4;
  o.push_pull_interval = absl::Seconds(30);
  o.pause_limit = absl::Seconds(2);
  o.opinion_ttl = absl::Seconds(20);
  o.failed_after = absl::Minutes(2);
  o.reconnect_interval = absl::Seconds(30);
  o.detector = DetectorOptionsForInterval(o.gossip_interval);
  o.detector.acceptable_pause = absl::Seconds(2);
  return o;
}

GossipOptions GossipOptions::ForLean() {
  GossipOptions o;
  o.protocol = 2;
  o.gossip_interval = absl::Milliseconds(600);
  o.summary_interval = absl::Seconds(4);
  o.detector = DetectorOptionsForInterval(o.gossip_interval);
  return o;
}

GossipOptions GossipOptions::ForLocalTesting() {
  GossipOptions o = ForLan();
  // Many daemons share two cores: tolerate more scheduling jitter.
  o.pause_limit = absl::Seconds(1);
  o.detector.acceptable_pause = absl::Milliseconds(300);
  return o;
}

}  // namespace phid
