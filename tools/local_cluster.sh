#!/usr/bin/env bash
# Starts a local phid cluster: N daemons (default 5) on 127.0.0.1..127.0.0.N,
# each with its own gossip, gRPC and metrics address, then watches it from
# the first daemon until Ctrl-C, which stops every daemon.
#
#   tools/local_cluster.sh            # 5 daemons
#   tools/local_cluster.sh 7          # 7 daemons
#   PHID_FLAGS="--tags=zone=a" tools/local_cluster.sh
set -euo pipefail
cd "$(dirname "$0")/.."

N="${1:-5}"
if ! [[ "$N" =~ ^[0-9]+$ ]] || [ "$N" -lt 1 ] || [ "$N" -gt 50 ]; then
  echo "usage: $0 [N]   (N daemons, 1 to 50; default 5)" >&2
  exit 2
fi

echo "local_cluster: building phid and phictl (the first build takes a few minutes)"
bazel build -c opt //server:phid //client:phictl >/dev/null 2>&1 || {
  echo "local_cluster: build failed; run: bazel build //server:phid //client:phictl" >&2
  exit 1
}
BIN="$(bazel info -c opt bazel-bin 2>/dev/null)"
PHID="$BIN/server/phid"
PHICTL="$BIN/client/phictl"

LOGS="$(mktemp -d /tmp/phid-cluster.XXXXXX)"
PIDS=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "local_cluster: stopping ${#PIDS[@]} daemons (they leave the cluster gracefully)"
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "local_cluster: logs kept in $LOGS"
}
trap cleanup INT TERM EXIT

for i in $(seq 1 "$N"); do
  ip="127.0.0.$i"
  # shellcheck disable=SC2086
  "$PHID" --name="node-$i" --bind="$ip:7946" --seeds="127.0.0.1:7946" \
    --grpc_address="$ip:7070" --metrics_address="$ip:9470" \
    --preset=local ${PHID_FLAGS:-} \
    >"$LOGS/node-$i.out" 2>&1 &
  PIDS+=($!)
done

sleep 1
for i in $(seq 1 "$N"); do
  if ! kill -0 "${PIDS[$((i - 1))]}" 2>/dev/null; then
    echo "local_cluster: node-$i failed to start:" >&2
    tail -5 "$LOGS/node-$i.out" >&2
    exit 1
  fi
done

cat <<MSG
local_cluster: $N daemons running (logs in $LOGS)
  node-i gossips on 127.0.0.i:7946, serves gRPC on 127.0.0.i:7070 and
  metrics on http://127.0.0.i:9470/metrics

In another terminal:
  $PHICTL --target=127.0.0.2:7070 peers
  $PHICTL --target=127.0.0.2:7070 watch --threshold=3 --levels=1s
  grpcurl -plaintext 127.0.0.1:7070 list
  grpcurl -plaintext -d '{"phi_threshold": 8}' 127.0.0.1:7070 phi.v1.FailureDetector/Watch
  kill -9 ${PIDS[$((N - 1))]}     # crash node-$N and watch it become SUSPECT

Watching from node-1 (Ctrl-C stops the cluster):
MSG
"$PHICTL" --target=127.0.0.1:7070 watch --threshold=8 || true
