// Which report keys an anti-entropy summary lists (protocol 2), and what a
// received summary's list says about its sender.
//
// A summary has room for kMaxSummaryKeys report keys (24 keys and 64
// bucket hashes fit one datagram); Membership::SummaryKeys gives them sorted
// by (subject, monitor). While they fit, a summary lists them all. With more
// standing (e.g. 30 members suspected at once), each summary lists a *run*:
// up to kMaxSummaryKeys consecutive keys in that order, cyclic, from a
// cursor that the next summary goes on from (SummaryKeyCursor), so every key
// is offered within ceil(keys / kMaxSummaryKeys) summaries, and says so
// (Summary.reports_partial). A report one peer missed is then repaired
// whatever its place in the order; listing the first keys only, one beyond
// them was never repaired by anti-entropy.
//
// The receiver judges a partial list by its run alone (SummaryCoverage): a
// key of its own between the first and the last listed key (cyclic) that
// the sender did not list is one the sender lacks; a key outside the run
// says nothing. Read as a complete list, every summary of a peer holding
// more than kMaxSummaryKeys keys sent back the ones it left out: repairs
// that changed nothing, every summary_interval.
//
// A reply to a summary lists its run from the first key the summary listed
// (RunFrom), so that what the reply shows we lack lies in what the summary
// covered.
//
// Values, no state beyond the cursor; owned by the GossipNode that sends.
#ifndef PHID_GOSSIP_SUMMARY_KEYS_H_
#define PHID_GOSSIP_SUMMARY_KEYS_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "gossip/membership.h"
#include "proto/gossip.pb.h"

namespace phid {

// Report keys a summary lists at most.
inline constexpr size_t kMaxSummaryKeys = 24;

// A report key's place in the order: (subject, monitor).
using ReportKeyPosition = std::pair<uint64_t, uint64_t>;

// The keys one summary lists, in the order they go on the wire.
struct SummaryKeyRun {
  std::vector<Membership::ReportKeyValue> keys;
  bool partial = false;  // fewer than the sender holds
};

// Every key of `keys` (sorted by (subject, monitor)) if they fit; else the
// kMaxSummaryKeys from the first at or after `from`, wrapping around.
SummaryKeyRun RunFrom(const std::vector<Membership::ReportKeyValue>& keys,
                      ReportKeyPosition from);

// Rotates the runs of successive summaries.
class SummaryKeyCursor {
 public:
  // The run for our next summary (RunFrom the cursor); a partial run moves
  // the cursor to the key after its last.
  SummaryKeyRun Next(const std::vector<Membership::ReportKeyValue>& keys);

 private:
  ReportKeyPosition next_{0, 0};
};

// Writes `run` into `summary` (reports, reports_partial).
void ListReportKeys(const SummaryKeyRun& run,
                    phi::gossip::v1::Summary* summary);

// What a received summary's key list covers: every key if complete, else
// the cyclic run from its first listed key to its last. Nothing here is
// trusted: an unsorted (forged) list only narrows or widens the run, which
// decides which of our keys we offer, never what we accept.
class SummaryCoverage {
 public:
  explicit SummaryCoverage(const phi::gossip::v1::Summary& summary);
  bool Covers(ReportKeyPosition key) const;
  // The first key listed, where a reply's run starts; {0, 0} if none.
  ReportKeyPosition first() const { return first_; }

 private:
  bool partial_ = false;
  bool listed_ = false;  // any key listed
  ReportKeyPosition first_{0, 0};
  ReportKeyPosition last_{0, 0};
};

}  // namespace phid

#endif  // PHID_GOSSIP_SUMMARY_KEYS_H_
