#include "jsonrpc.h"

#include <utility>

namespace mcplb::demo {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

std::string_view trim_token(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

/// Walks a value we do not use, so malformed JSON anywhere in the body is reported
/// (on-demand parsing would otherwise skip it unchecked).
error_code validate_value(od::value& v) {
  od::json_type type{};
  if (auto e = v.type().get(type)) {
    return e;
  }
  switch (type) {
    case od::json_type::array: {
      od::array array;
      if (auto e = v.get_array().get(array)) {
        return e;
      }
      for (auto element : array) {
        od::value item;
        if (auto e = std::move(element).get(item)) {
          return e;
        }
        if (auto e = validate_value(item)) {
          return e;
        }
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::object: {
      od::object obj;
      if (auto e = v.get_object().get(obj)) {
        return e;
      }
      for (auto field_result : obj) {
        od::field field;
        std::string_view key;
        if (auto e = std::move(field_result).get(field)) {
          return e;
        }
        if (auto e = field.unescaped_key().get(key)) {
          return e;
        }
        if (auto e = validate_value(field.value())) {
          return e;
        }
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::number: {
      double d = 0;
      return v.get_double().get(d);
    }
    case od::json_type::string: {
      std::string_view s;
      return v.get_string().get(s);
    }
    case od::json_type::boolean: {
      bool b = false;
      return v.get_bool().get(b);
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto e = v.is_null().get(is_null)) {
        return e;
      }
      return is_null ? simdjson::SUCCESS : simdjson::INCORRECT_TYPE;
    }
  }
  return simdjson::INCORRECT_TYPE;
}

/// Reads a string or number scalar as a JsonToken; other types leave it absent.
error_code read_token(od::value& v, JsonToken& out) {
  od::json_type type{};
  if (auto e = v.type().get(type)) {
    return e;
  }
  if (type == od::json_type::string) {
    std::string_view s;
    if (auto e = v.get_string().get(s)) {
      return e;
    }
    out = {s, true, true};
  } else if (type == od::json_type::number) {
    const std::string_view raw = trim_token(v.raw_json_token());
    double d = 0;
    if (auto e = v.get_double().get(d)) {  // validates the number before we echo it
      return e;
    }
    out = {raw, false, true};
    return simdjson::SUCCESS;
  }
  return validate_value(v);
}

error_code read_string(od::value& v, std::optional<std::string_view>& out, std::string_view name,
                       std::string_view& bad) {
  od::json_type type{};
  if (auto e = v.type().get(type)) {
    return e;
  }
  if (type != od::json_type::string) {
    if (bad.empty()) {
      bad = name;
    }
    return validate_value(v);
  }
  std::string_view s;
  if (auto e = v.get_string().get(s)) {
    return e;
  }
  out = s;
  return simdjson::SUCCESS;
}

/// Integers; a float with an integral value (e.g. 100.0) is accepted too.
error_code read_int(od::value& v, std::optional<std::int64_t>& out, std::string_view name,
                    std::string_view& bad) {
  od::json_type type{};
  if (auto e = v.type().get(type)) {
    return e;
  }
  if (type != od::json_type::number) {
    if (bad.empty()) {
      bad = name;
    }
    return validate_value(v);
  }
  double d = 0;
  if (auto e = v.get_double().get(d)) {
    return e;
  }
  if (d != static_cast<double>(static_cast<std::int64_t>(d)) || d > 9.0e15 || d < -9.0e15) {
    if (bad.empty()) {
      bad = name;
    }
    return simdjson::SUCCESS;
  }
  out = static_cast<std::int64_t>(d);
  return simdjson::SUCCESS;
}

error_code parse_arguments(od::value& v, ToolArgs& args) {
  od::object obj;
  if (v.get_object().get(obj)) {
    args.bad = "arguments";
    return validate_value(v);
  }
  for (auto field_result : obj) {
    od::field field;
    std::string_view key;
    if (auto e = std::move(field_result).get(field)) {
      return e;
    }
    if (auto e = field.unescaped_key().get(key)) {
      return e;
    }
    od::value& fv = field.value();
    error_code e = simdjson::SUCCESS;
    if (key == "text") {
      e = read_string(fv, args.text, "text", args.bad);
    } else if (key == "message") {
      e = read_string(fv, args.message, "message", args.bad);
    } else if (key == "ms") {
      e = read_int(fv, args.ms, "ms", args.bad);
    } else if (key == "steps") {
      e = read_int(fv, args.steps, "steps", args.bad);
    } else if (key == "interval_ms") {
      e = read_int(fv, args.interval_ms, "interval_ms", args.bad);
    } else {
      e = validate_value(fv);
    }
    if (e) {
      return e;
    }
  }
  return simdjson::SUCCESS;
}

error_code parse_meta(od::value& v, Message& msg) {
  od::object obj;
  if (v.get_object().get(obj)) {
    return validate_value(v);  // not an object: ignored
  }
  std::string_view unused;
  for (auto field_result : obj) {
    od::field field;
    std::string_view key;
    if (auto e = std::move(field_result).get(field)) {
      return e;
    }
    if (auto e = field.unescaped_key().get(key)) {
      return e;
    }
    od::value& fv = field.value();
    error_code e = simdjson::SUCCESS;
    if (key == "progressToken") {
      e = read_token(fv, msg.progress_token);
    } else if (key == "io.modelcontextprotocol/protocolVersion") {
      e = read_string(fv, msg.meta_protocol, key, unused);
    } else if (key == "io.modelcontextprotocol/logLevel") {
      e = read_string(fv, msg.meta_log_level, key, unused);
    } else {
      e = validate_value(fv);
    }
    if (e) {
      return e;
    }
  }
  return simdjson::SUCCESS;
}

error_code parse_params(od::value& v, Message& msg) {
  od::object obj;
  if (v.get_object().get(obj)) {
    msg.invalid_reason = "params must be an object";
    return validate_value(v);
  }
  std::string_view unused;
  for (auto field_result : obj) {
    od::field field;
    std::string_view key;
    if (auto e = std::move(field_result).get(field)) {
      return e;
    }
    if (auto e = field.unescaped_key().get(key)) {
      return e;
    }
    od::value& fv = field.value();
    error_code e = simdjson::SUCCESS;
    if (key == "name") {
      e = read_string(fv, msg.name, key, unused);
    } else if (key == "uri") {
      e = read_string(fv, msg.uri, key, unused);
    } else if (key == "arguments") {
      e = parse_arguments(fv, msg.args);
    } else if (key == "_meta") {
      e = parse_meta(fv, msg);
    } else if (key == "protocolVersion") {
      e = read_string(fv, msg.protocol_version, key, unused);
    } else if (key == "level") {
      e = read_string(fv, msg.level, key, unused);
    } else {
      e = validate_value(fv);
    }
    if (e) {
      return e;
    }
  }
  return simdjson::SUCCESS;
}

error_code parse_object(od::object obj, Message& msg) {
  bool version_ok = false;
  bool has_method = false;
  bool has_outcome = false;  // result or error: a client's response to a server request
  bool bad_id = false;
  for (auto field_result : obj) {
    od::field field;
    std::string_view key;
    if (auto e = std::move(field_result).get(field)) {
      return e;
    }
    if (auto e = field.unescaped_key().get(key)) {
      return e;
    }
    od::value& v = field.value();
    error_code e = simdjson::SUCCESS;
    if (key == "jsonrpc") {
      std::optional<std::string_view> version;
      std::string_view unused;
      e = read_string(v, version, key, unused);
      version_ok = version == "2.0";
    } else if (key == "id") {
      e = read_token(v, msg.id);
      bad_id = !msg.id.present;
    } else if (key == "method") {
      std::optional<std::string_view> method;
      std::string_view bad;
      e = read_string(v, method, key, bad);
      if (method) {
        msg.method = *method;
        has_method = true;
      } else {
        msg.invalid_reason = "method must be a string";
      }
    } else if (key == "params") {
      e = parse_params(v, msg);
    } else {
      has_outcome = has_outcome || key == "result" || key == "error";
      e = validate_value(v);
    }
    if (e) {
      return e;
    }
  }
  if (!msg.invalid_reason.empty()) {
    msg.kind = Kind::invalid;
  } else if (!version_ok) {
    msg.kind = Kind::invalid;
    msg.invalid_reason = "jsonrpc must be \"2.0\"";
  } else if (bad_id) {
    msg.kind = Kind::invalid;
    msg.invalid_reason = "id must be a string or a number";
  } else if (has_method) {
    msg.kind = msg.id.present ? Kind::request : Kind::notification;
  } else if (has_outcome && msg.id.present) {
    msg.kind = Kind::response;
  } else {
    msg.kind = Kind::invalid;
    msg.invalid_reason = "not a JSON-RPC request, notification or response";
  }
  return simdjson::SUCCESS;
}

}  // namespace

void append_token(Out& out, const JsonToken& token) {
  if (!token.present) {
    append(out, "null");
  } else if (token.is_string) {
    append_json_string(out, token.text);
  } else {
    append(out, token.text);
  }
}

error_code parse_message(od::value value, Message& msg) {
  od::object obj;
  od::json_type type{};
  if (auto e = value.type().get(type)) {
    return e;
  }
  if (type != od::json_type::object) {
    msg.kind = Kind::invalid;
    msg.invalid_reason = "message must be a JSON object";
    return validate_value(value);
  }
  if (auto e = value.get_object().get(obj)) {
    return e;
  }
  return parse_object(obj, msg);
}

error_code parse_message(od::document& doc, Message& msg) {
  od::object obj;
  if (auto e = doc.get_object().get(obj)) {
    return e;
  }
  return parse_object(obj, msg);
}

void append_error(Out& out, const JsonToken& id, int code, std::string_view message,
                  std::string_view data_json) {
  append(out, R"({"jsonrpc":"2.0","id":)");
  append_token(out, id);
  fmt::format_to(std::back_inserter(out), R"(,"error":{{"code":{},"message":)", code);
  append_json_string(out, message);
  if (!data_json.empty()) {
    append(out, R"(,"data":)");
    append(out, data_json);
  }
  append(out, "}}");
}

}  // namespace mcplb::demo
