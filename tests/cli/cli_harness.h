// Runs the `corroborate` binary the way a user or a script does, with a real embedded store in a
// temporary directory of its own per test, and captures exit status, stdout and stderr.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace corroborate::testing {

namespace fs = std::filesystem;

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `s` quoted for sh.
inline std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

inline const std::string kSourceDir = CORROBORATE_SOURCE_DIR;

class CliHarness : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("cli_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name() + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs corroborate with `args` on the test's store, `stdin_data` as its input, in `cwd`
  // (default: the test's directory).
  CommandResult Corroborate(const std::vector<std::string>& args,
                            const std::string& stdin_data = "", const fs::path& cwd = {}) {
    const fs::path in = dir_ / "stdin", out = dir_ / "stdout", err = dir_ / "stderr";
    std::ofstream(in, std::ios::binary) << stdin_data;
    std::string cmd = "cd " + Quote((cwd.empty() ? dir_ : cwd).string()) + " && " +
                      Quote(std::string(CORROBORATE_BINARY_DIR) + "/corroborate") + " --data-dir " +
                      Quote((dir_ / "data").string());
    for (const auto& a : args) cmd += " " + Quote(a);
    cmd += " <" + Quote(in.string()) + " >" + Quote(out.string()) + " 2>" + Quote(err.string());
    const int status = std::system(cmd.c_str());
    CommandResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = ReadFile(out);
    r.err = ReadFile(err);
    return r;
  }

  // Writes `content` to `name` under the test's directory (creating directories) and returns it.
  fs::path Write(const std::string& name, const std::string& content) {
    const fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

  static std::string Examples() { return kSourceDir + "/examples"; }

  fs::path dir_;
};

}  // namespace corroborate::testing
