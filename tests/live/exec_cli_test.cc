// `go2seccomp exec` and `analyze` end to end for what the profile denies:
// the summary the launcher prints when a program fails under a profile,
// --audit, --default-action and --unknown-enosys. The mkdir fixture (the
// blog's program) under its own profile minus mkdirat is the running
// example: the launcher must name mkdirat and main.main in mkdir/main.go,
// for the plain, PIE (load bias) and stripped builds.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "go2seccomp/base/arch.h"
#include "go2seccomp/runtime/launch.h"
#include "go2seccomp/syscalls/table.h"
#include "tests/common/files.h"
#include "tests/common/process_util.h"

namespace go2seccomp {
namespace {

using test_util::Fixture;

namespace fs = std::filesystem;
using test_util::ReadFile;
using test_util::RunProgram;
using test_util::RunResult;
using test_util::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kCli = G2S_CLI;

#define REQUIRE_AMD64()                                                     \
  do {                                                                      \
    if (HostArch() != Arch::kX86_64) GTEST_SKIP() << "amd64 fixtures only"; \
  } while (false)

#define REQUIRE_SUPERVISION()                                           \
  do {                                                                  \
    if (!runtime::SupervisionAvailable()) {                             \
      GTEST_SKIP() << "no seccomp user notification (SECCOMP_RET_USER_" \
                      "NOTIF) or pidfd_open in this kernel";            \
    }                                                                   \
  } while (false)

std::string Nr(const char* name) {
  return std::to_string(*syscalls::NumberOf(HostArch(), name));
}

// The analysed profile of `bin` (--runtime none) with `drop` removed.
fs::path ProfileWithout(const std::string& bin, const std::string& drop,
                        const fs::path& dir) {
  const fs::path full = dir / "full.json";
  RunResult r =
      RunProgram({kCli, bin, full.string(), "--runtime", "none", "-q"});
  EXPECT_TRUE(r.exited_ok()) << r.err;
  nlohmann::json p = nlohmann::json::parse(ReadFile(full), nullptr, false);
  EXPECT_FALSE(p.is_discarded());
  auto& names = p["syscalls"][0]["names"];
  for (auto it = names.begin(); it != names.end(); ++it) {
    if (*it == drop) {
      names.erase(it);
      break;
    }
  }
  const fs::path out = dir / ("without-" + drop + ".json");
  std::ofstream(out) << p.dump(4);
  return out;
}

class MkdirExecTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    REQUIRE_AMD64();
    G2S_REQUIRE_SECCOMP();
    bin_ = Fixture("mkdir", GetParam());
    profile_ = ProfileWithout(bin_, "mkdirat", tmp_.path());
  }
  std::string Dir(const std::string& name) {
    return (tmp_.path() / name).string();
  }

  TempDir tmp_;
  std::string bin_;
  fs::path profile_;
};

// The program fails (EPERM) and the launcher says which syscall and where.
TEST_P(MkdirExecTest, FailureSummaryNamesSyscallAndGoFunction) {
  REQUIRE_SUPERVISION();
  RunResult r = RunProgram(
      {kCli, "exec", "--profile", profile_.string(), "--", bin_, Dir("d")});
  EXPECT_EQ(r.exit_code(), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("mkdir: operation not permitted"));
  EXPECT_THAT(r.err, HasSubstr("exited with status 1; the profile denied:"));
  EXPECT_THAT(r.err, HasSubstr("mkdirat (nr " + Nr("mkdirat") +
                               ") [SCMP_ACT_ERRNO(1)], 1 call: thread "));
  EXPECT_THAT(r.err, HasSubstr("in main.main ("));
  EXPECT_THAT(r.err, HasSubstr("tests/testdata/go/mkdir/main.go"));
  EXPECT_FALSE(fs::exists(Dir("d")));

  // --no-supervise: the kernel answers alone; the same failure, no summary.
  RunResult k = RunProgram({kCli, "exec", "--no-supervise", "--profile",
                            profile_.string(), "--", bin_, Dir("d")});
  EXPECT_EQ(k.exit_code(), 1);
  EXPECT_THAT(k.err, HasSubstr("mkdir: operation not permitted"));
  EXPECT_THAT(k.err, Not(HasSubstr("the profile denied")));
}

