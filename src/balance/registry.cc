#include "balance/registry.h"

#include <array>

namespace mcplb::balance {

std::span<const PolicyFactory* const> all_policies() {
  static const std::array<const PolicyFactory*, 8> all{
      &round_robin_factory(),   &weighted_round_robin_factory(),
      &random_factory(),        &least_conn_factory(),
      &least_request_factory(), &least_sessions_factory(),
      &hash_factory(),          &ip_hash_factory(),
  };
  return all;
}

const PolicyFactory* find_policy(std::string_view name) {
  for (const auto* f : all_policies()) {
    if (f->name() == name) {
      return f;
    }
  }
  return nullptr;
}

}  // namespace mcplb::balance
