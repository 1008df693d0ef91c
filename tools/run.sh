#!/usr/bin/env bash
# The main job: installs what is missing, then starts a local 5-daemon
# cluster and watches it (Ctrl-C stops it). Arguments go to local_cluster.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
exec tools/local_cluster.sh "$@"
