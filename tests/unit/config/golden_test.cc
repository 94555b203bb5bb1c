// Golden files: tests/config/golden/NAME.yaml is loaded and the result compared with
// NAME.expected: "error: ..." / "warning: ..." lines, then, when valid, "---" and the
// canonical dump. Regenerate after an intended change with MCPLB_UPDATE_GOLDEN=1 and review
// the diff. Files are loaded under their full path, so relative key files (keys/) resolve
// next to them as in production; the golden directory is then cut from the output.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/dump.h"
#include "config/load.h"

namespace mcplb::config {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string render(const LoadResult& r) {
  std::string out;
  for (const auto& d : r.errors) {
    out += "error: " + d.str() + "\n";
  }
  for (const auto& d : r.warnings) {
    out += "warning: " + d.str() + "\n";
  }
  if (r.config) {
    out += "---\n" + dump(*r.config);
  }
  return out;
}

TEST(Golden, AllFiles) {
  fs::path dir = MCPLB_CONFIG_GOLDEN_DIR;
  std::vector<fs::path> inputs;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".yaml") {
      inputs.push_back(e.path());
    }
  }
  std::sort(inputs.begin(), inputs.end());
  ASSERT_GE(inputs.size(), 4u) << dir;
  bool update = std::getenv("MCPLB_UPDATE_GOLDEN") != nullptr;
  for (const auto& in : inputs) {
    std::string got = render(load_string(read(in), in.string()));
    const std::string prefix = dir.string() + "/";
    for (size_t at; (at = got.find(prefix)) != std::string::npos;) {
      got.erase(at, prefix.size());
    }
    fs::path expected = fs::path(in).replace_extension(".expected");
    if (update) {
      std::ofstream(expected, std::ios::binary) << got;
      continue;
    }
    ASSERT_TRUE(fs::exists(expected)) << expected << " missing; run with MCPLB_UPDATE_GOLDEN=1";
    EXPECT_EQ(got, read(expected)) << "golden mismatch for " << in.filename();
  }
}

}  // namespace
}  // namespace mcplb::config
