#include "health/probe_spec.h"

#include <string_view>

namespace mcplb::health {
namespace {

// Goes into a request line, header or JSON string verbatim: no controls, spaces, quotes or
// backslashes.
bool is_token_text(std::string_view s) {
  for (unsigned char ch : s) {
    if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '\\') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string validate(const ProbeSpec& spec) {
  if (spec.path.empty() || spec.path.front() != '/' || !is_token_text(spec.path)) {
    return "path must start with '/' and hold only visible ASCII";
  }
  if (!is_token_text(spec.host)) {
    return "host must be visible ASCII";
  }
  if (spec.expect_min < 100 || spec.expect_max > 599 || spec.expect_min > spec.expect_max) {
    return "expected status range must lie within 100-599, min <= max";
  }
  if (spec.interval.count() <= 0) {
    return "interval must be > 0";
  }
  if (spec.timeout.count() <= 0) {
    return "timeout must be > 0";
  }
  if (spec.fast_recheck.count() < 0) {
    return "fast_recheck must be >= 0";
  }
  if (spec.healthy_threshold < 1 || spec.healthy_threshold > 100) {
    return "healthy_threshold must be 1-100";
  }
  if (spec.unhealthy_threshold < 1 || spec.unhealthy_threshold > 100) {
    return "unhealthy_threshold must be 1-100";
  }
  if (!(spec.jitter >= 0.0 && spec.jitter <= 0.5)) {
    return "jitter must be 0-0.5";
  }
  if (spec.protocol_version.empty() || !is_token_text(spec.protocol_version)) {
    return "protocol_version must be a non-empty visible ASCII token";
  }
  if (spec.stateless_version.empty() || !is_token_text(spec.stateless_version)) {
    return "stateless_version must be a non-empty visible ASCII token";
  }
  return {};
}

const char* to_string(ProbeSpec::Type type) {
  switch (type) {
    case ProbeSpec::Type::http: return "http";
    case ProbeSpec::Type::mcp: return "mcp";
  }
  return "unknown";
}

}  // namespace mcplb::health
