// Where a request goes when no session pins it: the key hash/ip_hash policies hash, and the
// sticky cookie. Everything here reads the parsed head, so it runs before the first yield
// (the worker's field scratch is shared).

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <chrono>

#include "balance/registry.h"
#include "http/client_ip.h"
#include "http/cookie.h"
#include "proxy/connection.h"

namespace mcplb::proxy {

namespace http = boost::beast::http;

namespace {

// Marks a sealed token as a sticky cookie, so an MCP session token (which carries the
// backend's session id here) is never mistaken for one and vice versa.
constexpr std::string_view kStickyMark = "~sticky";
constexpr size_t kMaxValues = 8;

/// The values of one header, in order; of more than kMaxValues lines only the last ones, as
/// those were written by the proxies nearest to us (a client cannot push them out).
size_t values_of(const net::RequestParser& req, http::field id, std::string_view* out) {
  size_t n = 0;
  for (size_t i = 0; i < req.field_count; ++i) {
    if (req.fields[i].id == id) {
      if (n == kMaxValues) {
        std::move(out + 1, out + kMaxValues, out);
        --n;
      }
      out[n++] = req.fields[i].value.in(req.base());
    }
  }
  return n;
}

}  // namespace

std::optional<uint64_t> Connection::placement_hash(const PoolRt& pool) {
  switch (pool.placement) {
    case Placement::none:
      return std::nullopt;
    case Placement::client_ip: {
      const char* base = req_->base();
      std::string_view xff[std::size(decltype(req_->x_forwarded_for){})];
      for (size_t i = 0; i < req_->xff_count; ++i) {
        xff[i] = req_->x_forwarded_for[i]->in(base);
      }
      std::string_view fwd[kMaxValues];
      size_t nfwd = values_of(*req_, http::field::forwarded, fwd);
      core::Ip16 ip = mcplb::http::client_ip(peer_ip_, w_.topo->trusted_proxies(),
                                             {xff, req_->xff_count}, {fwd, nfwd});
      return balance::hash64({reinterpret_cast<const char*>(ip.data()), ip.size()});
    }
    case Placement::request_key: {
      std::string_view cookies[kMaxValues];
      mcplb::http::KeySources src;
      src.arg = this;
      src.header = [](const void* arg, std::string_view name) {
        return static_cast<const Connection*>(arg)->find_header(name);
      };
      src.target = req_->target.in(req_->base());
      src.cookies = {cookies, values_of(*req_, http::field::cookie, cookies)};
      auto key = pool.key_finder->find(src, unix_now(), w_.key_scratch);
      if (!key) {
        return std::nullopt;
      }
      return balance::hash64(*key);
    }
  }
  return std::nullopt;
}

int Connection::sticky_backend(const PoolRt& pool) {
  const auto& sticky = pool.cfg.sticky;
  if (!sticky.enabled || pinned_ >= 0) {
    return -1;
  }
  std::string_view cookies[kMaxValues];
  auto value = mcplb::http::find_cookie({cookies, values_of(*req_, http::field::cookie, cookies)},
                                        sticky.cookie);
  if (!value) {
    return -1;
  }
  const int64_t now = unix_now();
  mcp::OpenedToken& t = w_.opened;  // free: only pinned requests use it past this point
  if (w_.topo->key_ring().open(*value, now, t) != mcp::TokenError::ok ||
      t.session_id() != kStickyMark ||
      now - t.issued_at() > std::chrono::duration_cast<std::chrono::seconds>(sticky.ttl).count()) {
    return -1;  // forged, from another key, or expired: place the client anew
  }
  for (size_t i = 0; i < pool.backends.size(); ++i) {
    if (pool.backends[i]->name == t.backend()) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

bool Connection::write_sticky_cookie(HeadWriter& h) {
  const PoolRt& pool = *w_.pools[static_cast<size_t>(pool_)].rt;
  const auto& sticky = pool.cfg.sticky;
  std::string& sealed = w_.seal_buf;
  if (w_.topo->key_ring().seal(pool.backends[backend_]->name, kStickyMark, unix_now(),
                               sealed) != mcp::SealError::ok) {
    return true;  // without a cookie the client is simply placed again next time
  }
  mcplb::http::SetCookie c;
  c.name = sticky.cookie;
  c.value = sealed;
  c.max_age_s = std::chrono::duration_cast<std::chrono::seconds>(sticky.ttl).count();
  c.path = sticky.path;
  c.secure = sticky.secure;
  c.http_only = sticky.httponly;
  c.same_site = mcplb::http::parse_same_site(sticky.same_site).value_or(mcplb::http::SameSite::lax);
  std::string& line = w_.cookie_line;
  line.clear();
  if (!mcplb::http::append_set_cookie(line, c)) {
    return true;
  }
  h.put(line);
  return !h.overflow();
}

}  // namespace mcplb::proxy
