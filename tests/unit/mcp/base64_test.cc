#include "mcp/base64.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mcplb::mcp {
namespace {

std::string encode(std::string_view s) {
  std::string out(base64::url_encoded_size(s.size()), '\0');
  const size_t n = base64::url_encode(
      {reinterpret_cast<const uint8_t*>(s.data()), s.size()}, out.data());
  EXPECT_EQ(n, out.size());
  return out;
}

std::optional<std::string> decode(std::string_view s) {
  std::vector<uint8_t> buf(base64::url_decoded_size(s.size()) + 3);
  const auto n = base64::url_decode(s, buf.data());
  if (!n) {
    return std::nullopt;
  }
  return std::string(buf.begin(), buf.begin() + static_cast<long>(*n));
}

TEST(Base64Url, Rfc4648Vectors) {
  // RFC 4648 section 10, unpadded.
  EXPECT_EQ(encode(""), "");
  EXPECT_EQ(encode("f"), "Zg");
  EXPECT_EQ(encode("fo"), "Zm8");
  EXPECT_EQ(encode("foo"), "Zm9v");
  EXPECT_EQ(encode("foob"), "Zm9vYg");
  EXPECT_EQ(encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(encode("\xfb\xff"), "-_8");
  for (std::string_view s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xfb\xff"}) {
    EXPECT_EQ(decode(encode(s)), std::string(s));
  }
}

TEST(Base64Url, AllLengthsRoundTrip) {
  std::string s;
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(decode(encode(s)), s) << i;
    s.push_back(static_cast<char>(i * 37 + 11));
  }
}

TEST(Base64Url, RejectsNonCanonical) {
  EXPECT_FALSE(decode("Zg=="));  // padding
  EXPECT_FALSE(decode("Zh"));    // non-zero trailing bits
  EXPECT_FALSE(decode("Zm9"));   // "fo" is Zm8
  EXPECT_FALSE(decode("Z"));     // 1 mod 4
  EXPECT_FALSE(decode("Zm9v+A"));
  EXPECT_FALSE(decode("Zm9v/A"));
  EXPECT_FALSE(decode("Zm 9v"));
  EXPECT_FALSE(decode(std::string("Zm\0v", 4)));
}

TEST(Base64Std, DecodeEach) {
  auto dec = [](std::string_view s) -> std::optional<std::string> {
    std::string out;
    if (!base64::std_decode_each(s, [&](uint8_t b) { out.push_back(static_cast<char>(b)); })) {
      return std::nullopt;
    }
    return out;
  };
  EXPECT_EQ(dec(""), "");
  EXPECT_EQ(dec("Zg=="), "f");
  EXPECT_EQ(dec("Zm8="), "fo");
  EXPECT_EQ(dec("Zm9vYmFy"), "foobar");
  EXPECT_EQ(dec("SGVsbG8sIOS4lueVjA=="), "Hello, \xe4\xb8\x96\xe7\x95\x8c");
  EXPECT_EQ(dec("+/+/"), "\xfb\xff\xbf");
  EXPECT_FALSE(dec("Zg"));
  EXPECT_FALSE(dec("Zg=a"));
  EXPECT_FALSE(dec("Z==="));
  EXPECT_FALSE(dec("Zg==Zg=="));
  EXPECT_FALSE(dec("-_8="));
}

}  // namespace
}  // namespace mcplb::mcp
