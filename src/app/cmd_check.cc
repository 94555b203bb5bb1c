#include <cstdio>

#include "app/commands.h"
#include "config/load.h"
#include "mcp/session_token.h"

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
  // The loader checks that key files are readable; their contents are the mcp module's.
  bool keys_ok = true;
  for (const auto& k : result.config->session.keys) {
    std::string err;
    if (!mcp::load_session_secret(k.secret_file, &err)) {
      std::fprintf(stderr, "%s:%d:%d: session key '%s': %s\n", k.mark.file.c_str(), k.mark.line,
                   k.mark.col, k.id.c_str(), err.c_str());
      keys_ok = false;
    }
  }
  if (!keys_ok) {
    return 2;
  }
  std::printf("%s: ok\n", path.c_str());
  return 0;
}

}  // namespace mcplb::app
