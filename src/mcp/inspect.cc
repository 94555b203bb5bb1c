#include "mcp/inspect.h"

#include <simdjson.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>

namespace mcplb::mcp {
namespace {

namespace od = simdjson::ondemand;

static_assert(kInspectPadding == simdjson::SIMDJSON_PADDING);

// Room for the repaired tail of a cut body: a closing quote and bracket (see repair_cut()).
constexpr size_t kRepairBytes = 2;
constexpr size_t kParserCapacity = kMaxInspectBytes + kRepairBytes;

struct ThreadParser {
  od::parser parser{kParserCapacity};
  std::unique_ptr<char[]> copy{new char[kParserCapacity + simdjson::SIMDJSON_PADDING]};
  ThreadParser() {
    // Allocate the parser's buffers now, once per thread, never on a request.
    if (parser.allocate(kParserCapacity) != simdjson::SUCCESS) {
      // Out of memory at thread start: iterate() will retry the allocation (and fail cleanly).
    }
  }
};

ThreadParser& thread_parser() {
  thread_local ThreadParser t;
  return t;
}

// Which message fields have been seen, to refuse duplicates: JSON.parse (TypeScript SDK) and
// Python's json keep the LAST duplicate, so a proxy reading the first could route on a value
// the backend never sees.
enum Seen : uint16_t {
  kJsonrpc = 1 << 0,
  kMethod = 1 << 1,
  kId = 1 << 2,
  kParams = 1 << 3,
  kResult = 1 << 4,
  kError = 1 << 5,
  kName = 1 << 6,
  kUri = 1 << 7,
  kProtocolVersion = 1 << 8,
  kMeta = 1 << 9,
  kProgressToken = 1 << 10,
  kMetaProtocolVersion = 1 << 11,
};

// The fields of one JSON-RPC message (a batch has several).
struct Msg {
  uint16_t seen = 0;
  bool jsonrpc_ok = false;   // "jsonrpc":"2.0" read
  bool jsonrpc_bad = false;  // "jsonrpc" read with another value
  bool id_null = false;
  std::optional<std::string_view> method;
  std::string_view id;
  std::optional<std::string_view> name;
  std::optional<std::string_view> uri;
  std::optional<std::string_view> protocol_version;
  std::optional<std::string_view> meta_protocol_version;
  bool has_progress_token = false;
};

enum class Key : uint8_t;

enum class Read : uint8_t {
  ok,     // value read into the result
  type,   // valid JSON of another type
  cut,    // value runs into the cut: not usable
  lossy,  // escaped string too long for the scratch space
  error,  // malformed JSON
};

class Parser {
 public:
  Parser(od::parser& p, const char* base, const char* body, size_t real_len, bool complete,
         Inspection& out)
      : parser_(p), base_(base), body_(body), real_len_(real_len), complete_(complete),
        out_(out) {}

  void run(od::document& doc);

  bool json_error_ = false;
  bool semantic_error_ = false;
  std::string_view json_detail_;
  std::string_view semantic_detail_;

 private:
  bool fail_json(std::string_view why) {
    if (!json_error_) {
      json_error_ = true;
      json_detail_ = why;
    }
    return false;
  }
  // In a complete body a JSON error takes precedence anyway (finish()); in a cut one the
  // JSON error is expected at the cut and what was read before it still counts.
  void fail_semantic(std::string_view why) {
    if (!semantic_error_) {
      semantic_error_ = true;
      semantic_detail_ = why;
    }
  }
  // Marks `bit` seen; a second occurrence is an invalid request.
  bool first_time(uint16_t& seen, uint16_t bit) {
    if (seen & bit) {
      fail_semantic("duplicate member");
      return false;
    }
    seen |= bit;
    return true;
  }

  std::string_view to_body(std::string_view v) const {
    return {body_ + (v.data() - base_), v.size()};
  }
  size_t offset_end(std::string_view v) const {
    return static_cast<size_t>(v.data() + v.size() - base_);
  }

