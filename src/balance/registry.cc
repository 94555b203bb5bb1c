#include "balance/registry.h"

#include <array>

namespace mcplb::balance {

std::span<const PolicyFactory* const> all_policies() {
  static const std::array<const PolicyFactory*, 1> all{&round_robin_factory()};
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
