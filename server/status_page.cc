#include "server/status_page.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/json_util.h"
#include "httplib.h"
#include "server/echo.h"

namespace phid {
namespace {

namespace v1 = ::phi::v1;

// cpp-httplib compresses "application/json" (the exact string) with brotli
// at its top quality when a browser accepts it: ~40 ms of CPU for each 30 KB
// poll, ten times the rest of the request. With the charset it serves the
// JSON as is, which on the loopback or a LAN costs nothing.
constexpr char kJsonType[] = "application/json; charset=utf-8";

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  // Only fails for messages that cannot be printed (Any without its type).
  if (!google::protobuf::util::MessageToJsonString(message, &out, options)
           .ok()) {
    return "{}";
  }
  return out;
}

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// A non-negative integer parameter in [min, max], or INVALID_ARGUMENT.
absl::Status ParseCount(const std::multimap<std::string, std::string>& params,
                        const char* name, size_t min, size_t max, size_t* out) {
  auto it = params.find(name);
  if (it == params.end()) return absl::OkStatus();
  uint64_t value = 0;
  if (!absl::SimpleAtoi(it->second, &value) || value < min || value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " must be an integer in [", min, ", ", max,
                     "], got ", Echo(it->second)));
  }
  *out = value;
  return absl::OkStatus();
}

bool MatchesText(const v1::Peer& peer, const std::string& text) {
  if (text.empty()) return true;
  auto has = [&text](absl::string_view field) {
    return absl::StrContains(absl::AsciiStrToLower(field), text);
  };
  if (has(peer.name()) || has(peer.address())) return true;
  for (const auto& [key, value] : peer.tags()) {
    if (has(absl::StrCat(key, "=", value))) return true;
  }
  return false;
}

void Reply(const absl::StatusOr<std::string>& json,
           httplib::Response& response) {
  response.set_header("Cache-Control", "no-store");
  response.set_header("X-Content-Type-Options", "nosniff");
  if (json.ok()) {
    response.set_content(*json, kJsonType);
    return;
  }
  response.status =
      json.status().code() == absl::StatusCode::kInvalidArgument ? 400 : 500;
  response.set_content(
      absl::StrCat("{\"error\":", JsonString(json.status().message()), "}\n"),
      kJsonType);
}

}  // namespace

absl::StatusOr<PeersQuery> ParsePeersQuery(
    const std::multimap<std::string, std::string>& params) {
  PeersQuery query;
  if (absl::Status s =
          ParseCount(params, "offset", 0, SIZE_MAX / 2, &query.offset);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          ParseCount(params, "limit", 1, kMaxPeersPageSize, &query.limit);
      !s.ok()) {
    return s;
  }
  if (auto it = params.find("q"); it != params.end()) {
    if (it->second.size() > kMaxPeersFilterBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("q must be at most ", kMaxPeersFilterBytes,
                       " bytes, got ", it->second.size()));
    }
    query.text = absl::AsciiStrToLower(it->second);
  }
  if (auto it = params.find("state"); it != params.end()) {
    const std::string& state = it->second;
    if (state == "alive") {
      query.state = v1::PEER_STATE_ALIVE;
    } else if (state == "suspect") {
      query.state = v1::PEER_STATE_SUSPECT;
    } else if (state == "left") {
      query.state = v1::PEER_STATE_LEFT;
    } else if (state == "failed") {
      query.state = v1::PEER_STATE_FAILED;
    } else if (!state.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "state must be alive, suspect, failed or left, got ", Echo(state)));
    }
  }
  if (auto it = params.find("sort"); it != params.end()) {
    if (it->second == "phi") {
      query.sort = PeersQuery::Sort::kPhi;
    } else if (it->second != "name" && !it->second.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("sort must be name or phi, got ", Echo(it->second)));
    }
  }
  if (auto it = params.find("phi_threshold"); it != params.end()) {
    double threshold = 0;
    if (!absl::SimpleAtod(it->second, &threshold)) {
      return absl::InvalidArgumentError(
          absl::StrCat("phi_threshold must be a number in (0, ",
                       kMaxPhiThreshold, "], got ", Echo(it->second)));
    }
    query.list.set_phi_threshold(threshold);
  }
  if (auto it = params.find("tag_selector"); it != params.end()) {
    query.list.set_tag_selector(it->second);
  }
  return query;
}