  [[gnu::always_inline]] inline bool key_of(od::field& f, Key& key);
  [[gnu::noinline]] bool escaped_key_of(od::field& f, Key& key);
  Read read_string(od::value& v, std::string_view& out);
  Read read_id(od::value& v, Msg& m);
  bool check_json(od::value& v);
  bool parse_message(od::object& obj, Msg& m);
  bool parse_params(od::value& v, Msg& m);
  bool parse_meta(od::value& v, Msg& m);
  bool string_member(od::value& v, uint16_t& seen, uint16_t bit,
                     std::optional<std::string_view>& out, bool required_string);
  void classify(const Msg& m, MessageKind& kind);
  void store(const Msg& m);
  void parse_batch(od::array& arr);

  od::parser& parser_;
  const char* base_;
  const char* body_;
  size_t real_len_;
  bool complete_;
  Inspection& out_;
};

// Whether `s` holds a backslash. `s` always lies inside a simdjson-padded buffer, so reading
// up to 7 bytes past its end is safe; those bytes are masked out. Eight bytes per step instead
// of a per-byte loop (short keys and names dominate) or a memchr call.
[[gnu::always_inline]] inline bool has_backslash(std::string_view s) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  constexpr uint64_t kBackslashes = kOnes * static_cast<uint8_t>('\\');
  const char* p = s.data();
  size_t n = s.size();
  if (n > 64) {
    return std::memchr(p, '\\', n) != nullptr;
  }
  for (;; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    uint64_t x = w ^ kBackslashes;  // zero bytes where there is a backslash
    if (n < 8) {
      // Bytes past the end must not count: make them non-zero (little endian: the high bytes).
      x |= n == 0 ? ~0ULL : ~0ULL << (8 * n);
    }
    if (((x - kOnes) & ~x & kHighs) != 0) {
      return true;
    }
    if (n <= 8) {
      return false;
    }
  }
}

std::string_view trim_token(std::string_view t) {
  while (!t.empty() && (t.back() == ' ' || t.back() == '\n' || t.back() == '\r' ||
                        t.back() == '\t')) {
    t.remove_suffix(1);
  }
  return t;
}

// The member names inspect() reads, at any level (each level ignores the others).
enum class Key : uint8_t {
  other,
  jsonrpc,
  method,
  id,
  params,
  result,
  error,
  name,
  uri,
  protocol_version,
  meta,
  progress_token,
  meta_protocol_version,
};

constexpr std::string_view kMetaProtocolVersionKey = "io.modelcontextprotocol/protocolVersion";

Key classify_key(std::string_view k) {
  switch (k.size()) {
    case 2:
      return k == "id" ? Key::id : Key::other;
    case 3:
      return k == "uri" ? Key::uri : Key::other;
    case 4:
      return k == "name" ? Key::name : Key::other;
    case 5:
      return k == "error" ? Key::error : k == "_meta" ? Key::meta : Key::other;
    case 6:
      return k == "method"   ? Key::method
             : k == "params" ? Key::params
             : k == "result" ? Key::result
                             : Key::other;
    case 7:
      return k == "jsonrpc" ? Key::jsonrpc : Key::other;
    case 13:
      return k == "progressToken" ? Key::progress_token : Key::other;
    case 15:
      return k == "protocolVersion" ? Key::protocol_version : Key::other;
    case kMetaProtocolVersionKey.size():
      return k == kMetaProtocolVersionKey ? Key::meta_protocol_version : Key::other;
    default:
      return Key::other;
  }
}

bool Parser::key_of(od::field& f, Key& key) {
  const char* start = f.key().raw();
  // The key ends at the last quote before the ':' that precedes the value token; walking back
  // from the value costs a few bytes instead of a scan of the whole key.
  const char* q = f.value().raw_json_token().data() - 1;
  while (q > start && *q != ':') {
    --q;
  }
  --q;
  while (q > start && *q != '"') {
    --q;
  }
  if (q < start || *q != '"') {
    return fail_json("malformed member name");
  }
  const std::string_view raw(start, static_cast<size_t>(q - start));
  key = classify_key(raw);
  // A name we read never contains a backslash, so only other names can be escaped spellings
  // of one ("\u006dethod" is "method"): rare, resolved in the parser's string buffer.
  if (key == Key::other && has_backslash(raw)) {
    return escaped_key_of(f, key);
  }
  return true;
}

bool Parser::escaped_key_of(od::field& f, Key& key) {
  std::string_view unescaped;
  if (f.unescaped_key().get(unescaped) != simdjson::SUCCESS) {
    return fail_json("invalid escape in member name");
  }
  key = classify_key(unescaped);
  return true;
}

Read Parser::read_string(od::value& v, std::string_view& out) {
  const std::string_view tok = trim_token(v.raw_json_token());
  if (tok.empty() || tok.front() != '"') {
    return check_json(v) ? Read::type : Read::error;
  }
  if (tok.size() < 2 || tok.back() != '"') {
    fail_json("malformed string");
    return Read::error;
  }
  if (offset_end(tok) > real_len_) {
    return Read::cut;  // its closing quote is the one repair_cut() added
  }
  const std::string_view content = tok.substr(1, tok.size() - 2);
  if (!has_backslash(content)) {
    out = to_body(content);
    return Read::ok;
  }
  if (out_.scratch_used_ + content.size() > Inspection::kScratchBytes) {
    return Read::lossy;
  }
  od::raw_json_string raw;
  if (v.get_raw_json_string().get(raw) != simdjson::SUCCESS) {
    fail_json("malformed string");
    return Read::error;
  }
  // Unescaping never lengthens a string; simdjson may write up to SIMDJSON_PADDING past the
  // end, which the scratch array reserves.
  auto* dst = reinterpret_cast<uint8_t*>(out_.scratch_.data() + out_.scratch_used_);
  std::string_view decoded;
  if (parser_.unescape(raw, dst).get(decoded) != simdjson::SUCCESS) {
    fail_json("invalid string escape");
    return Read::error;
  }
  out_.scratch_used_ = static_cast<size_t>(reinterpret_cast<char*>(dst) - out_.scratch_.data());
  out = decoded;
  return Read::ok;
}

// Consumes a value of any type, validating scalars; false on malformed JSON.
bool Parser::check_json(od::value& v) {
  od::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) {
    return fail_json("invalid value");
  }
  simdjson::error_code err = simdjson::SUCCESS;
  switch (type) {
    case od::json_type::number: {
      double d;
      err = v.get_double().get(d);
      break;
    }
    case od::json_type::boolean: {
      bool b;
      err = v.get_bool().get(b);
      break;
    }
    case od::json_type::null: {
      bool n = false;
      err = v.is_null().get(n);
      if (err == simdjson::SUCCESS && !n) {
        err = simdjson::N_ATOM_ERROR;
      }
      break;
    }
    case od::json_type::string: {
      std::string_view s;
      err = v.get_string().get(s);
      break;
    }
    case od::json_type::object:
    case od::json_type::array:
      break;  // skipped by the enclosing iteration (brackets balanced, atoms unchecked)
  }
  if (err != simdjson::SUCCESS) {
    return fail_json("invalid value");
  }
  return true;
}

