# The http workload every proxy-cost script measures (sourced after lib.sh, once B1..B3 are
# set): the stateless MCP tools/call wrk sends, the nginx backend that answers it, and the
# mcplb config that fronts it. One definition, so http.sh and the A/B scripts measure the same.

BODY='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}}'
REPLY='{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"ok"}],"isError":false}}'
# CONTENT_TYPE=text/plain sends the same bytes without mcplb's JSON-RPC inspection (it inspects
# application/json POSTs only): the A/B for the cost of MCP inspection.
HEADERS=(
  "Content-Type: ${CONTENT_TYPE:-application/json}"
  "Accept: application/json, text/event-stream"
  "MCP-Protocol-Version: 2026-07-28"
  "Mcp-Method: tools/call"
  "Mcp-Name: echo"
)

# nginx keeps temp files under $W so nothing outside the run is touched.
nginx_common() {
  local t=$W/$1-tmp
  mkdir -p "$t"
  cat <<CONF
worker_processes 1; master_process off; daemon off; pid $W/$1.pid;
error_log $W/$1.error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000; keepalive_timeout 300s;
  client_body_temp_path $t/body; proxy_temp_path $t/proxy; fastcgi_temp_path $t/fastcgi;
  uwsgi_temp_path $t/uwsgi; scgi_temp_path $t/scgi;
CONF
}

# $W/backend.conf: one nginx answering REPLY on the three backend ports.
write_backend_conf() {
  {
    nginx_common backend
    cat <<CONF
  server {
    listen 127.0.0.1:$B1; listen 127.0.0.1:$B2; listen 127.0.0.1:$B3;
    location / { default_type application/json; return 200 '$REPLY'; }
  }
}
CONF
  } >"$W/backend.conf"
}

# mcplb_bench_conf PORT [YAML lines]: mcplb's config, one worker, round robin over the three
# backends; the extra top-level lines (e.g. `metrics: {requests: false}`) go before `pools`.
mcplb_bench_conf() {
  cat <<CONF
listen: [{address: "127.0.0.1:$1"}]
workers: 1
# Same as the nginx/HAProxy configs: no X-Forwarded-* headers added, errors-only logging.
forwarding: {x_forwarded: false}
log: {level: warn}
shutdown_timeout: 2s
${2:-}
pools:
  mcp:
    policy: round_robin
    backends:
      - {name: b1, address: "127.0.0.1:$B1"}
      - {name: b2, address: "127.0.0.1:$B2"}
      - {name: b3, address: "127.0.0.1:$B3"}
    keepalive: {max_idle: 64, max_requests: 1000000, idle_timeout: 60s}
CONF
}

# $W/post.lua: the wrk script that sends BODY with HEADERS.
write_post_lua() {
  {
    echo 'wrk.method = "POST"'
    for h in "${HEADERS[@]}"; do
      printf 'wrk.headers["%s"] = "%s"\n' "${h%%: *}" "${h#*: }"
    done
    printf "wrk.body = '%s'\n" "$BODY"
  } >"$W/post.lua"
}
