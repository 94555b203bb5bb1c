// `mcplb demo`: N demo MCP servers as child processes behind the balancer, with a
// refreshing one-line status per backend. Children die with us, even on kill -9
// (PR_SET_PDEATHSIG set between fork and exec).

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <thread>

#include "admin/metrics.h"
#include "app/commands.h"
#include "config/load.h"
#include "core/log.h"
#include "health/checker.h"
#include "proxy/topology.h"

namespace mcplb::app {

namespace {

struct Child {
  pid_t pid = -1;
  int out_fd = -1;
  std::string name;
  uint16_t port = 0;
};

std::string find_demo_server(const std::string& hint) {
  namespace fs = std::filesystem;
  if (!hint.empty()) {
    return hint;
  }
  if (const char* env = std::getenv("MCPLB_DEMO_SERVER")) {
    return env;
  }
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec).parent_path();
  for (const fs::path& p : {self / "mcp-demo-server", self / "../../demo/mcp-demo-server",
                            self / "../demo/mcp-demo-server"}) {
    if (fs::exists(p, ec)) {
      return fs::weakly_canonical(p, ec).string();
    }
  }
  return "mcp-demo-server";  // from PATH
}

bool spawn(Child& c, const std::string& exe) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return false;
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    return false;
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) {
      _exit(1);  // the parent died before prctl took effect
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(fds[1], STDOUT_FILENO);
    execl(exe.c_str(), exe.c_str(), "--listen", "127.0.0.1:0", "--name", c.name.c_str(),
          static_cast<char*>(nullptr));
    execlp(exe.c_str(), exe.c_str(), "--listen", "127.0.0.1:0", "--name", c.name.c_str(),
           static_cast<char*>(nullptr));
    std::fprintf(stderr, "cannot run %s: %s\n", exe.c_str(), std::strerror(errno));
    _exit(127);
  }
  close(fds[1]);
  c.pid = pid;
  c.out_fd = fds[0];
  return true;
}

/// Reads the child's "listening on 127.0.0.1:PORT" line, waiting up to `timeout`.
bool read_port(Child& c, std::chrono::milliseconds timeout) {
  static const std::regex re(R"(listening on [0-9.]+:([0-9]+))");
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{c.out_fd, POLLIN, 0};
    int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    deadline - std::chrono::steady_clock::now())
                                    .count());
    if (poll(&p, 1, std::max(left, 1)) <= 0) {
      continue;
    }
    char ch;
    ssize_t n = read(c.out_fd, &ch, 1);
    if (n <= 0) {
      return false;
    }
    if (ch != '\n') {
      line.push_back(ch);
      continue;
    }
    std::smatch m;
    if (std::regex_search(line, m, re)) {
      c.port = static_cast<uint16_t>(std::stoi(m[1]));
      return true;
    }
    line.clear();
  }
  return false;
}

