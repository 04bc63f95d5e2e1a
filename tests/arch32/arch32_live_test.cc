// The GOARCH=386 fixtures on this x86_64 kernel (IA32 emulation; skipped
// with a message where it is disabled):
//   - every syscall the program makes, as go2seccomp's own tracer sees it
//     (real i386 numbers; strace would print socketcall's sub-calls as
//     socket, bind, ...), is allowed by its static profile;
//   - it runs to success under `go2seccomp exec --profile` with its profile;
//   - a profile without a name it needs denies it.
//
// What a 386 program under the x86_64 launcher needs: the launcher installs
// the filter and then calls execve as an x86_64 process, so the filter must
// accept AUDIT_ARCH_X86_64 for that execve (the launcher adds exactly its
// own, runtime/launch.h); everything after the execve arrives as
// AUDIT_ARCH_I386 and is judged by the i386 part, which libseccomp builds
// from the same names with i386 numbers (runtime/filter.h). exec refuses a
// profile without the machine's own arch: a `--runtime none` profile lists
// only SCMP_ARCH_X86, so the tests add SCMP_ARCH_X86_64 to it; the classic
// profile (a container runtime preset) lists it already.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/common/files.h"
#include "tests/common/process_util.h"

namespace go2seccomp {
namespace {

using test_util::Fixture;

namespace fs = std::filesystem;
using test_util::RunProgram;
using test_util::RunResult;
using test_util::TempDir;

// Whether this kernel runs i386 binaries at all.
bool Ia32Available() {
  static const bool ok = RunProgram({Fixture("hello", "386")}).exited_ok();
  return ok;
}

#define G2S_REQUIRE_IA32()                                            \
  do {                                                                \
    if (!Ia32Available()) {                                           \
      GTEST_SKIP() << "this kernel does not run i386 binaries (IA32 " \
                      "emulation disabled: CONFIG_IA32_EMULATION or " \
                      "ia32_emulation=0)";                            \
    }                                                                 \
  } while (false)

struct Case {
  std::string name;
  std::vector<std::string> args;  // "@" is replaced by the work directory
  std::vector<std::string> with;  // --with binaries (programs it runs)
  std::string expect_stdout;
};

std::vector<std::string> Expand(const std::vector<std::string>& args,
                                const fs::path& dir) {
  std::vector<std::string> out;
  for (std::string a : args) {
    if (!a.empty() && a[0] == '@') a = dir.string() + a.substr(1);
    out.push_back(a);
  }
  return out;
}

// `go2seccomp BIN OUT` for the 386 binary, then a copy that also lists the
// machine's arch for the launcher's own execve; `drop` removes a name.
fs::path MakeProfile(const Case& c, const fs::path& dir,
                     const std::string& drop = {}) {
  const fs::path p386 = dir / "p386.json";
  std::vector<std::string> argv = {G2S_CLI, Fixture(c.name, "386"), p386.string(),
                                   "--runtime", "none"};
  for (const std::string& w : c.with) {
    argv.push_back("--with");
    argv.push_back(w);
  }
  RunResult r = RunProgram(argv);
  EXPECT_TRUE(r.exited_ok()) << r.out << r.err;
  std::ifstream in(p386);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  EXPECT_TRUE(j.is_object());
  if (!j.is_object()) return p386;
  EXPECT_EQ(j["architectures"], nlohmann::json::array({"SCMP_ARCH_X86"}));
  j["architectures"] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"};
  if (!drop.empty()) {
    for (auto& rule : j["syscalls"]) {
      auto& names = rule["names"];
      for (auto it = names.begin(); it != names.end();) {
        it = *it == drop ? names.erase(it) : it + 1;
      }
    }
  }
  const fs::path out = dir / "host.json";
  std::ofstream(out) << j.dump(4);
  return out;
}

class I386LiveTest : public ::testing::TestWithParam<Case> {};

TEST_P(I386LiveTest, TracedSyscallsAreInTheProfile) {
  G2S_REQUIRE_IA32();
  G2S_REQUIRE_STRACE();  // ptrace is allowed
  const Case& c = GetParam();
  TempDir tmp;
  fs::create_directories(tmp.path() / "work");
  std::ofstream(tmp.path() / "work" / "src.txt") << std::string(100000, 'x');
  const fs::path p386 = tmp.path() / "p386.json";
  std::vector<std::string> argv = {G2S_CLI, Fixture(c.name, "386"), p386.string(),
                                   "--runtime", "none"};
  for (const std::string& w : c.with) {
    argv.push_back("--with");
    argv.push_back(w);
  }
  ASSERT_TRUE(RunProgram(argv).exited_ok());
  const fs::path observed = tmp.path() / "observed.json";
  std::vector<std::string> trace = {
      G2S_CLI, "trace", "-q", "-o", observed.string(), "--", Fixture(c.name, "386")};
  for (const std::string& a : Expand(c.args, tmp.path() / "work")) {
    trace.push_back(a);
  }
  RunResult t = RunProgram(trace, tmp.path());
  ASSERT_TRUE(t.exited_ok()) << t.out << t.err;
  RunResult cmp = RunProgram({G2S_CLI, "compare", "--static", p386.string(),
                              "--observed", observed.string()});
  EXPECT_TRUE(cmp.exited_ok()) << cmp.out << cmp.err;
}

TEST_P(I386LiveTest, RunsUnderItsProfile) {
  G2S_REQUIRE_IA32();
  G2S_REQUIRE_SECCOMP();
  const Case& c = GetParam();
  TempDir tmp;
  fs::create_directories(tmp.path() / "work");
  std::ofstream(tmp.path() / "work" / "src.txt") << std::string(100000, 'x');
  const fs::path profile = MakeProfile(c, tmp.path());
  std::vector<std::string> argv = {G2S_CLI,          "exec", "--profile",
                                   profile.string(), "--",   Fixture(c.name, "386")};
  for (const std::string& a : Expand(c.args, tmp.path() / "work")) {
    argv.push_back(a);
  }
  RunResult r = RunProgram(argv, tmp.path());
  EXPECT_TRUE(r.exited_ok()) << "exit " << r.exit_code() << "\n"
                             << r.out << r.err;
  EXPECT_NE(r.out.find(c.expect_stdout), std::string::npos) << r.out << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Go119, I386LiveTest,
    ::testing::Values(
        Case{"hello", {}, {}, "hello, world"},
        Case{"mkdir", {"@/made"}, {}, "created"},
        Case{"httpsrv", {}, {}, "hello /gopher"},
        // The child is the 386 hello fixture: its i386 syscalls are judged
        // by the same filter, so its analysis is merged in (--with).
        Case{"execproc",
             {test_util::Fixture("hello", "386")},
             {test_util::Fixture("hello", "386")},
             "ran"},
        Case{"filecopy", {"@/src.txt", "@/dst.txt"}, {}, "copied 100000 bytes"},
        Case{"rawsys", {}, {}, "true"}),
    [](const auto& param_info) { return param_info.param.name; });

// The classic profile (default --runtime docker) lists SCMP_ARCH_X86_64 for
// the runtime already: exec takes it as it is.
TEST(I386Live, ClassicProfileRunsAsIs) {
  G2S_REQUIRE_IA32();
  G2S_REQUIRE_SECCOMP();
  TempDir tmp;
  const fs::path p = tmp.path() / "p.json";
  ASSERT_TRUE(RunProgram({G2S_CLI, Fixture("hello", "386"), p.string()}).exited_ok());
  RunResult r = RunProgram(
      {G2S_CLI, "exec", "--profile", p.string(), "--", Fixture("hello", "386")});
  EXPECT_TRUE(r.exited_ok()) << r.out << r.err;
  EXPECT_NE(r.out.find("hello, world"), std::string::npos) << r.out << r.err;
}

// The i386 part of the filter is what a 386 program meets: without mkdirat
// its mkdir fails with EPERM (the profile's default action).
TEST(I386Live, MissingNameIsDenied) {
  G2S_REQUIRE_IA32();
  G2S_REQUIRE_SECCOMP();
  TempDir tmp;
  const Case c{"mkdir", {}, {}, ""};
  const fs::path profile = MakeProfile(c, tmp.path(), "mkdirat");
  RunResult r =
      RunProgram({G2S_CLI, "exec", "--profile", profile.string(), "--",
                  Fixture("mkdir", "386"), (tmp.path() / "made").string()});
  EXPECT_EQ(r.exit_code(), 1) << r.out << r.err;
  EXPECT_NE(r.err.find("operation not permitted"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(tmp.path() / "made"));
}

}  // namespace
}  // namespace go2seccomp
