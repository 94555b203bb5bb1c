#include "config/policies.h"

#include <array>

namespace mcplb::config {

std::span<const std::string_view> known_policies() {
  // Order matters only for messages ("expected one of: ..."): simplest first.
  static constexpr std::array<std::string_view, 8> kPolicies{
      "round_robin", "weighted_round_robin", "random",  "least_conn",
      "least_request", "least_sessions",     "ip_hash", "hash",
  };
  return kPolicies;
}

}  // namespace mcplb::config
