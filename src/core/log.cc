#include "core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace mcplb::core {

void init_logging() {
  auto logger = spdlog::stderr_color_mt("mcplb");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(logger);
}

bool set_log_level(std::string_view level) {
  auto l = spdlog::level::from_str(std::string(level));
  if (l == spdlog::level::off && level != "off") {
    return false;
  }
  spdlog::set_level(l);
  return true;
}

}  // namespace mcplb::core
