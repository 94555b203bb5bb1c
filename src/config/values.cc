// Scalar value syntaxes shared by every config key: durations, sizes, addresses.

#include <arpa/inet.h>
#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>
#include <limits>

#include "config/load.h"

namespace mcplb::config {
namespace {

constexpr int kMaxDigits = 18;  // keeps every intermediate product far from uint64 overflow

bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Leading decimal digits of s (at most kMaxDigits); advances s past them.
std::optional<uint64_t> take_number(std::string_view& s) {
  size_t n = 0;
  while (n < s.size() && is_digit(s[n])) {
    ++n;
  }
  if (n == 0 || n > kMaxDigits) {
    return std::nullopt;
  }
  uint64_t v = 0;
  std::from_chars(s.data(), s.data() + n, v);
  s.remove_prefix(n);
  return v;
}

std::optional<uint16_t> parse_port(std::string_view s) {
  if (s.empty() || s.size() > 5) {
    return std::nullopt;
  }
  auto v = take_number(s);
  if (!v || !s.empty() || *v > 65535) {
    return std::nullopt;
  }
  return static_cast<uint16_t>(*v);
}

}  // namespace

std::string Diag::str() const { return fmt::format("{}:{}:{}: {}", file, line, col, message); }

std::string Address::str() const {
  if (host.find(':') != std::string::npos) {
    return fmt::format("[{}]:{}", host, port);
  }
  return fmt::format("{}:{}", host, port);
}

std::optional<Duration> parse_duration(std::string_view s) {
  struct Unit {
    std::string_view name;
    uint64_t ms;
  };
  // Largest first; "ms" before "m" so the longer suffix wins.
  static constexpr std::array<Unit, 4> kUnits{
      {{"h", 3'600'000}, {"ms", 1}, {"m", 60'000}, {"s", 1'000}}};
  // Rank for "largest first": h > m > s > ms.
  auto rank = [](std::string_view u) { return u == "h" ? 3 : u == "m" ? 2 : u == "s" ? 1 : 0; };
  // Durations end up as nanoseconds in std::chrono arithmetic; stay well inside int64 ns.
  constexpr uint64_t kMaxMs = std::numeric_limits<int64_t>::max() / 1'000'000 / 2;

  if (s.empty()) {
    return std::nullopt;
  }
  uint64_t total = 0;
  int last_rank = 4;
  while (!s.empty()) {
    auto n = take_number(s);
    if (!n) {
      return std::nullopt;
    }
    const Unit* unit = nullptr;
    for (const auto& u : kUnits) {
      if (s.starts_with(u.name)) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) {
      return std::nullopt;  // also rejects bare numbers: a unit is always required
    }
    int r = rank(unit->name);
    if (r >= last_rank) {
      return std::nullopt;  // "1s1s", "30s5m"
    }
    last_rank = r;
    s.remove_prefix(unit->name.size());
    if (*n > kMaxMs / unit->ms || total + *n * unit->ms > kMaxMs) {
      return std::nullopt;
    }
    total += *n * unit->ms;
  }
  return Duration(static_cast<int64_t>(total));
}

std::string format_duration(Duration d) {
  int64_t ms = d.count();
  if (ms <= 0) {
    return ms == 0 ? "0s" : fmt::format("-{}ms", -ms);
  }
  std::string out;
  const std::array<std::pair<int64_t, const char*>, 4> units{
      {{3'600'000, "h"}, {60'000, "m"}, {1'000, "s"}, {1, "ms"}}};
  for (const auto& [size, name] : units) {
    if (ms >= size) {
      out += fmt::format("{}{}", ms / size, name);
      ms %= size;
    }
  }
  return out;
}

std::optional<uint64_t> parse_size(std::string_view s) {
  auto n = take_number(s);
  if (!n) {
    return std::nullopt;
  }
  uint64_t mult = 1;
  if (s.empty()) {
    mult = 1;
  } else if (ascii_iequals(s, "k") || ascii_iequals(s, "kib")) {
    mult = 1ull << 10;
  } else if (ascii_iequals(s, "m") || ascii_iequals(s, "mib")) {
    mult = 1ull << 20;
  } else if (ascii_iequals(s, "g") || ascii_iequals(s, "gib")) {
    mult = 1ull << 30;
  } else {
    return std::nullopt;
  }
  if (*n > std::numeric_limits<uint64_t>::max() / mult) {
    return std::nullopt;
  }
  return *n * mult;
}

std::optional<Address> parse_address(std::string_view s) {
  std::string_view host;
  std::string_view port;
  bool v6 = false;
  if (s.starts_with('[')) {
    auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') {
      return std::nullopt;
    }
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
    v6 = true;
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string_view::npos) {
      return std::nullopt;
    }
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return std::nullopt;  // bare IPv6 without brackets is ambiguous
    }
  }
  auto p = parse_port(port);
  if (!p || host.empty() || host.size() >= INET6_ADDRSTRLEN) {
    return std::nullopt;
  }
  if (!v6 && ascii_iequals(host, "localhost")) {
    return Address{"127.0.0.1", *p};
  }
  // inet_pton needs a NUL-terminated string; it also rejects zone ids and leading zeros.
  std::array<char, INET6_ADDRSTRLEN> in{};
  host.copy(in.data(), host.size());
  std::array<unsigned char, 16> bin{};
  std::array<char, INET6_ADDRSTRLEN> canon{};
  int family = v6 ? AF_INET6 : AF_INET;
  if (inet_pton(family, in.data(), bin.data()) != 1 ||
      inet_ntop(family, bin.data(), canon.data(), canon.size()) == nullptr) {
    return std::nullopt;
  }
  return Address{std::string(canon.data()), *p};
}

Config default_config() {
  Config c;
  c.listen.push_back(Listener{Address{"127.0.0.1", 8080}});
  return c;
}

}  // namespace mcplb::config
