#include "admin/api.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <chrono>
#include <optional>

#include "admin/dashboard.h"
#include "admin/exposition.h"
#include "admin/json_writer.h"
#include "admin/reload.h"
#include "core/log.h"
#include "health/checker.h"
#include "http/ascii.h"
#include "proxy/server.h"

#ifndef MCPLB_ADMIN_VERSION
#define MCPLB_ADMIN_VERSION "unknown"
#endif

namespace mcplb::admin {

namespace {

constexpr auto relaxed = std::memory_order_relaxed;
constexpr std::string_view kJson = "application/json";

void error(Response& res, std::string& body, unsigned status, std::string_view msg) {
  res.status = status;
  res.content_type = kJson;
  body.clear();
  JsonWriter w(body);
  w.begin_object().key("error").value(msg).end_object();
  body.push_back('\n');
}

void method_not_allowed(Response& res, std::string& body, std::string_view allow) {
  res.allow = allow;
  error(res, body, 405, "method not allowed");
}

using http::ascii::iequals;
using http::ascii::lower;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  c = lower(c);
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1;
}

/// Percent-decodes one path segment; false on a bad escape or an encoded NUL, and on an
/// encoded '/' unless `allow_slash` (pool%2Fname names a backend by pool).
bool decode_segment(std::string_view in, std::string& out, bool allow_slash = false) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) {
      return false;
    }
    int hi = hex_digit(in[i + 1]);
    int lo = hex_digit(in[i + 2]);
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0) || (!allow_slash && hi == 2 && lo == 15)) {
      return false;
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

/// A dotted quad in 127.0.0.0/8.
bool ipv4_loopback(std::string_view h) {
  int parts = 0;
  size_t i = 0;
  for (;;) {
    size_t j = i;
    unsigned v = 0;
    while (j < h.size() && j - i < 3 && h[j] >= '0' && h[j] <= '9') {
      v = v * 10 + static_cast<unsigned>(h[j] - '0');
      ++j;
    }
    if (j == i || v > 255 || (parts == 0 && v != 127)) {
      return false;
    }
    ++parts;
    if (j == h.size()) {
      return parts == 4;
    }
    if (h[j] != '.' || parts == 4) {
      return false;
    }
    i = j + 1;
  }
}

/// The value of `name` in a query string ("a=1&weight=5"); nullopt when absent.
std::optional<std::string_view> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    }
  }
  return std::nullopt;
}

bool blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

/// Splits off the next '/'-separated segment of `rest` (which starts after a '/').
std::string_view next_segment(std::string_view& rest) {
  size_t slash = rest.find('/');
  std::string_view seg = rest.substr(0, slash);
  rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  return seg;
}

pool::BackendState to_state(health::Health h) {
  return h == health::Health::healthy ? pool::BackendState::healthy
                                      : pool::BackendState::unhealthy;
}

int64_t remaining_ms(int64_t until_ns, int64_t now_ns) {
  if (until_ns <= now_ns) {
    return 0;
  }
  return (until_ns - now_ns + 999'999) / 1'000'000;  // round up: 1 ns left is "1 ms", not 0
}

/// Slow start left for a healthy backend, in ns (0 when not ramping).
int64_t slow_start_left_ns(const pool::Backend& b, int64_t now_ns) {
  const int64_t up = b.up_since_ns.load(relaxed);
  if (b.slow_start_ns <= 0 || up <= 0 || now_ns - up >= b.slow_start_ns) {
    return 0;
  }
  return up + b.slow_start_ns - now_ns;
}

/// What the dashboard's badge shows: metrics' state label, plus slow_start for a healthy
/// backend still ramping its weight up.
std::string_view effective_state(const pool::Backend& b, int64_t now_ns) {
  std::string_view s = state_label(b, now_ns);
  if (s == "healthy" && slow_start_left_ns(b, now_ns) > 0) {
    return "slow_start";
  }
  return s;
}

bool is_read(std::string_view method) { return method == "GET" || method == "HEAD"; }

}  // namespace

struct Api::Json {
  simdjson::dom::parser parser;
  std::string seg_pool;
  std::string seg_backend;
};

