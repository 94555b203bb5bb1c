#pragma once
// How request header values reach this module: every value of one header name, in the order
// the lines arrived (a request may repeat X-Forwarded-For, Forwarded or Cookie). The proxy
// already holds the head in its read buffer, so a small array of views into it (on its stack)
// is enough: nothing is copied or allocated.

#include <span>
#include <string_view>

namespace mcplb::http {

/// All values of one header, first line first; empty when the header is absent.
using HeaderValues = std::span<const std::string_view>;

}  // namespace mcplb::http
