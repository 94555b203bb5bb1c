#!/usr/bin/env bash
# Proxy cost, side by side in one run: direct backend vs nginx vs HAProxy vs mcplb.
#
# Backend: one nginx worker answering a fixed JSON-RPC tools/call result on 3 ports (LOAD_CPU).
# Proxies: one worker/thread each on PROXY_CPU, round robin over the 3 ports, upstream
# keep-alive, no access log, no buffering. Load: wrk -t1 -cCONNS on LOAD_CPU, HTTP/1.1
# keep-alive POSTs of a stateless (2026-07-28) MCP tools/call with Mcp-Method/Mcp-Name headers.
# Per target: rps, p50, p99, proxy CPU µs/request (utime+stime of the proxy process over the
# measured window ÷ requests), errors; then mcplb ÷ best of nginx/HAProxy.
#
# Env: DUR (8, seconds per measurement), CONNS (64), WARMUP (1, unmeasured seconds before
# each), ROUNDS (1; >1 interleaves targets and reports medians), TARGETS ("direct nginx haproxy
# mcplb"), MCPLB_BIN, BENCH_PORT_OFFSET, PROXY_CPU/LOAD_CPU, RESULTS (copy raw TSV there),
# KEEP_TMP=1.
set -u
. "$(dirname "$0")/lib.sh"

DUR=${DUR:-8}
CONNS=${CONNS:-64}
WARMUP=${WARMUP:-1}
ROUNDS=${ROUNDS:-1}
TARGETS=${TARGETS:-direct nginx haproxy mcplb}
for v in DUR CONNS WARMUP ROUNDS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number (got '${!v}')"
done
in_range() {
  if [ "$2" -lt "$3" ] || [ "$2" -gt "$4" ]; then die "$1 must be $3..$4 (got $2)"; fi
}
in_range DUR "$DUR" 1 600
in_range WARMUP "$WARMUP" 0 60
in_range CONNS "$CONNS" 1 5000
in_range ROUNDS "$ROUNDS" 1 20

need nginx haproxy wrk curl python3 timeout awk sed
bench_init http

B1=$(port 19001) B2=$(port 19002) B3=$(port 19003)
P_NGINX=$(port 18080) P_HAPROXY=$(port 18081) P_MCPLB=$(port 18082)

. "$(dirname "$0")/workload.sh"

# ---- configs ---------------------------------------------------------------------------------

write_backend_conf

{
  nginx_common nginx
  cat <<CONF
  upstream mcp {
    server 127.0.0.1:$B1; server 127.0.0.1:$B2; server 127.0.0.1:$B3;
    keepalive 64; keepalive_requests 1000000; keepalive_timeout 60s;
  }
  server {
    listen 127.0.0.1:$P_NGINX;
    location / {
      proxy_pass http://mcp; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_buffering off; proxy_request_buffering off;
    }
  }
}
CONF
} >"$W/nginx.conf"

cat >"$W/haproxy.cfg" <<CONF
global
  nbthread 1
  maxconn 8000
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
  balance roundrobin
  http-reuse always
  server s1 127.0.0.1:$B1
  server s2 127.0.0.1:$B2
  server s3 127.0.0.1:$B3
CONF

mcplb_bench_conf "$P_MCPLB" >"$W/mcplb.yaml"

write_post_lua

# ---- start -----------------------------------------------------------------------------------

want() { [[ " $TARGETS " == *" $1 "* ]]; }

bench_header
require_free_port "$B1" "$B2" "$B3"
spawn backend "$LOAD_CPU" nginx -e "$W/backend.error.log" -c "$W/backend.conf"
BACKEND_PID=$SPAWNED_PID
wait_ready backend "$BACKEND_PID" 10 "$B1" "$B2" "$B3"

declare -A URL PID
if want direct; then
  URL[direct]=http://127.0.0.1:$B1/mcp
  PID[direct]=""
fi
if want nginx; then
  require_free_port "$P_NGINX"
  spawn nginx "$PROXY_CPU" nginx -e "$W/nginx.error.log" -c "$W/nginx.conf"
  URL[nginx]=http://127.0.0.1:$P_NGINX/mcp
  PID[nginx]=$SPAWNED_PID
  wait_ready nginx "${PID[nginx]}" 10 "$P_NGINX"
fi
if want haproxy; then
  require_free_port "$P_HAPROXY"
  spawn haproxy "$PROXY_CPU" haproxy -db -f "$W/haproxy.cfg"
  URL[haproxy]=http://127.0.0.1:$P_HAPROXY/mcp
  PID[haproxy]=$SPAWNED_PID
  wait_ready haproxy "${PID[haproxy]}" 10 "$P_HAPROXY"
fi
MCPLB_STATE=skipped
if want mcplb; then
  if mcplb_built; then
    start_mcplb "$P_MCPLB"
    URL[mcplb]=http://127.0.0.1:$P_MCPLB/mcp
    PID[mcplb]=$SPAWNED_PID
    MCPLB_STATE=measured
  else
    log "mcplb: not built ($MCPLB_BIN); build it or set MCPLB_BIN. Measuring the others."
    MCPLB_STATE="not built"
  fi
fi
ORDER=()
for t in direct nginx haproxy mcplb; do
  [ -n "${URL[$t]+x}" ] && ORDER+=("$t")