bool token_matches(std::string_view presented, std::string_view expected) {
  if (expected.empty()) {
    return false;
  }
  // Every byte of the presented token is compared (no early exit), against the expected
  // token repeated: the time depends on the presented length only.
  unsigned diff = presented.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < presented.size(); ++i) {
    diff |= static_cast<unsigned char>(presented[i]) ^
            static_cast<unsigned char>(expected[i % expected.size()]);
  }
  return diff == 0;
}

bool bearer_matches(std::string_view authorization, std::string_view expected) {
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() || authorization[kScheme.size()] != ' ') {
    return false;
  }
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (lower(authorization[i]) != kScheme[i]) {
      return false;
    }
  }
  std::string_view tok = authorization.substr(kScheme.size());
  while (!tok.empty() && (tok.front() == ' ' || tok.front() == '\t')) {
    tok.remove_prefix(1);
  }
  while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\t')) {
    tok.remove_suffix(1);
  }
  return token_matches(tok, expected);
}

bool loopback_host(std::string_view host) {
  if (host.empty()) {
    return true;
  }
  std::string_view name = host;
  if (host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) {
      return false;
    }
    name = host.substr(1, close - 1);
    return name == "::1" || iequals(name, "0:0:0:0:0:0:0:1");
  }
  if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    name = host.substr(0, colon);
  }
  constexpr std::string_view kLocal = ".localhost";  // RFC 6761: always loopback
  const bool sub_localhost =
      name.size() > kLocal.size() && iequals(name.substr(name.size() - kLocal.size()), kLocal);
  return iequals(name, "localhost") || sub_localhost || ipv4_loopback(name);
}

Api::Api(const proxy::Server& server, Options options)
    : server_(server), opts_(std::move(options)), json_(std::make_unique<Json>()) {}

Api::~Api() = default;

std::string_view Api::version() { return MCPLB_ADMIN_VERSION; }

void Api::handle(const Request& req, Response& res, std::string& body) {
  body.clear();
  res = Response{};
  std::string_view path = req.target.substr(0, req.target.find('?'));
  if (path == "/metrics") {
    if (req.method != "GET") {
      return method_not_allowed(res, body, "GET");
    }
    // The admin token opens it too: the dashboard sends the one token the operator typed.
    if (!opts_.metrics_token.empty() && !bearer_matches(req.authorization, opts_.metrics_token) &&
        !bearer_matches(req.authorization, opts_.token)) {
      res.bearer_challenge = true;
      return error(res, body, 401, "missing or wrong bearer token");
    }
    return metrics(res, body);
  }
  if (path == "/healthz") {
    if (req.method != "GET") {
      return method_not_allowed(res, body, "GET");
    }
    res.content_type = kJson;
    body.append("{\"status\":\"ok\"}\n");
    return;
  }
  if (path == "/readyz") {
    if (req.method != "GET") {
      return method_not_allowed(res, body, "GET");
    }
    return readyz(res, body);
  }
  if (const DashboardAsset* a = find_dashboard_asset(path)) {
    if (req.method != "GET") {
      return method_not_allowed(res, body, "GET");
    }
    res.content_type = a->content_type;
    res.csp = kDashboardCsp;
    body.assign(a->body);
    return;
  }
  // Everything else, unknown routes included, is behind the access rules: a peer without
  // the token learns nothing about which routes exist.
  if (!authorize(req, res, body)) {
    return;
  }
  if (path == "/admin/reload") {
    if (req.method != "POST") {
      return method_not_allowed(res, body, "POST");
    }
    if (!opts_.reload) {
      return error(res, body, 501, "reload is not available");
    }
    const ReloadReport rep = opts_.reload();
    log_report(rep, req.peer);
    res.status = rep.valid ? 200 : 400;
    res.content_type = kJson;
    body = to_json(rep);
    body.push_back('\n');
    return;
  }
  if (path == "/admin/backends") {
    if (req.method != "GET") {
      return method_not_allowed(res, body, "GET");
    }
    return list_backends(res, body);
  }
  constexpr std::string_view kBackends = "/admin/backends/";
  constexpr std::string_view kPools = "/admin/pools/";
  if (path.starts_with(kBackends)) {
    return backend_route(req, path.substr(kBackends.size()), false, res, body);
  }
  if (path.starts_with(kPools)) {
    return backend_route(req, path.substr(kPools.size()), true, res, body);
  }
  error(res, body, 404, "not found");
}

