#include "client/top_view.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/format.h"

namespace phid {
namespace {

constexpr int kBarWidth = 20;
constexpr char kColumnGap[] = "  ";

// SGR codes; nullptr = the terminal's default.
constexpr char kBold[] = "\x1b[1m";
constexpr char kDim[] = "\x1b[2m";
constexpr char kGreen[] = "\x1b[32m";
constexpr char kYellow[] = "\x1b[33m";
constexpr char kRed[] = "\x1b[31m";
constexpr char kBoldRed[] = "\x1b[1;31m";
constexpr char kReset[] = "\x1b[0m";

// A run of text in one color.
struct Segment {
  std::string text;
  const char* sgr = nullptr;
};
using Line = std::vector<Segment>;

// At most `columns` visible characters of `line`, colored if `color`.
std::string Render(const Line& line, int columns, bool color) {
  std::string out;
  int room = std::max(columns, 0);
  for (const Segment& segment : line) {
    if (room == 0) break;
    const std::string text = segment.text.substr(
        0, std::min(segment.text.size(), static_cast<size_t>(room)));
    room -= static_cast<int>(text.size());
    if (color && segment.sgr != nullptr && !text.empty()) {
      absl::StrAppend(&out, segment.sgr, text, kReset);
    } else {
      absl::StrAppend(&out, text);
    }
  }
  return out;
}

std::string PadRight(const std::string& text, size_t width) {
  return text.size() >= width ? text
                              : text + std::string(width - text.size(), ' ');
}

std::string PadLeft(const std::string& text, size_t width) {
  return text.size() >= width ? text
                              : std::string(width - text.size(), ' ') + text;
}

const char* StateColor(phi::v1::PeerState state) {
  switch (state) {
    case phi::v1::PEER_STATE_ALIVE:
      return kGreen;
    case phi::v1::PEER_STATE_SUSPECT:
      return kBoldRed;
    case phi::v1::PEER_STATE_LEFT:
      return kDim;
    case phi::v1::PEER_STATE_FAILED:
      return kRed;
    default:
      return nullptr;
  }
}

const char* BarColor(double phi, double threshold) {
  if (phi >= threshold) return kRed;
  if (phi >= threshold / 2) return kYellow;
  return kGreen;
}

// The bar as colored segments; same text as PhiBar.
Line BarSegments(double phi, double threshold) {
  const std::string bar = PhiBar(phi, threshold, kBarWidth);
  const size_t filled = std::count(bar.begin(), bar.end(), '#');
  Line line;
  line.push_back({"["});
  line.push_back({bar.substr(1, filled), BarColor(phi, threshold)});
  line.push_back({bar.substr(1 + filled, kBarWidth - filled)});
  line.push_back({"]"});
  const std::string beyond = bar.substr(kBarWidth + 2);
  line.push_back({beyond, beyond == ">" ? kRed : nullptr});
  return line;
}

std::string Summary(const phi::v1::ListPeersResponse& response) {
  PeerStateCounts counts = CountStates(response.peers());
  const int alive = counts.alive, left = counts.left, other = counts.other;
  std::vector<std::string>& suspects = counts.suspects;
  std::sort(suspects.begin(), suspects.end());
  std::vector<std::string> parts = {absl::StrCat(alive, " alive")};
  if (!suspects.empty()) {
    parts.push_back(absl::StrCat(suspects.size(), " suspect (",
                                 absl::StrJoin(suspects, ", "), ")"));
  }
  if (counts.failed > 0) {
    parts.push_back(absl::StrCat(counts.failed, " failed"));
  }
  if (left > 0) parts.push_back(absl::StrCat(left, " left"));
  if (other > 0) parts.push_back(absl::StrCat(other, " other"));
  const int members = response.peers_size();
  return absl::StrCat(members, members == 1 ? " member: " : " members: ",
                      absl::StrJoin(parts, ", "));
}

// The header and one line per member, `budget` lines at most.
std::vector<Line> Table(const phi::v1::ListPeersResponse& response,
                        int budget) {
  std::vector<const phi::v1::Peer*> peers;
  for (const phi::v1::Peer& peer : response.peers()) peers.push_back(&peer);
  std::sort(peers.begin(), peers.end(),
            [](const phi::v1::Peer* a, const phi::v1::Peer* b) {
              return a->name() < b->name();
            });
  const double threshold = response.threshold();
  const std::string bar_header =
      absl::StrCat("PHI BAR (full at ", absl::StrFormat("%g", threshold), ")");

  struct Row {
    std::string name, state, phi, suspected_by, last_hb, ttt;
    const phi::v1::Peer* peer;
  };
  std::vector<Row> rows;
  // Fixed minimum widths, so columns do not jump when a member turns
  // SUSPECT or its phi reaches the clamp (1000.00).
  size_t name_width = 4, state_width = 7, phi_width = 7;
  for (const phi::v1::Peer* peer : peers) {
    const bool self = peer->is_self() || peer->name() == response.self();
    Row row{absl::StrCat(peer->name(), self ? "*" : ""),
            PeerStateName(peer->state()),
            absl::StrFormat("%.2f", peer->phi()),
            absl::StrCat(peer->suspected_by()),
            FormatProtoDuration(peer->last_heartbeat_age(),
                                peer->has_last_heartbeat_age()),
            FormatProtoDuration(peer->time_to_threshold(),
                                peer->has_time_to_threshold()),
            peer};
    name_width = std::max(name_width, row.name.size());
    state_width = std::max(state_width, row.state.size());
    phi_width = std::max(phi_width, row.phi.size());
    rows.push_back(std::move(row));
  }
  const size_t bar_width = std::max<size_t>(kBarWidth + 3, bar_header.size());
  const std::string suspected_header = "SUSPECTED_BY";
  const size_t last_hb_width = 7;  // "LAST_HB"

  std::vector<Line> lines;
  lines.push_back(
      {{absl::StrCat(PadRight("NAME", name_width), kColumnGap,
                     PadRight("STATE", state_width), kColumnGap,
                     PadLeft("PHI", phi_width), kColumnGap,
                     PadRight(bar_header, bar_width), kColumnGap,
                     suspected_header, kColumnGap,
                     PadRight("LAST_HB", last_hb_width), kColumnGap, "TTT"),
        kBold}});
  const int room = budget - 1;
  const bool cut = static_cast<int>(rows.size()) > room;
  const int shown = cut ? std::max(room - 1, 0) : static_cast<int>(rows.size());
  for (int i = 0; i < shown; ++i) {
    const Row& row = rows[i];
    const bool left = row.peer->state() == phi::v1::PEER_STATE_LEFT;
    const char* dim = left ? kDim : nullptr;
    Line line;
    line.push_back({PadRight(row.name, name_width) + kColumnGap, dim});
    line.push_back({row.state, StateColor(row.peer->state())});
    line.push_back({std::string(state_width - row.state.size(), ' ') +
                        kColumnGap + PadLeft(row.phi, phi_width) + kColumnGap,
                    dim});
    for (Segment& segment : BarSegments(row.peer->phi(), threshold)) {
      if (left) segment.sgr = kDim;
      line.push_back(std::move(segment));
    }
    line.push_back({std::string(bar_width - (kBarWidth + 3), ' ') + kColumnGap +
                        PadLeft(row.suspected_by, suspected_header.size()) +
                        kColumnGap + PadRight(row.last_hb, last_hb_width) +
                        kColumnGap + row.ttt,
                    row.peer->suspected_by() > 0 && !left ? kBold : dim});
    lines.push_back(std::move(line));
  }
  if (cut && room >= 1) {
    const size_t more = rows.size() - shown;
    lines.push_back(
        {{absl::StrCat("+", more, more == 1 ? " more member" : " more members",
                       " (enlarge the terminal)"),
          kDim}});
  }
  return lines;
}

}  // namespace

std::string PhiBar(double phi, double threshold, int width) {
  width = std::max(width, 0);
  int filled = 0;
  bool beyond = false;
  if (threshold > 0 && std::isfinite(threshold) && !std::isnan(phi)) {
    const double share = std::max(phi, 0.0) / threshold;
    filled = static_cast<int>(
        std::min(std::round(share * width), static_cast<double>(width)));
    if (share >= 1) filled = width;
    beyond = phi > threshold;
  }
  return absl::StrCat("[", std::string(filled, '#'),
                      std::string(width - filled, '.'), "]",
                      beyond ? ">" : " ");
}

std::vector<std::string> TopLines(const TopScreen& screen) {
  std::vector<Line> lines;
  std::string title = absl::StrCat("phictl top: ", screen.target);
  if (screen.peers.has_value()) {
    if (!screen.peers->self().empty()) {
      absl::StrAppend(&title, " (self ", screen.peers->self(), ")");
    }
    absl::StrAppend(&title, ", threshold ",
                    absl::StrFormat("%g", screen.peers->threshold()));
  }
  absl::StrAppend(&title, ", every ", FormatShortDuration(screen.interval));
  if (!screen.clock.empty()) absl::StrAppend(&title, "  ", screen.clock);
  lines.push_back({{title, kBold}});

  const std::string quit = "  (q or Ctrl-C quits)";
  const std::string retrying =
      absl::StrCat("retrying every ", FormatShortDuration(screen.interval));
  std::string summary;
  if (screen.peers.has_value()) {
    summary = Summary(*screen.peers);
    if (!screen.error.ok()) {
      absl::StrAppend(&summary, " (",
                      screen.peers_clock.empty()
                          ? ""
                          : absl::StrCat("as of ", screen.peers_clock, ", "),
                      retrying, ")");
    }
  } else if (screen.error.ok()) {
    summary = "waiting for the first answer";
  } else {
    summary = absl::StrCat("no answer yet, ", retrying);
  }
  lines.push_back({{summary}, {quit, kDim}});
  // The error has a line of its own: cut at the edge, it keeps its start.
  if (screen.error.ok()) {
    lines.push_back({});
  } else {
    lines.push_back({{absl::StrCat("! ", screen.error.message()), kBoldRed}});
  }

  if (screen.peers.has_value()) {
    const int budget = screen.rows - static_cast<int>(lines.size());
    for (Line& line : Table(*screen.peers, budget)) {
      lines.push_back(std::move(line));
    }
  }

  std::vector<std::string> out;
  for (const Line& line : lines) {
    if (static_cast<int>(out.size()) >= std::max(screen.rows, 0)) break;
    out.push_back(Render(line, screen.columns, screen.color));
  }
  return out;
}

std::string TopFrame(const TopScreen& screen) {
  // No line end after the last line: on the bottom row it would scroll.
  return absl::StrCat("\x1b[H", absl::StrJoin(TopLines(screen), "\x1b[K\r\n"),
                      "\x1b[K\x1b[J");
}

}  // namespace phid
