// `go2seccomp explain` on the Go fixtures (Go 1.19, built at test time).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "tests/cli/cli_util.h"
#include "tests/common/files.h"
#include "tests/common/profiles.h"

namespace go2seccomp {
namespace {

using test_util::Cli;
using test_util::Fixture;
using test_util::RunResult;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

TEST(Explain, CallSiteWithWrapperChain) {
  RunResult r = Cli({"explain", "-q", Fixture("mkdir"), "mkdirat"});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\nmkdirat (258)\n"));
  // Go 1.19 amd64: the number reaches syscall.Syscall in AX, which hands it
  // to RawSyscall6 and runtime/internal/syscall.Syscall6's SYSCALL.
  EXPECT_THAT(
      r.out,
      MatchesRegex(
          "(.|\n)*\n  syscall\\.Mkdirat \\(/[^ ]*/syscall/zsyscall_linux_amd64"
          "\\.go:[0-9]+\\) at 0x[0-9a-f]+: constant 0x102 passed to "
          "syscall\\.Syscall -> syscall\\.RawSyscall6 -> runtime/internal/"
          "syscall\\.Syscall6 -> SYSCALL at 0x[0-9a-f]+\n(.|\n)*"));
  EXPECT_THAT(r.out, Not(HasSubstr("runtime preset docker:")));
}

TEST(Explain, PresetGroupAndVdsoSources) {
  RunResult r = Cli({"explain", "-q", Fixture("hello"), "execve",
                     "restart_syscall", "clock_gettime", "futex"});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\n--runtime docker: preset measured with runc 1.1.5"));
  // hello never execs: execve is there for runc's own exec of the program.
  EXPECT_THAT(r.out,
              HasSubstr("\nexecve (59)\n  runtime preset docker: execve of the "
                        "container process itself"));
  EXPECT_THAT(
      r.out,
      HasSubstr("\nrestart_syscall (219)\n  always-allowed: issued by the "
                "kernel's own restart path"));
  EXPECT_THAT(
      r.out,
      HasSubstr("  vDSO fallback: the Go runtime calls __vdso_clock_gettime"));
  // futex: the runtime's own site *and* the runc preset.
  EXPECT_THAT(
      r.out,
      MatchesRegex("(.|\n)*\nfutex \\(202\\)\n  runtime\\.futex \\([^)]*\\) at "
                   "0x[0-9a-f]+: constant 0xca in AX at the SYSCALL\n  runtime "
                   "preset docker: (.|\n)*"));
}

TEST(Explain, NotInTheProfile) {
  RunResult r = Cli({"explain", "-q", Fixture("hello"), "mkdirat"});
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_THAT(r.out, HasSubstr("mkdirat (258)\n  not allowed by the profile"));
  // Without the container runtime nothing adds execve to hello's profile.
  r = Cli({"explain", "-q", Fixture("hello"), "--runtime", "none", "execve"});
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_THAT(r.out, HasSubstr("\n--runtime none: no container runtime preset\n"));
}

TEST(Explain, NamesAndNumbersOfTheBinarysArch) {
  RunResult r = Cli({"explain", "-q", Fixture("hello"), "39"});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\ngetpid (39)\n"));
  // arm64 numbers and names: 39 is umount2 there, which hello never calls.
  r = Cli({"explain", "-q", Fixture("hello", "arm64"), "39"});
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_THAT(r.out, HasSubstr("\numount2 (39)\n  not allowed"));
  r = Cli({"explain", "-q", Fixture("hello"), "no_such_call"});
  EXPECT_EQ(r.exit_code(), 2);
  EXPECT_THAT(r.err, HasSubstr("\"no_such_call\" is not a syscall of x86_64"));
  r = Cli({"explain", "-q", Fixture("hello", "arm64"),
           "open"});  // no open on arm64
  EXPECT_EQ(r.exit_code(), 2);
}

TEST(Explain, LongSiteListsAreCut) {
  // mkdir's getpid: 3 runtime sites + syscall.forkAndExecInChild1's.
  RunResult r =
      Cli({"explain", "-q", Fixture("mkdir"), "getpid", "--sites", "2"});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  EXPECT_THAT(r.out, MatchesRegex(
                         "(.|\n)*\n  \\.\\.\\. and [0-9]+ more sites in [0-9]+ "
                         "functions? \\(--all lists them\\)\n(.|\n)*"));
  RunResult all = Cli({"explain", "-q", Fixture("mkdir"), "getpid", "--all"});
  ASSERT_TRUE(all.exited_ok()) << all.err;
  EXPECT_THAT(all.out, Not(HasSubstr("--all lists them")));
  EXPECT_GT(all.out.size(), r.out.size());
}

TEST(Explain, JsonForTools) {
  RunResult r = Cli({"explain", "-q", "--json", Fixture("mkdir"), "mkdirat",
                     "execve", "ptrace", "reboot"});
  EXPECT_EQ(r.exit_code(), 1);  // reboot is not allowed
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["arch"], "x86_64");
  EXPECT_EQ(j["runtime"], "docker");
  ASSERT_EQ(j["syscalls"].size(), 4u);
  const auto& mkdirat = j["syscalls"][0];
  EXPECT_EQ(mkdirat["name"], "mkdirat");
  EXPECT_EQ(mkdirat["number"], 258);
  EXPECT_EQ(mkdirat["allowed"], true);
  const auto& site = mkdirat["sites"][0];
  EXPECT_EQ(site["function"], "syscall.Mkdirat");
  EXPECT_EQ(site["how"], "constant-to-wrapper");
  EXPECT_THAT(site["file"].get<std::string>(),
              HasSubstr("zsyscall_linux_amd64.go"));
  const auto& chain = site["chains"][0];
  EXPECT_EQ(chain[0]["function"], "syscall.Syscall");
  EXPECT_EQ(chain.back()["syscall_instruction"], "SYSCALL");
  // execve: the fork/exec code and runc's exec.
  const auto& execve = j["syscalls"][1];
  EXPECT_FALSE(execve["sites"].empty());
  EXPECT_EQ(execve["sources"][0]["kind"], "runtime-preset");
  EXPECT_EQ(j["syscalls"][3]["allowed"], false);
  EXPECT_TRUE(j["syscalls"][3]["sites"].empty());
}

// Provenance is complete: every name of the profile `go2seccomp BIN OUT`
// writes has at least one call site or group/preset entry, and explain
// covers exactly those names.
class ExplainCoversProfile
    : public ::testing::TestWithParam<
          std::tuple<std::string, std::string, std::string>> {};

TEST_P(ExplainCoversProfile, EveryAllowedNameHasAReason) {
  const auto& [variant, name, runtime] = GetParam();
  test_util::TempDir tmp;
  const std::string out = (tmp.path() / "p.json").string();
  RunResult a = Cli({Fixture(name, variant), out, "-q", "--runtime", runtime});
  ASSERT_TRUE(a.exited_ok()) << a.err;
  const std::set<std::string> allowed =
      test_util::AllowedNames(test_util::ReadProfile(out)).unconditional;
  RunResult e = Cli({"explain", "-q", "--json", Fixture(name, variant),
                     "--runtime", runtime});
  ASSERT_TRUE(e.exited_ok()) << e.err;
  const auto j = nlohmann::json::parse(e.out);
  std::set<std::string> explained;
  for (const auto& s : j["syscalls"]) {
    explained.insert(s["name"].get<std::string>());
    EXPECT_TRUE(s["allowed"].get<bool>());
    EXPECT_GT(s["sites"].size() + s["sources"].size(), 0u) << s["name"];
  }
  EXPECT_EQ(explained, allowed);
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, ExplainCoversProfile,
    ::testing::Values(std::make_tuple("amd64", "hello", "docker"),
                      std::make_tuple("amd64", "mkdir", "crun"),
                      std::make_tuple("amd64", "execproc", "none"),
                      std::make_tuple("amd64-pie", "hello", "docker"),
                      std::make_tuple("amd64-stripped", "filecopy", "runc"),
                      std::make_tuple("arm64", "httpsrv", "docker")));

}  // namespace
}  // namespace go2seccomp
