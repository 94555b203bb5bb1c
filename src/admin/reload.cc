#include "admin/reload.h"

#include <fmt/format.h>

#include <map>

#include "config/dump.h"
#include "config/load.h"
#include "core/log.h"
#include "health/checker.h"
#include "mcp/error.h"
#include "proxy/server.h"

namespace mcplb::admin {
namespace {

constexpr auto relaxed = std::memory_order_relaxed;

/// The lines of a, b that differ, for the "needs restart" list (dump text is canonical).
std::vector<std::string> changed_lines(const std::string& a, const std::string& b) {
  auto split = [](const std::string& s) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos < s.size()) {
      size_t eol = s.find('\n', pos);
      out.push_back(s.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos));
      pos = eol == std::string::npos ? s.size() : eol + 1;
    }
    return out;
  };
  std::vector<std::string> la = split(a);
  std::vector<std::string> lb = split(b);
  std::multiset<std::string> sa(la.begin(), la.end());
  std::vector<std::string> out;
  for (const auto& l : lb) {
    auto it = sa.find(l);
    if (it == sa.end()) {
      out.push_back(l);
    } else {
      sa.erase(it);
    }
  }
  return out;
}

}  // namespace

ReloadReport Reloader::reload() {
  std::lock_guard lock(mu_);
  ReloadReport rep;
  config::LoadResult loaded = config::load_file(path_);
  for (const auto& d : loaded.errors) {
    rep.errors.push_back(fmt::format("{}:{}:{}: {}", d.file, d.line, d.col, d.message));
  }
  if (!loaded.ok()) {
    return rep;
  }
  rep.valid = true;
  const config::Config& running = server_.topology().config();
  config::Config next = *loaded.config;

  // What a reload can apply lives in the backends lists; compare the rest by the canonical
  // dump with the running backends put in place of the new ones.
  for (const auto& rt : server_.topology().pools()) {
    const config::Pool* np = next.find_pool(rt.cfg.name);
    if (np == nullptr) {
      continue;  // reported by the dump comparison below
    }
    std::map<std::string, const config::Backend*> wanted;
    for (const auto& b : np->backends) {
      wanted[b.name] = &b;
    }
    for (const auto& bp : rt.backends) {
      pool::Backend& b = *bp;
      const std::string key = rt.cfg.name + "/" + b.name;
      auto it = wanted.find(b.name);
      if (it == wanted.end()) {
        const auto timeout = std::chrono::duration_cast<std::chrono::nanoseconds>(np->drain_timeout);
        if (pool::start_drain(b, health::steady_now_ns(), timeout.count())) {
          drained_by_reload_.insert(key);
          rep.applied.push_back(fmt::format("pool {} backend {}: not in the file, draining "
                                            "(sessions end within {} ms)",
                                            rt.cfg.name, b.name, np->drain_timeout.count()));
        }
        continue;
      }
      const config::Backend& nb = *it->second;
      wanted.erase(it);
      if (nb.address.str() != b.address) {
        rep.needs_restart.push_back(fmt::format("pool {} backend {}: address {} -> {}",
                                                rt.cfg.name, b.name, b.address, nb.address.str()));
      }
      const uint32_t w = b.weight.load(relaxed);
      if (nb.weight != w) {
        b.weight.store(nb.weight, relaxed);
        rep.applied.push_back(
            fmt::format("pool {} backend {}: weight {} -> {}", rt.cfg.name, b.name, w, nb.weight));
      }
      if (drained_by_reload_.erase(key) > 0 &&
          b.state.load(relaxed) == pool::BackendState::draining) {
        pool::BackendState health = pool::BackendState::healthy;
        if (const health::Checker* c = server_.checker()) {
          if (auto h = c->health_of(b)) {
            health = *h == health::Health::healthy ? pool::BackendState::healthy
                                                   : pool::BackendState::unhealthy;
          }
        }
        pool::end_drain(b, health);
        rep.applied.push_back(fmt::format("pool {} backend {}: back in the file, no longer "
                                          "draining", rt.cfg.name, b.name));
      }
    }
    for (const auto& [name, nb] : wanted) {
      rep.needs_restart.push_back(
          fmt::format("pool {} backend {} ({}): new backends need a restart", rt.cfg.name, name,
                      nb->address.str()));
    }
  }
  // The rest must be equal: replace each pool's backends by the running ones and compare.
  config::Config same = next;
  for (auto& p : same.pools) {
    if (const config::Pool* rp = running.find_pool(p.name)) {
      p.backends = rp->backends;
    }
  }
  same.source = running.source;
  const std::string was = config::dump(running);
  const std::string now = config::dump(same);
  if (was != now) {
    for (const auto& l : changed_lines(was, now)) {
      rep.needs_restart.push_back(fmt::format("changed: {}", l));
    }
    if (rep.needs_restart.empty()) {
      rep.needs_restart.push_back("settings changed (restart to apply)");
    }
  }
  return rep;
}

std::string to_json(const ReloadReport& r) {
  std::string out = fmt::format(R"({{"valid":{},"errors":[)", r.valid ? "true" : "false");
  auto list = [&](const std::vector<std::string>& v) {
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0) {
        out.push_back(',');
      }
      out.push_back('"');
      mcp::append_json_escaped(out, v[i]);
      out.push_back('"');
    }
  };
  list(r.errors);
  out += R"(],"applied":[)";
  list(r.applied);
  out += R"(],"needs_restart":[)";
  list(r.needs_restart);
  out += "]}";
  return out;
}

void log_report(const ReloadReport& r, std::string_view from) {
  if (!r.valid) {
    spdlog::error("reload ({}): config has errors, nothing changed", from);
    for (const auto& e : r.errors) {
      spdlog::error("  {}", e);
    }
    return;
  }
  spdlog::info("reload ({}): {} change{} applied, {} need{} a restart", from, r.applied.size(),
               r.applied.size() == 1 ? "" : "s", r.needs_restart.size(),
               r.needs_restart.size() == 1 ? "s" : "");
  for (const auto& a : r.applied) {
    spdlog::info("  applied: {}", a);
  }
  for (const auto& n : r.needs_restart) {
    spdlog::warn("  needs restart: {}", n);
  }
}

}  // namespace mcplb::admin