void stop_children(std::vector<Child>& children) {
  for (auto& c : children) {
    if (c.pid > 0) {
      kill(c.pid, SIGTERM);
    }
  }
  for (auto& c : children) {
    if (c.pid > 0) {
      // Give each a moment to exit cleanly, then make sure.
      for (int i = 0; i < 100; ++i) {
        if (waitpid(c.pid, nullptr, WNOHANG) == c.pid) {
          c.pid = -1;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (c.pid > 0) {
        kill(c.pid, SIGKILL);
        waitpid(c.pid, nullptr, 0);
      }
    }
    if (c.out_fd >= 0) {
      close(c.out_fd);
    }
  }
}

// The same numbers as /metrics: BackendStats summed over workers (mcplb_backend_requests_total,
// _connections, _in_flight, _streams) and the state label of mcplb_backend_state.
void print_status(const proxy::Topology& topo, bool tty, bool final, int& printed) {
  if (tty && printed > 0) {
    std::printf("\x1b[%dA", printed);  // redraw in place
  }
  printed = 0;
  const int64_t now_ns = health::steady_now_ns();
  for (const auto& pool : topo.pools()) {
    for (const auto& b : pool.backends) {
      std::printf("%s  %-4s %-21s %-9s requests %-8llu conns %-4lld in-flight %-4lld streams %-4lld\n",
                  tty ? "\x1b[2K" : "", b->name.c_str(), b->address.c_str(),
                  final ? "stopped" : admin::state_label(*b, now_ns),
                  static_cast<unsigned long long>(b->stats->requests()),
                  static_cast<long long>(b->stats->active_conns()),
                  static_cast<long long>(b->stats->in_flight()),
                  static_cast<long long>(b->stats->streams()));
      ++printed;
    }
  }
  std::fflush(stdout);
}

}  // namespace

int cmd_demo(const DemoOptions& opts) {
  auto listen = config::parse_address(opts.listen);
  if (!listen) {
    std::fprintf(stderr, "--listen: '%s' is not an address like 127.0.0.1:8080\n",
                 opts.listen.c_str());
    return 2;
  }
  // Block stop signals before forking so a Ctrl-C during start-up is not lost; children
  // reset their mask before exec.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  std::string exe = find_demo_server(opts.demo_server);
  std::vector<Child> children(static_cast<size_t>(opts.backends));
  for (size_t i = 0; i < children.size(); ++i) {
    children[i].name = "b" + std::to_string(i + 1);
    if (!spawn(children[i], exe) || !read_port(children[i], std::chrono::seconds(10))) {
      std::fprintf(stderr, "could not start demo server %s (%s)\n", children[i].name.c_str(),
                   exe.c_str());
      stop_children(children);
      return 1;
    }
  }
  // The children's stdout is no longer read; keep draining it so they never block on it.
  std::vector<int> fds;
  for (auto& c : children) {
    fds.push_back(c.out_fd);
    c.out_fd = -1;
  }
  std::thread([fds] {
    char buf[512];
    std::vector<pollfd> ps;
    for (int fd : fds) {
      ps.push_back(pollfd{fd, POLLIN, 0});
    }
    size_t open = ps.size();
    while (open > 0 && poll(ps.data(), ps.size(), -1) > 0) {
      for (auto& p : ps) {
        if (p.fd >= 0 && (p.revents & (POLLIN | POLLHUP)) != 0 && read(p.fd, buf, sizeof buf) <= 0) {
          close(p.fd);
          p.fd = -1;
          --open;
        }
      }
    }
  }).detach();

  config::Config cfg = config::default_config();
  cfg.source = "<demo>";
  cfg.listen.clear();
  cfg.listen.push_back(config::Listener{*listen, 10000, {}});
  cfg.workers = static_cast<uint32_t>(opts.workers);
  cfg.shutdown_timeout = std::chrono::seconds(5);
  config::Pool pool;
  pool.name = "demo";
  pool.policy.name = "round_robin";
  for (const auto& c : children) {
    pool.backends.push_back(config::Backend{c.name, config::Address{"127.0.0.1", c.port}, 1, {}});
  }
  cfg.pools.push_back(pool);

  bool tty = isatty(STDOUT_FILENO) != 0;
  int printed = 0;
  int ticks = 0;
  bool first = true;
  int rc = serve(cfg, [&](const proxy::Topology& topo, bool final) {
    if (first) {
      std::printf("\nMCP endpoint: http://%s/mcp  (Streamable HTTP, stateless 2026, and /sse)\n",
                  listen->str().c_str());
      std::printf("Try: npx @modelcontextprotocol/inspector, or curl -X POST http://%s/mcp ...\n",
                  listen->str().c_str());
      std::printf("Press Ctrl-C to stop.\n\n");
      first = false;
    }
    // On a terminal the status redraws every second; in a log, every 10 seconds.
    if (tty || final || ++ticks % 10 == 1) {
      print_status(topo, tty, final, printed);
      if (!tty) {
        printed = 0;
      }
    }
  });
  stop_children(children);
  return rc;
}

}  // namespace mcplb::app
