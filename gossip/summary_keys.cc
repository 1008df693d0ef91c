#include "gossip/summary_keys.h"

#include <algorithm>

namespace phid {
namespace {

ReportKeyPosition PositionOf(const Membership::ReportKeyValue& key) {
  return {key.subject, key.monitor};
}

}  // namespace

SummaryKeyRun RunFrom(const std::vector<Membership::ReportKeyValue>& keys,
                      ReportKeyPosition from) {
  SummaryKeyRun run;
  if (keys.size() <= kMaxSummaryKeys) {
    run.keys = keys;
    return run;
  }
  run.partial = true;
  const size_t start =
      std::lower_bound(
          keys.begin(), keys.end(), from,
          [](const Membership::ReportKeyValue& key,
             const ReportKeyPosition& at) { return PositionOf(key) < at; }) -
      keys.begin();
  run.keys.reserve(kMaxSummaryKeys);
  for (size_t i = 0; i < kMaxSummaryKeys; ++i) {
    run.keys.push_back(keys[(start + i) % keys.size()]);
  }
  return run;
}

SummaryKeyRun SummaryKeyCursor::Next(
    const std::vector<Membership::ReportKeyValue>& keys) {
  SummaryKeyRun run = RunFrom(keys, next_);
  if (run.partial) {
    // The key after the last listed: a real key, so a run that starts at
    // it still starts there after keys before it came or went.
    const Membership::ReportKeyValue& last = run.keys.back();
    auto after = std::upper_bound(
        keys.begin(), keys.end(), PositionOf(last),
        [](const ReportKeyPosition& at, const Membership::ReportKeyValue& key) {
          return at < PositionOf(key);
        });
    next_ = after == keys.end() ? PositionOf(keys.front()) : PositionOf(*after);
  }
  return run;
}

void ListReportKeys(const SummaryKeyRun& run,
                    phi::gossip::v1::Summary* summary) {
  for (const Membership::ReportKeyValue& key : run.keys) {
    phi::gossip::v1::ReportKey* k = summary->add_reports();
    k->set_subject(key.subject);
    k->set_monitor(key.monitor);
    k->set_seq(key.seq);
  }
  if (run.partial) summary->set_reports_partial(true);
}

SummaryCoverage::SummaryCoverage(const phi::gossip::v1::Summary& summary)
    : partial_(summary.reports_partial()) {
  if (summary.reports_size() == 0) return;
  listed_ = true;
  const auto& first = summary.reports(0);
  const auto& last = summary.reports(summary.reports_size() - 1);
  first_ = {first.subject(), first.monitor()};
  last_ = {last.subject(), last.monitor()};
}

bool SummaryCoverage::Covers(ReportKeyPosition key) const {
  if (!partial_) return true;
  if (!listed_) return false;  // partial yet empty: covers nothing
  if (first_ <= last_) return first_ <= key && key <= last_;
  return key >= first_ || key <= last_;  // the run wrapped around
}

}  // namespace phid
