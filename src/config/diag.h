#pragma once
// One configuration diagnostic: where it is and what is wrong. Printed as
// "file:line:col: message" (the format editors and CI annotators understand).

#include <string>

namespace mcplb::config {

struct Diag {
  std::string file;
  int line = 0;  // 1-based; 0 = not tied to a position (e.g. the file could not be read)
  int col = 0;   // 1-based
  std::string message;

  /// "file:line:col: message"
  std::string str() const;
};

}  // namespace mcplb::config
