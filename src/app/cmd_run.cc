#include <cstdio>

#include "app/commands.h"
#include "config/load.h"
#include "core/log.h"

namespace mcplb::app {

int cmd_run(const std::string& path, int workers_override, const std::string& log_level) {
  auto result = config::load_file(path);
  for (const auto& w : result.warnings) {
    spdlog::warn("{}", w.str());
  }
  for (const auto& e : result.errors) {
    std::fprintf(stderr, "%s\n", e.str().c_str());
  }
  if (!result.ok()) {
    return 2;
  }
  config::Config cfg = std::move(*result.config);
  if (workers_override > 0) {
    cfg.workers = static_cast<uint32_t>(workers_override);
  }
  const std::string& level = log_level.empty() ? cfg.log.level : log_level;
  if (!core::set_log_level(level)) {
    std::fprintf(stderr, "unknown log level '%s'\n", level.c_str());
    return 2;
  }
  return serve(cfg, {});
}

}  // namespace mcplb::app
