// `--args`: argument filters where every call site passes constants. The
// generated filter is compiled with libseccomp and evaluated on fake
// seccomp_data: the proven values pass, anything else is denied; and the
// fixtures still run under the tighter profiles.
#include <gtest/gtest.h>
#include <linux/sched.h>

#include <filesystem>
#include <fstream>

#include "go2seccomp/profile/bpf_eval.h"
#include "go2seccomp/profile/oci_json.h"
#include "go2seccomp/runtime/filter.h"
#include "go2seccomp/syscalls/table.h"
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

profile::Profile ArgsProfile(const std::string& bin, const fs::path& out) {
  RunResult r = RunProgram({G2S_CLI, bin, out.string(), "--args", "--runtime", "none"});
  EXPECT_TRUE(r.exited_ok()) << r.err;
  return test_util::ReadProfile(out);
}

class Evaluator {
 public:
  explicit Evaluator(const profile::Profile& p) {
    auto f = runtime::CompileFilter(p, runtime::FilterOptions{});
    EXPECT_TRUE(f) << (f ? "" : f.error().message);
    if (!f) return;
    auto prog = runtime::ExportBpf(*f);
    EXPECT_TRUE(prog);
    if (prog) prog_ = *prog;
  }
  bool Allows(const char* name, std::initializer_list<std::uint64_t> args) const {
    auto nr = syscalls::NumberOf(Arch::kX86_64, name);
    EXPECT_TRUE(nr) << name;
    seccomp_data d = profile::MakeSeccompData(Arch::kX86_64, static_cast<std::uint32_t>(*nr));
    int i = 0;
    for (std::uint64_t a : args) d.args[i++] = a;
    auto ret = profile::EvaluateBpf(prog_, d);
    EXPECT_TRUE(ret);
    return ret && profile::ActionFromSeccompRet(*ret) == profile::Action::Allow();
  }

 private:
  std::vector<sock_filter> prog_;
};

// Go 1.19's runtime calls fcntl with F_SETFD (closeonexec), F_GETFL
// (IsNonblock) and F_SETFL (setNonblock) only, and clone with its fixed
// cloneFlags | CLONE_SETTLS (runtime/os_linux.go, sys_linux_amd64.s).
TEST(ArgsFilters, HelloProvesFcntlAndCloneArguments) {
  TempDir tmp;
  const profile::Profile p = ArgsProfile(Fixture("hello"), tmp.path() / "p.json");
  Evaluator e(p);
  EXPECT_TRUE(e.Allows("fcntl", {0, 2 /*F_SETFD*/, 1}));
  EXPECT_TRUE(e.Allows("fcntl", {0, 3 /*F_GETFL*/}));
  EXPECT_TRUE(e.Allows("fcntl", {0, 4 /*F_SETFL*/, 0x800}));
  EXPECT_FALSE(e.Allows("fcntl", {0, 0 /*F_DUPFD*/, 10}));
  EXPECT_FALSE(e.Allows("fcntl", {0, 1030 /*F_DUPFD_CLOEXEC*/, 10}));
  const std::uint64_t go_clone = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
                                 CLONE_SYSVSEM | CLONE_THREAD | CLONE_SETTLS;
  EXPECT_TRUE(e.Allows("clone", {go_clone}));
  EXPECT_FALSE(e.Allows("clone", {go_clone | CLONE_NEWUSER}));
  EXPECT_FALSE(e.Allows("clone", {CLONE_NEWNET}));
  // The profile says the same (allowance.h): fcntl for some arguments.
  EXPECT_TRUE(p.Allows("write"));
  EXPECT_EQ(p.ActionFor("write"), profile::Action::Allow());
  EXPECT_TRUE(p.Allows("fcntl"));
  EXPECT_EQ(p.ActionFor("fcntl"), profile::Action::Errno());
}

// execproc (os/exec): prctl and ioctl arguments come from the fork/exec
// code's constants; clone there takes SysProcAttr.Cloneflags, a runtime
// value, so it stays unconditional.
TEST(ArgsFilters, ExecprocProvesPrctlAndIoctl) {
  TempDir tmp;
  const profile::Profile p = ArgsProfile(Fixture("execproc"), tmp.path() / "p.json");
  Evaluator e(p);
  EXPECT_TRUE(e.Allows("prctl", {1 /*PR_SET_PDEATHSIG*/, 9}));
  EXPECT_FALSE(e.Allows("prctl", {22 /*PR_SET_SECCOMP*/, 2}));
  EXPECT_TRUE(e.Allows("ioctl", {0, 0x540e /*TIOCSCTTY*/}));
  EXPECT_FALSE(e.Allows("ioctl", {0, 0x5412 /*TIOCSTI*/}));
  EXPECT_TRUE(p.Allows("clone"));
}

// The fixtures run under their --args profiles.
TEST(ArgsFilters, FixturesRunUnderTighterProfiles) {
  G2S_REQUIRE_SECCOMP();
  TempDir tmp;
  std::ofstream(tmp.path() / "src.txt") << "data";
  struct Case {
    std::string name;
    std::vector<std::string> args;
    std::string expect;
  };
  for (const Case& c : std::vector<Case>{
           {"hello", {}, "hello, world"},
           {"httpsrv", {}, "hello /gopher"},
           {"mkdir", {(tmp.path() / "made").string()}, "created"},
           {"execproc", {Fixture("hello")}, "ran"},
           {"filecopy", {(tmp.path() / "src.txt").string(), (tmp.path() / "dst.txt").string()},
            "copied 4 bytes"}}) {
    const fs::path prof = tmp.path() / (c.name + ".json");
    RunResult r = RunProgram({G2S_CLI, Fixture(c.name), prof.string(), "--args", "--runtime",
                              "none", "--with", Fixture("hello")});
    ASSERT_TRUE(r.exited_ok()) << c.name << r.err;
    std::vector<std::string> argv = {G2S_CLI, "exec", "--profile", prof.string(), "--",
                                     Fixture(c.name)};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    r = RunProgram(argv);
    EXPECT_TRUE(r.exited_ok()) << c.name << ": " << r.exit_code() << r.err;
    EXPECT_NE(r.out.find(c.expect), std::string::npos) << c.name << ": " << r.out;
  }
}

}  // namespace
}  // namespace go2seccomp
