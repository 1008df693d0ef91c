#include "client/format.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"
#include "proto/duration.h"

namespace phid {
namespace {

// At most this many names of suspects in a snapshot line.
constexpr int kMaxNamesInLine = 5;

std::string FormatPhi(double phi) { return absl::StrFormat("%.2f", phi); }

// Heartbeat interval statistics stay in milliseconds, the unit of the
// fields and of the detector's options, so columns compare at a glance.
std::string FormatInterval(const phi::v1::Peer& peer, double ms) {
  if (peer.samples() == 0 && ms == 0) return "-";
  return ms < 10 ? absl::StrFormat("%.1fms", ms)
                 : absl::StrFormat("%.0fms", ms);
}

std::string FormatTags(const phi::v1::Peer& peer) {
  if (peer.tags().empty()) return "-";
  const std::map<std::string, std::string> sorted(peer.tags().begin(),
                                                  peer.tags().end());
  return absl::StrJoin(sorted, ",", absl::PairFormatter("="));
}

std::string ReasonText(const phi::v1::Transition& transition) {
  if (transition.reason() == phi::v1::TRANSITION_REASON_UNSPECIFIED) {
    return "";
  }
  const std::string& name = phi::v1::TransitionReason_Name(transition.reason());
  if (name.empty()) return absl::StrCat("reason ", transition.reason());
  std::string text = absl::StrReplaceAll(
      absl::AsciiStrToLower(absl::StripPrefix(name, "TRANSITION_REASON_")),
      {{"_", " "}});
  if (transition.reason() == phi::v1::TRANSITION_REASON_OBSERVER_PAUSED &&
      transition.has_paused()) {
    absl::StrAppend(&text, " for ",
                    FormatProtoDuration(transition.paused(), true));
  }
  return text;
}

std::string SnapshotText(const phi::v1::Snapshot& snapshot, uint64_t epoch) {
  PeerStateCounts counts = CountStates(snapshot.peers());
  const int alive = counts.alive, left = counts.left, other = counts.other;
  std::vector<std::string>& suspects = counts.suspects;
  std::string text =
      absl::StrCat("snapshot: ", snapshot.peers_size(),
                   snapshot.peers_size() == 1 ? " member" : " members");
  std::vector<std::string> parts;
  if (alive > 0) parts.push_back(absl::StrCat(alive, " alive"));
  if (!suspects.empty()) {
    std::sort(suspects.begin(), suspects.end());
    std::string names;
    const int shown =
        std::min(static_cast<int>(suspects.size()), kMaxNamesInLine);
    names = absl::StrJoin(suspects.begin(), suspects.begin() + shown, ", ");
    if (static_cast<int>(suspects.size()) > shown) {
      absl::StrAppend(&names, ", +", suspects.size() - shown, " more");
    }
    parts.push_back(absl::StrCat(suspects.size(), " suspect (", names, ")"));
  }
  if (counts.failed > 0) {
    parts.push_back(absl::StrCat(counts.failed, " failed"));
  }
  if (left > 0) parts.push_back(absl::StrCat(left, " left"));
  if (other > 0) parts.push_back(absl::StrCat(other, " other"));
  if (!parts.empty()) absl::StrAppend(&text, ", ", absl::StrJoin(parts, ", "));
  absl::StrAppend(&text, " [self ",
                  snapshot.self().empty() ? "?" : snapshot.self(), ", epoch ",
                  epoch, "]");
  return text;
}

std::string TransitionText(const phi::v1::Transition& transition) {
  const phi::v1::Peer& peer = transition.peer();
  std::string text = absl::StrCat(
      peer.name(), " ", PeerStateName(transition.previous_state()), " -> ",
      PeerStateName(peer.state()), " phi=", FormatPhi(transition.phi()));
  if (peer.threshold() > 0) {
    absl::StrAppend(&text,
                    " threshold=", absl::StrFormat("%g", peer.threshold()));
  }
  if (peer.suspected_by() > 0) {
    absl::StrAppend(&text, " suspected_by=", peer.suspected_by());
  }
  const std::string reason = ReasonText(transition);
  if (!reason.empty()) absl::StrAppend(&text, " (", reason, ")");
  return text;
}

std::string LevelsText(const phi::v1::Levels& levels) {
  if (levels.levels().empty()) return "levels: (none)";
  std::vector<std::string> parts;
  for (const phi::v1::Level& level : levels.levels()) {
    std::string part = absl::StrCat(level.name(), " ", FormatPhi(level.phi()));
    if (level.state() != phi::v1::PEER_STATE_ALIVE &&
        level.state() != phi::v1::PEER_STATE_UNSPECIFIED) {
      absl::StrAppend(&part, " ", PeerStateName(level.state()));
    }
    parts.push_back(std::move(part));
  }
  return absl::StrCat("levels: ", absl::StrJoin(parts, ", "));
}

// Pads every column but the last to its widest cell.
std::string AlignColumns(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(&line, row[i]);
      if (i + 1 < row.size()) {
        line.append(widths[i] - row[i].size() + 2, ' ');
      }
    }
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

}  // namespace

PeerStateCounts CountStates(
    const google::protobuf::RepeatedPtrField<phi::v1::Peer>& peers) {
  PeerStateCounts counts;
  for (const phi::v1::Peer& peer : peers) {
    switch (peer.state()) {
      case phi::v1::PEER_STATE_ALIVE:
        ++counts.alive;
        break;
      case phi::v1::PEER_STATE_SUSPECT:
        counts.suspects.push_back(peer.name());
        break;
      case phi::v1::PEER_STATE_LEFT:
        ++counts.left;
        break;
      case phi::v1::PEER_STATE_FAILED:
        ++counts.failed;
        break;
      default:
        ++counts.other;
        break;
    }
  }
  return counts;
}

std::string FormatShortDuration(absl::Duration duration) {
  if (duration == absl::InfiniteDuration()) return "inf";
  if (duration < absl::ZeroDuration()) {
    return absl::StrCat("-", FormatShortDuration(-duration));
  }
  if (duration == absl::ZeroDuration()) return "0s";
  if (duration < absl::Milliseconds(10)) {
    return absl::StrFormat("%.1fms", absl::ToDoubleMilliseconds(duration));
  }
  if (duration < absl::Seconds(1)) {
    return absl::StrFormat("%.0fms", absl::ToDoubleMilliseconds(duration));
  }
  if (duration < absl::Minutes(1)) {
    return absl::StrFormat("%.1fs", absl::ToDoubleSeconds(duration));
  }
  if (duration < absl::Hours(1)) {
    const int64_t seconds = absl::ToInt64Seconds(duration);
    return absl::StrFormat("%dm%02ds", seconds / 60, seconds % 60);
  }
  const int64_t minutes = absl::ToInt64Minutes(duration);
  return absl::StrFormat("%dh%02dm", minutes / 60, minutes % 60);
}

std::string FormatProtoDuration(const google::protobuf::Duration& duration,
                                bool present) {
  if (!present) return "-";
  return FormatShortDuration(FromProtoDuration(duration));
}

std::string PeerStateName(phi::v1::PeerState state) {
  const std::string& name = phi::v1::PeerState_Name(state);
  if (name.empty()) return absl::StrCat("STATE_", static_cast<int>(state));
  return std::string(absl::StripPrefix(name, "PEER_STATE_"));
}

std::string FormatPeersTable(const phi::v1::ListPeersResponse& response) {
  std::vector<const phi::v1::Peer*> peers;
  for (const phi::v1::Peer& peer : response.peers()) peers.push_back(&peer);
  std::sort(peers.begin(), peers.end(),
            [](const phi::v1::Peer* a, const phi::v1::Peer* b) {
              return a->name() < b->name();
            });
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "STATE", "PHI", "TTT", "LAST_HB", "MEAN", "STDDEV",
       "SUSPECTED_BY", "GEN", "ADDRESS", "TAGS"}};
  for (const phi::v1::Peer* peer : peers) {
    const bool self = peer->is_self() || (!response.self().empty() &&
                                          peer->name() == response.self());
    rows.push_back({
        absl::StrCat(peer->name(), self ? "*" : ""),
        PeerStateName(peer->state()),
        FormatPhi(peer->phi()),
        FormatProtoDuration(peer->time_to_threshold(),
                            peer->has_time_to_threshold()),
        FormatProtoDuration(peer->last_heartbeat_age(),
                            peer->has_last_heartbeat_age()),
        FormatInterval(*peer, peer->interval_mean_ms()),
        FormatInterval(*peer, peer->interval_stddev_ms()),
        absl::StrCat(peer->suspected_by()),
        absl::StrCat(peer->generation()),
        peer->address().empty() ? "-" : peer->address(),
        FormatTags(*peer),
    });
  }
  return AlignColumns(rows);
}

