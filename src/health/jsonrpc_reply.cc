#include "health/jsonrpc_reply.h"

#include <simdjson.h>

namespace mcplb::health {
namespace {

constexpr size_t kMaxMessage = 160;

}  // namespace

ReplyReader::ReplyReader() : parser_(std::make_unique<simdjson::dom::parser>()) {}

ReplyReader::~ReplyReader() = default;

RpcReply ReplyReader::read(std::string_view json, int64_t id) {
  RpcReply r;
  simdjson::dom::element root;
  if (parser_->parse(json.data(), json.size(), true).get(root)) {
    r.problem = "not JSON";
    return r;
  }
  simdjson::dom::object obj;
  std::string_view version;
  if (root.get_object().get(obj) || obj["jsonrpc"].get_string().get(version) ||
      version != "2.0") {
    r.problem = "not a JSON-RPC 2.0 message";
    return r;
  }
  simdjson::dom::element result;
  simdjson::dom::element error;
  r.has_result = obj["result"].get(result) == simdjson::SUCCESS;
  r.has_error = obj["error"].get(error) == simdjson::SUCCESS;
  if (r.has_result == r.has_error) {
    r.problem = "not a JSON-RPC response (needs exactly one of result and error)";
    return r;
  }
  simdjson::dom::element id_value;
  int64_t got_id = 0;
  const bool id_present = obj["id"].get(id_value) == simdjson::SUCCESS;
  const bool id_matches = id_present && id_value.get_int64().get(got_id) == simdjson::SUCCESS &&
                          got_id == id;
  // A server that could not read the request answers with id null.
  const bool null_ok = r.has_error && id_present && id_value.is_null();
  if (!id_matches && !null_ok) {
    r.problem = "response to another id";
    return r;
  }
  if (r.has_error) {
    std::string_view message;
    if (error["code"].get_int64().get(r.error_code)) {
      r.problem = "error without an integer code";
      return r;
    }
    if (error["message"].get_string().get(message) == simdjson::SUCCESS) {
      r.error_message.assign(message.substr(0, kMaxMessage));
    }
  } else {
    std::string_view pv;
    if (result["protocolVersion"].get_string().get(pv) == simdjson::SUCCESS) {
      r.protocol_version.assign(pv.substr(0, kMaxMessage));
    }
  }
  r.valid = true;
  return r;
}

}  // namespace mcplb::health
