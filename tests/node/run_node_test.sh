#!/usr/bin/env bash
# Runs Node test files (node's built-in runner) against the phid binary
# from Bazel's runfiles:  run_node_test.sh PHID_BINARY TEST_FILE...
# node_modules lives in the source tree (tests/node/node_modules, ignored by
# git), installed by tools/setup.sh; Node finds it because it resolves the
# runfiles' symlinks to the source files.
set -euo pipefail

phid="$(readlink -f "$1")"
shift
test_files=()
for file in "$@"; do test_files+=("$(readlink -f "$file")"); done
node_dir="$(dirname "${test_files[0]}")"

if ! command -v node >/dev/null 2>&1; then
  echo "FAIL: node is not installed: run tools/setup.sh" >&2
  exit 1
fi
for module in @grpc/grpc-js @grpc/proto-loader grpc-reflection-js playwright-core; do
  if [ ! -f "$node_dir/node_modules/$module/package.json" ]; then
    echo "FAIL: $node_dir/node_modules/$module is missing: run tools/setup.sh" >&2
    echo "      (it runs npm ci in tests/node)" >&2
    exit 1
  fi
done

export PHID_BINARY="$phid"
reporters=(--test-reporter=spec --test-reporter-destination=stdout)
# node >= 20 writes JUnit XML, so Bazel's test.xml counts each test case.
if [ -n "${XML_OUTPUT_FILE:-}" ] && [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ]; then
  reporters+=(--test-reporter=junit --test-reporter-destination="$XML_OUTPUT_FILE")
fi
exec node --test "${reporters[@]}" "${test_files[@]}"
