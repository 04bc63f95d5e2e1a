// libgo2seccomp as a user gets it (see CMakeLists.txt): one install into a
// temporary prefix per test binary, then pkg-config, C, C++ and cgo
// consumers of it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "tests/common/files.h"
#include "tests/common/process_util.h"

namespace go2seccomp {
namespace {

namespace fs = std::filesystem;
using test_util::RunProgram;
using test_util::RunResult;
using ::testing::HasSubstr;

std::vector<std::string> Split(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

class SandboxInstallTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new test_util::TempDir();
    const fs::path prefix = tmp_->path() / "prefix";
    install_ =
        RunProgram({G2S_CMAKE, "--install", G2S_BINARY_DIR, "--component",
                    "sandbox", "--prefix", prefix.string()});
  }
  static void TearDownTestSuite() {
    delete tmp_;
    tmp_ = nullptr;
  }

  static fs::path Prefix() { return tmp_->path() / "prefix"; }
  static fs::path LibDir() { return Prefix() / G2S_LIBDIR; }
  static std::string PkgConfigPath() {
    return "PKG_CONFIG_PATH=" + (LibDir() / "pkgconfig").string();
  }
  // `pkg-config --cflags --libs go2seccomp` against the install.
  static std::vector<std::string> Flags() {
    RunResult r = RunProgram({"env", PkgConfigPath(), G2S_PKG_CONFIG,
                              "--cflags", "--libs", "go2seccomp"});
    EXPECT_TRUE(r.exited_ok()) << r.err;
    return Split(r.out);
  }
  // Compiles `source` with `compiler` and the pkg-config flags (plus an
  // rpath to the install, which pkg-config leaves to the user).
  static fs::path Build(const std::string& compiler, const std::string& source,
                        std::vector<std::string> extra = {}) {
    const fs::path out = tmp_->path() / fs::path(source).stem();
    std::vector<std::string> argv = {compiler};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(std::string(G2S_SOURCE_DIR) + "/tests/sandbox/" + source);
    argv.push_back("-o");
    argv.push_back(out.string());
    for (const std::string& f : Flags()) argv.push_back(f);
    argv.push_back("-Wl,-rpath," + LibDir().string());
    RunResult r = RunProgram(argv);
    EXPECT_TRUE(r.exited_ok()) << r.err;
    return out;
  }

