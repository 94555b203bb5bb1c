#include "http/query.h"

namespace mcplb::http {

std::optional<std::string_view> query_arg(std::string_view target, std::string_view name) noexcept {
  target = target.substr(0, target.find('#'));
  const size_t q = target.find('?');
  if (q == std::string_view::npos || name.empty()) {
    return std::nullopt;
  }
  const std::string_view query = target.substr(q + 1);
  size_t pos = 0;
  for (;;) {
    const size_t amp = query.find('&', pos);
    const std::string_view arg = query.substr(pos, amp == std::string_view::npos ? amp : amp - pos);
    const size_t eq = arg.find('=');
    if (arg.substr(0, eq) == name) {
      return eq == std::string_view::npos ? arg.substr(arg.size()) : arg.substr(eq + 1);
    }
    if (amp == std::string_view::npos) {
      return std::nullopt;
    }
    pos = amp + 1;
  }
}

}  // namespace mcplb::http
