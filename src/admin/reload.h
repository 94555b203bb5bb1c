#pragma once
// Config reload (SIGHUP and POST /admin/reload): read and validate the file again, then apply
// what can change while traffic flows, and name what cannot.
//
// Applied live: backend weights; a backend gone from the file is drained (its sessions end
// within the pool's drain_timeout); a backend back in the file after that is undrained.
// Everything else (listeners, pools, new backends, addresses, policies, health, timeouts,
// routes, ...) needs a restart and is listed as such, never silently ignored. An invalid file
// changes nothing and its errors come back with file:line:col.
//
// Control-plane only: called from the main thread or the admin thread, serialised by a mutex.

#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace mcplb::proxy {
class Server;
}

namespace mcplb::admin {

struct ReloadReport {
  bool valid = false;                   // the file loaded without errors
  std::vector<std::string> errors;      // "file:line:col: message"
  std::vector<std::string> applied;     // what changed now
  std::vector<std::string> needs_restart;  // differences a reload cannot apply
};

class Reloader {
 public:
  Reloader(const proxy::Server& server, std::string path) : server_(server), path_(std::move(path)) {}

  ReloadReport reload();
  const std::string& path() const { return path_; }

 private:
  const proxy::Server& server_;
  std::string path_;
  std::mutex mu_;
  std::set<std::string> drained_by_reload_;  // "pool/backend" drained because it left the file
};

/// The report as JSON (for the admin API).
std::string to_json(const ReloadReport& r);
/// One log line per entry.
void log_report(const ReloadReport& r, std::string_view from);

}  // namespace mcplb::admin