// --audit: the program runs unbroken and the denial is reported once.
TEST_P(MkdirExecTest, AuditRunsUnbrokenAndReportsWhere) {
  REQUIRE_SUPERVISION();
  RunResult r = RunProgram({kCli, "exec", "--audit", "-v", "--profile",
                            profile_.string(), "--", bin_, Dir("a")});
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_EQ(r.out, "created " + Dir("a") + "\n");
  EXPECT_TRUE(fs::is_directory(Dir("a")));
  EXPECT_THAT(
      r.err, HasSubstr("audit: would deny mkdirat (nr " + Nr("mkdirat") + ")"));
  EXPECT_THAT(r.err, HasSubstr("in main.main ("));
  EXPECT_THAT(r.err, HasSubstr("mkdir/main.go"));
  EXPECT_THAT(r.err, HasSubstr("via syscall.Mkdirat > syscall.Syscall"));
  EXPECT_THAT(r.err, HasSubstr("audit: the profile would have denied 1 syscall "
                               "(1 call): mkdirat x1"));
}

// Kill-process: the launcher names the syscall that killed the program.
TEST_P(MkdirExecTest, KillProcessNamesTheSyscall) {
  REQUIRE_SUPERVISION();
  RunResult r =
      RunProgram({kCli, "exec", "--default-action", "kill-process", "--profile",
                  profile_.string(), "--", bin_, Dir("k")});
  EXPECT_EQ(r.exit_code(), 128 + 31)
      << r.err;  // 159: SIGSYS, as the kernel's kill
  EXPECT_THAT(
      r.err,
      HasSubstr("was killed by the profile's SCMP_ACT_KILL_PROCESS action "
                "for mkdirat"));
  EXPECT_THAT(r.err, HasSubstr("in main.main ("));
  EXPECT_FALSE(fs::exists(Dir("k")));
}

INSTANTIATE_TEST_SUITE_P(Variants, MkdirExecTest,
                         ::testing::Values("amd64", "amd64-pie",
                                           "amd64-stripped"),
                         [](const auto& p) {
                           std::string n = p.param;
                           std::erase(n, '-');
                           return n;
                         });

// Trap stays with the kernel: Go's runtime prints the SIGSYS itself and
// exits 2; the launcher points at --audit.
TEST(ExecCliTest, TrapIsLeftToTheKernelWithAHint) {
  REQUIRE_AMD64();
  G2S_REQUIRE_SECCOMP();
  REQUIRE_SUPERVISION();
  TempDir tmp;
  const std::string bin = Fixture("mkdir", "amd64");
  const fs::path p = ProfileWithout(bin, "mkdirat", tmp.path());
  RunResult r =
      RunProgram({kCli, "exec", "--default-action", "trap", "--profile",
                  p.string(), "--", bin, (tmp.path() / "t").string()});
  EXPECT_EQ(r.exit_code(), 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("SIGSYS: bad system call"));
  EXPECT_THAT(r.err,
              HasSubstr("`go2seccomp exec --audit` lists every syscall"));
}

// --audit --analyze on a program that execs another: the Go program's
// profile (which has its execve: os/exec) lacks what the dynamically linked
// /bin/true does; those calls are listed with the library their pc is in,
// and everything still runs.
TEST(ExecCliTest, AuditAnalyzeListsWhatAnExecNeeds) {
  REQUIRE_AMD64();
  G2S_REQUIRE_SECCOMP();
  REQUIRE_SUPERVISION();
  TempDir tmp;
  const std::string dir = (tmp.path() / "x").string();
  RunResult r = RunProgram({kCli, "exec", "--audit", "--analyze", "--",
                            Fixture("mkdir", "amd64"), dir, "/bin/true"});
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_TRUE(fs::is_directory(dir));
  EXPECT_THAT(r.err, HasSubstr("audit: would deny mprotect (nr " +
                               Nr("mprotect") + ")"));
  EXPECT_THAT(r.err, ::testing::ContainsRegex(
                         R"(at 0x[0-9a-f]+ \(/[^ ]*ld-linux[^ ]*\+0x)"));
  EXPECT_THAT(r.err, HasSubstr("audit: the profile would have denied"));
}

