// Arbitrary strings -> KeyRing::open with a fixed ring: never crash or read out of bounds.
// The same bytes used as a session id must round-trip through seal/open, and a flipped bit
// must break the sealed token.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mcp/session_token.h"

namespace {

using namespace mcplb::mcp;

const KeyRing& ring() {
  static const KeyRing r = [] {
    SessionKey k1{"k1", {}};
    SessionKey k0{"k0", {}};
    for (size_t i = 0; i < kSessionKeyBytes; ++i) {
      k1.secret[i] = static_cast<uint8_t>(i + 1);
      k0.secret[i] = static_cast<uint8_t>(0xff - i);
    }
    std::string error;
    auto ring = KeyRing::create({k1, k0}, TokenLimits{3600, 60}, &error);
    if (!ring) {
      std::abort();
    }
    return std::move(*ring);
  }();
  return r;
}

constexpr int64_t kNow = 1'780'000'000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  OpenedToken opened;
  // Only the seed sealed by this ring (corpus/valid_token_k1) may open; whatever opens must
  // hold sane contents.
  if (ring().open(input, kNow, opened) == TokenError::ok &&
      (opened.backend().empty() || opened.backend().size() > kMaxBackendNameBytes ||
       opened.session_id().empty() || opened.session_id().size() > kMaxBackendSessionIdBytes)) {
    std::abort();
  }

  // Round trip: the input as the backend session id (split off a backend name).
  const size_t split = size == 0 ? 0 : data[0] % 8;
  const std::string_view backend = input.substr(0, std::min(split, size));
  const std::string_view sid = input.substr(std::min(split, size));
  std::string token;
  const SealError e = ring().seal(backend, sid, kNow, token);
  if (e != SealError::ok) {
    if (!token.empty()) {
      std::abort();
    }
    return 0;
  }
  for (char c : token) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
          c == '-' || c == '_')) {
      std::abort();
    }
  }
  if (ring().open(token, kNow + 10, opened) != TokenError::ok || opened.backend() != backend ||
      opened.session_id() != sid || opened.issued_at() != kNow || opened.key_index() != 0) {
    std::abort();
  }
  if (ring().open(token, kNow + 3601, opened) != TokenError::expired) {
    std::abort();
  }
  // One flipped bit anywhere in the token text breaks it.
  std::string flipped = token;
  const size_t pos = (size * 31) % flipped.size();
  flipped[pos] = static_cast<char>(flipped[pos] ^ (1 << (size % 7)));
  if (ring().open(flipped, kNow, opened) == TokenError::ok) {
    std::abort();
  }
  return 0;
}
