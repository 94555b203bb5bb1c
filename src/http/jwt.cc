#include "http/jwt.h"

#include <simdjson.h>

#include <charconv>
#include <new>
#include <utility>

#include "http/ascii.h"
#include "mcp/base64.h"
#include "mcp/json_text.h"

namespace mcplb::http {
namespace {

namespace od = simdjson::ondemand;
namespace base64 = mcp::base64;

constexpr size_t kPad = simdjson::SIMDJSON_PADDING;
constexpr size_t kMaxDecoded = base64::url_decoded_size(kMaxJwtBytes);
static_assert(kJwtScratchBytes == 2 * (kMaxDecoded + kPad));

struct ThreadParser {
  od::parser parser{kMaxDecoded};
  ThreadParser() {
    // Allocate once per thread, never on a request.
    if (parser.allocate(kMaxDecoded) != simdjson::SUCCESS) {
      // Out of memory at thread start: iterate() retries the allocation (and fails cleanly).
    }
  }
};

od::parser& thread_parser() {
  thread_local ThreadParser t;
  return t.parser;
}

// At the end of the input current_location() reports OUT_OF_BOUNDS; anything else is a token
// after the root object.
bool at_end(od::document& doc) { return doc.current_location().error() == simdjson::OUT_OF_BOUNDS; }

// The JOSE header: a JSON object with exactly one string "alg", which must name the
// verifier's algorithm, and (when verifying) no "crit".
bool header_ok(od::parser& p, const char* buf, size_t len, const JwtVerifier* v) {
  od::document doc;
  od::object obj;
  if (p.iterate(buf, len, len + kPad).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(obj) != simdjson::SUCCESS) {
    return false;
  }
  bool have_alg = false;
  for (auto member : obj) {
    if (member.error() != simdjson::SUCCESS) {
      return false;
    }
    od::field&& f = std::move(member).value_unsafe();
    std::string_view key;
    if (f.unescaped_key().get(key) != simdjson::SUCCESS) {
      return false;
    }
    if (key == "alg") {
      std::string_view alg;
      if (have_alg || f.value().get_string().get(alg) != simdjson::SUCCESS) {
        return false;
      }
      have_alg = true;
      if (v != nullptr && alg != jwt_alg_name(v->alg())) {
        return false;
      }
    } else if (key == "crit" && v != nullptr) {
      return false;  // RFC 7515 section 4.1.11: an extension we do not understand
    }
  }
  return have_alg && at_end(doc);
}

struct Claims {
  bool have_claim = false;
  bool claim_usable = false;  // a string or a number
  std::string_view value;
  bool have_exp = false;
  double exp = 0;
  bool have_nbf = false;
  double nbf = 0;
};

// A string value: the view into the payload when it has no escape, else unescaped into `out`
// (room for the payload's size plus padding).
bool read_string(od::parser& p, od::value& v, char* out, std::string_view& result) {
  const std::string_view tok = mcp::json_text::trim_trailing_space(v.raw_json_token());
  if (tok.size() < 2 || tok.front() != '"' || tok.back() != '"') {
    return false;
  }
  const std::string_view content = tok.substr(1, tok.size() - 2);
  if (content.find('\\') == std::string_view::npos) {
    result = content;
    return true;
  }
  od::raw_json_string raw;
  if (v.get_raw_json_string().get(raw) != simdjson::SUCCESS) {
    return false;
  }
  auto* dst = reinterpret_cast<uint8_t*>(out);
  return p.unescape(raw, dst).get(result) == simdjson::SUCCESS;
}

// A NumericDate (RFC 7519 section 2): any JSON number, possibly with a fraction.
bool read_time(std::string_view tok, bool& have, double& out) {
  if (have) {
    return false;  // duplicate
  }
  have = true;
  const auto r = std::from_chars(tok.data(), tok.data() + tok.size(), out);
  return r.ec == std::errc{} && r.ptr == tok.data() + tok.size();
}

bool read_payload(od::parser& p, const char* buf, size_t len, std::string_view claim,
                  bool want_times, char* unescape_out, Claims& c) {
  od::document doc;
  od::object obj;
  if (p.iterate(buf, len, len + kPad).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(obj) != simdjson::SUCCESS) {
    return false;
  }
  for (auto member : obj) {
    if (member.error() != simdjson::SUCCESS) {
      return false;
    }
    od::field&& f = std::move(member).value_unsafe();
    std::string_view key;
    if (f.unescaped_key().get(key) != simdjson::SUCCESS) {
      return false;
    }
    const bool is_claim = key == claim;
    const bool is_exp = want_times && key == "exp";
    const bool is_nbf = want_times && key == "nbf";
    if (!is_claim && !is_exp && !is_nbf) {
      continue;  // skipped by the iterator
    }
    if (is_claim && c.have_claim) {
      return false;  // duplicate
    }
    c.have_claim = c.have_claim || is_claim;
    od::value& v = f.value();
    od::json_type type;
    if (v.type().get(type) != simdjson::SUCCESS) {
      return false;
    }
    if (type == od::json_type::number) {
      const std::string_view tok = mcp::json_text::trim_trailing_space(v.raw_json_token());
      if (!mcp::json_text::is_number(tok)) {
        return false;
      }
      if ((is_exp && !read_time(tok, c.have_exp, c.exp)) ||
          (is_nbf && !read_time(tok, c.have_nbf, c.nbf))) {
        return false;
      }
      if (is_claim) {
        c.value = tok;
        c.claim_usable = true;
      }
    } else if (is_exp || is_nbf) {
      return false;  // a time that is not a number
    } else if (type == od::json_type::string) {
      if (!read_string(p, v, unescape_out, c.value)) {
        return false;
      }
      c.claim_usable = true;
    }
  }
  return at_end(doc);
}

}  // namespace

std::optional<std::string_view> bearer_token(std::string_view authorization) noexcept {
  const std::string_view a = ascii::trim_ows(authorization);
  if (a.size() < 7 || !ascii::iequals(a.substr(0, 6), "bearer") || !ascii::is_ows(a[6])) {
    return std::nullopt;
  }
  const std::string_view token = ascii::trim_ows(a.substr(7));
  if (token.empty()) {
    return std::nullopt;
  }
  return token;
}

std::optional<std::string_view> jwt_claim(std::string_view authorization, std::string_view claim,
                                          const JwtVerifier* verifier, int64_t now_unix,
                                          std::string& scratch) {
  const std::optional<std::string_view> token = bearer_token(authorization);
  if (!token) {
    return std::nullopt;
  }
  return jwt_token_claim(*token, claim, verifier, now_unix, scratch);
}

std::optional<std::string_view> jwt_token_claim(std::string_view token, std::string_view claim,
                                                const JwtVerifier* verifier, int64_t now_unix,
                                                std::string& scratch) {
  if (token.size() > kMaxJwtBytes || claim.empty()) {
    return std::nullopt;
  }
  const size_t dot1 = token.find('.');
  const size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return std::nullopt;  // not three segments (a JWE has five)
  }
  const std::string_view header64 = token.substr(0, dot1);
  const std::string_view payload64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature64 = token.substr(dot2 + 1);
  if (header64.empty() || payload64.empty() ||
      signature64.size() > base64::url_encoded_size(kMaxJwtSignatureBytes)) {
    return std::nullopt;
  }
  if (scratch.size() < kJwtScratchBytes) {
    try {
      scratch.resize(kJwtScratchBytes);
    } catch (const std::bad_alloc&) {
      return std::nullopt;
    }
  }
  // Layout: [decoded header, then payload | padding | unescaped claim | padding].
  char* doc = scratch.data();
  char* unescaped = doc + kMaxDecoded + kPad;
  auto* doc_bytes = reinterpret_cast<uint8_t*>(doc);
  od::parser& parser = thread_parser();

  std::optional<size_t> n = base64::url_decode(header64, doc_bytes);
  if (!n || !header_ok(parser, doc, *n, verifier)) {
    return std::nullopt;
  }
  uint8_t signature[kMaxJwtSignatureBytes];
  const std::optional<size_t> sig_len = base64::url_decode(signature64, signature);
  if (!sig_len) {
    return std::nullopt;
  }
  if (verifier != nullptr &&
      !verifier->verify(token.substr(0, dot2), std::span<const uint8_t>(signature, *sig_len))) {
    return std::nullopt;
  }
  n = base64::url_decode(payload64, doc_bytes);
  Claims c;
  if (!n || !read_payload(parser, doc, *n, claim, verifier != nullptr, unescaped, c)) {
    return std::nullopt;
  }
  const auto now = static_cast<double>(now_unix);
  if ((c.have_exp && now > c.exp + kJwtLeewaySeconds) ||
      (c.have_nbf && now + kJwtLeewaySeconds < c.nbf)) {
    return std::nullopt;
  }
  if (!c.claim_usable) {
    return std::nullopt;
  }
  return c.value;
}

}  // namespace mcplb::http
