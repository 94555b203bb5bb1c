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

/// `listen:` (value, key).
void read_listen(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                 std::vector<Listener>& out);
/// `pools:`; names, backends, keepalive, timeouts.
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

/// [A-Za-z0-9_.-], plus ':' '[' ']' when `address_chars` (backend names default to addresses).
bool valid_name(std::string_view name, bool address_chars);

}  // namespace mcplb::config