Read Parser::read_id(od::value& v, Msg& m) {
  const std::string_view tok = trim_token(v.raw_json_token());
  if (tok.empty()) {
    fail_json("invalid id");
    return Read::error;
  }
  const char c = tok.front();
  if (c == '"') {
    std::string_view ignored;
    // Validates escapes (the raw token is echoed in error replies) but keeps the raw text.
    const bool escaped = has_backslash(tok);
    if (offset_end(tok) > real_len_) {
      return Read::cut;
    }
    if (escaped && v.get_string().get(ignored) != simdjson::SUCCESS) {
      fail_json("invalid string escape");
      return Read::error;
    }
    m.id = to_body(tok);
    return Read::ok;
  }
  if (c == '-' || (c >= '0' && c <= '9')) {
    // A number needs a delimiter after it inside the real bytes, or it may continue past the cut.
    if (offset_end(tok) >= real_len_ && !complete_) {
      return Read::cut;
    }
    double d;
    if (v.get_double().get(d) != simdjson::SUCCESS) {
      fail_json("invalid number");
      return Read::error;
    }
    m.id = to_body(tok);
    return Read::ok;
  }
  if (c == 'n') {
    if (!check_json(v)) {
      return Read::error;
    }
    m.id_null = true;
    m.id = to_body(tok);
    return Read::ok;
  }
  return check_json(v) ? Read::type : Read::error;
}

