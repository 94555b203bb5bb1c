#!/usr/bin/env bash
# Memory per idle SSE stream, side by side in one run: nginx vs HAProxy vs mcplb.
#
# SSE_STREAMS (default 5000) streams are held open through each proxy to one idle SSE backend
# (bench/sse_backend.py); RSS per stream = (proxy RSS with the streams open − RSS before) / open
# streams, in KiB. Proxies: one worker/thread on PROXY_CPU, no buffering, no access log.
#
# Env: SSE_STREAMS (5000), TARGETS ("nginx haproxy mcplb"), MCPLB_BIN, BENCH_PORT_OFFSET,
# PROXY_CPU/LOAD_CPU, RESULTS (copy raw TSV there), KEEP_TMP=1.
set -u
. "$(dirname "$0")/lib.sh"

N=${SSE_STREAMS:-5000}
SSE_REQUEST=${SSE_REQUEST:-get}
case "$SSE_REQUEST" in post | get) ;; *) die "SSE_REQUEST must be post or get" ;; esac
TARGETS=${TARGETS:-nginx haproxy mcplb}
if ! [[ $N =~ ^[0-9]+$ ]] || [ "$N" -lt 1 ] || [ "$N" -gt 50000 ]; then
  die "SSE_STREAMS must be 1..50000 (got '$N')"
fi

need nginx haproxy python3 timeout awk sed
bench_init sse

# Each proxy holds 2 fds per stream (client + upstream); clients and backend one each.
FDS=$((2 * N + 1024))
if [ "$(ulimit -n)" -lt "$FDS" ]; then
  hard=$(ulimit -Hn)
  if [ "$hard" != unlimited ] && [ "$hard" -lt "$FDS" ]; then
    ulimit -Hn "$FDS" 2>/dev/null ||
      die "need $FDS open files for $N streams; 'ulimit -Hn $FDS' failed" \
        "(run as root, or lower SSE_STREAMS)"
  fi
  ulimit -n "$FDS" || die "could not raise 'ulimit -n' to $FDS"
fi

BK=$(port 19101)
P_NGINX=$(port 18090) P_HAPROXY=$(port 18091) P_MCPLB=$(port 18092)

# ---- configs ---------------------------------------------------------------------------------

tmp=$W/nginx-tmp
mkdir -p "$tmp"
cat >"$W/nginx.conf" <<CONF
worker_processes 1; master_process off; daemon off; pid $W/nginx.pid;
error_log $W/nginx.error.log warn;
worker_rlimit_nofile $FDS;
events { worker_connections $FDS; }
http {
  access_log off;
  client_body_temp_path $tmp/body; proxy_temp_path $tmp/proxy; fastcgi_temp_path $tmp/fastcgi;
  uwsgi_temp_path $tmp/uwsgi; scgi_temp_path $tmp/scgi;
  upstream sse { server 127.0.0.1:$BK; keepalive 64; }
  server {
    listen 127.0.0.1:$P_NGINX backlog=4096;
    location / {
      proxy_pass http://sse; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_buffering off; proxy_request_buffering off; proxy_read_timeout 300s;
    }
  }
}
CONF

cat >"$W/haproxy.cfg" <<CONF
global
  nbthread 1
  maxconn $((N + 1000))
defaults
  mode http
  option http-keep-alive
  timeout connect 5s
  timeout client 300s
  timeout server 300s
frontend fe
  bind 127.0.0.1:$P_HAPROXY
  default_backend be
backend be
  http-reuse always
  server s1 127.0.0.1:$BK
CONF

# The listener's default max_connections (10000) only needs raising for very large runs.
LISTEN_EXTRA=""
[ "$N" -ge 9000 ] && LISTEN_EXTRA=", max_connections: $((N + 1000))"
cat >"$W/mcplb.yaml" <<CONF
listen: [{address: "127.0.0.1:$P_MCPLB"$LISTEN_EXTRA}]
workers: 1
# Same as the nginx/HAProxy configs: no X-Forwarded-* headers added, errors-only logging.
forwarding: {x_forwarded: false}
log: {level: warn}
shutdown_timeout: 2s
pools:
  mcp:
    policy: round_robin
    backends:
      - {name: s1, address: "127.0.0.1:$BK"}
    keepalive: {max_idle: 64, max_requests: 1000000, idle_timeout: 60s}
CONF

# ---- start -----------------------------------------------------------------------------------

want() { [[ " $TARGETS " == *" $1 "* ]]; }

bench_header
require_free_port "$BK"
spawn backend "$LOAD_CPU" python3 "$BENCH_DIR/sse_backend.py" --port "$BK"
wait_ready backend "$SPAWNED_PID" 10 "$BK"

declare -A PORT PID
if want nginx; then
  require_free_port "$P_NGINX"
  spawn nginx "$PROXY_CPU" nginx -e "$W/nginx.error.log" -c "$W/nginx.conf"
  PORT[nginx]=$P_NGINX PID[nginx]=$SPAWNED_PID
  wait_ready nginx "${PID[nginx]}" 10 "$P_NGINX"
