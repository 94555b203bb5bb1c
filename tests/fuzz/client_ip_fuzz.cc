// Arbitrary bytes -> http::client_ip. Input lines: the peer address, a comma-separated list of
// trusted CIDRs, then header values, each line starting with 'X' (X-Forwarded-For) or 'F'
// (Forwarded). Checks: never crashes; an untrusted peer is always its own client; the result
// formats and parses back to itself; X-Forwarded-For lines mean the same as their join.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/cidr.h"
#include "http/client_ip.h"

namespace {

using mcplb::core::Cidr;
using mcplb::core::Ip16;

constexpr size_t kMaxLines = 8;
constexpr size_t kMaxCidrs = 8;

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  for (;;) {
    const size_t at = s.find(sep, pos);
    out.push_back(s.substr(pos, at == std::string_view::npos ? at : at - pos));
    if (at == std::string_view::npos) {
      return out;
    }
    pos = at + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string_view> lines = split(input, '\n');

  Ip16 peer = *mcplb::core::parse_ip("10.0.0.1");
  if (auto p = mcplb::core::parse_ip(lines[0])) {
    peer = *p;
  }
  std::vector<Cidr> trusted;
  if (lines.size() > 1) {
    for (std::string_view c : split(lines[1], ',')) {
      if (auto n = mcplb::core::parse_cidr(c); n && trusted.size() < kMaxCidrs) {
        trusted.push_back(*n);
      }
    }
  } else {
    trusted.push_back(*mcplb::core::parse_cidr("10.0.0.0/8"));
  }
  std::vector<std::string_view> xff;
  std::vector<std::string_view> fwd;
  for (size_t i = 2; i < lines.size(); ++i) {
    const std::string_view l = lines[i];
    if (!l.empty() && l[0] == 'F' && fwd.size() < kMaxLines) {
      fwd.push_back(l.substr(1));
    } else if (!l.empty() && xff.size() < kMaxLines) {
      xff.push_back(l.substr(1));
    }
  }

  const Ip16 got = mcplb::http::client_ip(peer, trusted, xff, fwd);
  if (!mcplb::core::contains_any(trusted, peer) && got != peer) {
    std::abort();
  }
  if (mcplb::http::client_ip(peer, {}, xff, fwd) != peer) {
    std::abort();
  }
  mcplb::http::IpText text;
  const std::string_view shown = mcplb::http::format_ip(got, text);
  const auto back = mcplb::core::parse_ip(shown);
  if (!back || *back != got) {
    std::abort();
  }
  // Several X-Forwarded-For lines are one comma-separated list.
  std::string joined;
  for (size_t i = 0; i < xff.size(); ++i) {
    joined += i == 0 ? "" : ",";
    joined += xff[i];
  }
  const std::string_view one[] = {joined};
  const bool has_xff = !xff.empty();
  if (has_xff && mcplb::http::client_ip(peer, trusted, one, {}) !=
                     mcplb::http::client_ip(peer, trusted, xff, {})) {
    std::abort();
  }
  return 0;
}