bool Parser::string_member(od::value& v, uint16_t& seen, uint16_t bit,
                           std::optional<std::string_view>& out, bool required_string) {
  if (!first_time(seen, bit)) {
    return true;
  }
  std::string_view s;
  switch (read_string(v, s)) {
    case Read::ok:
      out = s;
      return true;
    case Read::type:
      if (required_string) {
        fail_semantic("member must be a string");
      }
      return true;
    case Read::lossy:
      out_.lossy = true;
      return true;
    case Read::cut:
      return true;
    case Read::error:
      return false;
  }
  return false;
}

bool Parser::parse_meta(od::value& v, Msg& m) {
  od::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS) {
    return check_json(v);  // _meta of another type: not our business
  }
  for (auto fr : obj) {
    if (fr.error() != simdjson::SUCCESS) {
      return fail_json("malformed object");
    }
    // Bound in place: copying the field out of the result costs a store-forwarding stall.
    od::field&& f = std::move(fr).value_unsafe();
    Key key;
    if (!key_of(f, key)) {
      return false;
    }
    if (key == Key::progress_token) {
      if (first_time(m.seen, kProgressToken)) {
        m.has_progress_token = true;
      }
    } else if (key == Key::meta_protocol_version) {
      if (!string_member(f.value(), m.seen, kMetaProtocolVersion, m.meta_protocol_version,
                         false)) {
        return false;
      }
    }
  }
  return true;
}

