#!/bin/sh
# An example phid event handler: POSTs the event's JSON (stdin) to a webhook.
#
#   PHID_WEBHOOK_URL=https://hooks.example.com/phid \
#     phictl watch --threshold=8 --exec=/usr/local/lib/phid/webhook.sh
#
# Sends the Watch message exactly as `phictl watch --json` prints it, with
# headers X-Phid-Event (member-suspect, ...) and X-Phid-Peer. Exits non-zero
# when the POST fails or the server answers an HTTP error, so phictl logs it.
# curl gives up after PHID_WEBHOOK_TIMEOUT seconds (default 10; keep it
# below phictl's --exec_timeout).
set -eu

if [ -z "${PHID_WEBHOOK_URL:-}" ]; then
  echo "webhook.sh: set PHID_WEBHOOK_URL" >&2
  exit 2
fi
exec curl --silent --show-error --fail --max-time "${PHID_WEBHOOK_TIMEOUT:-10}" \
  --header "Content-Type: application/json" \
  --header "X-Phid-Event: ${PHID_EVENT:-}" \
  --header "X-Phid-Peer: ${PHID_PEER:-}" \
  --data-binary @- --output /dev/null "$PHID_WEBHOOK_URL"
