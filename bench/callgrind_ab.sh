#!/usr/bin/env bash
# Instructions per request (valgrind callgrind, deterministic: insensitive to other load on the
# machine) of mcplb with metrics.requests true vs false, and the inclusive cost of
# Connection::end_request. Same backend and mcplb config as bench/http.sh, one worker.
# Counters are zeroed after a warm-up and dumped after DUR seconds of wrk -c8 load.
set -u
. "$(dirname "$0")/lib.sh"
DUR=${DUR:-5}
need nginx wrk valgrind callgrind_control callgrind_annotate
bench_init callgrind-ab
B1=$(port 19001) B2=$(port 19002) B3=$(port 19003) P=$(port 18082)
BODY='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}}'
REPLY='{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"ok"}],"isError":false}}'
mkdir -p "$W/t"
cat >"$W/backend.conf" <<CONF
worker_processes 1; master_process off; daemon off; pid $W/backend.pid;
error_log $W/backend.error.log warn;
events { worker_connections 8192; }
http {
  access_log off; keepalive_requests 1000000; keepalive_timeout 300s;
  client_body_temp_path $W/t/body; proxy_temp_path $W/t/proxy; fastcgi_temp_path $W/t/fastcgi;
  uwsgi_temp_path $W/t/uwsgi; scgi_temp_path $W/t/scgi;
  server {
    listen 127.0.0.1:$B1; listen 127.0.0.1:$B2; listen 127.0.0.1:$B3;
    location / { default_type application/json; return 200 '$REPLY'; }
  }
}
CONF
{
  echo 'wrk.method = "POST"'
  for h in "Content-Type: application/json" "Accept: application/json, text/event-stream" \
           "MCP-Protocol-Version: 2026-07-28" "Mcp-Method: tools/call" "Mcp-Name: echo"; do
    printf 'wrk.headers["%s"] = "%s"\n' "${h%%: *}" "${h#*: }"
  done
  printf "wrk.body = '%s'\n" "$BODY"
} >"$W/post.lua"
require_free_port "$B1" "$B2" "$B3" "$P"
spawn backend "$LOAD_CPU" nginx -e "$W/backend.error.log" -c "$W/backend.conf"
wait_ready backend "$SPAWNED_PID" 10 "$B1" "$B2" "$B3"
for v in on off ${ACCESS_LOG:+log}; do
  req=true; extra=""
  [ "$v" = off ] && req=false
  [ "$v" = log ] && extra="access_log: $W/access.log"
  cat >"$W/mcplb-$v.yaml" <<CONF
listen: [{address: "127.0.0.1:$P"}]
workers: 1
forwarding: {x_forwarded: false}
log: {level: warn}
shutdown_timeout: 2s
metrics: {requests: $req}
$extra
pools:
  mcp:
    policy: round_robin
    backends:
      - {name: b1, address: "127.0.0.1:$B1"}
      - {name: b2, address: "127.0.0.1:$B2"}
      - {name: b3, address: "127.0.0.1:$B3"}
    keepalive: {max_idle: 64, max_requests: 1000000, idle_timeout: 60s}
CONF
  spawn "mcplb-$v" "$PROXY_CPU" valgrind --tool=callgrind --callgrind-out-file="$W/cg-$v.out" \
    "$MCPLB_BIN" run -c "$W/mcplb-$v.yaml"
  pid=$SPAWNED_PID
  wait_ready "mcplb-$v" "$pid" 60 "$P"
  on "$LOAD_CPU" timeout 40 wrk -t1 -c8 -d2s -s "$W/post.lua" "http://127.0.0.1:$P/mcp" >/dev/null 2>&1
  callgrind_control -z "$pid" >/dev/null
  out=$(on "$LOAD_CPU" timeout $((DUR + 40)) wrk -t1 -c8 -d"${DUR}s" -s "$W/post.lua" "http://127.0.0.1:$P/mcp" 2>&1)
  callgrind_control -d "$pid" >/dev/null
  n=$(awk '/ requests in / {print $1}' <<<"$out")
  bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
  f=$(ls -t "$W"/cg-$v.out.* 2>/dev/null | head -1)
  [ -n "$f" ] || f="$W/cg-$v.out"
  ir=$(awk '/^summary:|^totals:/ {print $2; exit}' "$f")
  er=$(callgrind_annotate --inclusive=yes --threshold=100 "$f" 2>/dev/null | awk '/Connection::end_request\(\)/ {gsub(",", "", $1); print $1; exit}')
  printf '%s\trequests=%s\tnon2xx=%s\tIr=%s\tIr_per_req=%.0f\tend_request_Ir_per_req=%.1f\n' \
    "$v" "$n" "${bad:-0}" "$ir" "$(awk -v a="$ir" -v b="$n" 'BEGIN{print a/b}')" \
    "$(awk -v a="${er:-0}" -v b="$n" 'BEGIN{print a/b}')"
  stop_pid "$pid" 20
done
