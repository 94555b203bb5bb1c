#include "admin/exposition.h"

#include "admin/text.h"

namespace mcplb::admin {

void Exposition::family(std::string_view name, Type type, std::string_view help) {
  name_ = name;
  type_ = type;
  help_ = help;
  header_pending_ = true;
}

void Exposition::append_label_value(std::string& out, std::string_view v) {
  append_escaped(out, v, [](char c, std::string& o) {
    switch (c) {
      case '\\': o.append("\\\\"); return true;
      case '"': o.append("\\\""); return true;
      case '\n': o.append("\\n"); return true;
      default: return false;
    }
  });
}

void Exposition::append_help(std::string& out, std::string_view v) {
  append_escaped(out, v, [](char c, std::string& o) {
    switch (c) {
      case '\\': o.append("\\\\"); return true;
      case '\n': o.append("\\n"); return true;
      default: return false;
    }
  });
}

void Exposition::begin_sample(std::initializer_list<Label> labels, std::string_view suffix) {
  if (header_pending_) {
    header_pending_ = false;
    out_.append("# HELP ").append(name_).push_back(' ');
    append_help(out_, help_);
    out_.append("\n# TYPE ").append(name_);
    out_.append(type_ == Type::counter     ? " counter\n"
                : type_ == Type::histogram ? " histogram\n"
                                           : " gauge\n");
  }
  out_.append(name_).append(suffix);
  if (labels.size() != 0) {
    char sep = '{';
    for (const auto& l : labels) {
      out_.push_back(sep);
      sep = ',';
      out_.append(l.name).append("=\"");
      append_label_value(out_, l.value);
      out_.push_back('"');
    }
    out_.push_back('}');
  }
  out_.push_back(' ');
}

void Exposition::sample(std::initializer_list<Label> labels, uint64_t value) {
  begin_sample(labels);
  append_uint(out_, value);
  out_.push_back('\n');
}

void Exposition::sample(std::initializer_list<Label> labels, int64_t value) {
  begin_sample(labels);
  append_int(out_, value);
  out_.push_back('\n');
}

void Exposition::sample(std::initializer_list<Label> labels, double value) {
  begin_sample(labels);
  append_double(out_, value);
  out_.push_back('\n');
}

void Exposition::sample(std::string_view suffix, std::initializer_list<Label> labels,
                        uint64_t value) {
  begin_sample(labels, suffix);
  append_uint(out_, value);
  out_.push_back('\n');
}

void Exposition::sample(std::string_view suffix, std::initializer_list<Label> labels,
                        double value) {
  begin_sample(labels, suffix);
  append_double(out_, value);
  out_.push_back('\n');
}

}  // namespace mcplb::admin
