#include "net/http1_parser.h"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <iterator>
#include <boost/beast/http/error.hpp>

namespace mcplb::net {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}
}  // namespace

bool token_list_contains(std::string_view list, std::string_view name) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view tok = trim(list.substr(0, comma));
    if (boost::beast::iequals(tok, name)) {
      return true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    list.remove_prefix(comma + 1);
  }
  return false;
}

bool is_hop_by_hop(http::field f, bool request) {
  switch (f) {
    case http::field::connection:
    case http::field::keep_alive:
    case http::field::proxy_connection:
    case http::field::te:
    case http::field::trailer:
    case http::field::upgrade:
      return true;
    case http::field::proxy_authorization:
      return request;
    case http::field::proxy_authenticate:
      return !request;
    default:
      return false;
  }
}

template <bool isRequest>
bool Http1Parser<isRequest>::inside(std::string_view s) const {
  // Beast hands out views into our buffer, except for obs-fold values it had to unfold
  // into its own scratch space; those we refuse (RFC 9112 §5.2 allows a 400).
  return s.data() >= base_ && s.data() + s.size() <= base_ + capacity_;
}

template <bool isRequest>
void Http1Parser<isRequest>::on_request_impl(http::verb v, bsv method_s, bsv target_s, int ver,
                                             error_code& ec) {
  method = v;
  method_str = span(std::string_view(method_s.data(), method_s.size()));
  target = span(std::string_view(target_s.data(), target_s.size()));
  version = static_cast<unsigned>(ver);
  if (ver != 10 && ver != 11) {
    fail(HeadError::malformed, ec);
    return;
  }
  // A reverse proxy has no business tunnelling.
  if (v == http::verb::connect) {
    fail(HeadError::malformed, ec);
  }
}

template <bool isRequest>
void Http1Parser<isRequest>::on_response_impl(int code, bsv reason_s, int ver,
                                              error_code& ec) {
  status = static_cast<unsigned>(code);
  reason = span(std::string_view(reason_s.data(), reason_s.size()));
  version = static_cast<unsigned>(ver);
  if (ver != 10 && ver != 11) {
    fail(HeadError::malformed, ec);
  }
}

template <bool isRequest>
void Http1Parser<isRequest>::on_field_impl(http::field f, bsv name_b, bsv value_b,
                                           error_code& ec) {
  std::string_view name(name_b.data(), name_b.size());
  std::string_view value(value_b.data(), value_b.size());
  if (!inside(name) || !inside(value)) {
    fail(HeadError::malformed, ec);
    return;
  }
  if (field_count == kMaxFields) {
    fail(HeadError::too_large, ec);
    return;
  }
  FieldRef& r = fields[field_count++];
  r.name = span(name);
  r.value = span(value);
  r.id = f;
  r.drop = is_hop_by_hop(f, isRequest);
  switch (f) {
    case http::field::transfer_encoding: {
      // Only a lone "chunked" is accepted: anything else is either unsupported or a
      // smuggling shape ("chunked, identity", "xchunked", a second header).
      if (saw_transfer_encoding || !boost::beast::iequals(trim(value), "chunked")) {
        fail(HeadError::malformed, ec);
        return;
      }
      saw_transfer_encoding = true;
      break;
    }
    case http::field::content_length:
      // Beast accepts "1, 1"; we forward one normalized value instead.
      r.drop = true;
      saw_content_length = true;
      break;
    case http::field::host:
      if constexpr (isRequest) {
        if (host) {
          fail(HeadError::malformed, ec);
          return;
        }
        host = span(value);
      }
      break;
    case http::field::connection:
    case http::field::proxy_connection:
      if (connection_count < 4) {
        connection_tokens[connection_count++] = span(value);
      }
      break;
    case http::field::expect:
      if constexpr (isRequest) {
        if (boost::beast::iequals(trim(value), "100-continue")) {
          expect_continue = true;
          r.drop = true;
        }
      }
      break;
    case http::field::content_type:
      content_type = span(value);
      break;
    case http::field::origin:
      origin = span(value);
      break;
    case http::field::unknown:
      if (boost::beast::iequals(name, "mcp-session-id")) {
        if (mcp_session_id) {
          fail(HeadError::malformed, ec);  // two session ids: no way to tell which one counts
          return;
        }
        mcp_session_id = span(value);
        break;
      }
      if constexpr (isRequest) {
        if (name.size() > 4 && (name[0] == 'm' || name[0] == 'M')) {
          if (boost::beast::iequals(name, "mcp-protocol-version")) {
            mcp_protocol_version = span(value);
          } else if (boost::beast::iequals(name, "mcp-method")) {
            mcp_method = span(value);
          } else if (boost::beast::iequals(name, "mcp-name")) {
            mcp_name = span(value);
          }
          break;
        }
        // X-Forwarded-* are not in Beast's table: compare names (unknown fields only).
        if (boost::beast::iequals(name, "x-forwarded-for")) {
          // Keep the LAST lines: the right-most hops were written by the proxies nearest to
          // us (trusted ones), the left-most by whoever sent the request.
          constexpr size_t cap = std::size(decltype(x_forwarded_for){});
          if (xff_count == cap) {
            std::move(x_forwarded_for + 1, x_forwarded_for + cap, x_forwarded_for);
            --xff_count;
          }
          x_forwarded_for[xff_count++] = span(value);
          r.drop = true;  // rewritten as one merged line
        } else if (boost::beast::iequals(name, "x-forwarded-proto") ||
                   boost::beast::iequals(name, "x-forwarded-host")) {
          r.drop = true;  // set by us; a client must not choose them
        }
      }
      break;
    default:
      break;
  }
}

template <bool isRequest>
void Http1Parser<isRequest>::on_header_impl(error_code& ec) {
  // Fields named in Connection are hop-by-hop too (RFC 9110 §7.6.1).
  if (connection_count > 0) {
    for (size_t i = 0; i < field_count; ++i) {
      FieldRef& r = fields[i];
      if (r.drop) {
        continue;
      }
      std::string_view name = r.name.in(base_);
      for (size_t c = 0; c < connection_count; ++c) {
        if (token_list_contains(connection_tokens[c]->in(base_), name)) {
          r.drop = true;
          break;
        }
      }
    }
  }
  if constexpr (isRequest) {
    if (version == 11 && !host) {
      fail(HeadError::malformed, ec);
      return;
    }
    if (version == 10 && saw_transfer_encoding) {
      fail(HeadError::malformed, ec);
      return;
    }
  }
}

HeadError classify(const error_code& ec, HeadError from_parser) {
  if (from_parser != HeadError::none) {
    return from_parser;
  }
  if (ec == http::error::header_limit) {
    return HeadError::too_large;
  }
  if (ec == http::error::body_limit) {
    return HeadError::body_too_large;
  }
  return HeadError::malformed;
}

template class Http1Parser<true>;
template class Http1Parser<false>;

}  // namespace mcplb::net
