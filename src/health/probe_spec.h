#pragma once
// What an active health check sends and how its results count. One per pool, shared by the
// pool's backends; immutable once a Checker runs. Config builds it and calls validate().

#include <chrono>
#include <cstdint>
#include <string>

namespace mcplb::health {

struct ProbeSpec {
  enum class Type : uint8_t {
    http,  // GET `path`; healthy iff the status is in [expect_min, expect_max]
    mcp,   // POST initialize (+ notifications/initialized, ping, DELETE) to `path`
  };
  Type type = Type::http;
  std::string path = "/";
  std::string host;  // Host header; empty = the backend's address
  unsigned expect_min = 200;
  unsigned expect_max = 399;
  std::chrono::milliseconds interval{10000};
  std::chrono::milliseconds timeout{5000};  // one deadline for the whole probe
  unsigned healthy_threshold = 2;
  unsigned unhealthy_threshold = 3;
  double jitter = 0.1;  // every delay is delay x (1 +- jitter), uniformly random
  // Delay used while a backend is between states (healthy with failures, or unhealthy with
  // successes), so a dead backend is detected in about fast_recheck x (unhealthy_threshold-1)
  // after its first failed probe instead of interval x (unhealthy_threshold-1). 0 = off.
  std::chrono::milliseconds fast_recheck{1000};
  std::string protocol_version = "2025-11-25";    // offered in the mcp probe's initialize
  std::string stateless_version = "2026-07-28";  // used when a backend refuses initialize
};

/// @return "" when the spec is usable, else the first problem, naming the field
///         (e.g. "timeout must be > 0"). Header-bound strings must be visible ASCII.
std::string validate(const ProbeSpec& spec);

const char* to_string(ProbeSpec::Type type);

}  // namespace mcplb::health
