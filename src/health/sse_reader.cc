#include "health/sse_reader.h"

namespace mcplb::health {

SseReader::Line SseReader::end_line() {
  if (line_.empty()) {
    if (!has_data_) {
      return Line::none;  // an event without data (or a stray blank line) is not dispatched
    }
    data_.pop_back();  // the LF appended after the last data line
    return Line::dispatch;
  }
  if (line_.front() == ':') {
    return Line::none;  // comment (keep-alive)
  }
  std::string_view line(line_);
  std::string_view name = line;
  std::string_view value;
  if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    name = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
  }
  if (name != "data") {
    return Line::none;  // event, id, retry: nothing a probe needs
  }
  if (data_.size() + value.size() + 1 > max_) {
    return Line::too_large;
  }
  data_.append(value);
  data_.push_back('\n');
  has_data_ = true;
  return Line::none;
}

}  // namespace mcplb::health
