#include "config/depth_scan.h"

#include <vector>

namespace mcplb::config {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

class Scanner {
 public:
  explicit Scanner(int limit) : limit_(limit) {}

  std::optional<TextPos> run(std::string_view text) {
    int line_no = 0;
    while (!text.empty() && !problem_) {
      size_t nl = text.find('\n');
      std::string_view line = text.substr(0, nl);
      text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
      ++line_no;
      scan_line(line, line_no);
    }
    return problem_;
  }

 private:
  void push_block(size_t col, int line_no) {
    if (!blocks_.empty() && col <= blocks_.back()) {
      return;
    }
    blocks_.push_back(col);
    check(line_no, col);
  }

  void check(int line_no, size_t col) {
    if (!problem_ && 2 * static_cast<int>(blocks_.size()) + flow_ > limit_) {
      problem_ = TextPos{line_no, static_cast<int>(col) + 1};
    }
  }

  void scan_line(std::string_view line, int line_no) {
    size_t indent = 0;
    while (indent < line.size() && line[indent] == ' ') {
      ++indent;
    }
    bool blank =
        indent == line.size() || line.find_first_not_of(" \t\r", indent) == std::string_view::npos;
    if (block_scalar_indent_ >= 0) {
      if (blank || static_cast<int>(indent) > block_scalar_indent_) {
        return;  // block scalar text: never structure
      }
      block_scalar_indent_ = -1;
    }
    if (quote_ != 0 || flow_ > 0) {
      scan_value(line, 0, line_no, indent);  // continuation of a quoted scalar / flow collection
      return;
    }
    if (blank || line[indent] == '#') {
      return;
    }
    if (indent == 0 && (line.starts_with("---") || line.starts_with("...")) &&
        (line.size() == 3 || is_blank(line[3]))) {
      blocks_.clear();  // a new document starts from nothing
      scan_value(line, 3, line_no, indent);
      return;
    }
    if (indent == 0 && line[0] == '%') {
      return;  // directive
    }
    while (!blocks_.empty() && blocks_.back() > indent) {
      blocks_.pop_back();
    }
    // Each "- ", "? ", ": " indicator opens a (compact) block level at its column.
    size_t p = indent;
    while (p < line.size() && (line[p] == '-' || line[p] == '?' || line[p] == ':') &&
           (p + 1 == line.size() || is_blank(line[p + 1]))) {
      push_block(p, line_no);
      ++p;
      while (p < line.size() && is_blank(line[p])) {
        ++p;
      }
    }
    if (p < line.size() && line[p] != '#') {
      push_block(p, line_no);  // may be a map key: count it as a level
    }
    scan_value(line, p, line_no, indent);
  }

  // Flow brackets, quotes, comments and block scalar headers from position p on.
  void scan_value(std::string_view line, size_t p, int line_no, size_t indent) {
    for (size_t i = p; i < line.size() && !problem_; ++i) {
      char c = line[i];
      if (quote_ == '"') {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          quote_ = 0;
        }
        continue;
      }
      if (quote_ == '\'') {
        if (c == '\'') {
          if (i + 1 < line.size() && line[i + 1] == '\'') {
            ++i;
          } else {
            quote_ = 0;
          }
        }
        continue;
      }
      char prev = i == 0 ? ' ' : line[i - 1];
      bool token_start = i == p || is_blank(prev) ||
                         (flow_ > 0 && (prev == '[' || prev == '{' || prev == ',' || prev == ':'));
      if (c == '#' && (i == 0 || is_blank(prev))) {
        return;
      }
      if ((c == '"' || c == '\'') && token_start) {
        quote_ = c;
      } else if ((c == '[' || c == '{') && (token_start || flow_ > 0)) {
        ++flow_;
        check(line_no, i);
      } else if ((c == ']' || c == '}') && flow_ > 0) {
        --flow_;
      } else if ((c == '|' || c == '>') && token_start && flow_ == 0) {
        block_scalar_indent_ = static_cast<int>(indent);
        return;
      }
    }
  }

  int limit_;
  std::vector<size_t> blocks_;  // columns of open block levels, increasing
  int flow_ = 0;
  char quote_ = 0;
  int block_scalar_indent_ = -1;
  std::optional<TextPos> problem_;
};

}  // namespace

std::optional<TextPos> find_excess_nesting(std::string_view text, int limit) {
  return Scanner(limit).run(text);
}

}  // namespace mcplb::config
