#pragma once
// The admin routes, independent of the HTTP library: a request in, a status, headers and a
// body out. Runs on the admin thread only; reads the live Topology and writes only the
// admin-owned fields of pool::Backend (state via start_drain/end_drain, weight).
//
//   GET  /metrics                              Prometheus text (metrics.h)
//   GET  /healthz                              200 while the process serves
//   GET  /readyz                               200 when >= 1 backend is ready
//   GET  /dashboard (+ .js, .css)              the live operator page (dashboard.h)
//   GET  /admin/backends                       every backend (JSON array, pools in order)
//   GET  /admin/backends/{b}                   one backend
//   POST /admin/backends/{b}/drain             -> draining (pool drain_timeout)
//   POST /admin/backends/{b}/undrain           -> the checker's view
//   POST /admin/backends/{b}/weight            {"weight": 1..1000} or ?weight=N (PUT too)
//   ...  /admin/pools/{pool}/backends/{name}[/drain|/undrain|/weight]   the same, by pool
//
// {b} is a backend name, or pool%2Fname. A bare name found in several pools is 409 (the
// body lists them). Access (authorize()): reads are open to loopback peers, and to everyone
// without Options::token. Every change needs the bearer token when one is set; without one,
// a loopback peer that names a loopback Host (no DNS rebinding) and sends no foreign Origin
// (no cross-site form post from a page in the operator's browser).
//
// /healthz, /readyz and the dashboard's static files are always open (the page holds no
// data: it reads the API with the token the operator types). /metrics needs
// Options::metrics_token when one is set (the admin token works too, for the dashboard).
//
// Errors are JSON {"error": "..."}: 400 bad body or path, 401 missing/wrong bearer token
// (with WWW-Authenticate), 403 change from a non-loopback peer without a token configured,
// 404 unknown route/pool/backend, 405 wrong method (with Allow), 409 ambiguous name.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "admin/metrics.h"
#include "admin/options.h"
#include "admin/process_stats.h"

namespace mcplb::proxy {
class Server;
struct PoolRt;
}  // namespace mcplb::proxy
namespace mcplb::pool {
struct Backend;
}
namespace mcplb::health {
struct TargetStatus;
}

namespace mcplb::admin {

/// One request; the views are valid during Api::handle() only.
struct Request {
  std::string_view method;         // "GET", "POST", ... (case-sensitive, as HTTP says)
  std::string_view target;         // origin-form; the query is read by the weight route only
  std::string_view authorization;  // the Authorization header value; empty when absent
  std::string_view host;           // the Host header value; empty when absent
  std::string_view origin;         // the Origin header value; empty when absent
  std::string_view body;
  std::string_view peer;           // client address, for the audit log
  bool loopback = false;           // the peer address is 127.0.0.0/8 or ::1 (v4-mapped too)
};

struct Response {
  unsigned status = 200;
  std::string_view content_type;
  std::string_view allow;          // 405: the methods the route accepts
  std::string_view csp;            // non-empty: send Content-Security-Policy (the dashboard)
  bool bearer_challenge = false;   // 401: send WWW-Authenticate: Bearer
};

class Api {
 public:
  Api(const proxy::Server& server, Options options);
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  /// Routes `req`. `body` is cleared and filled; callers pass the same buffer again so a
  /// scrape reuses its capacity.
  void handle(const Request& req, Response& res, std::string& body);

  /// The mcplb_build_info version.
  static std::string_view version();

 private:
  struct Json;
  struct Target {
    const proxy::PoolRt* pool = nullptr;
    pool::Backend* backend = nullptr;
  };

  /// False (and the 401/403 written) when `req` may not reach an /admin route.
  bool authorize(const Request& req, Response& res, std::string& body) const;
  void metrics(Response& res, std::string& body);
  void readyz(Response& res, std::string& body);
  void list_backends(Response& res, std::string& body);
  /// /admin/backends/{b}[/action] (by_pool false) or /admin/pools/{pool}/backends/{name}
  /// [/action] (by_pool true); `rest` is what follows the fixed prefix.
  void backend_route(const Request& req, std::string_view rest, bool by_pool, Response& res,
                     std::string& body);
  /// Resolves a backend name (pool/name allowed) over every pool: 404, or 409 when several
  /// pools have it. False with the error written.
  bool find_backend(std::string_view name, Target& t, Response& res, std::string& body) const;
  bool find_in_pool(std::string_view pool_name, std::string_view name, Target& t, Response& res,
                    std::string& body) const;
  void drain(const Request& req, const Target& t, Response& res, std::string& body);
  void undrain(const Request& req, const Target& t, Response& res, std::string& body);
  void set_weight(const Request& req, const Target& t, Response& res, std::string& body);
  /// The checker's per-target status (empty without a checker): taken once per response.
  std::vector<health::TargetStatus> health_status() const;
  void write_backend(const Target& t, const std::vector<health::TargetStatus>& status,
                     std::string& body);
  /// 200 with the backend's JSON document.
  void reply_backend(const Target& t, Response& res, std::string& body);

  const proxy::Server& server_;
  Options opts_;
  MetricsWriter metrics_;
  ProcessStats process_;
  std::unique_ptr<Json> json_;  // simdjson parser for request bodies
};

/// Constant-time in the presented token's content (its length may leak, the expected
/// token's content does not). False when `expected` is empty.
bool token_matches(std::string_view presented, std::string_view expected);

/// Checks an Authorization header value: "Bearer <token>" (scheme case-insensitive).
bool bearer_matches(std::string_view authorization, std::string_view expected);

/// A Host header value naming this machine: localhost (or *.localhost), 127.0.0.0/8 or [::1],
/// with or without a port. Empty (HTTP/1.0 without Host) counts as loopback.
bool loopback_host(std::string_view host);

}  // namespace mcplb::admin
