#!/usr/bin/env bash
# First command of the README: install what is missing, build, run `mcplb demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release mcplb mcp-demo-server
exec build/src/app/mcplb demo "$@"
