#include "http/query.h"

#include <gtest/gtest.h>

namespace mcplb::http {
namespace {

TEST(Query, Args) {
  EXPECT_EQ(query_arg("/mcp?a=1&b=2", "a"), "1");
  EXPECT_EQ(query_arg("/mcp?a=1&b=2", "b"), "2");
  EXPECT_EQ(query_arg("/mcp?a=1&b=2", "c"), std::nullopt);
  EXPECT_EQ(query_arg("/mcp?a=1&a=2", "a"), "1");  // first wins
  EXPECT_EQ(query_arg("/mcp?a=&b=2", "a"), "");    // empty value: present
  EXPECT_EQ(query_arg("/mcp?a&b=2", "a"), "");     // no '=': present, empty
  EXPECT_EQ(query_arg("/mcp?ab=1&a=2", "a"), "2");
  EXPECT_EQ(query_arg("/mcp?b=1&&a=2&", "a"), "2");
  EXPECT_EQ(query_arg("/mcp?a=x=y", "a"), "x=y");
  EXPECT_EQ(query_arg("/mcp", "a"), std::nullopt);  // no '?'
  EXPECT_EQ(query_arg("/mcp?", "a"), std::nullopt);
  EXPECT_EQ(query_arg("", "a"), std::nullopt);
  EXPECT_EQ(query_arg("/mcp?a=1", ""), std::nullopt);
  EXPECT_EQ(query_arg("/mcp?=1", ""), std::nullopt);
  EXPECT_EQ(query_arg("http://h:80/mcp?tenant=t1", "tenant"), "t1");  // absolute form
}

TEST(Query, FragmentIsNotPartOfTheQuery) {
  EXPECT_EQ(query_arg("/mcp?a=1#frag", "a"), "1");
  EXPECT_EQ(query_arg("/mcp?b=1#a=2", "a"), std::nullopt);
  EXPECT_EQ(query_arg("/mcp#x?a=1", "a"), std::nullopt);  // all fragment
}

TEST(Query, RawNotDecoded) {
  EXPECT_EQ(query_arg("/mcp?a=%41+b", "a"), "%41+b");
  EXPECT_EQ(query_arg("/mcp?%61=1", "a"), std::nullopt);
  EXPECT_EQ(query_arg("/mcp?%61=1", "%61"), "1");
}

TEST(Query, ViewPointsIntoTarget) {
  const std::string_view t = "/mcp?k=v";
  const auto v = query_arg(t, "k");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->data(), t.data() + 7);
  const auto e = query_arg("/mcp?k", "k");
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->empty());
}

}  // namespace
}  // namespace mcplb::http