done
[ ${#ORDER[@]} -gt 0 ] || die "nothing to measure (TARGETS='$TARGETS')"

# ---- sanity: one request per target must get the backend's answer ----------------------------

curl_args=(-sS --max-time 5 -o "$W/sanity.body" -w '%{http_code}' --data-binary "$BODY")
for h in "${HEADERS[@]}"; do curl_args+=(-H "$h"); done
# A broken nginx/HAProxy/direct path means the bench is broken: exit. A broken mcplb is a
# finding: say why, and measure the others anyway.
RC=0
SANE=()
for t in "${ORDER[@]}"; do
  : >"$W/sanity.body"
  code=$(curl "${curl_args[@]}" "${URL[$t]}" 2>"$W/sanity.err") || code=$(head -c 120 "$W/sanity.err")
  if [ "$code" = 200 ] && grep -qF '"result"' "$W/sanity.body"; then
    SANE+=("$t")
    continue
  fi
  why="got '$code', body '$(head -c 200 "$W/sanity.body")'"
  [ "$t" != direct ] && show_logs "$t"
  [ "$t" = mcplb ] || die "$t: sanity POST to ${URL[$t]} $why"
  log "mcplb: sanity POST to ${URL[$t]} $why; skipped"
  if kill -0 "${PID[$t]}" 2>/dev/null; then
    MCPLB_STATE="sanity POST failed: $code"
  else
    MCPLB_STATE="died before answering ($(reap "${PID[$t]}"); its log is above)"
  fi
  RC=1
done
ORDER=("${SANE[@]}")

# ---- measure ---------------------------------------------------------------------------------

TCK=$(getconf CLK_TCK)
RAW=$W/http.tsv
printf 'target\tround\trps\tp50_us\tp99_us\tcpu_us_per_req\trequests\terrors\tother_pct\n' >"$RAW"

# run_wrk SECONDS URL — wrk on LOAD_CPU, bounded by timeout(1) in case it ever hangs.
run_wrk() {
  on "$LOAD_CPU" timeout -k 5 $(($1 + 30)) \
    wrk -t1 -c"$CONNS" -d"$1s" --timeout 5s --latency -s "$W/post.lua" "$2" 2>&1
}

# wrk prints latencies as 812.00us / 1.02ms / 1.10s; convert to µs.
to_us() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    m = (u == "us") ? 1 : (u == "ms") ? 1e3 : (u == "s") ? 1e6 : (u == "m") ? 6e7 : -1
    if (m < 0 || v == "") print "nan"; else printf "%.1f", n * m }'
}

measure() { # TARGET ROUND
  local t=$1 r=$2 pid=${PID[$1]} out before after
  [ "$WARMUP" -gt 0 ] && run_wrk "$WARMUP" "${URL[$t]}" >/dev/null
  local core0 core1
  [ -n "$pid" ] && before=$(cpu_ticks "$pid")
  core0=$(core_ticks "$PROXY_CPU")
  out=$(run_wrk "$DUR" "${URL[$t]}")
  core1=$(core_ticks "$PROXY_CPU")
  [ -n "$pid" ] && after=$(cpu_ticks "$pid")
  printf '%s\n' "$out" >"$W/wrk-$t-$r.out"

  local rps p50 p99 total non2xx sock cpu=-
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50=$(to_us "$(awk '$1 == "50%" {print $2}' <<<"$out")")
  p99=$(to_us "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  total=$(awk '/ requests in / {print $1}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
  sock=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")
  if [ -z "$rps" ] || [ -z "$total" ]; then
    log "$t: wrk produced no result:"
    log "$out"
    rps=0 total=0
  fi
  local errors=$((${non2xx:-0} + ${sock:-0}))
  if [ "$errors" -gt 0 ]; then
    log "$t (round $r): $errors errors from wrk:"
    grep -E 'Non-2xx|Socket errors' <<<"$out" >&2
  fi
  if [ -n "$pid" ] && { [ -z "$before" ] || [ -z "$after" ]; }; then
    show_logs "$t"
    [ "$t" = mcplb ] || die "$t (pid $pid) died during the measurement"
    MCPLB_STATE="died during round $r ($(reap "$pid"); its log is above)"
    log "mcplb: $MCPLB_STATE; not measured further"
    DEAD[$t]=1
    RC=1
    return
  fi
  if [ -n "$pid" ] && [ "$total" -gt 0 ]; then
    cpu=$(awk -v d=$((after - before)) -v hz="$TCK" -v n="$total" \
      'BEGIN {printf "%.2f", d / hz * 1e6 / n}')
  fi
  # Contamination check: CPU time on the proxy core NOT used by the proxy (other processes,
  # steal), as % of the window. Near 0 is a clean measurement; large = rerun.
  local other
  other=$(awk -v a="$core0" -v b="$core1" -v p=$((${after:-0} - ${before:-0})) 'BEGIN {
    split(a, x, " "); split(b, y, " "); tot = y[2] - x[2]
    if (tot <= 0) { print "nan"; exit }
    o = (y[1] - x[1] - p) / tot * 100; printf "%.1f", (o < 0 ? 0 : o) }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$t" "$r" "$rps" "$p50" "$p99" "$cpu" "$total" "$errors" "$other" >>"$RAW"
}

echo "# http: wrk -t1 -c$CONNS -d${DUR}s (+${WARMUP}s warm-up), $ROUNDS round(s): ${ORDER[*]}"
declare -A DEAD
for ((r = 1; r <= ROUNDS; r++)); do
  for t in "${ORDER[@]}"; do
    [ -n "${DEAD[$t]:-}" ] || measure "$t" "$r"
  done
done

[ -n "${RESULTS:-}" ] && cp "$RAW" "$RESULTS"
python3 "$BENCH_DIR/report.py" http "$RAW" --mcplb "$MCPLB_STATE" \
  --title "HTTP/1.1 keep-alive POST tools/call, wrk -t1 -c$CONNS -d${DUR}s, rounds=$ROUNDS" || RC=1
exit "$RC"
