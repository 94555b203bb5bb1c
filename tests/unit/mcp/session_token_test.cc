#include "mcp/session_token.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <string>

#include "mcp/base64.h"

namespace mcplb::mcp {
namespace {

constexpr int64_t kNow = 1'780'000'000;  // some time in 2026
constexpr std::string_view kSid = "0123456789abcdef0123456789abcdef";  // 32 hex, typical

SessionKey make_key(std::string id, uint8_t fill) {
  SessionKey k;
  k.id = std::move(id);
  for (size_t i = 0; i < k.secret.size(); ++i) {
    k.secret[i] = static_cast<uint8_t>(fill + i);
  }
  return k;
}

KeyRing make_ring(std::vector<SessionKey> keys, TokenLimits limits = {}) {
  std::string error;
  auto ring = KeyRing::create(std::move(keys), limits, &error);
  EXPECT_TRUE(ring) << error;
  return std::move(*ring);
}

std::string seal_ok(const KeyRing& ring, std::string_view backend, std::string_view sid,
                    int64_t at = kNow) {
  std::string token;
  EXPECT_EQ(ring.seal(backend, sid, at, token), SealError::ok);
  return token;
}

TEST(SessionToken, RoundTrip) {
  const KeyRing ring = make_ring({make_key("k1", 1)});
  const std::string token = seal_ok(ring, "b1", kSid);
  OpenedToken opened;
  ASSERT_EQ(ring.open(token, kNow, opened), TokenError::ok);
  EXPECT_EQ(opened.backend(), "b1");
  EXPECT_EQ(opened.session_id(), kSid);
  EXPECT_EQ(opened.issued_at(), kNow);
  EXPECT_EQ(opened.key_index(), 0u);
  // Copies keep their own plaintext.
  const OpenedToken copy = opened;
  opened = OpenedToken{};
  EXPECT_EQ(copy.session_id(), kSid);
}

TEST(SessionToken, TypicalTokenLength) {
  const KeyRing ring = make_ring({make_key("k1", 1)});
  const std::string token = seal_ok(ring, "b1", kSid);
  // 1 version + 1 id length + 2 id + 12 nonce + (8 + 1 + 2 + 32) plaintext + 16 tag = 75 bytes
  EXPECT_EQ(token.size(), base64::url_encoded_size(75));
  EXPECT_EQ(token.size(), 100u);
  std::printf("[ info ] token for backend \"b1\", key id \"k1\", 32-hex session id: %zu chars\n",
              token.size());
}

TEST(SessionToken, NoncesAreFresh) {
  const KeyRing ring = make_ring({make_key("k1", 1)});
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(seen.insert(seal_ok(ring, "b1", kSid)).second);
  }
}

std::string nonce_of(const std::string& token) {
  uint8_t raw[128];
  const auto n = base64::url_decode(token, raw);
  EXPECT_TRUE(n && *n > 16);
  const size_t at = 2 + raw[1];  // version | id length | id | nonce
  return std::string(reinterpret_cast<const char*>(raw) + at, kNonceBytes);
}

TEST(SessionToken, ForkedChildDoesNotReuseParentNonces) {
  const KeyRing ring = make_ring({make_key("k1", 1)});
  (void)seal_ok(ring, "b1", kSid);  // start this thread's nonce stream
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::string token;
    const bool ok = ring.seal("b1", kSid, kNow, token) == SealError::ok;
    const ssize_t w = ok ? ::write(fds[1], token.data(), token.size()) : -1;
    ::_exit(w == static_cast<ssize_t>(token.size()) ? 0 : 1);
  }
  ::close(fds[1]);
  const std::string parent_token = seal_ok(ring, "b1", kSid);
  std::string child_token(200, '\0');
  ssize_t got = 0;
  for (ssize_t r; (r = ::read(fds[0], child_token.data() + got, 200 - got)) > 0;) {
    got += r;
  }
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  child_token.resize(static_cast<size_t>(got));
  EXPECT_NE(nonce_of(child_token), nonce_of(parent_token));
}