fi
if want haproxy; then
  require_free_port "$P_HAPROXY"
  spawn haproxy "$PROXY_CPU" haproxy -db -f "$W/haproxy.cfg"
  PORT[haproxy]=$P_HAPROXY PID[haproxy]=$SPAWNED_PID
  wait_ready haproxy "${PID[haproxy]}" 10 "$P_HAPROXY"
fi
MCPLB_STATE=skipped
if want mcplb; then
  if mcplb_built; then
    start_mcplb "$P_MCPLB"
    PORT[mcplb]=$P_MCPLB PID[mcplb]=$SPAWNED_PID
    MCPLB_STATE=measured
  else
    log "mcplb: not built ($MCPLB_BIN); build it or set MCPLB_BIN. Measuring the others."
    MCPLB_STATE="not built"
  fi
fi
ORDER=()
for t in nginx haproxy mcplb; do
  [ -n "${PORT[$t]+x}" ] && ORDER+=("$t")
done
[ ${#ORDER[@]} -gt 0 ] || die "nothing to measure (TARGETS='$TARGETS')"

# ---- measure ---------------------------------------------------------------------------------

RAW=$W/sse.tsv
RC=0
printf 'target\tstreams\topened\tfailed\trss_before_kb\trss_open_kb\n' >"$RAW"

# wait_line FILE PATTERN PID DEADLINE_S — until FILE has a line matching PATTERN. Bounded.
wait_line() {
  local end=$((SECONDS + $4))
  until grep -q "$2" "$1" 2>/dev/null; do
    kill -0 "$3" 2>/dev/null || grep -q "$2" "$1" 2>/dev/null || return 1
    [ "$SECONDS" -lt "$end" ] || return 1
    sleep 0.1
  done
}

# rss_settled PID — RSS once two samples 0.2 s apart differ by ≤ 64 KiB (at most ~3 s).
rss_settled() {
  local prev cur i
  prev=$(rss_kb "$1")
  for ((i = 0; i < 15; i++)); do
    sleep 0.2
    cur=$(rss_kb "$1")
    [ $((cur > prev ? cur - prev : prev - cur)) -le 64 ] && break
    prev=$cur
  done
  echo "$cur"
}

clients() { # NAME PORT STREAMS HOLD_MAX — starts a client process, sets SPAWNED_PID
  spawn "$1" "$LOAD_CPU" python3 "$BENCH_DIR/sse_clients.py" \
    --port "$2" --streams "$3" --hold-max "$4" --request "$SSE_REQUEST"
}

# target_failed TARGET WHAT — through nginx/HAProxy a failure means the bench is broken: exit.
# Through mcplb it is a finding: say it, skip mcplb, and let the others be reported.
target_failed() {
  local what=$2
  show_logs "$1"
  kill -0 "${PID[$1]}" 2>/dev/null || what="$what; it died: $(reap "${PID[$1]}")"
  [ "$1" = mcplb ] || die "$1: $what"
  log "mcplb: $what; skipped"
  MCPLB_STATE=$what
  return 1
}

measure() { # TARGET — returns 1 when mcplb failed
  local t=$1 pid=${PID[$1]} c before after opened failed why
  clients "sanity-$t" "${PORT[$t]}" 1 0
  stop_pid_wait "$SPAWNED_PID" 20
  if ! grep -q '^open=1 ' "$W/sanity-$t.out"; then
    why=$(sed -n 's/.*first_error=\(.*\)/\1/p' "$W/sanity-$t.out")
    target_failed "$t" "no SSE stream (${why:-no answer})"
    return
  fi

  before=$(rss_settled "$pid")
  clients "clients-$t" "${PORT[$t]}" "$N" 300
  c=$SPAWNED_PID
  if ! wait_line "$W/clients-$t.out" '^open=' "$c" 120; then
    show_logs "clients-$t"
    stop_pid "$c" 10
    target_failed "$t" "clients did not finish opening $N streams within 120 s"
    return
  fi
  after=$(rss_settled "$pid")
  opened=$(sed -n 's/^open=\([0-9]*\).*/\1/p' "$W/clients-$t.out")
  failed=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' "$W/clients-$t.out")
  stop_pid "$c" 10
  if ! kill -0 "$pid" 2>/dev/null; then
    target_failed "$t" "stopped while holding streams"
    return
  fi
  [ "${failed:-1}" -gt 0 ] && log "$t: $failed of $N streams failed to open"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$N" "$opened" "$failed" "$before" "$after" >>"$RAW"
}

# stop_pid_wait PID DEADLINE_S — wait for a process that exits on its own; stop it if late.
stop_pid_wait() {
  local end=$((SECONDS + $2))
  while kill -0 "$1" 2>/dev/null && [ "$SECONDS" -lt "$end" ]; do sleep 0.05; done
  stop_pid "$1" 2
}

echo "# sse: $N idle streams per proxy ($SSE_REQUEST requests): ${ORDER[*]}"
for t in "${ORDER[@]}"; do
  measure "$t" || RC=1
done

[ -n "${RESULTS:-}" ] && cp "$RAW" "$RESULTS"
python3 "$BENCH_DIR/report.py" sse "$RAW" --mcplb "$MCPLB_STATE" \
  --title "idle SSE streams ($SSE_REQUEST): $N per proxy, RSS growth per open stream (KiB)" || RC=1
exit "$RC"
