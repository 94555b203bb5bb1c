#pragma once
// The balancing policy names a pool may use. Config sits below the balance module, so it
// cannot ask the policy registry; this list is the one place a new policy name is added.

#include <span>
#include <string_view>

namespace mcplb::config {

std::span<const std::string_view> known_policies();

}  // namespace mcplb::config
