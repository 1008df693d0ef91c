#!/bin/sh
# A test event handler: appends the event's PHID_* variables and its JSON
# (stdin) to $RECORD_DIR/events, one "---" block per event.
set -eu
{
  echo "---"
  env | grep '^PHID_' | sort
  printf 'JSON='
  cat
} >>"$RECORD_DIR/events"
