// mcplb: a load balancer for MCP servers. `mcplb run|check|demo` (see README.md).

#include <CLI/CLI.hpp>

#include "app/commands.h"
#include "core/log.h"

int main(int argc, char** argv) {
  mcplb::core::init_logging();
  CLI::App cli{"mcplb - a load balancer for MCP servers"};
  cli.require_subcommand(1);

  std::string run_config;
  int run_workers = 0;
  std::string run_log_level;
  auto* run = cli.add_subcommand("run", "Serve with a config file (production mode)");
  run->add_option("-c,--config", run_config, "YAML config file")->required();
  run->add_option("--workers", run_workers, "Override `workers` (0 = from config)");
  run->add_option("--log-level", run_log_level, "trace|debug|info|warn|error|off");

  std::string check_config;
  auto* check = cli.add_subcommand("check", "Validate a config file and print every error");
  check->add_option("-c,--config", check_config, "YAML config file")->required();

  mcplb::app::DemoOptions demo_opts;
  auto* demo = cli.add_subcommand("demo", "Start 3 demo MCP servers behind the balancer");
  demo->add_option("--listen", demo_opts.listen, "Balancer address")->capture_default_str();
  demo->add_option("--backends", demo_opts.backends, "Number of demo servers")
      ->check(CLI::Range(1, 32))
      ->capture_default_str();
  demo->add_option("--workers", demo_opts.workers, "Worker threads (0 = one per core)");
  demo->add_option("--demo-server", demo_opts.demo_server, "Path to mcp-demo-server");

  CLI11_PARSE(cli, argc, argv);
  if (*check) {
    return mcplb::app::cmd_check(check_config);
  }
  if (*run) {
    return mcplb::app::cmd_run(run_config, run_workers, run_log_level);
  }
  return mcplb::app::cmd_demo(demo_opts);
}
