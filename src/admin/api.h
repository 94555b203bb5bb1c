#pragma once
// The admin routes, independent of the HTTP library: a request in, a status, headers and a
// body out. Runs on the admin thread only; reads the live Topology and writes only the
// admin-owned fields of pool::Backend (state via start_drain/end_drain, weight).
//
//   GET  /metrics                                          Prometheus text (metrics.h)
//   GET  /healthz                                          200 while the process serves
//   GET  /readyz                                           200 when >= 1 backend is ready
//   GET  /api/backends                                     every backend (JSON array)
//   GET  /api/pools/{pool}/backends/{backend}              one backend
//   POST /api/pools/{pool}/backends/{backend}/drain        -> draining (pool drain_timeout)
//   POST /api/pools/{pool}/backends/{backend}/undrain      -> the checker's view
//   PUT  /api/pools/{pool}/backends/{backend}/weight       body {"weight": 1..1000}
//
// Errors are JSON {"error": "..."}: 400 bad body or path, 401 missing/wrong bearer token
// (when Options::token is set; /metrics only with Options::metrics_token), 404 unknown
// route/pool/backend, 405 wrong method (with Allow).

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
  std::string_view target;         // origin-form; a query string is ignored
  std::string_view authorization;  // the Authorization header value; empty when absent
  std::string_view body;
  std::string_view peer;           // client address, for the audit log
};

struct Response {
  unsigned status = 200;
  std::string_view content_type;
  std::string_view allow;         // 405: the methods the route accepts
  bool bearer_challenge = false;  // 401: send WWW-Authenticate: Bearer
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

  void metrics(Response& res, std::string& body);
  void readyz(Response& res, std::string& body);
  void list_backends(Response& res, std::string& body);
  void backend_route(const Request& req, std::string_view rest, Response& res,
                     std::string& body);
  void drain(const Request& req, const Target& t, Response& res, std::string& body);
  void undrain(const Request& req, const Target& t, Response& res, std::string& body);
  void set_weight(const Request& req, const Target& t, Response& res, std::string& body);
  /// The checker's per-target status (empty without a checker): taken once per response.
  std::vector<health::TargetStatus> health_status() const;
  void write_backend(const Target& t, const std::vector<health::TargetStatus>& status,
                     std::string& body);

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

}  // namespace mcplb::admin
