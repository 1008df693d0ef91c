// The screen of `phictl top`: every member's phi, state and suspected-by
// count with a phi bar, redrawn in place with ANSI escape codes.
//
//   phictl top: 127.0.0.1:7070 (self node-1), threshold 8, every 500ms
//   5 members: 4 alive, 1 suspect (node-5)  (q or Ctrl-C quits)
//
//   NAME     STATE        PHI  PHI BAR (full at 8)      SUSPECTED_BY ...
//   node-1*  ALIVE       0.00  [....................]              0 ...
//   node-5   SUSPECT    14.20  [####################]>             3 ...
//
// (then LAST_HB, the age of the newest heartbeat, and TTT, the time until
// phi reaches the threshold). The first line ends with the frame's time.
// The bar is full at the threshold the states are judged against, and a '>'
// follows it beyond. When the latest call failed, the third line says why
// and the last answer stays on screen, its summary marked with its time.
//
// Pure functions: thread-safe, no I/O, no clock (the caller passes the
// time as text), so a frame is unit-tested byte for byte.
#ifndef PHID_CLIENT_TOP_VIEW_H_
#define PHID_CLIENT_TOP_VIEW_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "proto/phi.pb.h"

namespace phid {

// Everything one frame shows.
struct TopScreen {
  // Header: the daemon's address, the refresh interval and the time of this
  // frame ("12:00:01"; empty shows none).
  std::string target;
  absl::Duration interval = absl::Milliseconds(500);
  std::string clock;
  // The terminal's size. Longer lines are cut; members beyond the last row
  // are counted in a final "+N more" line. Below 20x6 the frame still
  // renders, cut.
  int columns = 80;
  int rows = 24;
  // SGR colors: states, the bar (green below half the threshold, yellow
  // below it, red at or above it) and the error line.
  bool color = true;
  // The latest successful answer, if any.
  std::optional<phi::v1::ListPeersResponse> peers;
  // When `peers` was answered ("12:00:00"), shown while `error` is set.
  std::string peers_clock;
  // The latest call's failure; OK if it succeeded.
  absl::Status error;
};

// The frame's lines, without line ends: each at most `columns` visible
// characters, at most `rows` of them; with SGR codes if `color`.
std::vector<std::string> TopLines(const TopScreen& screen);

// The frame to write to the terminal: cursor home, every line followed by
// erase-to-end-of-line, then erase below. Redraws in place without flicker.
std::string TopFrame(const TopScreen& screen);

// "[#####...............]" with `width` cells between the brackets: phi's
// share of `threshold`, rounded, full at or above it, then '>' beyond it
// (else a space). A non-positive threshold draws an empty bar.
std::string PhiBar(double phi, double threshold, int width);

}  // namespace phid

#endif  // PHID_CLIENT_TOP_VIEW_H_
