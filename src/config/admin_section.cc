// admin: — where the metrics and admin API listen, and the tokens that guard them.

#include <fmt/format.h>

#include "config/sections.h"

namespace mcplb::config {

void read_admin(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key, Admin& out) {
  MapReader m(diag, value, "admin", key.Mark());
  out.enabled = true;
  out.mark = diag.mark(key.Mark());
  YAML::Mark listen_at = key.Mark();
  auto token = [&](std::string_view name, std::string& dest) {
    return [&, name = std::string(name)](const YAML::Node& v, const YAML::Node&) {
      if (auto file = read_key_file(diag, m.reader(), v, m.child(name), name)) {
        dest = std::move(*file);
      }
    };
  };
  m.on("listen",
       [&](const YAML::Node& v, const YAML::Node&) {
         if (auto a = m.reader().address(v, m.child("listen"), true)) {
           out.listen = std::move(*a);
           listen_at = v.Mark();
         }
       })
      .on("token_file", token("token_file", out.token_file))
      .on("metrics_token_file", token("metrics_token_file", out.metrics_token_file));
  m.run();
  const std::string& host = out.listen.host;
  const bool loopback = host.rfind("127.", 0) == 0 || host == "::1";
  if (!loopback && out.token_file.empty()) {
    diag.warning(listen_at, fmt::format("admin listens on {} without token_file: anyone who "
                                        "reaches it can read the admin API and metrics; "
                                        "changes are refused from other hosts until a token is set",
                                        out.listen.str()));
  }
}

}  // namespace mcplb::config
