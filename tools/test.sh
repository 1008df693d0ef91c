#!/usr/bin/env bash
# Runs every phid test (after installing what is missing) and ends with a
# plain "N passed, N failed" line counted from the test cases Bazel ran.
# Benchmarks and soaks are tagged `manual` and are not part of this run.
set -uo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh || exit 1

bazel test //... "$@"
status=$?

python3 tools/count_tests.py
count_status=$?
if [ $status -ne 0 ] || [ $count_status -ne 0 ]; then
  exit 1
fi
