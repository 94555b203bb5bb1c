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
. "$(dirname "$0")/workload.sh"
write_backend_conf
write_post_lua
require_free_port "$B1" "$B2" "$B3" "$P"
spawn backend "$LOAD_CPU" nginx -e "$W/backend.error.log" -c "$W/backend.conf"
wait_ready backend "$SPAWNED_PID" 10 "$B1" "$B2" "$B3"
for v in on off ${ACCESS_LOG:+log}; do
  req=true; extra=""
  [ "$v" = off ] && req=false
  [ "$v" = log ] && extra="access_log: $W/access.log"
  mcplb_bench_conf "$P" "metrics: {requests: $req}"$'\n'"$extra" >"$W/mcplb-$v.yaml"
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
