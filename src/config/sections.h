#pragma once
// Readers for the top-level sections (internal to the config module). Each reports its own
// errors with positions and leaves defaults in place where a value is invalid.

#include <yaml-cpp/yaml.h>

#include "config/model.h"
#include "config/reader.h"

namespace mcplb::config {

// Product limits that also bound the loader's work on hostile input (aliases can make a
// small file describe a huge tree).
inline constexpr size_t kMaxListeners = 256;
inline constexpr size_t kMaxPools = 1024;
inline constexpr size_t kMaxBackendsPerPool = 4096;
inline constexpr size_t kMaxBackendsTotal = 65536;
inline constexpr size_t kMaxRoutes = 4096;
inline constexpr size_t kMaxSessionKeys = 16;
inline constexpr size_t kMaxSessionKeyIdChars = 16;  // the token format's limit
inline constexpr size_t kMaxListEntries = 256;       // allowed_hosts, allowed_origins, ...
inline constexpr size_t kMaxMatchHeaders = 16;       // per route
inline constexpr size_t kMaxGlobChars = 256;         // mcp_method, tool
inline constexpr size_t kMaxTrustedProxies = 64;     // checked per request: keep the scan short

/// `listen:` (value, key).
void read_listen(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                 std::vector<Listener>& out);
/// `forwarding:`; preserve_host, x_forwarded, trusted_proxies.
void read_forwarding(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                     Forwarding& out);
/// `pools:`; names, backends, balancing (policy, sticky, slow_start), health, drain_timeout,
/// keepalive, timeouts.
void read_pools(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                std::vector<Pool>& out);
/// `routes:`; needs the pools already read (routes may come first in the file).
/// @return the number of entries in the file (valid or not).
size_t read_routes(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key, Config& cfg);
/// `session:`. A relative secret_file is joined to the directory of diag.file().
void read_session(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key, Session& out);
/// `mcp:`; paths, inspection bound, Host/Origin allow-lists, CORS.
void read_mcp(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key, Mcp& out);
/// Rules across sections: routes required with several pools, unused pools, shadowed routes.
/// `pools_key` / `routes_key` are the keys' marks (null when absent).
void check_routing(Diagnostics& diag, const Config& cfg, const YAML::Mark& pools_key,
                   const YAML::Mark& routes_key, size_t route_entries);

/// Marks read_pool keeps for the checks across its keys (null = not in the file).
struct PoolMarks {
  YAML::Mark sticky = YAML::Mark::null_mark();        // the sticky key
  YAML::Mark first_weight = YAML::Mark::null_mark();  // the first backend weight other than 1
};

/// `pools.<name>.policy` (value, key): a name, or a map with the name and that policy's
/// options, each checked against the policy it belongs to. A relative jwt_key_file is joined
/// to the directory of diag.file().
void read_policy(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                 const std::string& path, PolicyConfig& out);
/// `pools.<name>.sticky` (value, key). Presence enables it.
/// @return false when the value is not a map (nothing was read).
bool read_sticky(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                 const std::string& path, Sticky& out);
/// `pools.<name>.health` (value, key): active checks (presence of `active` turns them on; the
/// type's default path is filled in), passive checks, panic. Reports the rules across their
/// keys, and warns about slow detection or a pool without any health checks.
void read_health(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                 const std::string& path, const std::string& pool, Health& out);
/// Warnings across a pool's balancing keys (sticky with a hash policy, ignored weights); called
/// after the whole pool has been read, since the keys may come in any order.
void check_balancing(Diagnostics& diag, const Pool& pool, const PoolMarks& marks);

/// `pools.<name>.failover` (value, key): sessions, retry_tools, tools, retry_budget,
/// min_retries, max_sessions.
void read_failover(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                   const std::string& path, Failover& out);
/// `pools.<name>.overload` (value, key): max_in_flight, queue, queue_timeout, retry_after.
void read_overload(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                   const std::string& path, Overload& out);

/// `path` as written, or joined to the directory of `config_file` when relative, so
/// `mcplb check` and `mcplb run` agree wherever they are started from.
std::string resolve_path(const std::string& config_file, const std::string& path);

/// Reads a key file path: not empty, no control characters, joined to the config file's
/// directory when relative, and readable now (not read). `what` names it in the message:
/// "cannot read <what> '<path>': <reason>".
/// @return the resolved path, or nullopt after reporting.
std::optional<std::string> read_key_file(Diagnostics& diag, const Reader& r, const YAML::Node& v,
                                         const std::string& path, std::string_view what);
/// `admin:` (value, key): listen address and token files; warns when it listens beyond
/// loopback without a token.
void read_admin(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key, Admin& out);

/// `access_log:` (value, key): a path (stdout, stderr or a file, relative to the config
/// file's directory), true/false, or a map {path, enabled}. Presence turns it on.
void read_access_log(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                     AccessLog& out);
/// `metrics:` (value, key): requests (per-request metrics on/off).
void read_metrics(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                  Metrics& out);

/// Any byte below 0x20, or 0x7f.
bool has_control(std::string_view s);

/// [A-Za-z0-9_.-], plus ':' '[' ']' when `address_chars` (backend names default to addresses).
bool valid_name(std::string_view name, bool address_chars);

}  // namespace mcplb::config