  static test_util::TempDir* tmp_;
  static RunResult install_;
};

test_util::TempDir* SandboxInstallTest::tmp_ = nullptr;
RunResult SandboxInstallTest::install_;

TEST_F(SandboxInstallTest, InstallsHeadersLibraryAndPkgConfig) {
  ASSERT_TRUE(install_.exited_ok()) << install_.out << install_.err;
  EXPECT_TRUE(fs::exists(Prefix() / "include/go2seccomp/sandbox.h"));
  EXPECT_TRUE(fs::exists(Prefix() / "include/go2seccomp/sandbox_c.h"));
  EXPECT_TRUE(fs::exists(LibDir() / "libgo2seccomp.so"));
  EXPECT_TRUE(fs::exists(LibDir() / "pkgconfig/go2seccomp.pc"));
  // Only the sandbox component: not the go2seccomp command.
  EXPECT_FALSE(fs::exists(Prefix() / "bin"));

  const std::vector<std::string> flags = Flags();
  ASSERT_FALSE(flags.empty());
  bool include = false, lib = false;
  for (const std::string& f : flags) {
    if (f.starts_with("-I")) {
      include = fs::equivalent(f.substr(2), Prefix() / "include");
    }
    if (f == "-lgo2seccomp") lib = true;
  }
  EXPECT_TRUE(include) << ::testing::PrintToString(flags);
  EXPECT_TRUE(lib) << ::testing::PrintToString(flags);
}

// The runtime library must not carry the analysis (ARCHITECTURE.md), and
// exports only its API.
TEST_F(SandboxInstallTest, ExportsOnlyTheApiAndNoAnalysis) {
  RunResult all = RunProgram({"nm", "-C", G2S_SANDBOX_SO});
  ASSERT_TRUE(all.exited_ok()) << all.err;
  for (const char* banned :
       {"go2seccomp::analysis", "go2seccomp::elf::", "go2seccomp::gosym",
        "go2seccomp::disasm", "Zydis", "cs_disasm"}) {
    EXPECT_THAT(all.out, ::testing::Not(HasSubstr(banned)));
  }
  RunResult dyn =
      RunProgram({"nm", "-C", "-D", "--defined-only", G2S_SANDBOX_SO});
  ASSERT_TRUE(dyn.exited_ok()) << dyn.err;
  std::istringstream lines(dyn.out);
  for (std::string line; std::getline(lines, line);) {
    const bool api = line.find(" g2s_") != std::string::npos ||
                     line.find("go2seccomp::Sandbox::") != std::string::npos;
    EXPECT_TRUE(api) << line;
  }
  EXPECT_THAT(dyn.out, HasSubstr("g2s_allow_names"));
  EXPECT_THAT(dyn.out, HasSubstr("g2s_apply_profile_file"));
}

TEST_F(SandboxInstallTest, CAndCxxConsumers) {
  G2S_SKIP_UNDER_ASAN();
  ASSERT_TRUE(install_.exited_ok());
  const fs::path c = Build(G2S_CC, "c_consumer.c",
                           {"-std=c99", "-pedantic", "-Wall", "-Werror"});
  const fs::path cxx =
      Build(G2S_CXX, "cxx_consumer.cc", {"-std=c++17", "-Wall", "-Werror"});
  G2S_REQUIRE_SECCOMP();
  RunResult rc = RunProgram({c.string()});
  EXPECT_TRUE(rc.exited_ok()) << rc.err;
  EXPECT_EQ(rc.out, "getppid: denied\n");
  RunResult rcxx = RunProgram({cxx.string()});
  EXPECT_TRUE(rcxx.exited_ok()) << rcxx.err;
  EXPECT_EQ(rcxx.out, "getppid: denied\n");
}

// The blog's demonstration, with the program sandboxing itself through cgo:
// it creates the folder, then its exec of /bin/ls is denied.
TEST_F(SandboxInstallTest, GoProgramSandboxesItselfThroughCgo) {
  G2S_SKIP_UNDER_ASAN();
  ASSERT_TRUE(install_.exited_ok());
  const fs::path bin = tmp_->path() / "selfsandbox";
  RunResult built = RunProgram(
      {"env", "CGO_ENABLED=1", PkgConfigPath(),
       "CGO_LDFLAGS=-Wl,-rpath," + LibDir().string(),
       std::string("GOCACHE=") + G2S_BINARY_DIR + "/gocache",
       std::string("GOPATH=") + G2S_BINARY_DIR + "/gopath", "GOFLAGS=-mod=mod",
       "GOPROXY=off", "GOTOOLCHAIN=local", "GO111MODULE=on", G2S_GO, "build",
       "-o", bin.string(), "./selfsandbox"},
      std::string(G2S_SOURCE_DIR) + "/tests/testdata/go");
  ASSERT_TRUE(built.exited_ok()) << built.err;
  G2S_REQUIRE_SECCOMP();

  const fs::path dir = tmp_->path() / "made";
  RunResult r =
      RunProgram({bin.string(), dir.string(), "/bin/ls", dir.string()});
  EXPECT_EQ(r.exit_code(), 3) << r.err;  // the program's "exec:" exit
  EXPECT_EQ(r.out, "created " + dir.string() + "\n");
  EXPECT_THAT(r.err, HasSubstr("fork/exec /bin/ls: operation not permitted"));
  EXPECT_TRUE(fs::is_directory(dir));

  // Without the exec it just works (threads included: clone3 -> ENOSYS ->
  // glibc's clone fallback).
  const fs::path dir2 = tmp_->path() / "made2";
  RunResult ok = RunProgram({bin.string(), dir2.string()});
  EXPECT_TRUE(ok.exited_ok()) << ok.err;
  EXPECT_TRUE(fs::is_directory(dir2));
}

}  // namespace
}  // namespace go2seccomp
