#!/usr/bin/env bash
# mcplb benchmark suite: one command, every contestant measured in the same run.
#
#   bench/run.sh            # both parts: http (proxy cost) then sse (idle stream memory)
#   bench/run.sh http       # direct vs nginx vs HAProxy vs mcplb, keep-alive POST tools/call
#   bench/run.sh sse        # RSS per idle SSE stream through nginx, HAProxy, mcplb
#
# Knobs (env): MCPLB_BIN (default build/src/app/mcplb), DUR (8), CONNS (64), WARMUP (1),
# ROUNDS (1), SSE_STREAMS (5000), TARGETS, BENCH_PORT_OFFSET, PROXY_CPU/LOAD_CPU, KEEP_TMP=1.
# See bench/README.md and docs/benchmarks.md. Exit status: 0 if every part ran clean.
set -u
D=$(cd "$(dirname "$0")" && pwd)

case "${1:-all}" in
  all) parts=(http sse) ;;
  http | sse) parts=("$1") ;;
  -h | --help)
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "usage: bench/run.sh [all|http|sse]" >&2
    exit 2
    ;;
esac

# Parts run one after another. A part runs in the background so that Ctrl-C / SIGTERM here
# can be forwarded to it by PID; its own EXIT trap then stops everything it started.
rc=0
child=""
stopping=0
trap 'stopping=1; [ -n "$child" ] && kill -TERM "$child" 2>/dev/null' INT TERM
for p in "${parts[@]}"; do
  [ "$stopping" = 1 ] && break
  "$D/$p.sh" &
  child=$!
  wait "$child"
  r=$?
  # A trap interrupts `wait`; wait again (bounded by the part's own cleanup) for its status.
  for ((i = 0; i < 100; i++)); do
    kill -0 "$child" 2>/dev/null || break
    wait "$child"
    r=$?
  done
  child=""
  if [ "$r" != 0 ]; then
    rc=$r
    echo "bench: part '$p' failed (exit $r)" >&2
  fi
done
[ "$stopping" = 1 ] && exit 130
exit "$rc"
