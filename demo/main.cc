// mcp-demo-server: a small, fast MCP server speaking every HTTP transport on one port.
// See demo/README.md for flags, endpoints and tools.

#include <sys/prctl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <exception>

#include "catalog.h"
#include "options.h"
#include "server.h"

int main(int argc, char** argv) {
  const pid_t initial_parent = getppid();
  mcplb::demo::Options opts;
  bool no_parent_death = false;

  CLI::App app{
      "mcp-demo-server: demo MCP server (Streamable HTTP with sessions, stateless "
      "2026-07-28 and HTTP+SSE 2024-11-05 on one port)"};
  app.add_option("--listen", opts.listen, "Address to listen on, host:port (port 0: any free)")
      ->capture_default_str();
  app.add_option("--name", opts.name, "Instance name (whoami, X-Backend-Name, counter)")
      ->check([](const std::string& name) -> std::string {
        // It goes into a response header verbatim.
        for (unsigned char ch : name) {
          if (ch <= 0x20 || ch >= 0x7f) {
            return "--name must be visible ASCII without spaces";
          }
        }
        return name.empty() ? "--name must not be empty" : "";
      })
      ->capture_default_str();
  app.add_option("--threads", opts.threads, "Worker threads (one io_context each)")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  app.add_flag("--stateless-only", opts.stateless_only,
               "Serve only 2026-07-28 (initialize -> 400 UnsupportedProtocolVersion)");
  app.add_flag("--no-parent-death", no_parent_death, "Keep running when the parent process dies");
  app.add_flag("--any-origin", opts.any_origin, "Accept any Origin header (default: local only)");
  app.add_option("--sse-keepalive-ms", opts.sse_keepalive_ms,
                 "SSE comment interval on long-lived streams (0: none)")
      ->capture_default_str();
  app.add_option("--session-idle-s", opts.session_idle_s,
                 "Forget sessions idle this long without a GET stream (0: never)")
      ->capture_default_str();
  app.add_option("--max-body", opts.max_body, "Largest accepted request body, bytes")
      ->capture_default_str();
  app.add_option("--tool-delay-ms", opts.tool_delay_ms,
                 "Extra wait before answering every tools/call (a slow replica)")
      ->check(CLI::Range(0u, 60000u))
      ->capture_default_str();
  app.add_flag_callback(
      "--version",
      [] {
        std::printf("mcp-demo-server %.*s\n",
                    static_cast<int>(mcplb::demo::server_version().size()),
                    mcplb::demo::server_version().data());
        std::exit(0);
      },
      "Print the version and exit");
  CLI11_PARSE(app, argc, argv);
  opts.parent_death = !no_parent_death;

  if (opts.parent_death) {
    // Spawned as a child (mcplb demo, tests): never outlive the parent. If the parent died
    // before prctl took effect we have been re-parented already.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != initial_parent) {
      return 0;
    }
  }
  std::signal(SIGPIPE, SIG_IGN);

  try {
    mcplb::demo::Server server(opts);
    server.listen();
    // Tests and mcplb read this exact line to learn the port.
    std::printf("mcp-demo-server %s listening on %s\n", opts.name.c_str(),
                server.bound_address().c_str());
    std::fflush(stdout);
    server.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mcp-demo-server: %s\n", e.what());
    return 1;
  }
  return 0;
}
