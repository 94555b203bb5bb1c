#include "http/hash_key.h"

#include "http/cookie.h"
#include "http/jwt.h"
#include "http/query.h"

namespace mcplb::http {
namespace {

std::string_view header_of(const KeySources& req, std::string_view lower_name) {
  return req.header != nullptr ? req.header(req.arg, lower_name) : std::string_view{};
}

std::optional<std::string_view> non_empty(std::optional<std::string_view> v) {
  if (v && v->empty()) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

std::optional<std::string_view> find_key(const config::HashKey& spec, const KeySources& req,
                                         const JwtVerifier* verifier, int64_t now_unix,
                                         std::string& scratch) {
  using Source = config::HashKey::Source;
  switch (spec.source) {
    case Source::header:
      return non_empty(header_of(req, spec.name));
    case Source::cookie: {
      if (!req.cookies.empty()) {
        return non_empty(find_cookie(req.cookies, spec.name));
      }
      const std::string_view one = header_of(req, "cookie");
      return non_empty(find_cookie(HeaderValues(&one, 1), spec.name));
    }
    case Source::query:
      return non_empty(query_arg(req.target, spec.name));
    case Source::jwt_claim:
      return non_empty(
          jwt_claim(header_of(req, "authorization"), spec.name, verifier, now_unix, scratch));
    case Source::none:
      break;
  }
  return std::nullopt;
}

std::optional<KeyFinder> KeyFinder::build(const config::HashKey& spec, std::string& err) {
  KeyFinder f;
  f.spec_ = spec;
  if (spec.source == config::HashKey::Source::jwt_claim && !spec.jwt_key_file.empty()) {
    f.verifier_ = JwtVerifier::load(spec.jwt_key_file, spec.jwt_algorithm, err);
    if (!f.verifier_) {
      return std::nullopt;
    }
  }
  return f;
}

}  // namespace mcplb::http