bool Api::authorize(const Request& req, Response& res, std::string& body) const {
  const bool has_token = !opts_.token.empty();
  if (is_read(req.method) && (req.loopback || !has_token)) {
    return true;
  }
  if (has_token) {
    if (bearer_matches(req.authorization, opts_.token)) {
      return true;
    }
    res.bearer_challenge = true;
    error(res, body, 401, "missing or wrong bearer token");
    return false;
  }
  if (!req.loopback) {
    error(res, body, 403, "changes from a non-loopback peer need admin.token_file");
    return false;
  }
  // Loopback is trusted only as itself: a page in the operator's browser may reach
  // 127.0.0.1 too, under a rebound DNS name or by a cross-site form post.
  if (!loopback_host(req.host)) {
    error(res, body, 403, "changes without a token need a loopback Host");
    return false;
  }
  if (!req.origin.empty()) {
    constexpr std::string_view kHttp = "http://";
    if (!req.origin.starts_with(kHttp) || !iequals(req.origin.substr(kHttp.size()), req.host)) {
      error(res, body, 403, "cross-origin change refused");
      return false;
    }
  }
  return true;
}

void Api::metrics(Response& res, std::string& body) {
  read_process_stats(process_);  // on failure the last values stay
  const auto counters = server_.mcp_counters();
  ScrapeInput in;
  in.topology = &server_.topology();
  in.mcp = counters;
  in.checker = server_.checker();
  in.process = &process_;
  in.now_ns = health::steady_now_ns();
  in.version = version();
  metrics_.write(in, body);
  res.content_type = kExpositionContentType;
}

void Api::readyz(Response& res, std::string& body) {
  const int64_t now = health::steady_now_ns();
  uint64_t ready = 0;
  for (const auto& p : server_.topology().pools()) {
    for (const auto& b : p.backends) {
      ready += b->ready(now) ? 1 : 0;
    }
  }
  res.status = ready > 0 ? 200 : 503;
  res.content_type = kJson;
  JsonWriter w(body);
  w.begin_object().key("ready").value(ready > 0).key("ready_backends").value(ready).end_object();
  body.push_back('\n');
}

std::vector<health::TargetStatus> Api::health_status() const {
  const health::Checker* checker = server_.checker();
  return checker != nullptr ? checker->status() : std::vector<health::TargetStatus>{};
}

void Api::write_backend(const Target& t, const std::vector<health::TargetStatus>& status,
                        std::string& body) {
  const pool::Backend& b = *t.backend;
  const int64_t now = health::steady_now_ns();
  JsonWriter w(body);
  w.begin_object();
  w.key("pool").value(t.pool->cfg.name);
  w.key("backend").value(b.name);
  w.key("address").value(b.address);
  w.key("weight").value(b.weight.load(relaxed));
  w.key("state").value(pool::to_string(b.state.load(relaxed)));
  w.key("effective_state").value(effective_state(b, now));
  w.key("ready").value(b.ready(now));
  if (b.stats) {
    w.key("in_flight").value(b.stats->in_flight());
    w.key("connections").value(b.stats->active_conns());
    w.key("requests").value(b.stats->requests());
    w.key("failures").value(b.stats->failures());
    w.key("streams").value(b.stats->streams());
  }
  w.key("sessions").value(b.sessions.load(relaxed));
  w.key("ejected").value(b.ejected_until_ns.load(relaxed) > now);
  w.key("ejected_until_ms").value(remaining_ms(b.ejected_until_ns.load(relaxed), now));
  w.key("ejections").value(b.ejections.load(relaxed));
  w.key("consecutive_errors").value(b.consecutive_errors.load(relaxed));
  w.key("drain_remaining_ms").value(remaining_ms(b.drain_deadline_ns.load(relaxed), now));
  w.key("slow_start_remaining_ms").value(remaining_ms(now + slow_start_left_ns(b, now), now));
  w.key("health");
  // status is per target in config order; a linear scan is fine at admin rates.
  const health::TargetStatus* st = nullptr;
  for (const auto& s : status) {
    if (s.pool == t.pool->cfg.name && s.backend == b.name) {
      st = &s;
      break;
    }
  }
  if (st != nullptr) {
    w.begin_object();
    w.key("status").value(health::to_string(st->health));
    w.key("probes").value(st->probes);
    w.key("failed").value(st->failed_probes);
    w.key("consecutive_failures").value(st->consecutive_failures);
    w.key("consecutive_successes").value(st->consecutive_successes);
    w.key("last").value(st->last_detail);
    w.end_object();
  } else {
    w.null();
  }
  w.end_object();
}

