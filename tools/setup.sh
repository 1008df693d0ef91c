#!/usr/bin/env bash
# Installs everything phid needs to build and test on Debian 12, once:
# Debian packages, then the npm packages of the Node client test
# (tests/node/node_modules, pinned by tests/node/package-lock.json).
# chromium is the browser of the status page test (tests/node, driven by the
# npm package playwright-core, which downloads no browser of its own).
# Idempotent: packages already present are not reinstalled. Needs root (or
# sudo) only when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  bazel-bootstrap bazel-rules-cc bazel-rules-java bazel-platforms
  g++ pkg-config python3 git
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev grpc-proto
  libabsl-dev libgoogle-glog-dev libgtest-dev libgmock-dev googletest libbenchmark-dev
  libssl-dev libcpp-httplib-dev libgoogle-perftools-dev
  iproute2 procps tmux clang-format openssl
  python3-yaml
  prometheus
  chromium
)
# Installed only when the command is missing: a machine may have Node.js
# from elsewhere (e.g. a nodejs build that bundles npm and conflicts with
# Debian's npm package), and any Node >= 18 runs the tests.
COMMANDS=(node:nodejs npm:npm)

# Optional: only the benchmarks (tools/bench/run_all.sh) need these; pass
# --bench to install them too. serf is the peer phid is measured against,
# iptables counts its and phid's bytes, matplotlib draws the QoS plot, time
# is /usr/bin/time -v for the simulator's memory.
BENCH_PACKAGES=(serf iptables python3-matplotlib time)
if [ "${1:-}" = "--bench" ]; then
  PACKAGES+=("${BENCH_PACKAGES[@]}")
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
for pair in "${COMMANDS[@]}"; do
  if ! command -v "${pair%%:*}" >/dev/null 2>&1; then
    missing+=("${pair#*:}")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      SUDO=(sudo)
    else
      echo "setup: not root and no sudo. As root, run:" >&2
      echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  # Only promtool is wanted from prometheus (the alert rules' tests), but
  # its package starts a Prometheus server on :9090 and enables it at boot.
  # Keep packages from starting services during this install (policy-rc.d
  # exit 101, which invoke-rc.d and deb-systemd-invoke obey), unless the
  # machine already has a policy, and disable the unit.
  POLICY=/usr/sbin/policy-rc.d
  if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$POLICY" >/dev/null
    "${SUDO[@]}" chmod 0755 "$POLICY"
    trap '"${SUDO[@]}" rm -f "$POLICY"' EXIT
  fi
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [[ " ${missing[*]} " == *" prometheus "* ]] && [ -d /run/systemd/system ]; then
    "${SUDO[@]}" systemctl disable --now prometheus.service >/dev/null 2>&1 || true
  fi
  echo "setup: packages installed"
else
  echo "setup: all Debian packages present"
fi

# npm packages of tests/node, from the npm registry: `npm ci` installs exactly
# what package-lock.json pins, and runs again only when the lock changed
# since (the stamp holds the lock's hash) or node_modules is gone.
NODE_DIR=tests/node
STAMP="$NODE_DIR/node_modules/.phid-package-lock.sha256"
lock_hash="$(sha256sum "$NODE_DIR/package-lock.json" | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$lock_hash" ]; then
  echo "setup: npm packages of $NODE_DIR up to date"
else
  echo "setup: installing the npm packages of $NODE_DIR (npm ci)"
  (cd "$NODE_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$lock_hash" >"$STAMP"
  echo "setup: npm packages installed"
fi
