#pragma once
// The balancing policy names a pool may use. Config sits below the balance module, so it
// cannot ask the policy registry; this list is the one place a new policy name is added
// (and src/config/balancing.cc, if the policy takes options).

#include <span>
#include <string_view>

namespace mcplb::config {

/// round_robin, weighted_round_robin, random, least_conn, least_request, least_sessions,
/// ip_hash, hash.
std::span<const std::string_view> known_policies();

}  // namespace mcplb::config
