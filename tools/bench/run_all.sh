#!/usr/bin/env bash
# Regenerates BENCHMARKS.md and tools/bench/results/ from scratch:
#
#   tools/bench/run_all.sh              # everything, about an hour
#   tools/bench/run_all.sh qos report   # only some stages
#
# Stages, in order:
#   vs_serf  phid (lan and lean presets) and Serf (lan, local profiles) as
#            real processes on 127.0.3.N/127.0.4.N, ports 19100-19402:
#            kill -9 at N = 10 and 25, R=20 (tools/bench/vs_serf.py; issue
#            11's goals). About 40 min.
#   hundred  10 then 100 real `phid --preset=local` daemons on 127.0.3.N,
#            ports 19500-19502: bytes per node, RSS, kill -9 detection at
#            every observer (//tools/bench:hundred_daemons). About 5 min.
#            Do not edit this script while it runs: bash reads it as it goes.
#   qos      simulator (protocol 2): detection time vs mistake rate,
#            thresholds 1..16, loss 0/1/5 %, a pause, and heartbeat intervals
#            300 ms to 1 s, at N = 10 and 50 (simbench.py). A few minutes.
#   scale    simulator (protocol 2), issue 11's table: a crash and a healthy
#            cluster at N = 10, 100, 1,000 x loss 0, 5 % under
#            /usr/bin/time -v, each run capped (time and address space).
#            ~15-30 min. N = 10,000 on request: SCALE_SIZES=10,100,1000,10000
#            (an hour or more and ~16+ GB: raise SCALE_MAX_GIB too).
#   watch    bazel run //server:watch_bench with 1,000 and 10,000 watchers.
#            (It starts its own daemons on 127.0.0.1 with kernel-chosen
#            ports; that is how the tool is written.)
#   report   BENCHMARKS.md and results/qos.png from the JSON (report.py).
# Needs root for apt-get (serf, iptables, matplotlib, time: tools/setup.sh
# --bench) and for the iptables byte counters.
set -euo pipefail
cd "$(dirname "$0")/../.."

STAGES=("$@")
if [ ${#STAGES[@]} -eq 0 ]; then
  STAGES=(vs_serf hundred qos scale watch report)
fi
want() {
  local s
  for s in "${STAGES[@]}"; do [ "$s" = "$1" ] && return 0; done
  return 1
}

PY=python3
if /usr/bin/python3 -c "import matplotlib" 2>/dev/null; then
  PY=/usr/bin/python3  # Debian's, where python3-matplotlib installs
fi
OUT=tools/bench/results
mkdir -p "$OUT"

tools/setup.sh --bench
echo "run_all: building (opt)"
bazel build -c opt //server:phid //client:phictl //tools/simulator \
  //tools/bench:watch_tap //tools/bench:hundred_daemons //server:watch_bench \
  >/dev/null 2>&1 || {
  echo "run_all: build failed; run: bazel build -c opt //tools/bench:watch_tap" >&2
  exit 1
}
# bazel-bin follows whatever configuration was built last (others may build
# in this workspace too); the opt output directory does not move.
BIN="$(bazel info -c opt bazel-bin 2>/dev/null)"

# The machine, and the load other users put on it, for the report.
if [ "${STAGES[*]}" != "report" ]; then
  "$PY" tools/bench/report.py --machine >"$OUT/machine.json"
fi

if want vs_serf; then
  echo "run_all: vs_serf (about 40 minutes)"
  "$PY" tools/bench/vs_serf.py --bin="$BIN" --out="$OUT/vs_serf.json" \
    --sizes=10,25 --reps=10:20,25:20 --faults=kill \
    --tools=phid,serf-lan,serf-local,phid-lean --quiet=60 --recover_timeout=12
fi
if want hundred; then
  echo "run_all: hundred_daemons (about 5 minutes)"
  bazel run -c opt //tools/bench:hundred_daemons -- \
    --out="$OUT/hundred_daemons.json"
fi
if want qos; then
  echo "run_all: qos"
  "$PY" tools/bench/simbench.py qos --simulator="$BIN/tools/simulator/simulator" \
    --out="$OUT/qos.json"
fi
if want scale; then
  echo "run_all: scale"
  "$PY" tools/bench/simbench.py scale \
    --simulator="$BIN/tools/simulator/simulator" --out="$OUT/scale.json" \
    --sizes="${SCALE_SIZES:-10,100,1000}" --max_gib="${SCALE_MAX_GIB:-14}"
fi
if want watch; then
  for w in 1000 10000; do
    echo "run_all: watch_bench --watchers=$w"
    bazel run -c opt //server:watch_bench -- --watchers="$w" \
      >"$OUT/watch_bench_$w.txt" 2>"$OUT/watch_bench_$w.err" || {
      echo "run_all: watch_bench --watchers=$w failed (see $OUT/watch_bench_$w.err)" >&2
    }
  done
fi
if want report; then
  "$PY" tools/bench/report.py --results="$OUT" --markdown=BENCHMARKS.md
  echo "run_all: wrote BENCHMARKS.md and $OUT/qos.png"
fi
