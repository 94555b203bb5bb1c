#pragma once
// Plain configuration values, produced by load_yaml + validate and read (never written) by
// every other module. Defaults here are the documented defaults (docs/config.md).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcplb::config {

using Duration = std::chrono::milliseconds;

/// Where a value came from in the YAML file; for messages that happen after loading.
struct Mark {
  std::string file;
  int line = 0;  // 1-based; 0 = not from a file (default or CLI)
  int col = 0;   // 1-based
};

/// A numeric IP literal and port, e.g. "127.0.0.1:8080" or "[::1]:8080".
/// Host names are accepted only where the key's docs say so ("localhost" maps to 127.0.0.1).
struct Address {
  std::string host;  // numeric IPv4 or IPv6 (no brackets)
  uint16_t port = 0;
  std::string str() const;  // "127.0.0.1:8080" / "[::1]:8080"
};

struct Listener {
  Address address;
  uint32_t max_connections = 10000;  // per listener, across workers; beyond it: 503 fast
  Mark mark;
};

/// Downstream (client-facing) limits and timeouts.
struct ClientLimits {
  uint32_t max_header_bytes = 16 * 1024;          // request line + headers
  uint64_t max_body_bytes = 64ull * 1024 * 1024;  // 0 = unlimited
  Duration header_timeout{10'000};                // whole head must arrive within (slowloris)
  Duration idle_timeout{75'000};                  // keep-alive wait for the next request
  Duration send_timeout{60'000};                  // a write to the client making no progress
};

/// Upstream keep-alive pool, per backend per worker (nginx: keepalive / keepalive_requests /
/// keepalive_timeout).
struct Keepalive {
  uint32_t max_idle = 64;
  uint32_t max_requests = 1000;
  Duration idle_timeout{60'000};
};

struct PoolTimeouts {
  Duration connect{5'000};
  Duration read{60'000};          // waiting for response head / between body bytes
  Duration idle_stream{300'000};  // a text/event-stream response may stay silent this long
};

struct Backend {
  std::string name;
  Address address;
  uint32_t weight = 1;
  Mark mark;
};

/// Where the `hash` policy finds its key in a request (exactly one source).
struct HashKey {
  enum class Source : uint8_t { none, header, cookie, query, jwt_claim };
  Source source = Source::none;
  std::string name;           // header (lower-case), cookie, query argument or claim name
  // jwt_claim only: empty = the claim is read without verifying the token (documented risk:
  // a client can then choose its key, which only affects placement, never authorisation).
  std::string jwt_key_file;   // HS*: the secret's raw bytes; RS256/ES256: PEM public key
  std::string jwt_algorithm;  // HS256, HS384, HS512, RS256, ES256; required with the key file
  Mark mark;                  // the key file value, for errors about its contents
};

/// pools[].policy: a name, or a map with the name and that policy's options.
struct PolicyConfig {
  std::string name = "least_sessions";
  HashKey key;                           // hash: required
  std::string fallback = "round_robin";  // hash: for requests without the key (not hash/ip_hash)
  double balance_factor = 1.25;          // hash, ip_hash: 0 = unbounded, else 1.0 < f <= 100
  bool ewma = true;                      // least_request: peak-EWMA latency score
  Duration decay{10'000};                // least_request: EWMA time constant, 100ms..10min
};

/// Sticky cookie (ALB/nginx "sticky cookie" style): the first response sets a sealed cookie
/// naming the backend; later requests carrying it go there while it is healthy.
struct Sticky {
  bool enabled = false;  // true when the `sticky` key is present
  std::string cookie = "lb_cookie";  // RFC 6265 token
  Duration ttl{std::chrono::hours(1)};  // cookie Max-Age and token lifetime, 1s..365d
  bool secure = false;
  bool httponly = true;
  std::string path = "/";
  std::string same_site = "lax";  // lax, strict, none (none requires secure)
};

/// Active checks (issue 6): one prober per process, results shared by all workers. The loader
/// accepts only what health::validate() accepts, and stores effective values (docs/config.md,
/// "Health checks").
struct ActiveHealth {
  bool enabled = false;        // true when `health.active` is present
  std::string type = "http";   // http: GET path, status in expect range; mcp: initialize+ping
  std::string path;            // filled in when absent: "/" for http, "/mcp" for mcp
  std::string host;            // Host header, visible ASCII; empty = the backend address
  uint32_t expect_min = 200;   // http only: `expect: 200-399` or `expect: 204`; 100..599
  uint32_t expect_max = 399;
  Duration interval{10'000};
  Duration timeout{5'000};     // < interval
  uint32_t healthy_threshold = 2;
  uint32_t unhealthy_threshold = 3;
  double jitter = 0.1;         // 0..0.5
  // 0 = off, else < interval; when not written and the default is not below interval, 0.
  Duration fast_recheck{1'000};
  std::string protocol_version = "2025-11-25";  // mcp only: offered in initialize (YYYY-MM-DD)
  Mark mark;                                    // the `active` key
};

/// Passive checks from real traffic (issue 6).
struct PassiveHealth {
  // nginx max_fails/fail_timeout: max_fails connect/timeout/5xx-gateway failures within
  // fail_timeout take the backend out for fail_timeout. 0 = off.
  uint32_t max_fails = 1;
  Duration fail_timeout{10'000};
  // Outlier ejection (Envoy): this many consecutive 502/503/504 or failed exchanges eject
  // the backend for base_ejection_time x times ejected (capped). 0 = off.
  uint32_t consecutive_errors = 5;
  Duration base_ejection_time{30'000};
  Duration max_ejection_time{300'000};  // >= base; when not written, raised to base
  uint32_t max_ejection_percent = 50;  // never eject more than this share of a pool
};

struct Health {
  ActiveHealth active;
  PassiveHealth passive;
  // When no backend is ready, spread requests over all of them instead of failing all.
  bool panic = true;
};

/// What mcplb does when a request or a session outlives its backend (docs/config.md).
struct Failover {
  // `sessions: reinitialize`: a session whose backend is gone is opened again on a healthy
  // backend by replaying its initialize; false (`off`) answers 404 so the client re-initializes.
  bool reinitialize = false;
  // `retry_tools: idempotent` retries a failed tools/call on another backend when the tool is
  // annotated readOnlyHint/idempotentHint (learned from tools/list) or listed in `tools`;
  // `none` never retries a call that may have reached the backend.
  bool retry_idempotent = true;
  std::vector<std::string> tools;  // globs of tool names that are safe to retry
  double retry_budget = 0.2;       // retries in progress at most this share of in-flight requests
  uint32_t min_retries = 3;        // ... but always this many at once
  uint32_t max_sessions = 100'000;  // initialize records kept in memory for replay (per pool)
  bool operator==(const Failover&) const = default;
};

/// Per-backend request limit with a bounded wait (docs/config.md, overload).
struct Overload {
  uint32_t max_in_flight = 0;      // per backend across workers; 0 = unlimited
  uint32_t queue = 0;              // requests that may wait for a free slot, per pool per worker
  Duration queue_timeout{1'000};   // a waiting request gets 503 after this
  uint32_t retry_after_seconds = 1;
  bool operator==(const Overload&) const = default;
};

struct Pool {
  std::string name;
  Failover failover;
  Overload overload;
  PolicyConfig policy;
  Health health;
  Duration drain_timeout{30'000};  // a draining backend's sessions may live this long
  Sticky sticky;
  Duration slow_start{0};  // 0 = off; at most 1h
  std::vector<Backend> backends;
  Keepalive keepalive;
  PoolTimeouts timeouts;
  Mark mark;
};

/// Every non-empty criterion must hold; an empty match matches every request.
struct RouteMatch {
  std::string path_prefix;  // empty = any
  std::string host;         // empty = any; exact, case-insensitive, port ignored
  std::string method;       // HTTP method, exact (GET/POST/...), empty = any
  // JSON-RPC method (from the Mcp-Method header or the body), glob with '*' (glob.h), empty =
  // any. When set, a request without a JSON-RPC method does not match.
  std::string mcp_method;
  // tools/call params.name (Mcp-Name header or body), glob with '*', empty = any. When set, a
  // request without a tool name does not match.
  std::string tool;
  // Header name (stored lower-case; compare case-insensitively) -> exact, non-empty value.
  // At most 16, names unique.
  std::vector<std::pair<std::string, std::string>> headers;
};

struct Route {
  RouteMatch match;
  std::string pool;
  Mark mark;
};

/// How mcplb speaks about the client to backends.
struct Forwarding {
  bool preserve_host = true;   // false: Host becomes the backend address
  bool x_forwarded = true;     // add X-Forwarded-For / -Proto / -Host
  // Peers whose X-Forwarded-For / Forwarded headers are believed (CIDRs as written, checked
  // with core::parse_cidr). The client address (ip_hash, logs, rate limits) is the right-most
  // address in the chain that is not itself trusted; untrusted peers are their own client.
  std::vector<std::string> trusted_proxies;
};

/// One session-token key. The secret itself is read by the mcp module (key file formats:
/// docs/config.md); the loader only checks that the file is readable.
struct SessionKey {
  std::string id;           // 1..16 chars of [A-Za-z0-9_.-], unique; written into every token
  std::string secret_file;  // as written, or joined to the config file's directory if relative
  Mark mark;                // the secret_file value, to report problems with the file's contents
};

struct Session {
  std::vector<SessionKey> keys;  // first one seals new tokens; all open; empty = generate an
                                 // ephemeral key at start (warn)
  Duration ttl{std::chrono::hours(24)};  // token lifetime
};

struct Cors {
  bool enabled = false;
  std::vector<std::string> allow_origins;  // "*" or origins as browsers send them: lower-case
                                           // scheme://host[:port], default port dropped
  Duration max_age{std::chrono::minutes(10)};
};

/// MCP-specific request handling.
struct Mcp {
  // Old HTTP+SSE transport (2024-11-05): a GET on sse_path opens the stream, and the client
  // POSTs its messages to message_path?sessionId=...
  std::string sse_path = "/sse";
  std::string message_path = "/message";
  uint32_t max_inspect_bytes = 64 * 1024;  // how much of a POST body is read to inspect it
  // Empty = any Host. Lower-case entries: "example.com" (any port), "example.com:8443",
  // "*.example.com" (subdomains only), "localhost", "127.0.0.1", "[::1]".
  std::vector<std::string> allowed_hosts;
  // Empty = any Origin (or none). "*" or origins in the same form as Cors::allow_origins.
  std::vector<std::string> allowed_origins;
  Cors cors;
};

/// The admin endpoint: Prometheus /metrics and the JSON admin API (src/admin).
struct Admin {
  bool enabled = false;  // true when the `admin` key is present
  Address listen{"127.0.0.1", 9901};
  std::string token_file;          // non-empty: admin changes need "Authorization: Bearer <token>"
  std::string metrics_token_file;  // non-empty: /metrics needs its own bearer token
  Mark mark;
};

struct Logging {
  std::string level = "info";  // trace, debug, info, warn, error, off
};

/// One JSON line per request (docs/config.md, access_log).
struct AccessLog {
  bool enabled = false;          // true when `access_log` is present (and not `enabled: false`)
  std::string path = "stdout";   // stdout, stderr, or a file (appended; reopened on SIGUSR1)
  Mark mark;
};

/// Per-request metrics (status classes, duration histograms). Off only to measure their cost.
struct Metrics {
  bool requests = true;
};

struct Config {
  std::string source;               // file path the config came from ("" when built in code)
  std::vector<Listener> listen;     // default: one on 127.0.0.1:8080
  uint32_t workers = 0;             // 0 = auto (one per core)
  ClientLimits client;
  Forwarding forwarding;
  Duration shutdown_timeout{30'000};
  std::vector<Pool> pools;          // in file order
  std::vector<Route> routes;        // in order; empty = everything to the only pool
  Logging log;
  Session session;
  Mcp mcp;
  Admin admin;
  AccessLog access_log;
  Metrics metrics;

  const Pool* find_pool(std::string_view name) const {
    for (const auto& p : pools) {
      if (p.name == name) {
        return &p;
      }
    }
    return nullptr;
  }
};

}  // namespace mcplb::config