std::string RenderPeersJson(const v1::ListPeersResponse& all,
                            const PeersQuery& query) {
  size_t alive = 0, suspect = 0, failed = 0, left = 0;
  std::vector<const v1::Peer*> matched;
  for (const v1::Peer& peer : all.peers()) {
    switch (peer.state()) {
      case v1::PEER_STATE_SUSPECT:
        ++suspect;
        break;
      case v1::PEER_STATE_LEFT:
        ++left;
        break;
      case v1::PEER_STATE_FAILED:
        ++failed;
        break;
      default:
        ++alive;
    }
    if (query.state != v1::PEER_STATE_UNSPECIFIED &&
        peer.state() != query.state) {
      continue;
    }
    if (!MatchesText(peer, query.text)) continue;
    matched.push_back(&peer);
  }
  auto by_name = [](const v1::Peer* a, const v1::Peer* b) {
    return a->name() < b->name();
  };
  if (query.sort == PeersQuery::Sort::kPhi) {
    std::sort(matched.begin(), matched.end(),
              [&by_name](const v1::Peer* a, const v1::Peer* b) {
                if (a->phi() != b->phi()) return a->phi() > b->phi();
                return by_name(a, b);
              });
  } else {
    std::sort(matched.begin(), matched.end(), by_name);
  }
  v1::ListPeersResponse page;
  page.set_self(all.self());
  page.set_threshold(all.threshold());
  size_t begin = std::min(query.offset, matched.size());
  size_t end = std::min(matched.size(), begin + query.limit);
  for (size_t i = begin; i < end; ++i) *page.add_peers() = *matched[i];
  // The printed page is an object: its members follow ours.
  std::string printed = ToJson(page);
  return absl::StrCat("{\"total\":", all.peers_size(),
                      ",\"counts\":{\"alive\":", alive,
                      ",\"suspect\":", suspect, ",\"failed\":", failed,
                      ",\"left\":", left, "},\"matched\":", matched.size(),
                      ",\"offset\":", query.offset, ",\"limit\":", query.limit,
                      ",", absl::string_view(printed).substr(1), "\n");
}

TransitionLog::TransitionLog(size_t capacity) : capacity_(capacity) {}

void TransitionLog::Send(const v1::WatchResponse& message) {
  if (!message.has_transition()) return;
  absl::MutexLock lock(&mu_);
  epoch_ = message.epoch();
  events_.push_back(message);
  events_.back().set_sequence(++last_sequence_);
  if (events_.size() > capacity_) events_.pop_front();
}

std::string TransitionLog::RenderJson(uint64_t after, size_t limit) const {
  std::vector<v1::WatchResponse> events;
  uint64_t epoch, last;
  {
    absl::MutexLock lock(&mu_);
    epoch = epoch_;
    last = last_sequence_;
    // Sequences are consecutive: the first above `after` is at a known
    // index.
    uint64_t first = events_.empty() ? 0 : events_.front().sequence();
    size_t skip = after < first
                      ? 0
                      : std::min<uint64_t>(events_.size(), after - first + 1);
    skip = std::max(skip, events_.size() - std::min(events_.size(), limit));
    events.assign(events_.begin() + skip, events_.end());
  }
  std::vector<std::string> printed;
  printed.reserve(events.size());
  for (const v1::WatchResponse& event : events) {
    printed.push_back(ToJson(event));
  }
  return absl::StrCat("{\"epoch\":\"", epoch, "\",\"last_sequence\":\"", last,
                      "\",\"events\":[", absl::StrJoin(printed, ","), "]}\n");
}

void AddStatusPageRoutes(StatusPageSources sources, httplib::Server* server) {
  server->Get("/", [](const httplib::Request&, httplib::Response& response) {
    response.set_header("Cache-Control", "no-store");
    response.set_header("X-Content-Type-Options", "nosniff");
    response.set_header("X-Frame-Options", "DENY");
    response.set_header("Referrer-Policy", "no-referrer");
    // Everything is inline; the page only talks to the daemon that served
    // it.
    response.set_header(
        "Content-Security-Policy",
        "default-src 'none'; script-src 'unsafe-inline'; style-src "
        "'unsafe-inline'; connect-src 'self'; img-src data:; "
        "frame-ancestors 'none'; form-action 'none'; base-uri 'none'");
    response.set_content(kStatusPageHtml, "text/html; charset=utf-8");
  });
  server->Get("/v1/peers", [sources](const httplib::Request& request,
                                     httplib::Response& response) {
    absl::StatusOr<PeersQuery> query = ParsePeersQuery(request.params);
    if (!query.ok()) return Reply(query.status(), response);
    absl::StatusOr<v1::ListPeersResponse> all = sources.list_peers(query->list);
    if (!all.ok()) return Reply(all.status(), response);
    Reply(RenderPeersJson(*all, *query), response);
  });
  server->Get("/v1/events", [sources](const httplib::Request& request,
                                      httplib::Response& response) {
    size_t after = 0, limit = kDefaultEventsPerResponse;
    absl::Status s =
        ParseCount(request.params, "after", 0, UINT64_MAX / 2, &after);
    if (s.ok()) {
      s = ParseCount(request.params, "limit", 1, kMaxEventsPerResponse, &limit);
    }
    if (!s.ok()) return Reply(s, response);
    Reply(sources.log->RenderJson(after, limit), response);
  });
}

}  // namespace phid
