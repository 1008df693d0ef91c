#include "gossip/digest.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "gossip/address.h"
#include "gossip/tags.h"

namespace phid {
namespace {

namespace wire = phi::gossip::v1;

constexpr size_t kMaxAddressBytes = 64;

}  // namespace

size_t EntryWireSize(const wire::DigestEntry& entry) {
  size_t len = entry.ByteSizeLong();
  // field tag (1 byte for field 5) + length varint + payload
  return 1 +
         google::protobuf::io::CodedOutputStream::VarintSize32(
             static_cast<uint32_t>(len)) +
         len;
}

namespace {

wire::ReportModel ModelToWire(PhiModel model) {
  switch (model) {
    case PhiModel::kNormal:
      return wire::REPORT_MODEL_NORMAL;
    case PhiModel::kAkka:
      return wire::REPORT_MODEL_AKKA;
    case PhiModel::kExponential:
      return wire::REPORT_MODEL_EXPONENTIAL;
  }
  return wire::REPORT_MODEL_UNSPECIFIED;
}

// Sanity bounds on gossiped statistics (ms): no peer's numbers may put a
// member's crossing hours away.
constexpr double kMaxReportMs = 60 * 1000;
// Oldest heartbeat a report may cite. Older reports are left out when
// sending (a member kept for hours, a recovery of long ago): one would
// make the receiver drop the whole packet.
constexpr absl::Duration kMaxReportAge = absl::Hours(1);

bool ReportFromWire(const wire::MonitorReport& in, ReportEntry* out) {
  switch (in.model()) {
    case wire::REPORT_MODEL_NORMAL:
      out->model = PhiModel::kNormal;
      break;
    case wire::REPORT_MODEL_AKKA:
      out->model = PhiModel::kAkka;
      break;
    case wire::REPORT_MODEL_EXPONENTIAL:
      out->model = PhiModel::kExponential;
      break;
    default:
      return false;
  }
  auto in_range = [](double v, double lo, double hi) {
    return std::isfinite(v) && v >= lo && v <= hi;
  };
  if (in.monitor() == 0 || in.seq() == 0 ||
      !in_range(in.mean_ms(), 1, kMaxReportMs) ||
      !in_range(in.stddev_ms(), 0.1, kMaxReportMs) ||
      !in_range(in.acceptable_pause_ms(), 0, kMaxReportMs) ||
      in.last_heartbeat_age_us() >
          static_cast<uint64_t>(absl::ToInt64Microseconds(kMaxReportAge))) {
    return false;
  }
  out->monitor = in.monitor();
  out->seq = in.seq();
  out->suspect = in.suspect();
  out->distribution.mean_ms = in.mean_ms();
  out->distribution.stddev_ms = in.stddev_ms();
  out->distribution.acceptable_pause_ms = in.acceptable_pause_ms();
  out->age = absl::Microseconds(in.last_heartbeat_age_us());
  return true;
}

}  // namespace

void ToWire(const Member& member, bool is_self, MonoTime now,
            wire::DigestEntry* out, bool compact, bool v2) {
  out->set_name(member.name());
  out->set_generation(member.generation);
  out->set_heartbeat(member.heartbeat);
  out->set_status(member.status == MemberStatus::kLeft
                      ? wire::MEMBER_STATUS_LEFT
                      : wire::MEMBER_STATUS_ALIVE);
  if (compact) return;
  out->set_address(member.address());
  for (const auto& [key, value] : member.tags()) {
    (*out->mutable_tags())[key] = value;
  }
  if (v2) {
    for (const Member::Report& report : member.reports()) {
      if (now - report.curve.last_arrival > kMaxReportAge) continue;
      wire::MonitorReport* w = out->add_reports();
      w->set_monitor(report.monitor);
      w->set_seq(report.seq);
      w->set_suspect(report.suspect);
      w->set_model(ModelToWire(report.curve.model));
      w->set_mean_ms(report.curve.distribution.mean_ms);
      w->set_stddev_ms(report.curve.distribution.stddev_ms);
      w->set_acceptable_pause_ms(report.curve.distribution.acceptable_pause_ms);
      w->set_last_heartbeat_age_us(
          static_cast<uint64_t>(absl::ToInt64Microseconds(std::max(
              absl::ZeroDuration(), now - report.curve.last_arrival))));
    }
    return;
  }
  if (is_self) return;
  const HeartbeatHistory& history = member.detector()->history();
  if (member.measured && history.size() >= 2) {
    IntervalStats stats = history.stats();
    wire::IntervalStats* s = out->mutable_stats();
    s->set_count(stats.count);
    s->set_mean_ms(stats.mean_ms);
    s->set_variance_ms2(stats.variance_ms2);
  }
  if (member.status == MemberStatus::kAlive) {
    out->set_phi(member.detector()->Phi(now));
  }
}

bool FromWire(const wire::DigestEntry& in, GossipEntry* out,
              std::string* error) {
  if (!IsValidMemberName(in.name())) {
    *error = "invalid member name";
    return false;
  }
  bool compact = in.address().empty();
  if (compact && (in.has_stats() || in.tags_size() > 0 || in.phi() != 0 ||
                  in.reports_size() > 0)) {
    *error = absl::StrCat("compact entry with extra fields for ", in.name());
    return false;
  }
  if (in.address().size() > kMaxAddressBytes ||
      (!compact && !ParseAddress(in.address()).ok())) {
    *error = absl::StrCat("invalid address for ", in.name());
    return false;
  }
  if (in.generation() == 0) {
    *error = absl::StrCat("generation 0 for ", in.name());
    return false;
  }
  if (in.status() != wire::MEMBER_STATUS_ALIVE &&
      in.status() != wire::MEMBER_STATUS_LEFT) {
    *error = absl::StrCat("unknown status for ", in.name());
    return false;
  }
  if (!std::isfinite(in.phi()) || in.phi() < 0) {
    *error = absl::StrCat("invalid phi for ", in.name());
    return false;
  }
  Tags tags(in.tags().begin(), in.tags().end());
  absl::Status tag_status = ValidateTags(tags);
  if (!tag_status.ok()) {
    *error = absl::StrCat("invalid tags for ", in.name(), ": ",
                          tag_status.message());
    return false;
  }
  if (in.reports_size() > static_cast<int>(Membership::kMaxReports)) {
    *error = absl::StrCat("too many reports for ", in.name());
    return false;
  }
  out->reports.resize(in.reports_size());
  for (int i = 0; i < in.reports_size(); ++i) {
    if (!ReportFromWire(in.reports(i), &out->reports[i])) {
      *error = absl::StrCat("report ", i, " out of bounds for ", in.name());
      return false;
    }
  }
  out->has_stats = false;
  if (in.has_stats()) {
    const wire::IntervalStats& s = in.stats();
    if (s.count() < 1 || !std::isfinite(s.mean_ms()) || s.mean_ms() <= 0 ||
        !std::isfinite(s.variance_ms2()) || s.variance_ms2() < 0) {
      *error = absl::StrCat("invalid statistics for ", in.name());
      return false;
    }
    out->has_stats = true;
    out->stats = IntervalStats{s.count(), s.mean_ms(), s.variance_ms2()};
  }
  out->compact = compact;
  MemberRecord& r = out->record;
  r.name = in.name();
  r.address = in.address();
  r.generation = in.generation();
  r.heartbeat = in.heartbeat();
  r.status = in.status() == wire::MEMBER_STATUS_LEFT ? MemberStatus::kLeft
                                                     : MemberStatus::kAlive;
  r.tags = std::move(tags);
  out->phi = in.phi();
  return true;
}

void DigestBuilder::BeginRound(Membership& membership, size_t max_fresh) {
  fresh_ = membership.TakeFresh(max_fresh);
  // More news than a packet can hold waits for later rounds.
  constexpr size_t kMaxNewsPerRound = 32;
  news_ = membership.NewsToSend(kMaxNewsPerRound);
}

void DigestBuilder::Fill(Membership& membership, MonoTime now,
                         size_t byte_budget, wire::Packet* packet) {
  size_t used = packet->ByteSizeLong();
  added_.clear();
  // Serializes the member straight into the packet; takes it back out if
  // it does not fit.
  auto try_add = [&](const Member& member, bool is_self, bool compact = false) {
    wire::DigestEntry* entry = packet->add_entries();
    ToWire(member, is_self, now, entry, compact);
    size_t size = EntryWireSize(*entry);
    if (used + size > byte_budget) {
      packet->mutable_entries()->RemoveLast();
      return false;
    }
    used += size;
    added_.insert(&member);
    return true;
  };

  const Member* self = &membership.self_member();
  try_add(*self, /*is_self=*/true);

  // News may take half of the packet: heartbeats must keep flowing while a
  // join storm is spreading.
  size_t news_budget = used + (byte_budget - std::min(used, byte_budget)) / 2;
  for (const Member* news : news_) {
    if (used >= news_budget) break;
    if (added_.contains(news) || news->news_sends_left == 0) continue;
    if (!try_add(*news, news == self)) return;
    membership.NewsSent(news);
  }
  if (added_.contains(self) && self->news_sends_left > 0) {
    membership.NewsSent(self);
  }

  size_t fresh_budget =
      used + (byte_budget - std::min(used, byte_budget)) * 6 / 10;
  for (const Member* member : fresh_) {
    if (used >= fresh_budget) break;
    if (added_.contains(member)) continue;
    if (!try_add(*member, false, /*compact=*/true)) return;
  }

  const auto& members = membership.members();
  if (members.empty()) return;
  auto it = members.upper_bound(absl::string_view(cursor_));
  for (size_t visited = 0; visited < members.size(); ++visited) {
    if (it == members.end()) it = members.begin();
    const Member& member = **it;
    if (!added_.contains(&member) && !member.failed) {
      if (!try_add(member, false)) return;
      cursor_ = member.name();
    }
    ++it;
  }
}

}  // namespace phid
