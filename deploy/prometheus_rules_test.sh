#!/usr/bin/env bash
# Checks deploy/prometheus/ with promtool: the rules parse (`promtool check
# rules`), their unit tests in phid.rules.test.yml pass (`promtool test
# rules`), and the example scrape config, which loads them, is valid
# (`promtool check config`). promtool comes with Debian's prometheus package,
# which tools/setup.sh installs.
set -euo pipefail

RULES=deploy/prometheus/phid.rules.yml
TESTS=deploy/prometheus/phid.rules.test.yml
CONFIG=deploy/prometheus/prometheus.yml

if ! command -v promtool >/dev/null 2>&1; then
  echo "FAIL: promtool not found on PATH ($PATH)." >&2
  echo "Install Debian's prometheus package: tools/setup.sh, or" >&2
  echo "  apt-get install --no-install-recommends prometheus" >&2
  exit 1
fi
promtool --version 2>&1 | head -1
promtool check rules "$RULES"
promtool test rules "$TESTS"
promtool check config "$CONFIG"
