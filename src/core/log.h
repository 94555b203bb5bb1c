#pragma once
// Process-wide logger (spdlog, stderr). Request-path code logs only on errors.

#include <spdlog/spdlog.h>

#include <string_view>

namespace mcplb::core {

/// Sets the level by name ("trace".."off"); false when the name is unknown.
bool set_log_level(std::string_view level);
void init_logging();

}  // namespace mcplb::core
