#include "http/hash_key.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "jwt_test_util.h"

namespace mcplb::http {
namespace {

constexpr int64_t kNow = 1'700'000'000;

struct FakeRequest {
  std::map<std::string, std::string> headers;  // lower-case names
  std::string target = "/mcp";
  std::vector<std::string_view> cookies;

  KeySources sources() const {
    KeySources s;
    s.arg = this;
    s.header = [](const void* arg, std::string_view name) -> std::string_view {
      const auto& h = static_cast<const FakeRequest*>(arg)->headers;
      auto it = h.find(std::string(name));
      return it == h.end() ? std::string_view{} : std::string_view(it->second);
    };
    s.target = target;
    s.cookies = cookies;
    return s;
  }
};

config::HashKey key(config::HashKey::Source source, std::string name) {
  config::HashKey k;
  k.source = source;
  k.name = std::move(name);
  return k;
}

using Source = config::HashKey::Source;

TEST(HashKey, Sources) {
  FakeRequest req;
  req.headers["x-user-id"] = "u42";
  req.headers["authorization"] =
      "Bearer " + test::hs256_token(std::string(32, 's'), R"({"sub":"alice","n":7})");
  req.target = "/mcp?tenant=t1&empty=";
  req.cookies = {"a=1", "session=s9; b=2"};
  std::string scratch;
  const KeySources src = req.sources();

  EXPECT_EQ(find_key(key(Source::header, "x-user-id"), src, nullptr, kNow, scratch), "u42");
  EXPECT_EQ(find_key(key(Source::header, "x-other"), src, nullptr, kNow, scratch), std::nullopt);
  EXPECT_EQ(find_key(key(Source::query, "tenant"), src, nullptr, kNow, scratch), "t1");
  EXPECT_EQ(find_key(key(Source::query, "empty"), src, nullptr, kNow, scratch), std::nullopt);
  EXPECT_EQ(find_key(key(Source::query, "nope"), src, nullptr, kNow, scratch), std::nullopt);
  EXPECT_EQ(find_key(key(Source::cookie, "session"), src, nullptr, kNow, scratch), "s9");
  EXPECT_EQ(find_key(key(Source::cookie, "nope"), src, nullptr, kNow, scratch), std::nullopt);
  EXPECT_EQ(find_key(key(Source::jwt_claim, "sub"), src, nullptr, kNow, scratch), "alice");
  EXPECT_EQ(find_key(key(Source::jwt_claim, "n"), src, nullptr, kNow, scratch), "7");
  EXPECT_EQ(find_key(key(Source::none, "x"), src, nullptr, kNow, scratch), std::nullopt);
}

TEST(HashKey, CookieHeaderFallback) {
  FakeRequest req;
  req.headers["cookie"] = "k=v1; j=v2";
  std::string scratch;
  EXPECT_EQ(find_key(key(Source::cookie, "j"), req.sources(), nullptr, kNow, scratch), "v2");
  FakeRequest none;
  EXPECT_EQ(find_key(key(Source::cookie, "j"), none.sources(), nullptr, kNow, scratch),
            std::nullopt);
  KeySources bare;  // no accessor at all
  EXPECT_EQ(find_key(key(Source::header, "x"), bare, nullptr, kNow, scratch), std::nullopt);
  EXPECT_EQ(find_key(key(Source::cookie, "j"), bare, nullptr, kNow, scratch), std::nullopt);
}

TEST(HashKey, KeyFinderVerifies) {
  char tmpl[] = "/tmp/mcplb-hashkey-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string secret(32, 'k');
  std::ofstream(dir + "/hs.key") << secret << "\n";

  config::HashKey spec = key(Source::jwt_claim, "sub");
  spec.jwt_key_file = dir + "/hs.key";
  spec.jwt_algorithm = "HS256";
  std::string err;
  auto finder = KeyFinder::build(spec, err);
  ASSERT_TRUE(finder) << err;

  FakeRequest good;
  good.headers["authorization"] = "Bearer " + test::hs256_token(secret, R"({"sub":"bob"})");
  FakeRequest forged;
  forged.headers["authorization"] =
      "Bearer " + test::hs256_token(std::string(32, 'x'), R"({"sub":"bob"})");
  std::string scratch;
  EXPECT_EQ(finder->find(good.sources(), kNow, scratch), "bob");
  EXPECT_EQ(finder->find(forged.sources(), kNow, scratch), std::nullopt);

  spec.jwt_algorithm = "RS256";
  EXPECT_FALSE(KeyFinder::build(spec, err));
  EXPECT_NE(err.find("no PEM public key"), std::string::npos) << err;

  // Without a key file the claim is read unverified.
  spec.jwt_key_file.clear();
  auto open = KeyFinder::build(spec, err);
  ASSERT_TRUE(open);
  EXPECT_EQ(open->find(forged.sources(), kNow, scratch), "bob");

  // Other sources need no file.
  auto header = KeyFinder::build(key(Source::header, "x-user"), err);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->spec().name, "x-user");

  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mcplb::http
