#pragma once
// Query arguments of a request target, for the `hash` policy's `query:` key.
// Thread-safe, no allocation, no exceptions.

#include <optional>
#include <string_view>

namespace mcplb::http {

/// The raw value of the first argument called `name` in the query of `target`
/// ("/mcp?a=1&b=2", or an absolute-form "http://h/mcp?a=1"). Arguments are split on '&'; an
/// argument without '=' has the empty value; the query ends at '#' (clients do not send
/// fragments, but a target that carries one must not leak it into a value).
///
/// Neither `name` nor the value is percent-decoded: a hash key only has to be the same for
/// the same client, and a client spells its own argument the same way every time. Decoding
/// would need a buffer per request and would still not merge every spelling ('+' vs "%20"),
/// so the key is the bytes as sent. A config's argument name must be written as clients
/// send it.
/// @return a view into `target`; nullopt when there is no such argument (or no '?').
std::optional<std::string_view> query_arg(std::string_view target, std::string_view name) noexcept;

}  // namespace mcplb::http
