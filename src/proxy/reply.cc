#include "proxy/reply.h"

#include "proxy/head_writer.h"

namespace mcplb::proxy {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Error";
  }
}

size_t write_error_response(char* out, size_t cap, const ErrorReply& e, bool close,
                            int retry_after_s) {
  // The message is one of our own literals: plain ASCII without quotes or backslashes.
  char body[256];
  HeadWriter b(body, sizeof(body));
  b.put(R"({"jsonrpc":"2.0","id":null,"error":{"code":)");
  if (e.code < 0) {
    b.put("-").put(static_cast<uint64_t>(-e.code));
  } else {
    b.put(static_cast<uint64_t>(e.code));
  }
  b.put(R"(,"message":")").put(e.message).put(R"(","data":{"origin":"mcplb","status":)");
  b.put(static_cast<uint64_t>(e.status)).put("}}}");
  if (b.overflow()) {
    return 0;
  }
  HeadWriter h(out, cap);
  h.put("HTTP/1.1 ").put(static_cast<uint64_t>(e.status)).put(" ").put(reason_phrase(e.status));
  h.put("\r\nContent-Type: application/json\r\nContent-Length: ").put(b.size()).put("\r\n");
  if (close) {
    h.put("Connection: close\r\n");
  }
  if (retry_after_s > 0) {
    h.put("Retry-After: ").put(static_cast<uint64_t>(retry_after_s)).put("\r\n");
  }
  h.put("\r\n").put(std::string_view(body, b.size()));
  return h.overflow() ? 0 : h.size();
}

}  // namespace mcplb::proxy
