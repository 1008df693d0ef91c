#!/usr/bin/env bash
# `phictl top` as a person sees it: three real daemons, phictl top in a tmux
# terminal, the screen read back with capture-pane.
#   phictl_top_screen_test.sh PHID PHICTL
# Checks that the screen lists every member alive, that a crashed member
# turns SUSPECT on screen, and that 'q' and Ctrl-C end top with exit 0 and
# give the terminal back. Daemons on 127.0.2.11-13 (gossip :18346, gRPC
# :18370). The screens are printed and kept in the test's outputs.
set -euo pipefail

PHID="$(readlink -f "$1")"
PHICTL="$(readlink -f "$2")"
if ! command -v tmux >/dev/null 2>&1; then
  echo "FAIL: tmux is not installed: run tools/setup.sh" >&2
  exit 1
fi

WORK="$(mktemp -d /tmp/phid-top.XXXXXX)"  # short: tmux's socket lives here
OUT="${TEST_UNDECLARED_OUTPUTS_DIR:-$WORK}"
TMUX_CMD=(tmux -S "$WORK/tmux.sock" -f /dev/null)
PIDS=()
cleanup() {
  "${TMUX_CMD[@]}" kill-server 2>/dev/null || true
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

for i in 11 12 13; do
  "$PHID" --name="node-$i" --bind="127.0.2.$i:18346" --seeds="127.0.2.11:18346" \
    --grpc_address="127.0.2.$i:18370" --metrics_address= --preset=local \
    >"$OUT/node-$i.log" 2>&1 &
  PIDS+=($!)
done
TARGET=127.0.2.11:18370

# Until node-11 knows all three members.
for _ in $(seq 1 100); do
  if [ "$("$PHICTL" --target="$TARGET" --timeout=1s peers 2>/dev/null | grep -c ALIVE)" = 3 ]; then
    break
  fi
  sleep 0.1
done
"$PHICTL" --target="$TARGET" peers | grep -q "node-13" || fail "the cluster did not form"

# screen NAME: the visible screen of tmux session NAME.
screen() { "${TMUX_CMD[@]}" capture-pane -p -t "$1"; }

# wait_for_screen NAME WHAT PATTERN...: until every grep -E PATTERN matches.
wait_for_screen() {
  local name="$1" what="$2"
  shift 2
  for _ in $(seq 1 100); do
    local shot all=1
    shot="$(screen "$name")"
    for pattern in "$@"; do
      grep -Eq -- "$pattern" <<<"$shot" || all=0
    done
    if [ "$all" = 1 ]; then
      printf '%s\n' "$shot" >"$OUT/$name-$what.txt"
      echo "--- screen of $name: $what"
      printf '%s\n' "$shot" | sed -e 's/[[:space:]]*$//' | sed -e '/^$/N;/^\n$/D'
      return 0
    fi
    sleep 0.1
  done
  echo "--- screen of $name, waiting for $what:" >&2
  screen "$name" >&2
  fail "the screen never showed $what"
}

# start_top NAME: phictl top in a 120x30 tmux terminal; its exit status
# goes to $WORK/NAME.exit.
start_top() {
  "${TMUX_CMD[@]}" new-session -d -s "$1" -x 120 -y 30 \
    "'$PHICTL' --target=$TARGET top --interval=200ms; echo \$? >'$WORK/$1.exit'; sleep 600"
}

# wait_for_exit NAME: phictl's exit status, once it exited.
wait_for_exit() {
  for _ in $(seq 1 50); do
    if [ -s "$WORK/$1.exit" ]; then
      cat "$WORK/$1.exit"
      return 0
    fi
    sleep 0.1
  done
  fail "phictl top in $1 did not exit"
}

start_top top
wait_for_screen top "all members alive" \
  '^phictl top: 127\.0\.2\.11:18370 \(self node-11\), threshold 8, every 200ms' \
  '^3 members: 3 alive' \
  '^NAME +STATE +PHI +PHI BAR \(full at 8\) +SUSPECTED_BY +LAST_HB +TTT' \
  '^node-11\* +ALIVE +[0-9]+\.[0-9]{2} +\[[#.]{20}\]' \
  '^node-12 +ALIVE +[0-9]+\.[0-9]{2} +\[[#.]{20}\]' \
  '^node-13 +ALIVE +[0-9]+\.[0-9]{2} +\[[#.]{20}\]'

kill -9 "${PIDS[2]}"  # node-13 crashes
wait "${PIDS[2]}" 2>/dev/null || true
wait_for_screen top "node-13 suspect" \
  '^3 members: 2 alive, 1 suspect \(node-13\)' \
  '^node-13 +SUSPECT +[0-9]+\.[0-9]{2} +\[#{20}\]>' \
  '^node-12 +ALIVE'

"${TMUX_CMD[@]}" send-keys -t top q
[ "$(wait_for_exit top)" = 0 ] || fail "phictl top did not exit 0 on q"
# The alternate screen is gone: the terminal shows what it showed before.
if screen top | grep -q "phictl top:"; then
  screen top >&2
  fail "the screen was not given back after q"
fi

start_top ctrl-c
wait_for_screen ctrl-c "the view" '^node-12 +ALIVE'
"${TMUX_CMD[@]}" send-keys -t ctrl-c C-c
[ "$(wait_for_exit ctrl-c)" = 0 ] || fail "phictl top did not exit 0 on Ctrl-C"
screen ctrl-c | grep -q "phictl top:" && fail "the screen was not given back after Ctrl-C"

echo "PASS: phictl top showed every member, the crash, and quit on q and Ctrl-C"
