// load_file / load_string: parse with yaml-cpp, then read the root map section by section.

#include "config/load.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "config/depth_scan.h"
#include "config/reader.h"
#include "config/sections.h"

namespace mcplb::config {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

constexpr size_t kMaxFileBytes = 16u << 20;
// Real configs nest fewer than 10 levels; the scan's bound is at most 2x the true depth.
constexpr int kMaxNestingBound = 64;

constexpr std::array<std::string_view, 6> kLogLevels{"trace", "debug", "info",
                                                     "warn",  "error", "off"};

void read_workers(Diagnostics& diag, const Reader& r, const YAML::Node& v, uint32_t& out) {
  if (v.IsScalar() && v.Scalar() == "auto") {
    out = 0;
    return;
  }
  const std::string& s = v.IsScalar() ? v.Scalar() : std::string();
  bool digits = !s.empty() && s.size() <= 9 && s.find_first_not_of("0123456789") == s.npos;
  uint32_t n = digits ? static_cast<uint32_t>(std::stoul(s)) : 0;
  if (!digits || n < 1 || n > 256) {
    diag.error(r.at(v), fmt::format("'workers' must be 'auto' or an integer between 1 and 256, "
                                    "got {}",
                                    describe(v)));
    return;
  }
  out = n;
}

void read_client(MapReader& m, ClientLimits& c) {
  m.size("max_header_bytes", c.max_header_bytes, 1024, 1u << 20)
      .size("max_body_bytes", c.max_body_bytes, 0)
      .duration("header_timeout", c.header_timeout, milliseconds(1), hours(24))
      .duration("idle_timeout", c.idle_timeout, milliseconds(1), hours(24))
      .duration("send_timeout", c.send_timeout, milliseconds(1), hours(24));
}

void read_root(Diagnostics& diag, const YAML::Node& root, Config& cfg) {
  YAML::Node routes_value;
  YAML::Node routes_key;
  bool has_routes = false;
  YAML::Mark pools_key = YAML::Mark::null_mark();
  MapReader m(diag, root, "root", YAML::Mark());
  m.on("listen",
       [&](const YAML::Node& v, const YAML::Node& k) { read_listen(diag, v, k, cfg.listen); })
      .on("workers", [&](const YAML::Node& v,
                         const YAML::Node&) { read_workers(diag, m.reader(), v, cfg.workers); })
      .section("client", [&](MapReader& s) { read_client(s, cfg.client); })
      .on("forwarding",
          [&](const YAML::Node& v, const YAML::Node& k) {
            read_forwarding(diag, v, k, cfg.forwarding);
          })
      .duration("shutdown_timeout", cfg.shutdown_timeout, milliseconds(0), hours(24))
      .section("log",
               [&](MapReader& s) {
                 s.on("level", [&](const YAML::Node& v, const YAML::Node&) {
                   if (auto l = s.reader().one_of(v, s.child("level"), "log level", kLogLevels)) {
                     cfg.log.level = *l;
                   }
                 });
               })
      .on("session",
          [&](const YAML::Node& v, const YAML::Node& k) {
            read_session(diag, v, k, cfg.session);
          })
      .on("mcp", [&](const YAML::Node& v, const YAML::Node& k) { read_mcp(diag, v, k, cfg.mcp); })
      .on("admin",
          [&](const YAML::Node& v, const YAML::Node& k) { read_admin(diag, v, k, cfg.admin); })
      .on("access_log",
          [&](const YAML::Node& v, const YAML::Node& k) {
            read_access_log(diag, v, k, cfg.access_log);
          })
      .on("metrics",
          [&](const YAML::Node& v, const YAML::Node& k) { read_metrics(diag, v, k, cfg.metrics); })
      .on("pools",
          [&](const YAML::Node& v, const YAML::Node& k) {
            pools_key = k.Mark();
            read_pools(diag, v, k, cfg.pools);
          })
      .on("routes",
          [&](const YAML::Node& v, const YAML::Node& k) {
            routes_value = v;
            routes_key = k;
            has_routes = true;
          })
      .required("pools");
  if (!m.run()) {
    return;
  }
  size_t route_entries = has_routes ? read_routes(diag, routes_value, routes_key, cfg) : 0;
  check_routing(diag, cfg, pools_key, has_routes ? routes_key.Mark() : YAML::Mark::null_mark(),
                route_entries);
}

// Only counts document starts.
class DocumentCounter final : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;

  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// Reports a second document, or a token yaml-cpp cannot get past. Never YAML::LoadAll: on a
// stray ',' at block level yaml-cpp 0.7 yields the same empty document forever without
// consuming input (LoadAll(",x") never returns), and YAML::Load silently returns null for
// it. So look at two documents at most and check the second one started further on.
// Throws YAML::Exception on syntax errors.
bool check_single_document(Diagnostics& diag, const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentCounter counter;
  for (int i = 0; i < 2 && parser.HandleNextDocument(counter); ++i) {
  }
  if (counter.starts.size() < 2) {
    return true;
  }
  const YAML::Mark& second = counter.starts[1];
  if (second.pos == counter.starts[0].pos) {
    auto at = static_cast<size_t>(second.pos);
    std::string_view what = at < text.size() ? std::string_view(text).substr(at, 1) : "";
    diag.error(second, fmt::format("YAML syntax error: unexpected {}", quote(what)));
  } else {
    diag.error(second, "only one YAML document is allowed per file");
  }
  return false;
}

void load_into(Diagnostics& diag, std::string_view yaml, Config& cfg) {
  if (yaml.size() > kMaxFileBytes) {
    diag.error(YAML::Mark::null_mark(),
               fmt::format("file is too large ({} bytes; the limit is 16 MiB)", yaml.size()));
    return;
  }
  if (auto deep = find_excess_nesting(yaml, kMaxNestingBound)) {
    YAML::Mark at;
    at.line = deep->line - 1;
    at.column = deep->col - 1;
    diag.error(at, "YAML nesting is too deep");
    return;
  }
  std::string text(yaml);
  YAML::Node root;
  try {
    if (!check_single_document(diag, text)) {
      return;
    }
    root = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    diag.error(e.mark, "YAML nesting is too deep");  // its own message says "bad file"
    return;
  } catch (const YAML::Exception& e) {
    diag.error(e.mark, fmt::format("YAML syntax error: {}", e.msg));
    return;
  }
  // An empty file is an empty map: defaults, then "missing required key 'pools'".
  read_root(diag, root, cfg);
}

}  // namespace

