#!/bin/sh
# Bazel's --workspace_status_command (see .bazelrc): prints the commit that
# `phid --version` reports. STABLE_ keys rebuild what stamps them when they
# change. Outside a git checkout the commit is "unknown".
commit=$(git rev-parse --short=12 HEAD 2>/dev/null) || commit=unknown
if [ "$commit" != unknown ] && ! git diff-index --quiet HEAD -- 2>/dev/null; then
  commit="$commit-dirty"
fi
echo "STABLE_PHID_COMMIT $commit"