void Api::reply_backend(const Target& t, Response& res, std::string& body) {
  res.content_type = kJson;
  write_backend(t, health_status(), body);
  body.push_back('\n');
}

void Api::list_backends(Response& res, std::string& body) {
  res.content_type = kJson;
  const auto status = health_status();
  body.push_back('[');
  bool first = true;
  for (const auto& p : server_.topology().pools()) {
    for (const auto& b : p.backends) {
      if (!first) {
        body.push_back(',');
      }
      first = false;
      write_backend(Target{&p, b.get()}, status, body);
    }
  }
  body.append("]\n");
}

bool Api::find_in_pool(std::string_view pool_name, std::string_view name, Target& t,
                       Response& res, std::string& body) const {
  t = Target{};
  for (const auto& p : server_.topology().pools()) {
    if (p.cfg.name == pool_name) {
      t.pool = &p;
      break;
    }
  }
  if (t.pool == nullptr) {
    error(res, body, 404, fmt::format("unknown pool '{}'", pool_name));
    return false;
  }
  for (const auto& b : t.pool->backends) {
    if (b->name == name) {
      t.backend = b.get();
      return true;
    }
  }
  error(res, body, 404, fmt::format("unknown backend '{}' in pool '{}'", name, pool_name));
  return false;
}

bool Api::find_backend(std::string_view name, Target& t, Response& res,
                       std::string& body) const {
  // Names never contain '/' (config.md), so pool/name is unambiguous.
  if (size_t slash = name.find('/'); slash != std::string_view::npos) {
    return find_in_pool(name.substr(0, slash), name.substr(slash + 1), t, res, body);
  }
  t = Target{};
  std::vector<std::string_view> pools;  // admin rates: a small allocation is fine
  for (const auto& p : server_.topology().pools()) {
    for (const auto& b : p.backends) {
      if (b->name == name) {
        if (pools.empty()) {
          t = Target{&p, b.get()};
        }
        pools.push_back(p.cfg.name);
      }
    }
  }
  if (pools.size() == 1) {
    return true;
  }
  if (pools.empty()) {
    error(res, body, 404, fmt::format("unknown backend '{}'", name));
    return false;
  }
  // Changing "b1" in whichever pool came first would be a guess: name the candidates.
  res.status = 409;
  res.content_type = kJson;
  body.clear();
  JsonWriter w(body);
  w.begin_object();
  w.key("error").value(fmt::format(
      "backend '{}' is in pools {}: name it as {}/{} ({}%2F{} in a path) or use "
      "/admin/pools/{}/backends/{}",
      name, fmt::join(pools, ", "), pools[0], name, pools[0], name, pools[0], name));
  w.key("pools").begin_array();
  for (std::string_view p : pools) {
    w.value(p);
  }
  w.end_array().end_object();
  body.push_back('\n');
  return false;
}

void Api::backend_route(const Request& req, std::string_view rest, bool by_pool, Response& res,
                        std::string& body) {
  // rest: {b}[/{action}], or with by_pool {pool}/backends/{name}[/{action}]
  std::string_view pool_seg;
  if (by_pool) {
    pool_seg = next_segment(rest);
    if (pool_seg.empty() || next_segment(rest) != "backends") {
      return error(res, body, 404, "not found");
    }
  }
  std::string_view backend_seg = next_segment(rest);
  std::string_view action = next_segment(rest);
  if (backend_seg.empty() || !rest.empty() ||
      (action != "" && action != "drain" && action != "undrain" && action != "weight")) {
    return error(res, body, 404, "not found");
  }
  if (action.empty() && req.method != "GET") {
    return method_not_allowed(res, body, "GET");
  }
  if (action == "weight" && req.method != "POST" && req.method != "PUT") {
    return method_not_allowed(res, body, "POST, PUT");
  }
  if ((action == "drain" || action == "undrain") && req.method != "POST") {
    return method_not_allowed(res, body, "POST");
  }
  std::string& pool_name = json_->seg_pool;
  std::string& backend_name = json_->seg_backend;
  if (!decode_segment(pool_seg, pool_name) ||
      !decode_segment(backend_seg, backend_name, /*allow_slash=*/!by_pool)) {
    return error(res, body, 400, "bad percent-encoding in path");
  }
  Target t;
  if (by_pool ? !find_in_pool(pool_name, backend_name, t, res, body)
              : !find_backend(backend_name, t, res, body)) {
    return;
  }
  if (action.empty()) {
    reply_backend(t, res, body);
  } else if (action == "weight") {
    set_weight(req, t, res, body);
  } else if (action == "drain") {
    drain(req, t, res, body);
  } else {
    undrain(req, t, res, body);
  }
}

