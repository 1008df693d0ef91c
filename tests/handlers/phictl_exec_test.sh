#!/usr/bin/env bash
# `phictl watch --exec` end to end, and the example webhook handler.
#   phictl_exec_test.sh PHID PHICTL RECORD_EVENT WEBHOOK
# 1. deploy/handlers/webhook.sh POSTs an event's JSON and headers to a
#    loopback HTTP server (127.0.2.34:18540), and fails on an HTTP error.
# 2. Three daemons (127.0.2.31-33, gossip :18530, gRPC :18531); phictl
#    watches node-31 at threshold 3 with --exec=record_event.sh; node-33 is
#    killed (SIGKILL) and the handler must see its SUSPECT transition in its
#    environment and as JSON on stdin, and nobody else suspected.
# Logs and the recorded events are kept in the test's outputs.
set -euo pipefail

PHID="$(readlink -f "$1")"
PHICTL="$(readlink -f "$2")"
RECORD_EVENT="$(readlink -f "$3")"
WEBHOOK="$(readlink -f "$4")"
for tool in python3 curl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "FAIL: $tool is missing: run tools/setup.sh" >&2; exit 1; }
done

WORK="$(mktemp -d "${TEST_TMPDIR:-/tmp}/phid-exec.XXXXXX")"
OUT="${TEST_UNDECLARED_OUTPUTS_DIR:-$WORK}"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for f in "$OUT"/*.log "$OUT"/events; do
    [ -f "$f" ] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }
  done
  exit 1
}

# wait_for SECONDS WHAT COMMAND...: until COMMAND succeeds, polling.
wait_for() {
  local seconds="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || fail "timed out after ${seconds}s waiting for $what"
    sleep 0.1
  done
}

echo "=== webhook.sh"
# A one-file HTTP server: records each POST (headers, body) in $WORK/posts;
# /fail answers 500. Gone after 60 s whatever happens.
cat >"$WORK/server.py" <<'PY'
import http.server, json, sys
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(sys.argv[1], "a") as f:
            f.write(json.dumps({"path": self.path,
                                "event": self.headers["X-Phid-Event"],
                                "peer": self.headers["X-Phid-Peer"],
                                "type": self.headers["Content-Type"],
                                "body": body.decode()}) + "\n")
        self.send_response(500 if self.path == "/fail" else 200)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.2.34", 18540), Handler).serve_forever()
PY
timeout 60 python3 "$WORK/server.py" "$WORK/posts" >"$OUT/webhook-server.log" 2>&1 &
PIDS+=($!)
post() {  # post PATH: runs webhook.sh with a canned event
  printf '%s\n' '{"sequence":"9","transition":{"peer":{"name":"node-9"}}}' |
    PHID_WEBHOOK_URL="http://127.0.2.34:18540$1" PHID_EVENT=member-suspect \
      PHID_PEER=node-9 "$WEBHOOK"
}
wait_for 10 "the webhook server" curl -s -o /dev/null -X POST --data x http://127.0.2.34:18540/ready
post /hook || fail "webhook.sh failed against a server that answers 200"
if post /fail 2>"$OUT/webhook-fail.log"; then
  fail "webhook.sh exited 0 although the server answered 500"
fi
python3 - "$WORK/posts" <<'PY' || fail "the webhook server did not get the event"
import json, sys
posts = [json.loads(l) for l in open(sys.argv[1])]
hook = [p for p in posts if p["path"] == "/hook"]
assert len(hook) == 1, posts
p = hook[0]
assert p["event"] == "member-suspect" and p["peer"] == "node-9", p
assert p["type"] == "application/json", p
assert json.loads(p["body"])["transition"]["peer"]["name"] == "node-9", p
print("webhook.sh posted", p["body"].strip())
PY

echo "=== phictl watch --exec"
for i in 31 32 33; do
  "$PHID" --name="node-$i" --bind="127.0.2.$i:18530" --seeds="127.0.2.31:18530" \
    --grpc_address="127.0.2.$i:18531" --metrics_address= --preset=local \
    >"$OUT/node-$i.log" 2>&1 &
  PIDS+=($!)
done
NODE_33_PID="${PIDS[-1]}"
TARGET=127.0.2.31:18531
three_alive() {
  [ "$("$PHICTL" --target="$TARGET" --timeout=1s peers 2>/dev/null | grep -c ALIVE)" = 3 ]
}
wait_for 20 "node-31 to see three members alive" three_alive

export RECORD_DIR="$WORK"
: >"$WORK/events"
"$PHICTL" --target="$TARGET" watch --threshold=3 --exec="$RECORD_EVENT" \
  --exec_timeout=5s >"$OUT/phictl.log" 2>"$OUT/phictl-stderr.log" &
PHICTL_PID=$!
PIDS+=($PHICTL_PID)
wait_for 10 "phictl's snapshot" grep -q "snapshot: 3 members, 3 alive" "$OUT/phictl.log"

kill -KILL "$NODE_33_PID"
# The parser prints the suspicion's block once it is complete.
suspicion() {
  python3 - "$WORK/events" >"$WORK/suspicion" 2>/dev/null <<'PY'
import json, sys
blocks = open(sys.argv[1]).read().split("---\n")[1:]
for block in blocks:
    env = dict(line.split("=", 1) for line in block.splitlines() if line)
    if env.get("PHID_PEER") == "node-33" and env.get("PHID_EVENT") == "member-suspect" \
            and "JSON" in env and block.endswith("\n"):
        json.loads(env["JSON"])
        print(json.dumps(env))
        sys.exit(0)
sys.exit(1)
PY
}
wait_for 20 "the handler to record node-33's suspicion" suspicion
cp "$WORK/events" "$OUT/events"

python3 - "$WORK/suspicion" "$WORK/events" <<'PY' || fail "the recorded event is wrong"
import json, sys
env = json.load(open(sys.argv[1]))
expect = {"PHID_STATE": "SUSPECT", "PHID_PREVIOUS_STATE": "ALIVE",
          "PHID_REASON": "crossed_threshold", "PHID_THRESHOLD": "3",
          "PHID_TARGET": "127.0.2.31:18531", "PHID_ADDRESS": "127.0.2.33:18530"}
for key, value in expect.items():
    assert env.get(key) == value, (key, env.get(key), value)
assert float(env["PHID_PHI"]) >= 3, env["PHID_PHI"]
message = json.loads(env["JSON"])
transition = message["transition"]
assert transition["peer"]["name"] == "node-33", message
assert transition["peer"]["state"] == "PEER_STATE_SUSPECT", message
assert transition["previousState"] == "PEER_STATE_ALIVE", message
assert message["sequence"] == env["PHID_SEQUENCE"], message
# Nobody but node-33 was suspected.
for block in open(sys.argv[2]).read().split("---\n")[1:]:
    fields = dict(l.split("=", 1) for l in block.splitlines() if l)
    if fields.get("PHID_EVENT") == "member-suspect":
        assert fields["PHID_PEER"] == "node-33", fields
print("handler saw", env["PHID_PEER"], env["PHID_PREVIOUS_STATE"], "->",
      env["PHID_STATE"], "phi", env["PHID_PHI"], "sequence", env["PHID_SEQUENCE"])
PY
grep -q "node-33 ALIVE -> SUSPECT" "$OUT/phictl.log" || fail "phictl did not print the transition"
if grep -q "handler" "$OUT/phictl-stderr.log"; then
  fail "phictl logged a handler failure: $(cat "$OUT/phictl-stderr.log")"
fi

# Ctrl-C: phictl lets the queue drain and exits 0.
kill -INT "$PHICTL_PID"
status=0
wait "$PHICTL_PID" || status=$?
[ "$status" = 0 ] || fail "phictl watch --exec exited $status after SIGINT"
echo "PASS"
