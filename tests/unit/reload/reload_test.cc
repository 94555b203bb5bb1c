// Config reload: weights and removed backends apply live; everything else is named as needing
// a restart; an invalid file changes nothing.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "admin/reload.h"
#include "config/load.h"
#include "proxy/server.h"

namespace mcplb::admin {
namespace {

std::string yaml(const std::string& backends, const std::string& policy = "round_robin") {
  return "listen: [{address: \"127.0.0.1:0\"}]\nworkers: 1\npools:\n  mcp:\n    policy: " + policy +
         "\n    drain_timeout: 5s\n    backends: [" + backends + "]\n";
}

class ReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "reload_test.yaml";
    write(yaml(R"({name: a, address: "127.0.0.1:1"}, {name: b, address: "127.0.0.1:2"})"));
    auto r = config::load_file(path_);
    ASSERT_TRUE(r.ok());
    std::string err;
    auto topo = proxy::Topology::build(*r.config, 1, err);
    ASSERT_TRUE(topo) << err;
    server_ = std::make_unique<proxy::Server>(topo);
    reloader_ = std::make_unique<Reloader>(*server_, path_);
  }
  void TearDown() override { std::remove(path_.c_str()); }
  void write(const std::string& text) { std::ofstream(path_) << text; }
  pool::Backend& backend(size_t i) { return *server_->topology().pools()[0].backends[i]; }

  std::string path_;
  std::unique_ptr<proxy::Server> server_;
  std::unique_ptr<Reloader> reloader_;
};

TEST_F(ReloadTest, SameFileChangesNothing) {
  auto r = reloader_->reload();
  EXPECT_TRUE(r.valid);
  EXPECT_TRUE(r.applied.empty());
  EXPECT_TRUE(r.needs_restart.empty()) << r.needs_restart.front();
}

TEST_F(ReloadTest, WeightsApplyAndRemovedBackendDrains) {
  write(yaml(R"({name: a, address: "127.0.0.1:1", weight: 5})"));
  auto r = reloader_->reload();
  ASSERT_TRUE(r.valid);
  EXPECT_EQ(backend(0).weight.load(), 5u);
  EXPECT_EQ(backend(1).state.load(), pool::BackendState::draining);
  ASSERT_EQ(r.applied.size(), 2u);
  EXPECT_EQ(r.applied[0], "pool mcp backend a: weight 1 -> 5");
  EXPECT_NE(r.applied[1].find("backend b: not in the file, draining"), std::string::npos);
  EXPECT_TRUE(r.needs_restart.empty());
  // Back in the file: no longer draining.
  write(yaml(R"({name: a, address: "127.0.0.1:1", weight: 5}, {name: b, address: "127.0.0.1:2"})"));
  r = reloader_->reload();
  EXPECT_EQ(backend(1).state.load(), pool::BackendState::healthy);
  ASSERT_EQ(r.applied.size(), 1u);
  EXPECT_NE(r.applied[0].find("no longer draining"), std::string::npos);
}

TEST_F(ReloadTest, AdminDrainIsNotUndoneByReload) {
  pool::start_drain(backend(1), 0, 1'000'000'000);
  auto r = reloader_->reload();
  EXPECT_EQ(backend(1).state.load(), pool::BackendState::draining);
  EXPECT_TRUE(r.applied.empty());
}

TEST_F(ReloadTest, WhatCannotApplyIsNamed) {
  write(yaml(R"({name: a, address: "127.0.0.1:9"}, {name: b, address: "127.0.0.1:2"}, {name: c, address: "127.0.0.1:3"})",
             "least_conn"));
  auto r = reloader_->reload();
  ASSERT_TRUE(r.valid);
  EXPECT_TRUE(r.applied.empty());
  std::string all;
  for (const auto& n : r.needs_restart) {
    all += n + "\n";
  }
  EXPECT_NE(all.find("backend a: address 127.0.0.1:1 -> 127.0.0.1:9"), std::string::npos) << all;
  EXPECT_NE(all.find("backend c (127.0.0.1:3): new backends need a restart"), std::string::npos) << all;
  EXPECT_NE(all.find("changed:     policy: least_conn"), std::string::npos) << all;
}

TEST_F(ReloadTest, InvalidFileChangesNothing) {
  write(yaml(R"({name: a, address: "127.0.0.1:1", weight: 5}, {name: b, adress: "127.0.0.1:2"})"));
  auto r = reloader_->reload();
  EXPECT_FALSE(r.valid);
  ASSERT_FALSE(r.errors.empty());
  std::string all;
  for (const auto& e : r.errors) {
    all += e + "\n";
  }
  EXPECT_NE(all.find("reload_test.yaml:7:"), std::string::npos) << all;
  EXPECT_NE(all.find("'adress'"), std::string::npos) << all;
  EXPECT_EQ(backend(0).weight.load(), 1u);
  EXPECT_TRUE(r.applied.empty());
  EXPECT_EQ(to_json(r).rfind(R"({"valid":false,"errors":[")", 0), 0u);
}

}  // namespace
}  // namespace mcplb::admin
