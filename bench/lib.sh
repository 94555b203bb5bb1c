# shellcheck shell=bash
# Shared helpers for bench/*.sh (sourced, not run): process tracking and cleanup by PID,
# readiness polling with deadlines, CPU pinning, and /proc readers.
#
# Every process a bench script starts goes through `spawn`, which records its PID; `cleanup`
# (installed as the EXIT trap by `bench_init`) stops exactly those PIDs and nothing else.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(cd "$BENCH_DIR/.." && pwd)

BENCH_PIDS=()   # every process we started, in start order
SPAWNED_PID=""  # PID of the most recent spawn
W=""            # this run's temp dir (configs, logs, raw results)

log() { printf '%s\n' "$*" >&2; }
die() {
  log "bench: error: $*"
  exit 1
}

# need TOOL... — fail early, with the fix, when a tool is missing.
need() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 ||
      die "'$t' not found in PATH; install the bench dependencies with scripts/install-deps.sh"
  done
}

# Ports: every bench port is BASE + BENCH_PORT_OFFSET, so two runs can coexist if needed.
BENCH_PORT_OFFSET=${BENCH_PORT_OFFSET:-0}
port() { echo $(($1 + BENCH_PORT_OFFSET)); }

# CPU pinning: proxies on PROXY_CPU, load generator + backends on LOAD_CPU, when the machine
# has at least two cores; otherwise everything shares the CPUs and the report says so.
PROXY_CPU=${PROXY_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
  PINNING=1
else
  PINNING=0
fi
# on CPU CMD... — run CMD pinned to CPU (exec'd by taskset, so the PID stays the command's).
on() {
  local cpu=$1
  shift
  if [ "$PINNING" = 1 ]; then
    taskset -c "$cpu" "$@"
  else
    "$@"
  fi
}

# bench_init NAME — temp dir + traps. Call once, at the top level of the script.
bench_init() {
  W=$(mktemp -d "/tmp/mcplb-bench-$1.XXXXXX") || die "mktemp failed"
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# spawn NAME CPU CMD... — start CMD in the background pinned to CPU, stdout/stderr to
# $W/NAME.out / $W/NAME.err. Sets SPAWNED_PID. Must not be called inside $(...).
spawn() {
  local name=$1 cpu=$2
  shift 2
  # A simple command (not the `on` function) so $! is the command's own PID: taskset execs it.
  local -a pin=()
  [ "$PINNING" = 1 ] && pin=(taskset -c "$cpu")
  "${pin[@]}" "$@" >"$W/$name.out" 2>"$W/$name.err" </dev/null &
  SPAWNED_PID=$!
  BENCH_PIDS+=("$SPAWNED_PID")
}

# stop_pid PID [GRACE_S] — SIGTERM, wait up to GRACE_S (default 5), then SIGKILL. Bounded.
stop_pid() {
  local pid=$1 grace=${2:-5} i
  kill -0 "$pid" 2>/dev/null || {
    wait "$pid" 2>/dev/null
    forget_pid "$pid"
    return 0
  }
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < grace * 20; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  forget_pid "$pid"
  return 0
}

# reap PID — wait for a dead child and describe how it ended: "exit 1" / "signal SIGILL".
reap() {
  local st=0
  wait "$1" 2>/dev/null || st=$?
  forget_pid "$1"
  if [ "$st" -gt 128 ]; then
    echo "signal SIG$(kill -l $((st - 128)))"
  else
    echo "exit $st"
  fi
}

# forget_pid PID — a reaped PID may be reused by someone else's process: never signal it again.
forget_pid() {
  local i
  for i in "${!BENCH_PIDS[@]}"; do
    [ "${BENCH_PIDS[i]}" = "$1" ] && unset 'BENCH_PIDS[i]'
  done
  BENCH_PIDS=("${BENCH_PIDS[@]}")
}

cleanup() {
  local rc=$? i
  trap - EXIT INT TERM
  # Newest first: clients before proxies before backends.
  for ((i = ${#BENCH_PIDS[@]} - 1; i >= 0; i--)); do
    stop_pid "${BENCH_PIDS[i]}" 5
  done
  if [ -n "$W" ] && [ -d "$W" ]; then
    if [ "${KEEP_TMP:-0}" = 1 ]; then
      log "bench: kept $W"
    else
      rm -rf "$W"
    fi
  fi
  exit "$rc"
}

# can_connect PORT — one TCP connect to 127.0.0.1:PORT, at most 1 s.
can_connect() {
  timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# require_free_port PORT... — refuse to measure someone else's listener.
require_free_port() {
  local p
  for p in "$@"; do
    if can_connect "$p"; then
      die "127.0.0.1:$p is already in use (another bench running?);" \
        "set BENCH_PORT_OFFSET to move ours"
    fi
  done
}

# wait_ready NAME PID DEADLINE_S PORT... — poll until every PORT accepts a connection, the
# process dies, or the deadline passes. On failure prints the process's logs and exits.
wait_ready() {
  local name=$1 pid=$2 deadline=$3
  shift 3
  local end=$((SECONDS + deadline)) p
  for p in "$@"; do
    while ! can_connect "$p"; do
      if ! kill -0 "$pid" 2>/dev/null; then
        show_logs "$name"
        die "$name (pid $pid) exited before listening on 127.0.0.1:$p"
      fi
      if [ "$SECONDS" -ge "$end" ]; then
        show_logs "$name"
        die "$name (pid $pid) not listening on 127.0.0.1:$p after ${deadline}s"
      fi
      sleep 0.05
    done
  done
}

show_logs() {
  local f
  for f in "$W/$1.out" "$W/$1.err"; do
    [ -s "$f" ] && {
      log "---- $f (last 20 lines)"
      tail -n 20 "$f" >&2
    }
  done
  return 0
}

# cpu_ticks PID — utime+stime of the whole process (all threads), in clock ticks.
# The comm field may contain spaces, so fields are counted after the closing ')'.
cpu_ticks() {
  sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $12 + $13}'
}

# core_ticks CPU — "busy total" clock ticks of one CPU since boot, from /proc/stat
# (busy = user nice system irq softirq steal; total adds idle and iowait).
core_ticks() {
  awk -v c="cpu$1" '$1 == c {b = $2 + $3 + $4 + $7 + $8 + $9; print b, b + $5 + $6}' /proc/stat
}

# rss_kb PID — resident set size in KiB.
rss_kb() {
  awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null
}

# mcplb binary: MCPLB_BIN, default the lead's build tree.
MCPLB_BIN=${MCPLB_BIN:-$ROOT_DIR/build/src/app/mcplb}
mcplb_built() { [ -x "$MCPLB_BIN" ]; }

# start_mcplb PORT — validate $W/mcplb.yaml with `mcplb check` (exit 2 = config errors, printed
# as file:line:col), then `mcplb run` pinned to PROXY_CPU; returns once PORT accepts.
start_mcplb() {
  local rc=0
  timeout 10 "$MCPLB_BIN" check -c "$W/mcplb.yaml" >"$W/mcplb-check.out" 2>&1 || rc=$?
  if [ "$rc" = 2 ]; then
    cat "$W/mcplb-check.out" >&2
    die "mcplb rejected the bench config ($W/mcplb.yaml); KEEP_TMP=1 keeps it"
  elif [ "$rc" != 0 ]; then
    log "bench: 'mcplb check' exited $rc (not implemented yet?); starting mcplb anyway"
  fi
  require_free_port "$1"
  spawn mcplb "$PROXY_CPU" "$MCPLB_BIN" run -c "$W/mcplb.yaml"
  wait_ready mcplb "$SPAWNED_PID" 15 "$1"
}

# bench_header — what this run ran on (stdout), so numbers are never quoted without context.
bench_header() {
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ)  $(uname -sr)  nproc=$(nproc)" \
    " load=$(cut -d' ' -f1-3 /proc/loadavg)"
  if [ "$PINNING" = 1 ]; then
    echo "# pinning: proxies on CPU $PROXY_CPU; load generator and backends on CPU $LOAD_CPU"
  else
    echo "# pinning: off (fewer than 2 CPUs or no taskset): figures include CPU contention"
  fi
  echo "# $(nginx -v 2>&1 | head -n1)  |  $(haproxy -v 2>&1 | head -n1 | cut -d' ' -f1-3)"
  if mcplb_built; then
    echo "# mcplb: $MCPLB_BIN"
  else
    echo "# mcplb: not built ($MCPLB_BIN)"
  fi
}