LoadResult load_string(std::string_view yaml, const std::string& file_name) {
  Diagnostics diag(file_name);
  Config cfg = default_config();
  cfg.source = file_name;
  try {
    load_into(diag, yaml, cfg);
  } catch (const std::exception& e) {
    // Only reachable through a bug or allocation failure; never let it escape a reload.
    diag.error(YAML::Mark::null_mark(), fmt::format("internal error while loading: {}", e.what()));
  }
  LoadResult result;
  result.errors = diag.take_errors();
  result.warnings = diag.take_warnings();
  if (result.errors.empty()) {
    result.config = std::move(cfg);
  }
  return result;
}

LoadResult load_file(const std::string& path) {
  auto fail = [&](int err) {
    LoadResult r;
    r.errors.push_back(Diag{path, 0, 0, fmt::format("cannot read: {}", std::strerror(err))});
    return r;
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fail(errno);
  }
  std::string text;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
      static_cast<uint64_t>(st.st_size) <= kMaxFileBytes) {
    text.reserve(static_cast<size_t>(st.st_size));
  }
  std::array<char, 16384> buf;
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      int err = errno;  // e.g. EISDIR
      ::close(fd);
      return fail(err);
    }
    if (n == 0) {
      break;
    }
    text.append(buf.data(), static_cast<size_t>(n));
    if (text.size() > kMaxFileBytes) {
      break;  // load_string reports the size
    }
  }
  ::close(fd);
  return load_string(text, path);
}

}  // namespace mcplb::config
