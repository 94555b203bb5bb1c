#include "admin/json_writer.h"

#include "admin/text.h"

namespace mcplb::admin {

void JsonWriter::append_string(std::string& out, std::string_view s) {
  out.push_back('"');
  append_escaped(out, s, [](char c, std::string& o) {
    switch (c) {
      case '"': o.append("\\\""); return true;
      case '\\': o.append("\\\\"); return true;
      case '\n': o.append("\\n"); return true;
      case '\r': o.append("\\r"); return true;
      case '\t': o.append("\\t"); return true;
      default: break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      static constexpr char kHex[] = "0123456789abcdef";
      o.append("\\u00");
      o.push_back(kHex[u >> 4]);
      o.push_back(kHex[u & 0xF]);
      return true;
    }
    return false;
  });
  out.push_back('"');
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_[depth_]) {
    out_.push_back(',');
  }
  first_[depth_] = false;
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_.push_back('{');
  if (depth_ < kMaxDepth) {
    first_[++depth_] = true;
  }
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_.push_back('}');
  if (depth_ > 0) {
    --depth_;
  }
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_.push_back('[');
  if (depth_ < kMaxDepth) {
    first_[++depth_] = true;
  }
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_.push_back(']');
  if (depth_ > 0) {
    --depth_;
  }
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  before_value();
  append_string(out_, k);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  before_value();
  append_string(out_, s);
  return *this;
}

JsonWriter& JsonWriter::value(bool b) {
  before_value();
  out_.append(b ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::value(int64_t v) {
  before_value();
  append_int(out_, v);
  return *this;
}

JsonWriter& JsonWriter::value(uint64_t v) {
  before_value();
  append_uint(out_, v);
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_.append("null");
  return *this;
}

}  // namespace mcplb::admin
