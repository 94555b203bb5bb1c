#include "health/sse_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mcplb::health {
namespace {

std::vector<std::string> all_events(SseReader& r, std::string_view bytes,
                                    SseReader::Status* status = nullptr) {
  std::vector<std::string> out;
  SseReader::Status st = r.feed(bytes, [&](std::string_view d) {
    out.emplace_back(d);
    return false;
  });
  if (status != nullptr) {
    *status = st;
  }
  return out;
}

TEST(SseReader, LineEndsCommentsAndMultiLineData) {
  SseReader r(1024);
  auto ev = all_events(r,
                       ": keep-alive\n\nid: 7\ndata: a\r\ndata:b\r\rdata:  c\n"
                       "data\n\nevent: message\nretry: 10\n\n");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0], "a\nb");
  EXPECT_EQ(ev[1], " c\n");  // one leading space dropped; `data` alone adds an empty line
}

TEST(SseReader, EventsSplitAcrossFeedsAnywhere) {
  const std::string stream = "data: {\"x\":1}\r\n\r\ndata: two\r\n\r\n";
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    SseReader r(1024);
    auto ev = all_events(r, std::string_view(stream).substr(0, cut));
    auto rest = all_events(r, std::string_view(stream).substr(cut));
    ev.insert(ev.end(), rest.begin(), rest.end());
    ASSERT_EQ(ev.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(ev[0], "{\"x\":1}");
    EXPECT_EQ(ev[1], "two");
  }
}

TEST(SseReader, PrimingEventHasEmptyData) {
  SseReader r(1024);
  auto ev = all_events(r, "id: 0\ndata:\n\n");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0], "");
}

TEST(SseReader, StopsWhereTheCallerSays) {
  SseReader r(1024);
  int seen = 0;
  auto st = r.feed("data: 1\n\ndata: 2\n\ndata: 3\n\n", [&](std::string_view d) {
    ++seen;
    return d == "2";
  });
  EXPECT_EQ(st, SseReader::Status::stopped);
  EXPECT_EQ(seen, 2);
}

TEST(SseReader, BoundedLinesAndEvents) {
  SseReader line_limit(16);
  SseReader::Status st;
  all_events(line_limit, std::string(17, 'x'), &st);
  EXPECT_EQ(st, SseReader::Status::too_large);

  SseReader event_limit(16);
  all_events(event_limit, "data: 12345678\ndata: 12345678\n", &st);
  EXPECT_EQ(st, SseReader::Status::too_large);

  SseReader fine(16);
  EXPECT_EQ(all_events(fine, "data: 1234567\n\n", &st).size(), 1u);
  EXPECT_EQ(st, SseReader::Status::more);
}

}  // namespace
}  // namespace mcplb::health
