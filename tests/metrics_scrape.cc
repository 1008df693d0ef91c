#include "tests/metrics_scrape.h"

#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "httplib.h"

namespace phid {
namespace e2e {

double Metrics::Get(absl::string_view key) const {
  auto it = samples.find(std::string(key));
  return it == samples.end() ? 0 : it->second;
}

double Metrics::Sum(absl::string_view name) const {
  double sum = 0;
  for (const auto& [key, value] : samples) {
    absl::string_view k = key;
    if (!absl::ConsumePrefix(&k, name)) continue;
    if (k.empty() || k[0] == '{') sum += value;
  }
  return sum;
}

std::string DropsKey(absl::string_view reason) {
  return absl::StrCat("phid_gossip_drops_total{reason=\"", reason, "\"}");
}

absl::StatusOr<Metrics> ParseMetrics(absl::string_view text) {
  Metrics metrics;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (line[0] == '#') continue;
    size_t space = line.rfind(' ');
    if (space == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("metrics line without a value: '", line, "'"));
    }
    double value = 0;
    if (!absl::SimpleAtod(line.substr(space + 1), &value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("metrics line with a bad value: '", line, "'"));
    }
    metrics.samples[std::string(line.substr(0, space))] = value;
  }
  return metrics;
}

MetricsScraper::MetricsScraper(const std::string& address) : address_(address) {
  size_t colon = address.rfind(':');
  int port = 0;
  if (colon != std::string::npos) {
    (void)absl::SimpleAtoi(address.substr(colon + 1), &port);
  }
  client_ = std::make_unique<httplib::Client>(address.substr(0, colon), port);
  // A new connection per scrape: phid's metrics server does not set
  // TCP_NODELAY, so on a kept-alive connection every response waits out
  // the peer's delayed ACK (~40 ms).
  client_->set_keep_alive(false);
  client_->set_connection_timeout(2, 0);
  client_->set_read_timeout(5, 0);
}

MetricsScraper::~MetricsScraper() = default;

absl::StatusOr<Metrics> MetricsScraper::Scrape() {
  httplib::Result result = client_->Get("/metrics");
  if (!result) {
    return absl::UnavailableError(
        absl::StrCat("GET http://", address_,
                     "/metrics failed: ", httplib::to_string(result.error())));
  }
  if (result->status != 200) {
    return absl::UnavailableError(absl::StrCat(
        "GET http://", address_, "/metrics: HTTP ", result->status));
  }
  return ParseMetrics(result->body);
}

}  // namespace e2e
}  // namespace phid
