// forwarding: — how mcplb presents the client to backends, and whose X-Forwarded-For it
// believes (trusted_proxies).

#include <arpa/inet.h>
#include <fmt/format.h>

#include <array>
#include <charconv>

#include "config/sections.h"
#include "core/cidr.h"

namespace mcplb::config {
namespace {

// The network "addr/prefix" names, as it should have been written: for "10.1.2.3/8", which
// parse_cidr refuses (host bits set), "10.0.0.0/8". nullopt when the text is malformed in
// some other way.
std::optional<std::string> network_of(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view addr = text.substr(0, slash);
  std::string_view len = text.substr(slash + 1);
  auto ip = core::parse_ip(addr);
  unsigned prefix = 0;
  auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), prefix);
  const bool v4 = addr.find(':') == std::string_view::npos;
  if (!ip || len.empty() || ec != std::errc() || end != len.data() + len.size() ||
      prefix > (v4 ? 32u : 128u)) {
    return std::nullopt;
  }
  for (unsigned i = prefix + (v4 ? 96 : 0); i < 128; ++i) {
    (*ip)[i / 8] &= static_cast<uint8_t>(~(0x80u >> (i % 8)));
  }
  std::array<char, INET6_ADDRSTRLEN> buf{};
  const void* src = v4 ? static_cast<const void*>(ip->data() + 12) : ip->data();
  if (inet_ntop(v4 ? AF_INET : AF_INET6, src, buf.data(), buf.size()) == nullptr) {
    return std::nullopt;
  }
  return fmt::format("{}/{}", buf.data(), prefix);
}

void read_trusted_proxies(Diagnostics& diag, const YAML::Node& v, const YAML::Node& k,
                          std::vector<std::string>& out) {
  const std::string path = "forwarding.trusted_proxies";
  Reader r{diag, k.Mark()};
  if (!r.list(v, path)) {
    return;
  }
  if (v.size() > kMaxTrustedProxies) {
    diag.error(v.Mark(), fmt::format("too many entries in '{}' (at most {})", path,
                                     kMaxTrustedProxies));
    return;
  }
  size_t i = 0;
  for (auto it = v.begin(); it != v.end(); ++it, ++i) {
    const YAML::Node entry = *it;  // a copy: yaml-cpp iterators yield temporaries
    std::string entry_path = fmt::format("{}[{}]", path, i);
    auto s = r.string(entry, entry_path);
    if (!s) {
      continue;
    }
    auto cidr = core::parse_cidr(*s);
    if (!cidr) {
      if (auto net = network_of(*s)) {
        // A typo here would silently trust more (or other) peers than meant: refuse it.
        diag.error(entry.Mark(), fmt::format("{} has host bits set in '{}' (did you mean '{}'?)",
                                             quote(*s), entry_path, *net));
      } else {
        diag.error(entry.Mark(), fmt::format("{} is not a valid address or CIDR for '{}' "
                                             "(expected e.g. 10.0.0.0/8, fd00::/8, 127.0.0.1)",
                                             quote(*s), entry_path));
      }
      continue;
    }
    // Prefix 96 over the 16-byte form is 0.0.0.0/0 (IPv4-mapped); 0 is ::/0.
    if (cidr->prefix == 0 || (cidr->prefix == 96 && s->find(':') == std::string::npos)) {
      diag.warning(entry.Mark(), fmt::format("{} trusts every peer, so any client can choose "
                                             "its own address with X-Forwarded-For",
                                             quote(*s)));
    }
    out.push_back(std::move(*s));
  }
}

}  // namespace

void read_forwarding(Diagnostics& diag, const YAML::Node& value, const YAML::Node& key,
                     Forwarding& out) {
  MapReader m(diag, value, "forwarding", key.Mark());
  m.boolean("preserve_host", out.preserve_host)
      .boolean("x_forwarded", out.x_forwarded)
      .on("trusted_proxies", [&](const YAML::Node& v, const YAML::Node& k) {
        read_trusted_proxies(diag, v, k, out.trusted_proxies);
      });
  m.run();
}

}  // namespace mcplb::config
