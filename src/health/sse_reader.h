#pragma once
// Incremental text/event-stream parser for probe responses (WHATWG "event stream
// interpretation": CR, LF or CRLF line ends, `:` comments, `data` lines joined with LF).
// Bounded: a line or an event's data over `max_bytes` is an error, never a growing buffer.

#include <cstddef>
#include <string>
#include <string_view>

namespace mcplb::health {

class SseReader {
 public:
  enum class Status : uint8_t {
    more,       // all bytes consumed, no event accepted yet
    stopped,    // on_event returned true; the rest of the bytes were not parsed
    too_large,  // a line or an event exceeded max_bytes
  };

  explicit SseReader(size_t max_bytes) : max_(max_bytes) {}

  /// Parses `bytes`, calling `on_event(std::string_view data)` for each complete event that
  /// has at least one `data` field (the view is valid only during the call). `on_event`
  /// returns true to stop.
  template <class OnEvent>
  Status feed(std::string_view bytes, OnEvent&& on_event) {
    for (char ch : bytes) {
      if (skip_lf_) {
        skip_lf_ = false;
        if (ch == '\n') {
          continue;
        }
      }
      if (ch == '\r' || ch == '\n') {
        skip_lf_ = ch == '\r';
        Line what = end_line();
        line_.clear();
        if (what == Line::too_large) {
          return Status::too_large;
        }
        if (what == Line::dispatch) {
          const bool stop = on_event(std::string_view(data_));
          data_.clear();
          has_data_ = false;
          if (stop) {
            return Status::stopped;
          }
        }
        continue;
      }
      if (line_.size() >= max_) {
        return Status::too_large;
      }
      line_.push_back(ch);
    }
    return Status::more;
  }

 private:
  enum class Line : uint8_t { none, dispatch, too_large };
  /// Interprets line_ (complete, without its end).
  Line end_line();

  size_t max_;
  std::string line_;
  std::string data_;
  bool has_data_ = false;
  bool skip_lf_ = false;  // the previous byte was CR: a following LF ends nothing
};

}  // namespace mcplb::health