std::string FormatPeer(const phi::v1::Peer& peer) {
  const std::string status_name =
      phi::v1::MemberStatus_Name(peer.status()).empty()
          ? absl::StrCat(static_cast<int>(peer.status()))
          : std::string(absl::StripPrefix(
                phi::v1::MemberStatus_Name(peer.status()), "MEMBER_STATUS_"));
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"name", absl::StrCat(peer.name(), peer.is_self() ? " (self)" : "")},
      {"address", peer.address().empty() ? "-" : peer.address()},
      {"state", PeerStateName(peer.state())},
      {"phi", FormatPhi(peer.phi())},
      {"threshold", absl::StrFormat("%g", peer.threshold())},
      {"time_to_threshold", FormatProtoDuration(peer.time_to_threshold(),
                                                peer.has_time_to_threshold())},
      {"last_heartbeat", FormatProtoDuration(peer.last_heartbeat_age(),
                                             peer.has_last_heartbeat_age())},
      {"interval_mean", FormatInterval(peer, peer.interval_mean_ms())},
      {"interval_stddev", FormatInterval(peer, peer.interval_stddev_ms())},
      {"samples", absl::StrCat(peer.samples())},
      {"suspected_by", absl::StrCat(peer.suspected_by())},
      {"status", status_name},
      {"generation", absl::StrCat(peer.generation())},
      {"heartbeat", absl::StrCat(peer.heartbeat())},
      {"tags", FormatTags(peer)},
  };
  std::vector<std::vector<std::string>> rows;
  for (const auto& [key, value] : fields) {
    rows.push_back({absl::StrCat(key, ":"), value});
  }
  return AlignColumns(rows);
}