// exec --analyze finds PROG on PATH as execvp does: a directory of the
// same name earlier on PATH is skipped (it once was analysed, and failed as
// "not a regular file"), and it takes analyze's options (--args, --stats).
TEST(ExecCliTest, AnalyzeFindsProgramOnPathPastADirectory) {
  REQUIRE_AMD64();
  G2S_REQUIRE_SECCOMP();
  TempDir tmp;
  fs::create_directories(tmp.path() / "shadow" / "hello");
  const std::string path =
      (tmp.path() / "shadow").string() + ":" +
      fs::path(Fixture("hello", "amd64")).parent_path().string() +
      ":/usr/bin:/bin";
  RunResult r = RunProgram({"/usr/bin/env", "PATH=" + path, kCli, "exec",
                            "--analyze", "--args", "--stats", "--", "hello"});
  EXPECT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("hello"));
  EXPECT_THAT(r.err, HasSubstr("fixtures/amd64/hello: go1."));
  EXPECT_THAT(r.err, HasSubstr("phases: load+pclntab"));
}

TEST(ExecCliTest, AnalyzeDefaultActionAndUnknownEnosys) {
  REQUIRE_AMD64();
  auto analyze = [](std::vector<std::string> extra) {
    std::vector<std::string> argv = {
        kCli, "analyze", Fixture("hello", "amd64"), "--runtime", "none", "-q"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    RunResult r = RunProgram(argv);
    EXPECT_TRUE(r.exited_ok()) << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  };
  EXPECT_EQ(analyze({})["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(analyze({"--default-action", "kill-process"})["defaultAction"],
            "SCMP_ACT_KILL_PROCESS");
  EXPECT_EQ(analyze({"--default-action", "trap"})["defaultAction"],
            "SCMP_ACT_TRAP");
  EXPECT_EQ(analyze({"--default-action", "log"})["defaultAction"],
            "SCMP_ACT_LOG");
  nlohmann::json e = analyze({"--errno", "38"});
  EXPECT_EQ(e["defaultAction"], "SCMP_ACT_ERRNO");
  EXPECT_EQ(e["defaultErrnoRet"], 38);

  nlohmann::json n = analyze({"--unknown-enosys"});
  bool clone3_enosys = false;
  for (const auto& rule : n["syscalls"]) {
    if (rule["action"] == "SCMP_ACT_ERRNO" && rule.value("errnoRet", 0) == 38) {
      for (const auto& name : rule["names"]) clone3_enosys |= name == "clone3";
    }
  }
  EXPECT_TRUE(clone3_enosys) << n.dump(2);

  RunResult bad = RunProgram({kCli, "analyze", Fixture("hello", "amd64"),
                              "--default-action", "allow"});
  EXPECT_FALSE(bad.exited_ok());
  EXPECT_THAT(bad.err, HasSubstr("--default-action"));
}

// exec --unknown-enosys: a syscall newer than go2seccomp's table gets
// ENOSYS instead of the profile's EPERM.
TEST(ExecCliTest, UnknownEnosysForNewerSyscalls) {
  G2S_REQUIRE_SECCOMP();
  G2S_REQUIRE_STRACE();
  TempDir tmp;
  const std::string nr =
      std::to_string(runtime::HighestKnownNumber(HostArch()) + 1);
  const std::vector<std::string> prog = {G2S_LIVE_HELPER, "5", nr};
  nlohmann::json names = nlohmann::json::array();
  for (const std::string& n : test_util::StraceOwnSyscalls(prog, tmp.path()))
    names.push_back(n);
  names.push_back("exit_group");
  const nlohmann::json profile = {
      {"defaultAction", "SCMP_ACT_ERRNO"},
      {"architectures", {std::string(GetArchInfo(HostArch()).oci_name)}},
      {"syscalls", {{{"names", names}, {"action", "SCMP_ACT_ALLOW"}}}}};
  const fs::path p = tmp.path() / "helper.json";
  std::ofstream(p) << profile.dump();
  std::vector<std::string> plain = {kCli, "exec", "--profile", p.string(),
                                    "--"};
  plain.insert(plain.end(), prog.begin(), prog.end());
  RunResult r = RunProgram(plain);
  EXPECT_EQ(r.out, "syscall " + nr + ": errno 1\n") << r.err;
  std::vector<std::string> enosys = {
      kCli, "exec", "--unknown-enosys", "--profile", p.string(), "--"};
  enosys.insert(enosys.end(), prog.begin(), prog.end());
  RunResult e = RunProgram(enosys);
  EXPECT_EQ(e.out, "syscall " + nr + ": errno 38\n") << e.err;
}

}  // namespace
}  // namespace go2seccomp