TEST(SessionToken, AlphabetIsHeaderAndQuerySafe) {
  const KeyRing ring = make_ring({make_key("k1", 1)});
  for (int i = 0; i < 200; ++i) {
    const std::string token = seal_ok(ring, "backend-" + std::to_string(i), kSid, kNow + i);
    for (char c : token) {
      const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                      (c >= '0' && c <= '9') || c == '-' || c == '_';
      ASSERT_TRUE(ok) << "character " << int(c) << " in " << token;
      ASSERT_TRUE(c >= 0x21 && c <= 0x7e);  // MCP session id rule
    }
  }
}

TEST(SessionToken, EverySingleBitFlipIsRejected) {
  const KeyRing ring = make_ring({make_key("k1", 1)});
  const std::string token = seal_ok(ring, "b1", kSid);
  OpenedToken opened;
  // Flip each bit of each character of the text.
  for (size_t i = 0; i < token.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string t = token;
      t[i] = static_cast<char>(t[i] ^ (1 << bit));
      const TokenError e = ring.open(t, kNow, opened);
      EXPECT_TRUE(e == TokenError::bad_tag || e == TokenError::malformed ||
                  e == TokenError::unknown_key)
          << "char " << i << " bit " << bit << ": " << to_string(e);
    }
  }
  // Flip each bit of the decoded bytes and re-encode (the version and key-id bytes give
  // malformed/unknown_key, everything else bad_tag).
  uint8_t raw[128];
  const auto n = base64::url_decode(token, raw);
  ASSERT_TRUE(n);
  for (size_t i = 0; i < *n; ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      uint8_t copy[128];
      std::copy(raw, raw + *n, copy);
      copy[i] ^= static_cast<uint8_t>(1 << bit);
      std::string t(base64::url_encoded_size(*n), '\0');
      base64::url_encode({copy, *n}, t.data());
      const TokenError e = ring.open(t, kNow, opened);
      if (i >= 4) {  // past version | id length | "k1"
        EXPECT_EQ(e, TokenError::bad_tag) << "byte " << i << " bit " << bit;
      } else {
        EXPECT_NE(e, TokenError::ok) << "byte " << i << " bit " << bit;
      }
    }
  }
}

TEST(SessionToken, TruncatedAndExtendedTokensAreRejected) {
  const KeyRing ring = make_ring({make_key("k1", 1)});
  const std::string token = seal_ok(ring, "b1", kSid);
  OpenedToken opened;
  for (size_t len = 0; len < token.size(); ++len) {
    EXPECT_NE(ring.open(token.substr(0, len), kNow, opened), TokenError::ok) << len;
  }
  EXPECT_NE(ring.open(token + "A", kNow, opened), TokenError::ok);
  EXPECT_NE(ring.open(token + "AAAA", kNow, opened), TokenError::ok);
  EXPECT_EQ(ring.open(token + "=", kNow, opened), TokenError::malformed);
  EXPECT_EQ(ring.open(std::string(5000, 'A'), kNow, opened), TokenError::malformed);
}

TEST(SessionToken, WrongKeyAndUnknownKey) {
  const KeyRing a = make_ring({make_key("k1", 1)});
  const KeyRing other_id = make_ring({make_key("k2", 1)});
  const KeyRing same_id_other_secret = make_ring({make_key("k1", 99)});
  const std::string token = seal_ok(a, "b1", kSid);
  OpenedToken opened;
  EXPECT_EQ(other_id.open(token, kNow, opened), TokenError::unknown_key);
  EXPECT_EQ(same_id_other_secret.open(token, kNow, opened), TokenError::bad_tag);
}

TEST(SessionToken, Rotation) {
  const KeyRing old_ring = make_ring({make_key("k1", 1)});
  const KeyRing rotated = make_ring({make_key("k2", 2), make_key("k1", 1)});
  const std::string old_token = seal_ok(old_ring, "b1", kSid);
  OpenedToken opened;
  ASSERT_EQ(rotated.open(old_token, kNow, opened), TokenError::ok);
  EXPECT_EQ(opened.key_index(), 1u);
  EXPECT_EQ(opened.session_id(), kSid);

  const std::string new_token = seal_ok(rotated, "b2", "s-2");
  ASSERT_EQ(rotated.open(new_token, kNow, opened), TokenError::ok);
  EXPECT_EQ(opened.key_index(), 0u);
  EXPECT_EQ(opened.backend(), "b2");
  // The old ring never saw k2.
  EXPECT_EQ(old_ring.open(new_token, kNow, opened), TokenError::unknown_key);
  // After k1 is retired, old tokens stop opening.
  const KeyRing retired = make_ring({make_key("k2", 2)});
  EXPECT_EQ(retired.open(old_token, kNow, opened), TokenError::unknown_key);
}

