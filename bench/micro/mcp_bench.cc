// Microbenchmarks for the MCP building blocks on the request path:
//   cmake -DMCPLB_MICROBENCH=ON ... && ninja mcp_bench && ./mcp_bench
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <string>

#include "mcp/error.h"
#include "mcp/header_check.h"
#include "mcp/inspect.h"
#include "mcp/session_token.h"

namespace {

using namespace mcplb::mcp;

constexpr std::string_view kToolsCall =
    R"({"jsonrpc":"2.0","id":1,"method":"tools/call",)"
    R"("params":{"name":"echo","arguments":{"text":"hello"}}})";
constexpr std::string_view kSid = "0123456789abcdef0123456789abcdef";
constexpr int64_t kNow = 1'780'000'000;

KeyRing ring() {
  SessionKey k{"k2", {}};
  SessionKey old{"k1", {}};
  for (size_t i = 0; i < kSessionKeyBytes; ++i) {
    k.secret[i] = static_cast<uint8_t>(i + 1);
    old.secret[i] = static_cast<uint8_t>(i + 2);
  }
  return *KeyRing::create({k, old}, {}, nullptr);
}

void BM_Seal(benchmark::State& state) {
  const KeyRing r = ring();
  std::string token;
  token.reserve(kMaxTokenChars);
  for (auto _ : state) {
    benchmark::DoNotOptimize(r.seal("b1", kSid, kNow, token));
    benchmark::DoNotOptimize(token.data());
  }
}
BENCHMARK(BM_Seal);

void BM_Open(benchmark::State& state) {
  const KeyRing r = ring();
  std::string token;
  (void)r.seal("b1", kSid, kNow, token);
  OpenedToken opened;
  for (auto _ : state) {
    benchmark::DoNotOptimize(r.open(token, kNow, opened));
  }
}
BENCHMARK(BM_Open);

void BM_OpenTampered(benchmark::State& state) {
  const KeyRing r = ring();
  std::string token;
  (void)r.seal("b1", kSid, kNow, token);
  token[token.size() / 2] = token[token.size() / 2] == 'A' ? 'B' : 'A';
  OpenedToken opened;
  for (auto _ : state) {
    benchmark::DoNotOptimize(r.open(token, kNow, opened));
  }
}
BENCHMARK(BM_OpenTampered);

// Reference point on the same machine and run: the least simdjson on-demand work that yields
// method and params.name (no validation, no duplicate checks, no id, padded input).
void BM_SimdjsonBaseline(benchmark::State& state) {
  simdjson::ondemand::parser parser;
  const simdjson::padded_string body(kToolsCall);
  for (auto _ : state) {
    simdjson::ondemand::document doc;
    std::string_view method;
    std::string_view name;
    if (parser.iterate(body).get(doc) != simdjson::SUCCESS ||
        doc["method"].get(method) != simdjson::SUCCESS ||
        doc["params"]["name"].get(name) != simdjson::SUCCESS) {
      state.SkipWithError("baseline parse failed");
      break;
    }
    benchmark::DoNotOptimize(method);
    benchmark::DoNotOptimize(name);
  }
}
BENCHMARK(BM_SimdjsonBaseline);

void BM_InspectCopy(benchmark::State& state) {
  const std::string body(kToolsCall);
  Inspection in;
  for (auto _ : state) {
    benchmark::DoNotOptimize(inspect(body, true, in));
    benchmark::DoNotOptimize(in.name);
  }
}
BENCHMARK(BM_InspectCopy);

void BM_InspectPadded(benchmark::State& state) {
  std::string buf(kToolsCall);
  buf.resize(kToolsCall.size() + kInspectPadding, ' ');
  const std::string_view body(buf.data(), kToolsCall.size());
  Inspection in;
  for (auto _ : state) {
    benchmark::DoNotOptimize(inspect_padded(body, buf.size(), true, in));
    benchmark::DoNotOptimize(in.name);
  }
}
BENCHMARK(BM_InspectPadded);

void BM_InspectInitialize(benchmark::State& state) {
  const std::string body =
      R"({"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":)"
      R"({"roots":{"listChanged":true},"sampling":{},"elicitation":{}},"clientInfo":)"
      R"({"name":"claude-ai","version":"0.1.0"}},"jsonrpc":"2.0","id":0})";
  Inspection in;
  for (auto _ : state) {
    benchmark::DoNotOptimize(inspect(body, true, in));
  }
}
BENCHMARK(BM_InspectInitialize);

void BM_Inspect16KiBArguments(benchmark::State& state) {
  const std::string body = R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{)"
                           R"("name":"write_file","arguments":{"content":")" +
                           std::string(16 * 1024, 'x') + R"("}}})";
  Inspection in;
  for (auto _ : state) {
    benchmark::DoNotOptimize(inspect(body, true, in));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_Inspect16KiBArguments);

void BM_InspectCut1MiB(benchmark::State& state) {
  const std::string body = R"({"method":"tools/call","params":{"name":"upload","arguments":)"
                           R"({"data":")" + std::string(1 << 20, 'x') +
                           R"("}},"jsonrpc":"2.0","id":9})";
  Inspection in;
  for (auto _ : state) {
    benchmark::DoNotOptimize(inspect(body, true, in));  // inspects the first 64 KiB
  }
}
BENCHMARK(BM_InspectCut1MiB);

void BM_HeaderCheck(benchmark::State& state) {
  const std::string body(kToolsCall);
  Inspection in;
  (void)inspect(body, true, in);
  for (auto _ : state) {
    benchmark::DoNotOptimize(check_stateless_headers(in, "tools/call", "echo", "2026-07-28"));
  }
}
BENCHMARK(BM_HeaderCheck);

void BM_HttpErrorResponse(benchmark::State& state) {
  std::string out;
  out.reserve(1024);
  for (auto _ : state) {
    out.clear();
    append_http_error_response(out, ErrorKind::session_not_found, {}, "1",
                               HttpErrorOptions{.close = false, .retry_after_seconds = {}});
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_HttpErrorResponse);

}  // namespace

BENCHMARK_MAIN();
