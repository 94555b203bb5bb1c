#!/usr/bin/env bash
# Second command of the README (and all that CI runs): install what is missing, build, and run
# every test twice: a normal build, then an ASan + UBSan build (clang) that also runs each
# libFuzzer target for a short bounded smoke.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/install-deps.sh
if [ -f tests/interop/package-lock.json ]; then
  (cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "== release build"
scripts/build.sh release
echo "== release tests"
ctest --test-dir build --output-on-failure --timeout 300 -j"${MCPLB_TEST_JOBS:-2}"

echo "== sanitizer build (ASan + UBSan + fuzzers)"
scripts/build.sh sanitize
echo "== sanitizer tests"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir build-asan --output-on-failure --timeout 600 -j"${MCPLB_TEST_JOBS:-2}"
echo "total time: $(( $(date +%s) - start ))s" >&2
