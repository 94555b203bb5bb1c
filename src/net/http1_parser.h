#pragma once
// HTTP/1.1 head parser on Beast's strict basic_parser, fed with put() on the connection's own
// buffer. It records where each field lies in that buffer (no copies, no http::fields) so the
// proxy can forward the head minus hop-by-hop lines, and it adds the checks a proxy needs on
// top of Beast's (request smuggling shapes, obs-fold, Host rules).

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mcplb::net {

namespace http = boost::beast::http;
using error_code = boost::system::error_code;

/// Why a head was refused; maps to a status in the proxy.
enum class HeadError : uint8_t {
  none,
  malformed,        // 400: syntax, obs-fold, bad framing, smuggling shapes
  too_large,        // 431: head over the limit, or too many fields
  body_too_large,   // 413
};

struct Span {
  uint32_t off = 0;
  uint32_t len = 0;
  std::string_view in(const char* base) const { return {base + off, len}; }
};

struct FieldRef {
  Span name;
  Span value;
  http::field id = http::field::unknown;
  bool drop = false;  // hop-by-hop or rewritten by the proxy
};

inline constexpr size_t kMaxFields = 100;

/// Parses one message (request when isRequest). Construct a fresh one per message.
template <bool isRequest>
class Http1Parser final : public http::basic_parser<isRequest> {
 public:
  /// @param base start of the buffer passed to every put() for the head; offsets refer to it.
  /// @param fields scratch for the head's fields (kMaxFields entries), valid only until the
  ///        caller next yields: the worker shares one array among its connections.
  /// @param capacity bytes from base that put() may ever be given (for the obs-fold check).
  Http1Parser(const char* base, size_t capacity, FieldRef* fields)
      : fields(fields), base_(base), capacity_(capacity) {}

  // Head, valid once is_header_done().
  http::verb method = http::verb::unknown;
  Span method_str, target, reason;
  unsigned version = 11;
  unsigned status = 0;
  FieldRef* fields;
  size_t field_count = 0;
  std::optional<Span> host;
  std::optional<Span> connection_tokens[4];  // Connection header values (for listed drops)
  size_t connection_count = 0;
  std::optional<Span> x_forwarded_for[4];  // the last 4 lines (nearest hops) when more came
  size_t xff_count = 0;
  // Fields the MCP layer reads (spans into the head; unset when absent).
  std::optional<Span> mcp_session_id;
  std::optional<Span> mcp_protocol_version;
  std::optional<Span> mcp_method;
  std::optional<Span> mcp_name;
  std::optional<Span> content_type;
  std::optional<Span> origin;
  bool expect_continue = false;
  bool saw_transfer_encoding = false;
  bool saw_content_length = false;
  HeadError head_error = HeadError::none;
  /// When set, decoded body bytes (chunk framing removed) are appended here as they parse.
  std::string* body_sink = nullptr;

  const char* base() const { return base_; }

 private:
  bool inside(std::string_view s) const;
  Span span(std::string_view s) const {
    return Span{static_cast<uint32_t>(s.data() - base_), static_cast<uint32_t>(s.size())};
  }
  void fail(HeadError e, error_code& ec) {
    head_error = e;
    ec = http::error::bad_value;
  }

  using bsv = boost::beast::string_view;
  void on_request_impl(http::verb v, bsv method_s, bsv target_s, int ver,
                       error_code& ec) override;
  void on_response_impl(int code, bsv reason_s, int ver, error_code& ec) override;
  void on_field_impl(http::field f, bsv name, bsv value, error_code& ec) override;
  void on_header_impl(error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(bsv body, error_code&) override {
    if (body_sink != nullptr) {
      body_sink->append(body.data(), body.size());
    }
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, bsv, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, bsv body, error_code&) override {
    if (body_sink != nullptr) {
      body_sink->append(body.data(), body.size());
    }
    return body.size();
  }
  void on_finish_impl(error_code&) override {}

  const char* base_;
  size_t capacity_;
};

using RequestParser = Http1Parser<true>;
using ResponseParser = Http1Parser<false>;

/// True for headers a proxy must not forward (RFC 9110 §7.6.1 plus the legacy ones).
bool is_hop_by_hop(http::field f, bool request);

/// Case-insensitive: is `name` one of the comma-separated tokens in `list`?
bool token_list_contains(std::string_view list, std::string_view name);

/// A put() result that is not an error: done, or waiting for more bytes.
inline bool ok_or_more(const error_code& ec) { return !ec || ec == http::error::need_more; }

/// Maps a Beast parse error to the status class the client gets.
HeadError classify(const error_code& ec, HeadError from_parser);

extern template class Http1Parser<true>;
extern template class Http1Parser<false>;

}  // namespace mcplb::net
