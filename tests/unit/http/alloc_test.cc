// The request-path functions allocate nothing once the caller's scratch has grown. Counted
// by replacing the global scalar operator new (plain and nothrow; the array forms call them)
// for this test binary (OpenSSL's own allocations go
// through malloc and are not counted: see jwt_verifier.h).
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "http/client_ip.h"
#include "http/cookie.h"
#include "http/hash_key.h"
#include "http/jwt.h"
#include "http/query.h"
#include "jwt_test_util.h"
#include "count_new.h"

namespace mcplb::http {
namespace {

constexpr int64_t kNow = 1'700'000'000;

TEST(Alloc, RequestPathAllocatesNothing) {
  const std::string secret(32, 's');
  std::string err;
  const auto verifier = JwtVerifier::from_key(JwtAlg::hs256, secret, "test", err);
  ASSERT_TRUE(verifier);
  const std::string auth =
      "Bearer " + test::hs256_token(secret, R"({"sub":"al\u0069ce","exp":1e10})");
  const std::vector<core::Cidr> trusted = {*core::parse_cidr("10.0.0.0/8")};
  const core::Ip16 peer = *core::parse_ip("10.0.0.1");
  const std::vector<std::string_view> xff = {"6.6.6.6, 203.0.113.7", "10.0.0.2"};
  const std::vector<std::string_view> fwd = {"for=\"[2001:db8::1]:80\";proto=https"};
  const std::vector<std::string_view> cookies = {"a=1; lb=tok"};
  std::string scratch;
  std::string out;
  out.reserve(256);
  SetCookie sc;
  sc.name = "lb";
  sc.value = "tok";

  const auto run = [&] {
    int found = 0;
    IpText text;
    found += !format_ip(client_ip(peer, trusted, xff, {}), text).empty();
    found += !format_ip(client_ip(peer, trusted, xff, fwd), text).empty();
    found += find_cookie(cookies, "lb").has_value();
    found += query_arg("/mcp?t=1", "t").has_value();
    found += jwt_claim(auth, "sub", nullptr, kNow, scratch).has_value();
    found += jwt_claim(auth, "sub", &*verifier, kNow, scratch).has_value();
    out.clear();
    found += append_set_cookie(out, sc);
    return found;
  };
  ASSERT_EQ(run(), 7);  // warm-up: scratch, thread-local parser and contexts
  const long before = mcplb::test::news();
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(run(), 7);
  }
  EXPECT_EQ(mcplb::test::news() - before, 0);
}

}  // namespace
}  // namespace mcplb::http
