#include <cstdio>

#include "app/commands.h"
#include "config/load.h"

namespace mcplb::app {

int cmd_check(const std::string& path) {
  auto result = config::load_file(path);
  for (const auto& w : result.warnings) {
    std::fprintf(stderr, "%s (warning)\n", w.str().c_str());
  }
  for (const auto& e : result.errors) {
    std::fprintf(stderr, "%s\n", e.str().c_str());
  }
  if (!result.ok()) {
    return 2;
  }
  std::printf("%s: ok\n", path.c_str());
  return 0;
}

}  // namespace mcplb::app
