#!/usr/bin/env bash
# Installs every system package mcplb needs to build, test and benchmark on Debian 12.
# Idempotent: installs only what is missing. Needs root (or sudo).
set -euo pipefail

PKGS=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  clang clang-format clang-tidy libclang-rt-14-dev
  # libraries
  libboost1.81-all-dev libssl-dev libnghttp2-dev libsimdjson-dev libyaml-cpp-dev
  libhiredis-dev libcli11-dev libspdlog-dev libfmt-dev zlib1g-dev libbrotli-dev
  libgtest-dev libgmock-dev libbenchmark-dev libxxhash-dev
  # runtime peers used by tests and benchmarks
  nginx-light haproxy wrk nghttp2-client curl python3 procps util-linux
  nodejs
  # the observability e2e test scrapes mcplb with a real Prometheus (ships promtool too)
  prometheus
  # the dashboard e2e test drives /dashboard in headless Chromium (puppeteer-core)
  chromium
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# A machine may already have node from another source (e.g. nodesource's nodejs): accept it.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}")
elif ! printf '%s\n' "${missing[@]}" | grep -qx npm; then
  missing+=(npm)
fi
clean=()
for p in "${missing[@]}"; do [ -n "$p" ] && clean+=("$p"); done

if [ ${#clean[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install-deps: installing ${clean[*]}"
export DEBIAN_FRONTEND=noninteractive
# Don't let package post-install scripts start system nginx/haproxy services.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  created_policy=1
fi
trap '[ $created_policy -eq 1 ] && $SUDO rm -f "$policy"' EXIT
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${clean[@]}"