std::string FormatWatchEvent(const phi::v1::WatchResponse& message,
                             absl::TimeZone zone) {
  std::string line;
  if (message.sent_unix_micros() != 0) {
    line = absl::StrCat(
        absl::FormatTime("%H:%M:%E3S",
                         absl::FromUnixMicros(message.sent_unix_micros()),
                         zone),
        " ");
  }
  switch (message.event_case()) {
    case phi::v1::WatchResponse::kSnapshot:
      absl::StrAppend(&line, SnapshotText(message.snapshot(), message.epoch()));
      break;
    case phi::v1::WatchResponse::kTransition:
      absl::StrAppend(&line, TransitionText(message.transition()));
      break;
    case phi::v1::WatchResponse::kLevels:
      absl::StrAppend(&line, LevelsText(message.levels()));
      break;
    case phi::v1::WatchResponse::kHeartbeat:
      absl::StrAppend(&line, "idle heartbeat");
      break;
    case phi::v1::WatchResponse::EVENT_NOT_SET:
      absl::StrAppend(&line, "unknown event (a newer daemon?) sequence ",
                      message.sequence());
      break;
  }
  return line;
}

absl::StatusOr<std::string> ToJsonLine(
    const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.always_print_primitive_fields = true;
  std::string json;
  const auto status =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot print as JSON: ", status.ToString()));
  }
  return json;
}

}  // namespace phid
