#!/usr/bin/env bash
# A/B: CPU cost per request of mcplb's per-request metrics (metrics.requests true vs false),
# two mcplb processes side by side in the same run, alternating rounds. Same backend, load,
# pinning and mcplb config as bench/http.sh; only `metrics: {requests: ...}` differs.
# Optional third variant: ACCESS_LOG=1 adds "mcplb-log" (metrics on + access_log to a file).
# Env: DUR (5), CONNS (64), WARMUP (1), ROUNDS (6), MCPLB_BIN, BENCH_PORT_OFFSET.
set -u
. "$(dirname "$0")/lib.sh"
DUR=${DUR:-5}; CONNS=${CONNS:-64}; WARMUP=${WARMUP:-1}; ROUNDS=${ROUNDS:-6}
need nginx wrk curl awk timeout
bench_init metrics-ab
B1=$(port 19001) B2=$(port 19002) B3=$(port 19003)
P_ON=$(port 18082) P_OFF=$(port 18083) P_LOG=$(port 18084)
. "$(dirname "$0")/workload.sh"
write_backend_conf
write_post_lua

require_free_port "$B1" "$B2" "$B3" "$P_ON" "$P_OFF" "$P_LOG"
spawn backend "$LOAD_CPU" nginx -e "$W/backend.error.log" -c "$W/backend.conf"
wait_ready backend "$SPAWNED_PID" 10 "$B1" "$B2" "$B3"
declare -A URL PID
VARIANTS=(on off)
[ "${ACCESS_LOG:-0}" = 1 ] && VARIANTS+=(log)
for v in "${VARIANTS[@]}"; do
  case $v in
    on) p=$P_ON; mcplb_bench_conf "$p" "metrics: {requests: true}" >"$W/mcplb-$v.yaml" ;;
    off) p=$P_OFF; mcplb_bench_conf "$p" "metrics: {requests: false}" >"$W/mcplb-$v.yaml" ;;
    log) p=$P_LOG; mcplb_bench_conf "$p" "metrics: {requests: true}"$'\n'"access_log: $W/access.log" >"$W/mcplb-$v.yaml" ;;
  esac
  spawn "mcplb-$v" "$PROXY_CPU" "$MCPLB_BIN" run -c "$W/mcplb-$v.yaml"
  PID[$v]=$SPAWNED_PID
  wait_ready "mcplb-$v" "$SPAWNED_PID" 15 "$p"
  URL[$v]=http://127.0.0.1:$p/mcp
  curl_args=(-sS --max-time 5 -o /dev/null -w '%{http_code}' --data-binary "$BODY")
  for h in "${HEADERS[@]}"; do curl_args+=(-H "$h"); done
  code=$(curl "${curl_args[@]}" "${URL[$v]}")
  [ "$code" = 200 ] || die "mcplb-$v: sanity POST got $code"
done
TCK=$(getconf CLK_TCK)
run_wrk() { on "$LOAD_CPU" timeout -k 5 $(($1 + 30)) wrk -t1 -c"$CONNS" -d"$1s" --timeout 5s --latency -s "$W/post.lua" "$2" 2>&1; }
printf 'variant\tround\trps\tcpu_us_per_req\trequests\terrors\tother_pct\n'
for ((r = 1; r <= ROUNDS; r++)); do
  # Alternate the order each round so drift (thermal, neighbours) hits both alike.
  if ((r % 2)); then order=("${VARIANTS[@]}"); else order=(); for ((i=${#VARIANTS[@]}-1;i>=0;i--)); do order+=("${VARIANTS[i]}"); done; fi
  for v in "${order[@]}"; do
    pid=${PID[$v]}
    [ "$WARMUP" -gt 0 ] && run_wrk "$WARMUP" "${URL[$v]}" >/dev/null
    before=$(cpu_ticks "$pid"); core0=$(core_ticks "$PROXY_CPU")
    out=$(run_wrk "$DUR" "${URL[$v]}")
    core1=$(core_ticks "$PROXY_CPU"); after=$(cpu_ticks "$pid")
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    total=$(awk '/ requests in / {print $1}' <<<"$out")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
    cpu=$(awk -v d=$((after - before)) -v hz="$TCK" -v n="$total" 'BEGIN {printf "%.2f", d / hz * 1e6 / n}')
    other=$(awk -v a="$core0" -v b="$core1" -v p=$((after - before)) 'BEGIN {
      split(a, x, " "); split(b, y, " "); tot = y[2] - x[2]
      if (tot <= 0) { print "nan"; exit }
      o = (y[1] - x[1] - p) / tot * 100; printf "%.1f", (o < 0 ? 0 : o) }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$v" "$r" "$rps" "$cpu" "$total" "${non2xx:-0}" "$other"
  done
done | tee "$W/ab.tsv"
echo "# medians"
median() { sort -g | awk '{a[n++] = $1} END {printf "%.2f", (n % 2) ? a[(n - 1) / 2] : (a[n / 2 - 1] + a[n / 2]) / 2}'; }
for v in "${VARIANTS[@]}"; do
  c=$(awk -v v="$v" -F'\t' '$1 == v {print $4}' "$W/ab.tsv" | median)
  q=$(awk -v v="$v" -F'\t' '$1 == v {print $3}' "$W/ab.tsv" | median)
  o=$(awk -v v="$v" -F'\t' '$1 == v {print $7}' "$W/ab.tsv" | median)
  printf '%s\tcpu_us_per_req_median=%s\trps_median=%s\tother_pct_median=%s\n' "$v" "$c" "$q" "$o"
done
# Only the rounds in which both variants ran clean (under CLEAN% of the proxy core used by
# other processes).
CLEAN=${CLEAN:-10}
clean_rounds=$(awk -F'\t' -v lim="$CLEAN" 'NR > 1 && $7 + 0 >= lim {bad[$2] = 1} NR > 1 {all[$2] = 1}
  END {for (r in all) if (!(r in bad)) print r}' "$W/ab.tsv" | sort -n | tr '\n' ' ')
echo "# clean rounds (other_pct < $CLEAN for every variant): ${clean_rounds:-none}"
if [ -n "$clean_rounds" ]; then
  for v in "${VARIANTS[@]}"; do
    c=$(awk -v v="$v" -v rs=" $clean_rounds" -F'\t' '$1 == v && index(rs, " " $2 " ") {print $4}' "$W/ab.tsv" | median)
    printf '%s\tclean cpu_us_per_req_median=%s\n' "$v" "$c"
  done
  # Paired: per clean round, on/off ratio (the two ran seconds apart, in alternating order).
  awk -F'\t' -v rs=" $clean_rounds" 'index(rs, " " $2 " ") {c[$1, $2] = $4; r[$2] = 1}
    END {for (k in r) if (c["off", k] > 0) print c["on", k] / c["off", k]}' "$W/ab.tsv" |
    median | awk '{printf "# paired median on/off cpu per request: %.4f (%+.1f%%)\n", $1, ($1 - 1) * 100}'
fi
[ "${ACCESS_LOG:-0}" = 1 ] && echo "# access log lines: $(wc -l <"$W/access.log")"
