#include "mcp/header_check.h"

#include "mcp/base64.h"

namespace mcplb::mcp {
namespace {

constexpr std::string_view kSentinelPrefix = "=?base64?";
constexpr std::string_view kSentinelSuffix = "?=";

// RFC 9110 optional whitespace around a field value.
std::string_view strip_ows(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) {
    v.remove_prefix(1);
  }
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) {
    v.remove_suffix(1);
  }
  return v;
}

}  // namespace

std::string_view to_string(HeaderCheck c) noexcept {
  switch (c) {
    case HeaderCheck::ok:
      return "ok";
    case HeaderCheck::not_applicable:
      return "not_applicable";
    case HeaderCheck::missing_method:
      return "missing_method";
    case HeaderCheck::method_mismatch:
      return "method_mismatch";
    case HeaderCheck::missing_name:
      return "missing_name";
    case HeaderCheck::name_mismatch:
      return "name_mismatch";
    case HeaderCheck::bad_name_encoding:
      return "bad_name_encoding";
    case HeaderCheck::protocol_version_mismatch:
      return "protocol_version_mismatch";
    case HeaderCheck::unverifiable:
      return "unverifiable";
  }
  return "unknown";
}

std::string_view mcp_name_source(std::string_view method) noexcept {
  if (method == "tools/call" || method == "prompts/get") {
    return "name";
  }
  if (method == "resources/read") {
    return "uri";
  }
  return {};
}

HeaderCheck compare_mirrored_value(std::string_view header_value,
                                   std::string_view expected) noexcept {
  const bool sentinel = header_value.size() >= kSentinelPrefix.size() + kSentinelSuffix.size() &&
                        header_value.starts_with(kSentinelPrefix) &&
                        header_value.ends_with(kSentinelSuffix);
  if (!sentinel) {
    // A plain value must be visible ASCII, SP or HTAB; anything else had to be sent as the
    // sentinel ("Value Encoding"), and "a header value contains invalid characters" is a
    // validation failure ("Server Validation").
    for (char c : header_value) {
      const auto b = static_cast<uint8_t>(c);
      if ((b < 0x20 && b != '\t') || b >= 0x7f) {
        return HeaderCheck::bad_name_encoding;
      }
    }
    return header_value == expected ? HeaderCheck::ok : HeaderCheck::name_mismatch;
  }
  const size_t b64_len = header_value.size() - kSentinelPrefix.size() - kSentinelSuffix.size();
  const std::string_view b64 = header_value.substr(kSentinelPrefix.size(), b64_len);
  // Compare while decoding: no buffer, and a mismatch is found at the first differing byte.
  size_t pos = 0;
  bool equal = true;
  const bool valid = base64::std_decode_each(b64, [&](uint8_t byte) {
    if (pos >= expected.size() || static_cast<uint8_t>(expected[pos]) != byte) {
      equal = false;
    }
    ++pos;
  });
  if (!valid) {
    return HeaderCheck::bad_name_encoding;
  }
  return equal && pos == expected.size() ? HeaderCheck::ok : HeaderCheck::name_mismatch;
}

HeaderCheck check_stateless_headers(const Inspection& in, std::string_view mcp_method_header,
                                    std::string_view mcp_name_header,
                                    std::string_view protocol_version_header) noexcept {
  const bool partial = in.status == InspectStatus::incomplete || in.lossy;
  if ((in.status != InspectStatus::ok && in.status != InspectStatus::incomplete) ||
      in.kind == MessageKind::batch || in.kind == MessageKind::response) {
    return HeaderCheck::not_applicable;
  }
  if (!in.method) {
    return partial ? HeaderCheck::unverifiable : HeaderCheck::not_applicable;
  }
  const std::string_view version = strip_ows(protocol_version_header);
  if (!version.empty() && in.meta_protocol_version && *in.meta_protocol_version != version) {
    return HeaderCheck::protocol_version_mismatch;
  }
  const std::string_view method = strip_ows(mcp_method_header);
  if (method.empty()) {
    if (in.kind == MessageKind::request) {
      return HeaderCheck::missing_method;
    }
  } else if (method != *in.method) {
    return HeaderCheck::method_mismatch;
  }
  const std::string_view source = mcp_name_source(*in.method);
  if (source.empty()) {
    return HeaderCheck::ok;
  }
  const auto& body_value = source == "name" ? in.name : in.uri;
  const std::string_view name = strip_ows(mcp_name_header);
  if (!body_value) {
    // Without the body value there is nothing to mirror: the backend rejects the params.
    // Unless the value may sit beyond the inspected bytes.
    return partial ? HeaderCheck::unverifiable : HeaderCheck::ok;
  }
  if (name.empty()) {
    return HeaderCheck::missing_name;
  }
  return compare_mirrored_value(name, *body_value);
}

}  // namespace mcplb::mcp
