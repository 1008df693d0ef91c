// MetricsScraper: reads a daemon's Prometheus text from
// http://<metrics_address>/metrics (cpp-httplib client; about 1 ms a scrape
// on loopback, so a test may poll).
//
//   MetricsScraper scraper("127.0.1.51:17541");
//   absl::StatusOr<Metrics> m = scraper.Scrape();
//   double auth = m->Get("phid_gossip_drops_total{reason=\"auth_failed\"}");
//   double drops = m->Sum("phid_gossip_drops_total");
//
// Thread safety: a scraper is used from one thread at a time.
#ifndef PHID_TESTS_METRICS_SCRAPE_H_
#define PHID_TESTS_METRICS_SCRAPE_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace httplib {
class Client;
}  // namespace httplib

namespace phid {
namespace e2e {

// One scrape: sample key (name with its labels, exactly as exposed, e.g.
// `phid_gossip_drops_total{reason="malformed"}`) -> value.
struct Metrics {
  std::map<std::string, double> samples;

  // The sample's value; 0 if absent.
  double Get(absl::string_view key) const;
  // The sum of every sample of metric `name` (all label values).
  double Sum(absl::string_view name) const;
};

// Parses Prometheus text exposition (the subset phid writes).
absl::StatusOr<Metrics> ParseMetrics(absl::string_view text);

// The label key of a drop reason: phid_gossip_drops_total{reason="<r>"}.
std::string DropsKey(absl::string_view reason);

class MetricsScraper final {
 public:
  // `address` is "ip:port".
  explicit MetricsScraper(const std::string& address);
  MetricsScraper(const MetricsScraper&) = delete;
  MetricsScraper& operator=(const MetricsScraper&) = delete;
  ~MetricsScraper();

  absl::StatusOr<Metrics> Scrape();

 private:
  const std::string address_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace e2e
}  // namespace phid

#endif  // PHID_TESTS_METRICS_SCRAPE_H_
