#include "config/policies.h"

#include <array>

namespace mcplb::config {

std::span<const std::string_view> known_policies() {
  static constexpr std::array<std::string_view, 1> kPolicies{
      "round_robin",
  };
  return kPolicies;
}

}  // namespace mcplb::config
