// End to end, through the command line: for each Go fixture (Go 1.19,
// CGO_ENABLED=0, built at test time) the classic `go2seccomp BIN OUT`
// profile must
//   - have the classic Docker/OCI shape,
//   - allow every syscall the program makes (strace -f is the independent
//     witness, run here, on this kernel),
//   - let the program run to success under `go2seccomp exec --profile`,
// and a program that steps outside its profile must get EPERM.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/common/files.h"
#include "tests/common/process_util.h"
#include "tests/common/profiles.h"

namespace go2seccomp {
namespace {

using test_util::Fixture;

namespace fs = std::filesystem;
using test_util::RunProgram;
using test_util::RunResult;
using test_util::TempDir;
using test_util::Missing;

const std::string kCli = G2S_CLI;

struct Profile {
  nlohmann::json json;
  std::set<std::string> allowed;
};

// `go2seccomp BIN OUT [extra]` must succeed; returns the parsed profile.
Profile Analyze(const std::string& bin, const fs::path& out,
                const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv = {kCli, bin, out.string()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  RunResult r = RunProgram(argv);
  EXPECT_TRUE(r.exited_ok()) << r.err;
  Profile p;
  const std::string text = test_util::ReadFile(out);
  p.json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(p.json.is_discarded()) << text;
  p.allowed = test_util::AllowedNamesIn(out);
  return p;
}

TEST(FixtureProfiles, ClassicShapeAndAlwaysAllowed) {
  TempDir tmp;
  Profile p = Analyze(Fixture("hello"), tmp.path() / "p.json", {"--runtime", "none"});
  ASSERT_TRUE(p.json.is_object());
  // Exactly the keys the old tool wrote, in its order.
  std::vector<std::string> keys;
  for (auto it = p.json.begin(); it != p.json.end(); ++it) keys.push_back(it.key());
  std::set<std::string> key_set(keys.begin(), keys.end());
  EXPECT_EQ(key_set, (std::set<std::string>{"defaultAction", "architectures", "syscalls"}));
  const std::string text = test_util::ReadFile(tmp.path() / "p.json");
  EXPECT_LT(text.find("\"defaultAction\""), text.find("\"architectures\""));
  EXPECT_LT(text.find("\"architectures\""), text.find("\"syscalls\""));
  EXPECT_EQ(p.json["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(p.json["architectures"], nlohmann::json::array({"SCMP_ARCH_X86_64"}));
  ASSERT_EQ(p.json["syscalls"].size(), 1u);
  const auto& names = p.json["syscalls"][0]["names"];
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  for (const char* n : {"exit", "exit_group", "rt_sigreturn", "restart_syscall", "write"}) {
    EXPECT_TRUE(p.allowed.count(n)) << n;
  }
  // The Go runtime's own needs, found in its assembly.
  for (const char* n : {"mmap", "futex", "clone", "sigaltstack", "rt_sigaction", "arch_prctl"}) {
    EXPECT_TRUE(p.allowed.count(n)) << n;
  }
  // hello never creates directories or sockets.
  for (const char* n : {"mkdirat", "socket", "execve", "ptrace", "mount"}) {
    EXPECT_FALSE(p.allowed.count(n)) << n;
  }
}

struct Case {
  std::string name;
  std::vector<std::string> args;          // after the binary; "@" = scratch dir
  std::vector<std::string> must_allow;    // facts about what the program does
  std::string expect_stdout;              // substring
};

class FixtureProfileTest : public ::testing::TestWithParam<Case> {};

std::vector<std::string> Expand(const std::vector<std::string>& args, const fs::path& dir) {
  std::vector<std::string> out;
  for (std::string a : args) {
    if (auto at = a.find('@'); at != std::string::npos) a.replace(at, 1, dir.string());
    out.push_back(a);
  }
  return out;
}

// Soundness on this kernel: everything strace sees the program call is in
// its statically derived profile.
TEST_P(FixtureProfileTest, ProfileCoversEverythingStraceObserves) {
  G2S_REQUIRE_STRACE();
  const Case& c = GetParam();
  TempDir tmp;
  fs::create_directories(tmp.path() / "work");
  std::ofstream(tmp.path() / "work" / "src.txt") << std::string(100000, 'x');
  Profile p = Analyze(Fixture(c.name), tmp.path() / "p.json", {"--runtime", "none"});
  for (const std::string& n : c.must_allow) EXPECT_TRUE(p.allowed.count(n)) << n;
  std::vector<std::string> argv = {Fixture(c.name)};
  for (const std::string& a : Expand(c.args, tmp.path() / "work")) argv.push_back(a);
  const std::set<std::string> observed = test_util::StraceOwnSyscalls(argv, tmp.path());
  ASSERT_FALSE(observed.empty());
  EXPECT_EQ(Missing(observed, p.allowed), "")
      << "observed by strace but not in the static profile";
}

TEST_P(FixtureProfileTest, RunsUnderItsProfile) {
  G2S_REQUIRE_SECCOMP();
  const Case& c = GetParam();
  TempDir tmp;
  fs::create_directories(tmp.path() / "work");
  std::ofstream(tmp.path() / "work" / "src.txt") << std::string(100000, 'x');
  Analyze(Fixture(c.name), tmp.path() / "p.json", {"--runtime", "none"});
  std::vector<std::string> argv = {kCli, "exec", "--profile", (tmp.path() / "p.json").string(),
                                   "--", Fixture(c.name)};
  for (const std::string& a : Expand(c.args, tmp.path() / "work")) argv.push_back(a);
  RunResult r = RunProgram(argv, tmp.path());
  EXPECT_TRUE(r.exited_ok()) << "exit " << r.exit_code() << "\n" << r.out << r.err;
  EXPECT_NE(r.out.find(c.expect_stdout), std::string::npos) << r.out << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Go119, FixtureProfileTest,
    ::testing::Values(
        Case{"hello", {}, {"write"}, "hello, world"},
        // syscall.Mkdir: mkdirat reaches syscall.Syscall in AX (Go >= 1.17)
        // -- exactly what the objdump-scraping tool missed.
        Case{"mkdir", {"@/made"}, {"mkdirat"}, "created"},
        Case{"httpsrv",
             {},
             {"socket", "bind", "listen", "accept4", "connect", "setsockopt",
              "getsockname", "getpeername", "epoll_ctl", "epoll_pwait"},
             "hello /gopher"},
        // os/exec of a child; the child is the hello fixture, a subset of
        // the parent's runtime (ExecChildCoveredWithWith checks --with).
        Case{"execproc",
             {test_util::Fixture("hello", "amd64")},
             {"execve", "wait4", "waitid", "pipe2", "clone"},
             "ran"},
        Case{"filecopy",
             {"@/src.txt", "@/dst.txt"},
             {"openat", "fsync", "copy_file_range"},
             "copied 100000 bytes"},
        Case{"rawsys",
             {},
             {"getpid", "getppid", "getuid", "geteuid", "clock_gettime"},
             "true"}),
    [](const auto& param_info) { return param_info.param.name; });

// A Go program that runs another program: seccomp filters survive execve,
// so the child must be covered too -- --with adds the child's analysis.
TEST(FixtureProfiles, ExecChildCoveredWithWith) {
  G2S_REQUIRE_SECCOMP();
  TempDir tmp;
  const fs::path p = tmp.path() / "p.json";
  Analyze(Fixture("execproc"), p, {"--runtime", "none", "--with", Fixture("hello")});
  RunResult r = RunProgram({kCli, "exec", "--profile", p.string(), "--", Fixture("execproc"),
                     Fixture("hello")});
  EXPECT_TRUE(r.exited_ok()) << r.out << r.err;
  EXPECT_NE(r.out.find("ran " + Fixture("hello")), std::string::npos) << r.out << r.err;
}

// execproc names "/bin/true" as a constant: the tool says it may run it,
// until --with covers it; hello runs nothing and gets no such note.
TEST(FixtureProfiles, NamesTheProgramsItMayExecute) {
  TempDir tmp;
  const std::string out = (tmp.path() / "p.json").string();
  RunResult r = RunProgram({kCli, Fixture("execproc"), out, "--runtime", "none"});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  EXPECT_NE(r.out.find("may execute /bin/true (constant paths in the binary)"),
            std::string::npos)
      << r.out;
  r = RunProgram({kCli, Fixture("execproc"), out, "--runtime", "none", "--with", "/bin/true"});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  EXPECT_EQ(r.out.find("may execute"), std::string::npos) << r.out;
  r = RunProgram({kCli, Fixture("hello"), out, "--runtime", "none"});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  EXPECT_EQ(r.out.find("may execute"), std::string::npos) << r.out;
}

// The blog's demonstration: a syscall outside the profile gets EPERM. The
// mkdir program under hello's profile cannot create its directory.
TEST(FixtureProfiles, SyscallOutsideProfileGetsEperm) {
  G2S_REQUIRE_SECCOMP();
  TempDir tmp;
  const fs::path p = tmp.path() / "hello.json";
  Analyze(Fixture("hello"), p, {"--runtime", "none"});
  const fs::path dir = tmp.path() / "nope";
  RunResult r = RunProgram({kCli, "exec", "--profile", p.string(), "--", Fixture("mkdir"), dir.string()});
  EXPECT_EQ(r.exit_code(), 1) << r.out << r.err;
  EXPECT_NE(r.err.find("operation not permitted"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir));
  // With its own profile it works.
  const fs::path own = tmp.path() / "mkdir.json";
  Analyze(Fixture("mkdir"), own, {"--runtime", "none"});
  r = RunProgram({kCli, "exec", "--profile", own.string(), "--", Fixture("mkdir"), dir.string()});
  EXPECT_TRUE(r.exited_ok()) << r.err;
  EXPECT_TRUE(fs::is_directory(dir));
}

// Every variant of the build gives the same Go syscalls: PIE and stripped
// binaries carry the same code and pclntab. The PIE additionally runs
// glibc's ld.so (PT_INTERP) under the filter before Go starts: its profile
// adds what ld.so's analysed C code can do -- at least its start-up
// (measured with strace: brk, mprotect for RELRO, arch_prctl for TLS, the
// /etc/ld.so.preload access, set_tid_address) -- and the program runs.
TEST(FixtureProfiles, PieAndStrippedAgree) {
  TempDir tmp;
  for (const char* name : {"hello", "mkdir", "httpsrv"}) {
    Profile base = Analyze(Fixture(name), tmp.path() / "a.json", {"--runtime", "none"});
    Profile pie = Analyze(Fixture(name, "amd64-pie"), tmp.path() / "b.json", {"--runtime", "none"});
    Profile stripped =
        Analyze(Fixture(name, "amd64-stripped"), tmp.path() / "c.json", {"--runtime", "none"});
    EXPECT_EQ(base.allowed, stripped.allowed) << name;
    EXPECT_TRUE(std::includes(pie.allowed.begin(), pie.allowed.end(), base.allowed.begin(),
                              base.allowed.end()))
        << name;
    for (const char* n : {"brk", "mprotect", "arch_prctl", "access", "set_tid_address"}) {
      EXPECT_TRUE(pie.allowed.count(n)) << name << ": " << n;
    }
  }
  if (!test_util::SeccompAvailable()) return;
  RunResult r = RunProgram({kCli, "exec", "--profile", (tmp.path() / "b.json").string(), "--",
                            Fixture("httpsrv", "amd64-pie")});
  EXPECT_TRUE(r.exited_ok()) << r.exit_code() << r.err;
  EXPECT_NE(r.out.find("hello /gopher"), std::string::npos);
}

// A C program is analysed as C (its code, ld.so and libc, by call graph) and
// runs under its profile: /bin/true, and a profile for true does not let ls
// read a directory (statx/getdents64 are not reachable from true's code).
TEST(FixtureProfiles, NonGoProgramAnalysedAsC) {
  TempDir tmp;
  const fs::path p = tmp.path() / "true.json";
  RunResult r = RunProgram({kCli, "/bin/true", p.string(), "--runtime", "none"});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  EXPECT_NE(r.out.find("not Go; analysed as C"), std::string::npos) << r.out;
  if (!test_util::SeccompAvailable()) return;
  r = RunProgram({kCli, "exec", "--profile", p.string(), "--", "/bin/true"});
  EXPECT_TRUE(r.exited_ok()) << r.exit_code() << r.err;
  r = RunProgram({kCli, "exec", "--profile", p.string(), "--", "/bin/ls", "/"});
  EXPECT_FALSE(r.exited_ok());
}

// An unresolvable site is a finding, printed with function and file:line;
// --strict turns it into exit 1 and writes nothing.
TEST(FixtureProfiles, UnresolvedSiteIsReportedNotSkipped) {
  TempDir tmp;
  const fs::path out = tmp.path() / "p.json";
  RunResult r = RunProgram({kCli, Fixture("varsys"), out.string(), "--runtime", "none"});
  EXPECT_TRUE(r.exited_ok()) << r.err;
  EXPECT_NE(r.err.find("unresolved-number"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("main.main"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("varsys/main.go:"), std::string::npos) << r.err;
  const fs::path strict = tmp.path() / "strict.json";
  r = RunProgram({kCli, Fixture("varsys"), strict.string(), "--strict"});
  EXPECT_EQ(r.exit_code(), 1) << r.err;
  EXPECT_FALSE(fs::exists(strict));
  // The other fixtures have no findings at all.
  for (const char* name : {"hello", "mkdir", "httpsrv", "execproc", "filecopy", "rawsys"}) {
    r = RunProgram({kCli, Fixture(name), (tmp.path() / "ok.json").string(), "--strict"});
    EXPECT_TRUE(r.exited_ok()) << name << ": " << r.err;
  }
}

// The default --runtime (docker = runc) adds runc's measured post-filter
// syscalls; none adds nothing.
TEST(FixtureProfiles, RuntimePresetIsAddedByDefault) {
  TempDir tmp;
  Profile none = Analyze(Fixture("hello"), tmp.path() / "a.json", {"--runtime", "none"});
  Profile docker = Analyze(Fixture("hello"), tmp.path() / "b.json");
  EXPECT_TRUE(std::includes(docker.allowed.begin(), docker.allowed.end(), none.allowed.begin(),
                            none.allowed.end()));
  // runc init writes to the exec fifo and execs the container process.
  EXPECT_TRUE(docker.allowed.count("execve"));
  EXPECT_FALSE(none.allowed.count("execve"));
}

}  // namespace
}  // namespace go2seccomp
