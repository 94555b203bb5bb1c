#include "admin/api.h"

#include <simdjson.h>

#include <chrono>

#include "admin/exposition.h"
#include "admin/json_writer.h"
#include "core/log.h"
#include "health/checker.h"
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

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

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

/// Percent-decodes one path segment; false on a bad escape or an encoded '/' or NUL.
bool decode_segment(std::string_view in, std::string& out) {
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
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0) || (hi == 2 && lo == 15)) {
      return false;
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
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
    if (!opts_.metrics_token.empty() && !bearer_matches(req.authorization, opts_.metrics_token)) {
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
  if (path == "/api" || path.starts_with("/api/")) {
    if (!opts_.token.empty() && !bearer_matches(req.authorization, opts_.token)) {
      res.bearer_challenge = true;
      return error(res, body, 401, "missing or wrong bearer token");
    }
    if (path == "/api/backends") {
      if (req.method != "GET") {
        return method_not_allowed(res, body, "GET");
      }
      return list_backends(res, body);
    }
    constexpr std::string_view kPools = "/api/pools/";
    if (path.starts_with(kPools)) {
      return backend_route(req, path.substr(kPools.size()), res, body);
    }
  }
  error(res, body, 404, "not found");
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
  w.key("ready").value(b.ready(now));
  if (b.stats) {
    w.key("in_flight").value(b.stats->in_flight());
    w.key("connections").value(b.stats->active_conns());
    w.key("requests").value(b.stats->requests());
    w.key("failures").value(b.stats->failures());
    w.key("streams").value(b.stats->streams());
  }
  w.key("sessions").value(b.sessions.load(relaxed));
  w.key("ejected_until_ms").value(remaining_ms(b.ejected_until_ns.load(relaxed), now));
  w.key("ejections").value(b.ejections.load(relaxed));
  w.key("drain_remaining_ms").value(remaining_ms(b.drain_deadline_ns.load(relaxed), now));
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
    w.key("last").value(st->last_detail);
    w.end_object();
  } else {
    w.null();
  }
  w.end_object();
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

void Api::backend_route(const Request& req, std::string_view rest, Response& res,
                        std::string& body) {
  // rest: {pool}/backends/{backend}[/{action}]
  std::string_view pool_seg = next_segment(rest);
  std::string_view lit = next_segment(rest);
  std::string_view backend_seg = next_segment(rest);
  std::string_view action = next_segment(rest);
  if (pool_seg.empty() || lit != "backends" || backend_seg.empty() || !rest.empty()) {
    return error(res, body, 404, "not found");
  }
  if (action != "" && action != "drain" && action != "undrain" && action != "weight") {
    return error(res, body, 404, "not found");
  }
  std::string& pool_name = json_->seg_pool;
  std::string& backend_name = json_->seg_backend;
  if (!decode_segment(pool_seg, pool_name) || !decode_segment(backend_seg, backend_name)) {
    return error(res, body, 400, "bad percent-encoding in path");
  }
  Target t;
  for (const auto& p : server_.topology().pools()) {
    if (p.cfg.name == pool_name) {
      t.pool = &p;
      break;
    }
  }
  if (t.pool == nullptr) {
    return error(res, body, 404, fmt::format("unknown pool '{}'", pool_name));
  }
  for (const auto& b : t.pool->backends) {
    if (b->name == backend_name) {
      t.backend = b.get();
      break;
    }
  }
  if (t.backend == nullptr) {
    return error(res, body, 404,
                 fmt::format("unknown backend '{}' in pool '{}'", backend_name, pool_name));
  }
  if (action.empty()) {
    if (req.method != "GET") {
      return method_not_allowed(res, body, "GET");
    }
    res.content_type = kJson;
    write_backend(t, health_status(), body);
    body.push_back('\n');
  } else if (action == "weight") {
    if (req.method != "PUT") {
      return method_not_allowed(res, body, "PUT");
    }
    set_weight(req, t, res, body);
  } else {
    if (req.method != "POST") {
      return method_not_allowed(res, body, "POST");
    }
    if (action == "drain") {
      drain(req, t, res, body);
    } else {
      undrain(req, t, res, body);
    }
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
  res.content_type = kJson;
  write_backend(t, health_status(), body);
  body.push_back('\n');
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
  res.content_type = kJson;
  write_backend(t, health_status(), body);
  body.push_back('\n');
}

void Api::set_weight(const Request& req, const Target& t, Response& res, std::string& body) {
  constexpr std::string_view kUsage = "body must be a JSON object {\"weight\": 1..1000}";
  simdjson::dom::element root;
  simdjson::dom::object obj;
  if (json_->parser.parse(req.body.data(), req.body.size()).get(root) ||
      root.get_object().get(obj)) {
    return error(res, body, 400, kUsage);
  }
  int64_t weight = -1;
  for (auto field : obj) {
    if (field.key != "weight") {
      return error(res, body, 400, fmt::format("unknown key '{}': {}", field.key, kUsage));
    }
    if (field.value.get_int64().get(weight)) {
      return error(res, body, 400, kUsage);
    }
  }
  if (weight < 1 || weight > 1000) {
    return error(res, body, 400, kUsage);
  }
  pool::Backend& b = *t.backend;
  const uint32_t before = b.weight.exchange(static_cast<uint32_t>(weight), relaxed);
  spdlog::info("admin: backend {} pool {}: weight {} -> {} (from {})", b.name, t.pool->cfg.name,
               before, weight, req.peer);
  res.content_type = kJson;
  write_backend(t, health_status(), body);
  body.push_back('\n');
}

}  // namespace mcplb::admin