TEST(SessionToken, ManyRingsOnOneThreadDoNotShareCipherState) {
  // The per-thread cipher cache is keyed by ring; interleave rings with the same key id.
  std::vector<KeyRing> rings;
  for (int i = 0; i < 10; ++i) {
    rings.push_back(make_ring({make_key("k", static_cast<uint8_t>(i * 7))}));
  }
  OpenedToken opened;
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < rings.size(); ++i) {
      const std::string t = seal_ok(rings[i], "b", "sid-" + std::to_string(i));
      for (size_t j = 0; j < rings.size(); ++j) {
        const TokenError e = rings[j].open(t, kNow, opened);
        EXPECT_EQ(e, i == j ? TokenError::ok : TokenError::bad_tag) << i << " " << j;
      }
    }
  }
}

TEST(SessionToken, ExpiryBoundary) {
  const KeyRing ring = make_ring({make_key("k1", 1)}, TokenLimits{3600, 60});
  const std::string token = seal_ok(ring, "b1", kSid, kNow);
  OpenedToken opened;
  EXPECT_EQ(ring.open(token, kNow + 3600, opened), TokenError::ok);  // issued_at + ttl == now
  EXPECT_EQ(ring.open(token, kNow + 3601, opened), TokenError::expired);
  EXPECT_EQ(ring.open(token, kNow - 60, opened), TokenError::ok);  // within skew
  EXPECT_EQ(ring.open(token, kNow - 61, opened), TokenError::future);
}

TEST(SessionToken, ExtremeTimesDoNotOverflow) {
  const KeyRing ring = make_ring({make_key("k1", 1)});
  OpenedToken opened;
  const int64_t max = std::numeric_limits<int64_t>::max();
  const int64_t min = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(ring.open(seal_ok(ring, "b", "s", max), max, opened), TokenError::ok);
  EXPECT_EQ(ring.open(seal_ok(ring, "b", "s", min), max, opened), TokenError::expired);
  EXPECT_EQ(ring.open(seal_ok(ring, "b", "s", max), min, opened), TokenError::future);
  EXPECT_EQ(ring.open(seal_ok(ring, "b", "s", -5), 0, opened), TokenError::ok);
}

TEST(SessionToken, MaxLengths) {
  const KeyRing ring = make_ring({make_key("0123456789abcdef", 1)});
  const std::string backend(kMaxBackendNameBytes, 'b');
  const std::string sid(kMaxBackendSessionIdBytes, 's');
  std::string token;
  ASSERT_EQ(ring.seal(backend, sid, kNow, token), SealError::ok);
  EXPECT_EQ(token.size(), kMaxTokenChars);
  OpenedToken opened;
  ASSERT_EQ(ring.open(token, kNow, opened), TokenError::ok);
  EXPECT_EQ(opened.backend(), backend);
  EXPECT_EQ(opened.session_id(), sid);

  EXPECT_EQ(ring.seal(backend + "b", sid, kNow, token), SealError::backend_too_long);
  EXPECT_TRUE(token.empty());
  EXPECT_EQ(ring.seal(backend, sid + "s", kNow, token), SealError::session_id_too_long);
  EXPECT_EQ(ring.seal("", sid, kNow, token), SealError::backend_too_long);
  EXPECT_EQ(ring.seal("b", "", kNow, token), SealError::session_id_too_long);
}

TEST(SessionToken, SessionIdMustBeVisibleAscii) {
  const KeyRing ring = make_ring({make_key("k1", 1)});
  std::string token;
  EXPECT_EQ(ring.seal("b", "has space", kNow, token), SealError::session_id_invalid);
  EXPECT_EQ(ring.seal("b", "line\r\nX-Injected: 1", kNow, token), SealError::session_id_invalid);
  EXPECT_EQ(ring.seal("b", "caf\xc3\xa9", kNow, token), SealError::session_id_invalid);
  EXPECT_EQ(ring.seal("b", "!~\"{}", kNow, token), SealError::ok);
}