void Api::drain(const Request& req, const Target& t, Response& res, std::string& body) {
  pool::Backend& b = *t.backend;
  const pool::BackendState before = b.state.load(relaxed);
  const auto timeout =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.pool->cfg.drain_timeout);
  if (pool::start_drain(b, health::steady_now_ns(), timeout.count())) {
    spdlog::info("admin: backend {} pool {}: {} -> draining (sessions end within {} ms; from {})",
                 b.name, t.pool->cfg.name, pool::to_string(before),
                 t.pool->cfg.drain_timeout.count(), req.peer);
  } else {
    spdlog::info("admin: backend {} pool {}: already draining (from {})", b.name,
                 t.pool->cfg.name, req.peer);
  }
  reply_backend(t, res, body);
}

void Api::undrain(const Request& req, const Target& t, Response& res, std::string& body) {
  pool::Backend& b = *t.backend;
  pool::BackendState health = pool::BackendState::healthy;
  if (const health::Checker* c = server_.checker()) {
    if (auto h = c->health_of(b)) {
      health = to_state(*h);
    }
  }
  if (b.state.load(relaxed) == pool::BackendState::draining) {
    pool::end_drain(b, health);
    spdlog::info("admin: backend {} pool {}: draining -> {} (from {})", b.name, t.pool->cfg.name,
                 pool::to_string(b.state.load(relaxed)), req.peer);
  } else {
    spdlog::info("admin: backend {} pool {}: not draining, nothing to undo (from {})", b.name,
                 t.pool->cfg.name, req.peer);
  }
  reply_backend(t, res, body);
}

void Api::set_weight(const Request& req, const Target& t, Response& res, std::string& body) {
  constexpr std::string_view kUsage =
      "weight must be 1..1000: body {\"weight\": N} or query ?weight=N";
  const size_t q = req.target.find('?');
  const auto from_query = q == std::string_view::npos
                              ? std::nullopt
                              : query_param(req.target.substr(q + 1), "weight");
  int64_t weight = -1;
  if (!blank(req.body)) {
    if (from_query) {
      return error(res, body, 400, "give the weight in the body or in the query, not both");
    }
    simdjson::dom::element root;
    simdjson::dom::object obj;
    if (json_->parser.parse(req.body.data(), req.body.size()).get(root) ||
        root.get_object().get(obj)) {
      return error(res, body, 400, kUsage);
    }
    for (auto field : obj) {
      if (field.key != "weight") {
        return error(res, body, 400, fmt::format("unknown key '{}': {}", field.key, kUsage));
      }
      if (field.value.get_int64().get(weight)) {
        return error(res, body, 400, kUsage);
      }
    }
  } else if (from_query) {
    // Digits only, at most 4 of them: no sign, no overflow, no percent-encoding games.
    const std::string_view v = *from_query;
    if (v.empty() || v.size() > 4 || v.find_first_not_of("0123456789") != std::string_view::npos) {
      return error(res, body, 400, kUsage);
    }
    weight = 0;
    for (char c : v) {
      weight = weight * 10 + (c - '0');
    }
  }
  if (weight < 1 || weight > 1000) {
    return error(res, body, 400, kUsage);
  }
  pool::Backend& b = *t.backend;
  const uint32_t before = b.weight.exchange(static_cast<uint32_t>(weight), relaxed);
  spdlog::info("admin: backend {} pool {}: weight {} -> {} (from {})", b.name, t.pool->cfg.name,
               before, weight, req.peer);
  reply_backend(t, res, body);
}

}  // namespace mcplb::admin
