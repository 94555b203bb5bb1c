// Arbitrary bytes -> http::find_cookie, http::query_arg and the Set-Cookie writer. Input lines:
// a name, then Cookie header values (the first also serves as a request target). Checks:
// results point into the input; a Set-Cookie line the writer accepts is one header line and
// reads back (as a Cookie header) to the value written.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http/cookie.h"
#include "http/query.h"

namespace {

bool inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::string_view all = input;
  const size_t nl = all.find('\n');
  const std::string_view name = all.substr(0, nl);
  std::vector<std::string_view> values;
  if (nl != std::string_view::npos) {
    std::string_view rest = all.substr(nl + 1);
    while (values.size() < 8) {
      const size_t at = rest.find('\n');
      values.push_back(rest.substr(0, at));
      if (at == std::string_view::npos) {
        break;
      }
      rest = rest.substr(at + 1);
    }
  }

  if (auto v = mcplb::http::find_cookie(values, name); v && !inside(*v, all)) {
    std::abort();
  }
  const std::string_view target = values.empty() ? all : values[0];
  if (auto q = mcplb::http::query_arg(target, name); q && !inside(*q, target)) {
    std::abort();
  }

  // Writer round trip: name and value from the input.
  mcplb::http::SetCookie c;
  c.name = name;
  c.value = values.empty() ? std::string_view{} : values[0];
  c.path = values.size() > 1 ? values[1] : "/";
  c.max_age_s = static_cast<int64_t>(size) - 100;
  c.secure = (size & 1) != 0;
  c.same_site = static_cast<mcplb::http::SameSite>(size % 3);
  std::string line;
  if (mcplb::http::append_set_cookie(line, c)) {
    if (line.size() != mcplb::http::set_cookie_size(c) || line.find('\n') != line.size() - 1 ||
        line.find('\r') != line.size() - 2) {
      std::abort();
    }
    std::string_view cookie(line);
    cookie.remove_prefix(sizeof("Set-Cookie: ") - 1);
    cookie.remove_suffix(2);
    const std::string_view one[] = {cookie};
    std::string_view want = c.value;
    if (want.size() >= 2 && want.front() == '"' && want.back() == '"') {
      want = want.substr(1, want.size() - 2);
    }
    const auto back = mcplb::http::find_cookie(one, c.name);
    if (!back || *back != want) {
      std::abort();
    }
  } else if (mcplb::http::valid_set_cookie(c)) {
    std::abort();
  }
  return 0;
}