bool Parser::parse_params(od::value& v, Msg& m) {
  const std::string_view tok = v.raw_json_token();
  if (tok.empty() || (tok.front() != '{' && tok.front() != '[')) {
    if (check_json(v)) {
      fail_semantic("params must be an object or an array");
    }
    return !json_error_;
  }
  if (tok.front() == '[') {
    return true;  // by-position params: nothing MCP defines; skipped by the caller's loop
  }
  od::object obj;
  if (v.get_object().get(obj) != simdjson::SUCCESS) {
    return fail_json("malformed params");
  }
  for (auto fr : obj) {
    if (fr.error() != simdjson::SUCCESS) {
      return fail_json("malformed object");
    }
    // Bound in place: copying the field out of the result costs a store-forwarding stall.
    od::field&& f = std::move(fr).value_unsafe();
    Key key;
    if (!key_of(f, key)) {
      return false;
    }
    bool ok = true;
    if (key == Key::name) {
      ok = string_member(f.value(), m.seen, kName, m.name, false);
    } else if (key == Key::uri) {
      ok = string_member(f.value(), m.seen, kUri, m.uri, false);
    } else if (key == Key::protocol_version) {
      ok = string_member(f.value(), m.seen, kProtocolVersion, m.protocol_version, false);
    } else if (key == Key::meta) {
      ok = !first_time(m.seen, kMeta) || parse_meta(f.value(), m);
    }
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool Parser::parse_message(od::object& obj, Msg& m) {
  for (auto fr : obj) {
    if (fr.error() != simdjson::SUCCESS) {
      return fail_json("malformed object");
    }
    // Bound in place: copying the field out of the result costs a store-forwarding stall.
    od::field&& f = std::move(fr).value_unsafe();
    Key key;
    if (!key_of(f, key)) {
      return false;
    }
    od::value& v = f.value();
    if (key == Key::jsonrpc) {
      std::optional<std::string_view> version;
      if (!string_member(v, m.seen, kJsonrpc, version, true)) {
        return false;
      }
      m.jsonrpc_ok = version && *version == "2.0";
      m.jsonrpc_bad = version && *version != "2.0";
    } else if (key == Key::method) {
      if (!string_member(v, m.seen, kMethod, m.method, true)) {
        return false;
      }
    } else if (key == Key::id) {
      if (first_time(m.seen, kId)) {
        const Read r = read_id(v, m);
        if (r == Read::error) {
          return false;
        }
        if (r == Read::type) {
          fail_semantic("id must be a string, a number or null");
        }
      }
    } else if (key == Key::params) {
      if (first_time(m.seen, kParams) && !parse_params(v, m)) {
        return false;
      }
    } else if (key == Key::result) {
      first_time(m.seen, kResult);
    } else if (key == Key::error) {
      first_time(m.seen, kError);
    }
  }
  return true;
}

// Decides the kind of a message whose members were all seen (or as many as the cut allowed).
void Parser::classify(const Msg& m, MessageKind& kind) {
  kind = MessageKind::invalid;
  const bool whole = complete_ && !json_error_;
  if (m.jsonrpc_bad) {
    fail_semantic("jsonrpc must be \"2.0\"");
    return;
  }
  if (m.seen & kMethod) {
    if (!m.method) {
      if (whole && !semantic_error_) {
        fail_semantic("method too long");  // escaped and longer than the scratch space
      }
      return;  // otherwise cut, or of the wrong type (already reported)
    }
    if (m.seen & (kResult | kError)) {
      fail_semantic("a message cannot have both method and result/error");
      return;
    }
    if (m.seen & kId) {
      if (m.id_null) {
        // MCP (basic/index): request ids MUST be a string or integer, never null.
        fail_semantic("request id must not be null");
        return;
      }
      kind = MessageKind::request;
    } else if (whole) {
      kind = MessageKind::notification;
    } else {
      // The id may follow the cut (the TypeScript SDK writes it last): best guess by name.
      kind = m.method->starts_with("notifications/") ? MessageKind::notification
                                                     : MessageKind::request;
    }
  } else if (m.seen & (kResult | kError)) {
    if ((m.seen & kResult) && (m.seen & kError)) {
      fail_semantic("a response cannot have both result and error");
      return;
    }
    if (!(m.seen & kId) && whole) {
      fail_semantic("a response needs an id");
      return;
    }
    kind = MessageKind::response;
  } else if (whole) {
    fail_semantic("not a JSON-RPC request, notification or response");
    return;
  }
  if (whole && !m.jsonrpc_ok) {
    fail_semantic("jsonrpc must be \"2.0\"");
    kind = MessageKind::invalid;
  }
}

void Parser::store(const Msg& m) {
  out_.method = m.method;
  out_.id = m.id;
  out_.name = m.name;
  out_.uri = m.uri;
  out_.protocol_version = m.protocol_version;
  out_.meta_protocol_version = m.meta_protocol_version;
  out_.has_progress_token = m.has_progress_token;
}

void Parser::parse_batch(od::array& arr) {
  out_.kind = MessageKind::batch;
  for (auto ir : arr) {
    od::value item;
    if (std::move(ir).get(item) != simdjson::SUCCESS) {
      fail_json("malformed array");
      return;
    }
    const bool first = out_.batch_size == 0;
    ++out_.batch_size;
    od::object obj;
    const std::string_view tok = item.raw_json_token();
    if (tok.empty() || tok.front() != '{') {
      // JSON-RPC answers such an item with its own error; the batch itself stays valid.
      if (!check_json(item)) {
        return;
      }
      continue;
    }
    if (item.get_object().get(obj) != simdjson::SUCCESS) {
      fail_json("malformed object");
      return;
    }
    Msg m;
    const bool ok = parse_message(obj, m);
    if (first) {
      store(m);
    }
    if (m.method) {
      if (out_.batch_methods_count < kMaxBatchMethods) {
        out_.batch_methods[out_.batch_methods_count++] = *m.method;
      }
      if (*m.method == "initialize") {
        out_.batch_has_initialize = true;
      }
    }
    if (!ok) {
      return;
    }
  }
  if (complete_ && !json_error_ && out_.batch_size == 0) {
    fail_semantic("empty batch");
  }
}

void Parser::run(od::document& doc) {
  od::json_type type;
  if (doc.type().get(type) != simdjson::SUCCESS) {
    fail_json("not JSON");
    return;
  }
  if (type == od::json_type::object) {
    od::object obj;
    if (doc.get_object().get(obj) != simdjson::SUCCESS) {
      fail_json("malformed object");
      return;
    }
    Msg m;
    parse_message(obj, m);
    store(m);
    classify(m, out_.kind);
  } else if (type == od::json_type::array) {
    od::array arr;
    if (doc.get_array().get(arr) != simdjson::SUCCESS) {
      fail_json("malformed array");
      return;
    }
    parse_batch(arr);
  } else {
    // A lone scalar: decide between "not JSON" and "not JSON-RPC".
    simdjson::error_code err = simdjson::SUCCESS;
    if (type == od::json_type::string) {
      std::string_view s;
      err = doc.get_string().get(s);
    } else if (type == od::json_type::number) {
      double d;
      err = doc.get_double().get(d);
    } else if (type == od::json_type::boolean) {
      bool b;
      err = doc.get_bool().get(b);
    } else {
      bool n = false;
      err = doc.is_null().get(n);
      if (err == simdjson::SUCCESS && !n) {
        err = simdjson::N_ATOM_ERROR;
      }
    }
    if (err != simdjson::SUCCESS) {
      fail_json("not JSON");
      return;
    }
    fail_semantic("not a JSON-RPC message");
    return;
  }
  // At the end of the input current_location() reports OUT_OF_BOUNDS; anything else is a token
  // after the root value.
  if (complete_ && !json_error_ && doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    fail_json("trailing data after the JSON value");
  }
}

// simdjson's on-demand API refuses a root object or array whose last structural character is
// not its closing bracket, and its stage 1 refuses an odd number of quotes. A cut body gets
// both repaired so the members before the cut can be read: an optional closing quote, then
// the root's closing bracket. Everything at or after `real_len` is synthetic: a value ending
// there is never reported (Parser::read_string / read_id).
struct Repair {
  size_t len;       // bytes handed to simdjson
  size_t real_len;  // bytes of the body among them
};

char root_closer(const char* buf, size_t len) {
  for (size_t i = 0; i < len; ++i) {
    const char c = buf[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      continue;
    }
    return c == '{' ? '}' : c == '[' ? ']' : '\0';
  }
  return '\0';
}

Repair repair_cut(char* buf, size_t len, bool close_string) {
  size_t real_len = len;
  if (close_string) {
    size_t backslashes = 0;
    while (backslashes < len && buf[len - 1 - backslashes] == '\\') {
      ++backslashes;
    }
    if (backslashes % 2 == 1) {
      --real_len;  // the cut split an escape: drop its backslash
    }
  }
  size_t n = real_len;
  if (close_string) {
    buf[n++] = '"';
  }
  if (const char closer = root_closer(buf, real_len)) {
    buf[n++] = closer;
  }
  std::memset(buf + n, ' ', simdjson::SIMDJSON_PADDING);
  return {n, real_len};
}

// Length without a trailing, incomplete UTF-8 sequence (a cut can split a character).
size_t drop_partial_utf8(const char* p, size_t len) {
  for (size_t back = 1; back <= 3 && back <= len; ++back) {
    const auto c = static_cast<uint8_t>(p[len - back]);
    if ((c & 0xc0) == 0x80) {
      continue;  // continuation byte: keep looking for the lead byte
    }
    const size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return need > back ? len - back : len;
  }
  return len;
}

void reset(Inspection& out) {
  out.status = InspectStatus::parse_error;
  out.kind = MessageKind::invalid;
  out.detail = {};
  out.method.reset();
  out.id = {};
  out.name.reset();
  out.uri.reset();
  out.protocol_version.reset();
  out.meta_protocol_version.reset();
  out.has_progress_token = false;
  out.lossy = false;
  out.batch_size = 0;
  out.batch_has_initialize = false;
  out.batch_methods_count = 0;
  out.scratch_used_ = 0;
}

InspectStatus finish(Inspection& out, const Parser& p, bool complete) {
  // JSON-RPC: a body that is not JSON is a parse error even if what was read of it was already
  // wrong. In a cut body a JSON error is expected at the cut, so a semantic error wins there.
  if (complete && p.json_error_) {
    out.status = InspectStatus::parse_error;
    out.detail = p.json_detail_;
  } else if (p.semantic_error_) {
    out.status = InspectStatus::invalid_request;
    out.detail = p.semantic_detail_;
  } else if (!complete) {
    out.status = InspectStatus::incomplete;
    out.detail = "body cut before the message ended";
  } else {
    out.status = InspectStatus::ok;
  }
  if (out.status == InspectStatus::parse_error || out.status == InspectStatus::invalid_request) {
    out.kind = MessageKind::invalid;
  }
  if (out.status != InspectStatus::ok && out.status != InspectStatus::incomplete) {
    // Do not hand half-read fields of a rejected message to the router.
    out.method.reset();
    out.name.reset();
    out.uri.reset();
    out.protocol_version.reset();
    out.meta_protocol_version.reset();
    out.has_progress_token = false;
    out.batch_size = 0;
    out.batch_has_initialize = false;
    out.batch_methods_count = 0;
  }
  return out.status;
}

// Parses buf[0, len) (padded to `capacity`); `body` is where views must point.
InspectStatus run_parse(ThreadParser& tp, const char* buf, size_t len, size_t real_len,
                        size_t capacity, const char* body, bool complete, Inspection& out,
                        simdjson::error_code* stage1 = nullptr) {
  od::document doc;
  Parser p(tp.parser, buf, body, real_len, complete, out);
  const auto err = tp.parser.iterate(buf, len, capacity).get(doc);
  if (stage1 != nullptr) {
    *stage1 = err;
  }
  if (err != simdjson::SUCCESS) {
    p.json_error_ = true;
    p.json_detail_ = err == simdjson::UTF8_ERROR ? "invalid UTF-8" : "not JSON";
  } else {
    p.run(doc);
  }
  return finish(out, p, complete);
}

InspectStatus inspect_copy(std::string_view body, bool complete, Inspection& out) {
  ThreadParser& tp = thread_parser();
  constexpr size_t kCapacity = kParserCapacity + simdjson::SIMDJSON_PADDING;
  if (body.size() > kMaxInspectBytes) {
    body = body.substr(0, kMaxInspectBytes);
    complete = false;
  }
  char* buf = tp.copy.get();
  if (complete) {
    std::memcpy(buf, body.data(), body.size());
    std::memset(buf + body.size(), ' ', simdjson::SIMDJSON_PADDING);  // deterministic padding
    return run_parse(tp, buf, body.size(), body.size(), kCapacity, body.data(), true, out);
  }
  const size_t len = drop_partial_utf8(body.data(), body.size());
  std::memcpy(buf, body.data(), len);
  Repair r = repair_cut(buf, len, false);
  simdjson::error_code stage1 = simdjson::SUCCESS;
  InspectStatus st = run_parse(tp, buf, r.len, r.real_len, kCapacity, body.data(), false, out,
                               &stage1);
  if (stage1 == simdjson::UNCLOSED_STRING) {
    reset(out);
    r = repair_cut(buf, len, true);
    st = run_parse(tp, buf, r.len, r.real_len, kCapacity, body.data(), false, out);
  }
  return st;
}

}  // namespace

std::string_view to_string(InspectStatus s) noexcept {
  switch (s) {
    case InspectStatus::ok:
      return "ok";
    case InspectStatus::parse_error:
      return "parse_error";
    case InspectStatus::invalid_request:
      return "invalid_request";
    case InspectStatus::incomplete:
      return "incomplete";
  }
  return "unknown";
}

std::string_view to_string(MessageKind k) noexcept {
  switch (k) {
    case MessageKind::invalid:
      return "invalid";
    case MessageKind::request:
      return "request";
    case MessageKind::notification:
      return "notification";
    case MessageKind::response:
      return "response";
    case MessageKind::batch:
      return "batch";
  }
  return "unknown";
}

InspectStatus inspect(std::string_view body, bool complete, Inspection& out) noexcept {
  reset(out);
  return inspect_copy(body, complete, out);
}

InspectStatus inspect_padded(std::string_view body, size_t capacity, bool complete,
                             Inspection& out) noexcept {
  reset(out);
  if (!complete || body.size() > kMaxInspectBytes || capacity < body.size() + kInspectPadding) {
    return inspect_copy(body, complete, out);
  }
  return run_parse(thread_parser(), body.data(), body.size(), body.size(), capacity, body.data(),
                   complete, out);
}

}  // namespace mcplb::mcp