TEST(SessionToken, SealReusesOutputCapacity) {
  const KeyRing ring = make_ring({make_key("k1", 1)});
  std::string token;
  token.reserve(kMaxTokenChars);
  const char* data = token.data();
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(ring.seal("b1", kSid, kNow, token), SealError::ok);
  }
  EXPECT_EQ(token.data(), data);
}

TEST(SessionToken, GarbageIsMalformed) {
  const KeyRing ring = make_ring({make_key("k1", 1)});
  OpenedToken opened;
  for (std::string_view t : {"", "a", "not a token", "mcp-session-4f1c", "%%%%", "AAAA",
                             "0123456789abcdef0123456789abcdef"}) {
    EXPECT_EQ(ring.open(t, kNow, opened), TokenError::malformed) << t;
  }
}

TEST(SessionToken, Ephemeral) {
  const KeyRing a = KeyRing::generate_ephemeral();
  const KeyRing b = KeyRing::generate_ephemeral();
  const std::string token = seal_ok(a, "b1", kSid);
  OpenedToken opened;
  EXPECT_EQ(a.open(token, kNow, opened), TokenError::ok);
  EXPECT_EQ(b.open(token, kNow, opened), TokenError::bad_tag);  // same id "eph", other secret
  EXPECT_EQ(a.key_id(0), "eph");
}

TEST(SessionToken, RingValidation) {
  std::string error;
  EXPECT_FALSE(KeyRing::create({}, {}, &error));
  EXPECT_FALSE(KeyRing::create({make_key("", 1)}, {}, &error));
  EXPECT_FALSE(KeyRing::create({make_key("0123456789abcdefX", 1)}, {}, &error));
  EXPECT_FALSE(KeyRing::create({make_key("bad id", 1)}, {}, &error));
  EXPECT_FALSE(KeyRing::create({make_key("k1", 1), make_key("k1", 2)}, {}, &error));
  EXPECT_NE(error.find("duplicate"), std::string::npos);
  SessionKey zero;
  zero.id = "z";
  EXPECT_FALSE(KeyRing::create({zero}, {}, &error));
  EXPECT_FALSE(KeyRing::create({make_key("k1", 1)}, TokenLimits{0, 60}, &error));
  EXPECT_TRUE(KeyRing::create({make_key("k1.2026-07_a", 1)}, {}, &error));
}

TEST(SessionKeyFile, Formats) {
  std::string error;
  std::array<uint8_t, 32> expected{};
  for (size_t i = 0; i < 32; ++i) {
    expected[i] = static_cast<uint8_t>(0xa0 + i);
  }
  const std::string raw(expected.begin(), expected.end());
  auto s = parse_session_secret(raw, &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(*s, expected);

  std::string hex;
  for (uint8_t b : expected) {
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02x", b);
    hex += buf;
  }
  s = parse_session_secret(hex + "\n", &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(*s, expected);
  for (char& c : hex) {
    c = static_cast<char>(std::toupper(c));
  }
  s = parse_session_secret("  " + hex + "\r\n", &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(*s, expected);

  // base64 of a0..bf, standard alphabet with padding, and the URL alphabet without.
  const std::string b64 = "oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8=";
  s = parse_session_secret(b64 + "\n", &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(*s, expected);
  s = parse_session_secret("oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8", &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(*s, expected);

  EXPECT_FALSE(parse_session_secret("", &error));
  EXPECT_FALSE(parse_session_secret(hex.substr(2), &error));
  EXPECT_FALSE(parse_session_secret("zz" + hex.substr(2), &error));
  EXPECT_FALSE(parse_session_secret(std::string(32, '\0'), &error));
  EXPECT_FALSE(parse_session_secret(std::string(64, '0'), &error));
  EXPECT_FALSE(parse_session_secret("short", &error));
}

TEST(SessionKeyFile, LoadFromFile) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto path = dir / ("mcplb_key_test_" + std::to_string(::getpid()));
  {
    std::ofstream f(path);
    f << std::string(64, 'a') << "\n";
  }
  std::string error;
  auto s = load_session_secret(path.string(), &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ((*s)[0], 0xaa);
  std::filesystem::remove(path);
  EXPECT_FALSE(load_session_secret(path.string(), &error));
  EXPECT_NE(error.find("cannot open"), std::string::npos);
}

}  // namespace
}  // namespace mcplb::mcp
