#!/usr/bin/env bash
# Configures and builds one variant. Usage: scripts/build.sh [release|sanitize] [ninja targets...]
#   release  -> build/        (gcc, RelWithDebInfo)
#   sanitize -> build-asan/   (clang, ASan + UBSan + libFuzzer targets)
set -euo pipefail
cd "$(dirname "$0")/.."
variant=${1:-release}
shift || true
jobs=${MCPLB_JOBS:-$(nproc)}
# Let ccache share objects between clones in different folders (CI builds a fresh clone).
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
case "$variant" in
  release)
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    ninja -C build -j"$jobs" "$@"
    ;;
  sanitize)
    CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DMCPLB_SANITIZE=ON -DMCPLB_FUZZ=ON >/dev/null
    ninja -C build-asan -j"$jobs" "$@"
    ;;
  *)
    echo "usage: $0 [release|sanitize] [targets...]" >&2
    exit 2
    ;;
esac
