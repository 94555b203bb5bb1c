// Walks one simdjson on-demand document as a JSON-RPC message or batch (see inspect.h and
// README.md for the rules it applies). Internal to the inspector.
#include "mcp/jsonrpc_reader.h"

#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>

#include "mcp/json_text.h"

namespace mcplb::mcp::detail {
namespace {

namespace od = simdjson::ondemand;

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

// Bit of `key` in Msg::seen, to refuse duplicates: JSON.parse (TypeScript SDK) and Python's
// json keep the LAST duplicate, so a proxy reading the first could route on a value the
// backend never sees.
constexpr uint16_t bit(Key key) {
  return static_cast<uint16_t>(1u << static_cast<unsigned>(key));
}

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
  bool first_time(uint16_t& seen, Key key) {
    if (seen & bit(key)) {
      fail_semantic("duplicate member");
      return false;
    }
    seen |= bit(key);
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
  bool string_member(od::value& v, uint16_t& seen, Key key,
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
  if (key == Key::other && json_text::has_backslash_padded(raw)) {
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
  const std::string_view tok = json_text::trim_trailing_space(v.raw_json_token());
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
  if (!json_text::has_backslash_padded(content)) {
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
    case od::json_type::number:
      // Grammar only: simdjson's number parser refuses valid JSON it cannot convert
      // (0e99999, 1e400), and the value itself is never needed.
      if (!json_text::is_number(json_text::trim_trailing_space(v.raw_json_token()))) {
        err = simdjson::NUMBER_ERROR;
      }
      break;
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
  const std::string_view tok = json_text::trim_trailing_space(v.raw_json_token());
  if (tok.empty()) {
    fail_json("invalid id");
    return Read::error;
  }
  const char c = tok.front();
  if (c == '"') {
    std::string_view ignored;
    // Validates escapes (the raw token is echoed in error replies) but keeps the raw text.
    const bool escaped = json_text::has_backslash_padded(tok);
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
    if (!json_text::is_number(tok)) {
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

bool Parser::string_member(od::value& v, uint16_t& seen, Key key,
                           std::optional<std::string_view>& out, bool required_string) {
  if (!first_time(seen, key)) {
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
      if (first_time(m.seen, Key::progress_token)) {
        m.has_progress_token = true;
      }
    } else if (key == Key::meta_protocol_version) {
      if (!string_member(f.value(), m.seen, Key::meta_protocol_version, m.meta_protocol_version,
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
      ok = string_member(f.value(), m.seen, Key::name, m.name, false);
    } else if (key == Key::uri) {
      ok = string_member(f.value(), m.seen, Key::uri, m.uri, false);
    } else if (key == Key::protocol_version) {
      ok = string_member(f.value(), m.seen, Key::protocol_version, m.protocol_version, false);
    } else if (key == Key::meta) {
      ok = !first_time(m.seen, Key::meta) || parse_meta(f.value(), m);
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
      if (!string_member(v, m.seen, Key::jsonrpc, version, true)) {
        return false;
      }
      m.jsonrpc_ok = version && *version == "2.0";
      m.jsonrpc_bad = version && *version != "2.0";
    } else if (key == Key::method) {
      if (!string_member(v, m.seen, Key::method, m.method, true)) {
        return false;
      }
    } else if (key == Key::id) {
      if (first_time(m.seen, Key::id)) {
        const Read r = read_id(v, m);
        if (r == Read::error) {
          return false;
        }
        if (r == Read::type) {
          fail_semantic("id must be a string, a number or null");
        }
      }
    } else if (key == Key::params) {
      if (first_time(m.seen, Key::params) && !parse_params(v, m)) {
        return false;
      }
    } else if (key == Key::result) {
      first_time(m.seen, Key::result);
    } else if (key == Key::error) {
      first_time(m.seen, Key::error);
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
  if (m.seen & bit(Key::method)) {
    if (!m.method) {
      if (whole && !semantic_error_) {
        fail_semantic("method too long");  // escaped and longer than the scratch space
      }
      return;  // otherwise cut, or of the wrong type (already reported)
    }
    if (m.seen & (bit(Key::result) | bit(Key::error))) {
      fail_semantic("a message cannot have both method and result/error");
      return;
    }
    if (m.seen & bit(Key::id)) {
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
  } else if (m.seen & (bit(Key::result) | bit(Key::error))) {
    if ((m.seen & bit(Key::result)) && (m.seen & bit(Key::error))) {
      fail_semantic("a response cannot have both result and error");
      return;
    }
    if (!(m.seen & bit(Key::id)) && whole) {
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
    // A lone scalar: decide between "not JSON" and "not JSON-RPC". Checked as text, because
    // simdjson 3.0.1's root atom checks read one byte too far (json[5] for "null"), which
    // makes the answer depend on the padding.
    std::string_view raw;
    if (doc.raw_json_token().get(raw) != simdjson::SUCCESS) {
      fail_json("not JSON");
      return;
    }
    const std::string_view tok = json_text::trim_trailing_space(raw);
    const bool single = raw.data() + raw.size() >= base_ + real_len_;
    if (complete_ && !(single && (tok == "null" || tok == "true" || tok == "false" ||
                                  json_text::is_number(tok) || json_text::is_string_token(tok)))) {
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

}  // namespace

ReadResult read_jsonrpc(od::parser& parser, const char* buf, size_t len, size_t capacity,
                        size_t real_len, const char* body, bool complete, Inspection& out) {
  ReadResult r;
  od::document doc;
  Parser p(parser, buf, body, real_len, complete, out);
  r.stage1 = parser.iterate(buf, len, capacity).get(doc);
  if (r.stage1 != simdjson::SUCCESS) {
    r.json_error = true;
    r.json_detail = r.stage1 == simdjson::UTF8_ERROR ? "invalid UTF-8" : "not JSON";
    return r;
  }
  p.run(doc);
  r.json_error = p.json_error_;
  r.semantic_error = p.semantic_error_;
  r.json_detail = p.json_detail_;
  r.semantic_detail = p.semantic_detail_;
  return r;
}

}  // namespace mcplb::mcp::detail
