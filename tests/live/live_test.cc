// Live tests: programs run under real seccomp filters installed by
// runtime::Launch (and, when the CLI is built, by `go2seccomp exec`).
//
// Profiles of "exactly what a program uses" are made the way minijail's
// generate_seccomp_policy.py makes them: trace the program with
// `strace -f -qq`, map the names through our syscall table,
// add the always-allowed group. The traced run's own execve is left out:
// the launcher's execve exception covers it, and leaving it out is what lets
// the tests show that the confined program itself cannot exec.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "go2seccomp/base/arch.h"
#include "go2seccomp/profile/builder.h"
#include "go2seccomp/profile/groups.h"
#include "go2seccomp/profile/oci_json.h"
#include "go2seccomp/runtime/launch.h"
#include "go2seccomp/syscalls/table.h"
#include "tests/common/files.h"
#include "tests/common/process_util.h"

namespace go2seccomp {
namespace {

using profile::Action;
using profile::Profile;
using ::testing::HasSubstr;
using ::testing::Not;

namespace fs = std::filesystem;

constexpr int kSigsysExit = runtime::kExitSignalBase + SIGSYS;  // 159

using test_util::HostFixture;
using test_util::ReadFile;

// Runs argv with stdout/stderr to files; returns the wait status.
int Spawn(const std::vector<std::string>& argv, const fs::path& out,
          const fs::path& err) {
  test_util::SpawnOptions options;
  options.stdout_path = out;
  options.stderr_path = err;
  return test_util::Spawn(argv, options);
}

// Whether strace can trace here (G2S_STRACE: CMake found it).
bool StraceWorks() {
#ifdef G2S_STRACE
  return test_util::StraceAvailable();
#else
  return false;
#endif
}

#define REQUIRE_STRACE()                                             \
  do {                                                               \
    if (!StraceWorks()) {                                            \
      GTEST_SKIP() << "strace is missing or ptrace is not allowed, " \
                      "so no profile can be traced";                 \
    }                                                                \
  } while (false)

// Syscall names `argv` makes, per `strace -f`, minus its own first execve.
std::set<std::string> Trace(const std::vector<std::string>& argv,
                            const fs::path& dir) {
  const test_util::StraceRun run =
      test_util::StraceAllSyscalls(argv, dir, /*keep_unknown=*/false);
  EXPECT_TRUE(WIFEXITED(run.status)) << "strace status " << run.status;
  EXPECT_FALSE(run.names.empty()) << ReadFile(dir / "trace.err");
  return run.names;
}

// What a Go 1.19 program may call depending on timing rather than on its
// code path, so one strace run can miss it and the next run need it:
// sysmon's netpoll (runtime/proc.go sysmon -> netpoll_epoll.go epoll_pwait,
// after netpollinit's epoll_create1/pipe2/epoll_ctl), its sleeps (usleep ->
// nanosleep), async preemption (preemptM -> tgkill(getpid(), ...), since Go
// 1.14), GC scavenging (madvise) and new Ms (clone, sigaltstack, gettid).
// Added to profiles traced from Go fixtures; none of it is execve.
const std::set<std::string> kGoRuntimeTimingDependent = {
    "clone",          "epoll_create1", "epoll_ctl",   "epoll_pwait",
    "futex",          "getpid",        "gettid",      "madvise",
    "mmap",           "munmap",        "nanosleep",   "pipe2",
    "rt_sigprocmask", "sched_yield",   "sigaltstack", "tgkill",
};

std::set<std::string> TraceGo(const std::vector<std::string>& argv,
                              const fs::path& dir) {
  std::set<std::string> names = Trace(argv, dir);
  names.insert(kGoRuntimeTimingDependent.begin(),
               kGoRuntimeTimingDependent.end());
  return names;
}

Profile ProfileOf(const std::set<std::string>& names,
                  Action default_action = Action::Errno(EPERM)) {
  std::vector<std::string> list(names.begin(), names.end());
  Result<Profile> p = profile::ProfileBuilder()
                          .DefaultAction(default_action)
                          .Arches({HostArch()})
                          .Allow(list)
                          .Allow(profile::AlwaysAllowed())
                          .Build();
  EXPECT_TRUE(p) << p.error().message;
  return p.value_or(Profile{});
}

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
  std::string report;
};

class LiveTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.empty()); }

  Outcome Launch(std::vector<std::string> argv, const Profile& p) {
    runtime::LaunchOptions options;
    options.argv = std::move(argv);
    options.profile = p;
    return Launch(std::move(options)).first;
  }

  // Runs with the given options (argv, profile, denial handling, ...);
  // stdout/stderr and reports are captured.
  std::pair<Outcome, runtime::LaunchResult> Launch(
      runtime::LaunchOptions options) {
    Outcome o;
    fs::path out = dir_ / "launch.out";
    fs::path err = dir_ / "launch.err";
    int out_fd =
        open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int err_fd =
        open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    options.stdout_fd = out_fd;
    options.stderr_fd = err_fd;
    options.report = [&](std::string_view m) {
      o.report += std::string(m) + "\n";
    };
    Result<runtime::LaunchResult> r = runtime::LaunchProgram(options);
    close(out_fd);
    close(err_fd);
    EXPECT_TRUE(r) << r.error().message;
    o.exit_code = r ? r->exit_code : -1;
    o.out = ReadFile(out);
    o.err = ReadFile(err);
    return {o, r.value_or(runtime::LaunchResult{})};
  }

  test_util::TempDir tmp_;
  const fs::path& dir_ = tmp_.path();
};

// (1) The mkdir fixture under a profile of exactly what it uses runs and
// creates its folder.
TEST_F(LiveTest, MkdirFixtureRunsUnderItsOwnProfile) {
  G2S_REQUIRE_SECCOMP();
  REQUIRE_STRACE();
  std::set<std::string> used =
      TraceGo({HostFixture("mkdir"), (dir_ / "traced").string()}, dir_);
  ASSERT_TRUE(used.count("mkdirat")) << "Go's syscall.Mkdir is mkdirat";
  EXPECT_FALSE(used.count("execve"));

  fs::path made = dir_ / "made";
  Outcome o = Launch({HostFixture("mkdir"), made.string()}, ProfileOf(used));
  EXPECT_EQ(o.exit_code, 0) << o.err << o.report;
  EXPECT_TRUE(fs::is_directory(made));
  EXPECT_EQ(o.out, "created " + made.string() + "\n");
  EXPECT_EQ(o.err, "");
  EXPECT_EQ(o.report, "");

  // Without mkdirat the same run fails the way the blog post describes.
  std::set<std::string> without = used;
  without.erase("mkdirat");
  Outcome denied = Launch({HostFixture("mkdir"), (dir_ / "no").string()},
                          ProfileOf(without));
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_THAT(denied.err, HasSubstr("mkdir: operation not permitted"));
  EXPECT_FALSE(fs::exists(dir_ / "no"));
}

// (2) The blog demonstration: mkdir DIR /bin/ls -l DIR under a profile of
// the fixture's own syscalls. The launcher's execve exception does not
// extend to the Go program: its exec of /bin/ls is denied.
TEST_F(LiveTest, ProgramCannotExecWithoutExecveInItsProfile) {
  G2S_REQUIRE_SECCOMP();
  REQUIRE_STRACE();
  // Trace a run that does exec, so the profile has everything os/exec needs
  // (pipe2, clone, wait4, ...), then take execve out.
  std::set<std::string> used = TraceGo(
      {HostFixture("mkdir"), (dir_ / "traced").string(), "/bin/true"}, dir_);
  used.erase("execve");

  fs::path blog = dir_ / "blog";
  Outcome o = Launch(
      {HostFixture("mkdir"), blog.string(), "/bin/ls", "-l", blog.string()},
      ProfileOf(used));
  EXPECT_EQ(o.exit_code, 3) << o.err << o.report;  // the fixture's "exec:" exit
  EXPECT_TRUE(fs::is_directory(blog));
  EXPECT_EQ(o.out, "created " + blog.string() + "\n");
  EXPECT_THAT(o.err, HasSubstr("/bin/ls"));
  EXPECT_THAT(o.err, HasSubstr("operation not permitted"));

  // Control: with execve in the profile, ls runs ("total 0": empty dir).
  std::set<std::string> with_exec = used;
  with_exec.insert("execve");
  // ls is dynamically linked: give it what it needs too.
  std::set<std::string> ls = Trace({"/bin/ls", "-l", blog.string()}, dir_);
  with_exec.insert(ls.begin(), ls.end());
  fs::path ok = dir_ / "ok";
  Outcome control =
      Launch({HostFixture("mkdir"), ok.string(), "/bin/ls", "-l", ok.string()},
             ProfileOf(with_exec));
  EXPECT_EQ(control.exit_code, 0) << control.err;
  EXPECT_THAT(control.out, HasSubstr("total 0"));
}

class HelperTest : public LiveTest {
 protected:
  // The helper's baseline syscalls: no getppid, nothing of modes 2 and 3.
  Profile Baseline(Action default_action = Action::Errno(EPERM)) {
    std::set<std::string> used = Trace({G2S_LIVE_HELPER, "0"}, dir_);
    EXPECT_FALSE(used.count("getppid"));
    EXPECT_FALSE(used.count("getpid"));
    return ProfileOf(used, default_action);
  }
};

// (3) A syscall outside the profile fails with EPERM, or the errno asked.
TEST_F(HelperTest, SyscallOutsideProfileGetsErrno) {
  G2S_REQUIRE_SECCOMP();
  REQUIRE_STRACE();
  Outcome o = Launch({G2S_LIVE_HELPER, "1"}, Baseline());
  EXPECT_EQ(o.exit_code, 0) << o.report;
  EXPECT_EQ(o.out, "getppid: errno 1\n");  // EPERM

  o = Launch({G2S_LIVE_HELPER, "1"}, Baseline(Action::Errno(ENOSYS)));
  EXPECT_EQ(o.out, "getppid: errno 38\n");

  Profile allowed = Baseline();
  allowed.rules.push_back(profile::Rule::Make({"getppid"}, Action::Allow()));
  o = Launch({G2S_LIVE_HELPER, "1"}, allowed);
  EXPECT_EQ(o.out, "getppid: allowed\n");
}

// (4) i386 `int $0x80` from a 64-bit process and x32 numbers never get
// through an x86_64 profile: the bad-arch action kills the process.
TEST_F(HelperTest, I386AndX32CallsAreKilled) {
  if (HostArch() != Arch::kX86_64) GTEST_SKIP() << "x86_64 only";
  G2S_REQUIRE_SECCOMP();
  REQUIRE_STRACE();
  // Unconfined, the kernel runs the i386 call (if IA32 emulation is on).
  int status = Spawn({G2S_LIVE_HELPER, "2"}, dir_ / "i.out", dir_ / "i.err");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    GTEST_SKIP() << "int $0x80 does not work here (IA32 emulation off)";
  }
  EXPECT_THAT(ReadFile(dir_ / "i.out"), HasSubstr("returned "));

  // Even a profile that allows getpid by name (x86_64's 39) does not let
  // the i386 getpid (20 via int 0x80) through.
  Profile p = Baseline();
  p.rules.push_back(profile::Rule::Make({"getpid"}, Action::Allow()));
  Outcome o = Launch({G2S_LIVE_HELPER, "2"}, p);
  EXPECT_EQ(o.exit_code, kSigsysExit) << o.out;
  EXPECT_EQ(o.out, "");
  EXPECT_THAT(o.report, HasSubstr("killed by SIGSYS"));

  o = Launch({G2S_LIVE_HELPER, "3"}, p);
  EXPECT_EQ(o.exit_code, kSigsysExit) << o.out;
  EXPECT_THAT(o.out, Not(HasSubstr("allowed")));
}

// (5) Kill-process default: SIGSYS, reported, exit 128 + 31.
TEST_F(HelperTest, KillProcessDefaultReportsSigsys) {
  G2S_REQUIRE_SECCOMP();
  REQUIRE_STRACE();
  Outcome o = Launch({G2S_LIVE_HELPER, "1"}, Baseline(Action::KillProcess()));
  EXPECT_EQ(o.exit_code, kSigsysExit);
  EXPECT_EQ(o.out, "");
  EXPECT_THAT(o.report,
              HasSubstr("was killed by SIGSYS: a syscall was blocked by the "
                        "seccomp profile"));
}

// (6) The launcher's own exit codes. Needs no tracing: an allow-all profile.
TEST_F(LiveTest, NotFoundAndNotExecutable) {
  G2S_REQUIRE_SECCOMP();
  Profile p;
  p.default_action = Action::Allow();
  p.arches = {HostArch()};

  Outcome o = Launch({"/nonexistent/g2s-prog"}, p);
  EXPECT_EQ(o.exit_code, runtime::kExitNotFound);
  EXPECT_THAT(o.report, HasSubstr("/nonexistent/g2s-prog: not found"));

  o = Launch({"g2s-no-such-program-on-path"}, p);
  EXPECT_EQ(o.exit_code, 127);
  EXPECT_THAT(o.report, HasSubstr("not found in PATH"));

  fs::path plain = dir_ / "not-executable";
  std::ofstream(plain) << "#!/bin/sh\necho hi\n";
  fs::permissions(plain, fs::perms::owner_read | fs::perms::owner_write);
  o = Launch({plain.string()}, p);
  EXPECT_EQ(o.exit_code, runtime::kExitNotExecutable);
  EXPECT_THAT(o.report, HasSubstr("cannot execute: Permission denied"));

  o = Launch({dir_.string()}, p);  // a directory
  EXPECT_EQ(o.exit_code, 126);

  // Found on PATH: argv[0] without a slash.
  o = Launch({"true"}, p);
  EXPECT_EQ(o.exit_code, 0) << o.report;
  o = Launch({"false"}, p);
  EXPECT_EQ(o.exit_code, 1);
}

// The launcher's execve exception: none of the traced profiles has execve
// (Trace leaves the program's own out), yet the program starts.
TEST_F(HelperTest, LauncherExecWorksWithoutExecveInProfile) {
  G2S_REQUIRE_SECCOMP();
  REQUIRE_STRACE();
  Profile p = Baseline(Action::KillProcess());
  ASSERT_FALSE(p.Allows("execve"));
  Outcome o = Launch({G2S_LIVE_HELPER, "0"}, p);
  EXPECT_EQ(o.exit_code, 0) << o.report;
  EXPECT_EQ(o.out, "baseline ok\n");
}

// InstallFilter (libseccomp's seccomp_load) on the calling thread, in a
// forked child so the test process stays unconfined.
TEST_F(LiveTest, InstallFilterConfinesTheCallingProcess) {
  G2S_REQUIRE_SECCOMP();
  Profile p;
  p.default_action = Action::Allow();
  p.arches = {HostArch()};
  p.rules = {profile::Rule::Make({"getppid"}, Action::Errno(42))};
  Result<runtime::Filter> filter = runtime::CompileFilter(p, {});
  ASSERT_TRUE(filter) << filter.error().message;
  pid_t pid = fork();
  if (pid == 0) {
    if (!runtime::InstallFilter(*filter)) _exit(2);
    long r = syscall(SYS_getppid);
    _exit(r == -1 && errno == 42 ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // The test process itself is untouched.
  EXPECT_GT(syscall(SYS_getppid), 0);
}

TEST_F(LiveTest, ProfileMustCoverHostArch) {
  Profile p;
  p.arches = {HostArch() == Arch::kArm64 ? Arch::kX86_64 : Arch::kArm64};
  runtime::LaunchOptions options;
  options.argv = {"true"};
  options.profile = p;
  Result<int> r = runtime::Launch(options);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.error().message, HasSubstr("does not cover"));
}

// Signals sent to the launcher reach the child: SIGTERM -> 128 + 15.
TEST_F(LiveTest, ForwardsSignals) {
  G2S_REQUIRE_SECCOMP();
  Profile p;
  p.default_action = Action::Allow();
  p.arches = {HostArch()};
  fs::path started = dir_ / "started";
  std::thread killer([&] {
    // The child writes the file after the launcher installed its
    // forwarding handlers (they go in before fork).
    for (int i = 0; i < 500 && !fs::exists(started); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(getpid(), SIGTERM);
  });
  Outcome o = Launch(
      {"/bin/sh", "-c", "touch " + started.string() + "; exec sleep 30"}, p);
  killer.join();
  EXPECT_EQ(o.exit_code, runtime::kExitSignalBase + SIGTERM);
}

// --- Supervised and audited denials (seccomp USER_NOTIF) -------------------

#define REQUIRE_SUPERVISION()                                              \
  do {                                                                     \
    if (!runtime::SupervisionAvailable()) {                                \
      GTEST_SKIP() << "this kernel has no seccomp user notification "      \
                      "(SECCOMP_RET_USER_NOTIF) or pidfd_open";            \
    }                                                                      \
  } while (false)

runtime::LaunchOptions Options(std::vector<std::string> argv, const Profile& p,
                               runtime::DenialHandling denials) {
  runtime::LaunchOptions o;
  o.argv = std::move(argv);
  o.profile = p;
  o.denials = denials;
  return o;
}

// The supervisor answers an errno denial with the profile's errno and
// records the call: name, number, thread, and where the pc lies.
TEST_F(HelperTest, SupervisedErrnoDenialIsAnsweredAndRecorded) {
  G2S_REQUIRE_SECCOMP();
  REQUIRE_STRACE();
  REQUIRE_SUPERVISION();
  int first_calls = 0;
  runtime::LaunchOptions o = Options({G2S_LIVE_HELPER, "1"}, Baseline(),
                                     runtime::DenialHandling::kSupervised);
  o.on_denial = [&](const runtime::Denial&) { ++first_calls; };
  auto [out, r] = Launch(std::move(o));
  EXPECT_EQ(out.exit_code, 0) << out.report;
  EXPECT_EQ(out.out, "getppid: errno 1\n");
  EXPECT_TRUE(r.supervised);
  ASSERT_EQ(r.denials.size(), 1u);
  const runtime::Denial& d = r.denials[0];
  EXPECT_EQ(d.name, "getppid");
  EXPECT_EQ(d.nr, *syscalls::NumberOf(HostArch(), "getppid"));
  EXPECT_EQ(d.arch, HostArch());
  EXPECT_EQ(d.action, Action::Errno(EPERM));
  EXPECT_EQ(d.count, 1u);
  EXPECT_EQ(first_calls, 1);
  EXPECT_GT(d.tid, 0);
  EXPECT_EQ(d.tgid, d.tid);  // single-threaded
  EXPECT_EQ(d.exe, fs::canonical(G2S_LIVE_HELPER).string());
  EXPECT_EQ(d.mapping.path, d.exe);  // the pc is in the helper's text
  EXPECT_GE(d.pc, d.mapping.start);
  EXPECT_LT(d.pc, d.mapping.end);
  EXPECT_NE(d.sp, 0u);
  EXPECT_FALSE(d.stack.empty());
  EXPECT_FALSE(r.killed_by);

  // Another errno: the program sees exactly what the kernel would give.
  auto [out38, r38] =
      Launch(Options({G2S_LIVE_HELPER, "1"}, Baseline(Action::Errno(ENOSYS)),
                     runtime::DenialHandling::kSupervised));
  EXPECT_EQ(out38.out, "getppid: errno 38\n");
  ASSERT_EQ(r38.denials.size(), 1u);
  EXPECT_EQ(r38.denials[0].action, Action::Errno(ENOSYS));
}

// Allowed calls never reach the supervisor: only `ret` of denying verdicts
// are routed.
TEST_F(HelperTest, SupervisedAllowedCallsStayInTheKernel) {
  G2S_REQUIRE_SECCOMP();
  REQUIRE_STRACE();
  REQUIRE_SUPERVISION();
  Profile p = Baseline();
  p.rules.push_back(profile::Rule::Make({"getppid"}, Action::Allow()));
  auto [out, r] = Launch(Options({G2S_LIVE_HELPER, "6", "2000"}, p,
                                 runtime::DenialHandling::kSupervised));
  EXPECT_THAT(out.out, HasSubstr("getppid x 2000: allowed"));
  EXPECT_TRUE(r.supervised);
  EXPECT_TRUE(r.denials.empty());
}

// Kill-process: the supervisor kills the process before the call runs and
// the launcher reports it as the profile's kill (exit 159) with the call.
TEST_F(HelperTest, SupervisedKillProcessNamesTheSyscall) {
  G2S_REQUIRE_SECCOMP();
  REQUIRE_STRACE();
  REQUIRE_SUPERVISION();
  auto [out, r] =
      Launch(Options({G2S_LIVE_HELPER, "1"}, Baseline(Action::KillProcess()),
                     runtime::DenialHandling::kSupervised));
  EXPECT_EQ(out.exit_code, kSigsysExit);
  EXPECT_EQ(out.out, "");
  ASSERT_TRUE(r.killed_by);
  EXPECT_EQ(r.denials[*r.killed_by].name, "getppid");
  EXPECT_THAT(out.report,
              HasSubstr("was killed by the profile's SCMP_ACT_KILL_PROCESS "
                        "action for getppid"));
}

// A denial in a forked child of the program is answered and recorded too
// (the filter and its listener are inherited).
TEST_F(HelperTest, SupervisedDenialInAChildProcess) {
  G2S_REQUIRE_SECCOMP();
  REQUIRE_STRACE();
  REQUIRE_SUPERVISION();
  std::set<std::string> used = Trace({G2S_LIVE_HELPER, "7"}, dir_);
  ASSERT_TRUE(used.count("getppid"));
  used.erase("getppid");
  auto [out, r] = Launch(Options({G2S_LIVE_HELPER, "7"}, ProfileOf(used),
                                 runtime::DenialHandling::kSupervised));
  EXPECT_EQ(out.exit_code, 0) << out.report;
  EXPECT_EQ(out.out, "child getppid: errno 1\nchild exited\n");
  ASSERT_EQ(r.denials.size(), 1u);
  EXPECT_EQ(r.denials[0].name, "getppid");
  EXPECT_NE(r.denials[0].tgid, 0);
}

// Audit: a profile whose default kills; the program runs unbroken, every
// denied call runs, and each syscall is reported once (with its count).
TEST_F(HelperTest, AuditRunsUnbrokenAndReportsOnce) {
  G2S_REQUIRE_SECCOMP();
  REQUIRE_STRACE();
  REQUIRE_SUPERVISION();
  int first_calls = 0;
  runtime::LaunchOptions o =
      Options({G2S_LIVE_HELPER, "6", "50"}, Baseline(Action::KillProcess()),
              runtime::DenialHandling::kAudit);
  o.on_denial = [&](const runtime::Denial& d) {
    ++first_calls;
    EXPECT_EQ(d.name, "getppid");
  };
  auto [out, r] = Launch(std::move(o));
  EXPECT_EQ(out.exit_code, 0) << out.report;
  EXPECT_THAT(out.out, HasSubstr("getppid x 50: allowed"));
  EXPECT_EQ(first_calls, 1);
  ASSERT_EQ(r.denials.size(), 1u);
  EXPECT_EQ(r.denials[0].count, 50u);
  EXPECT_EQ(r.denials[0].action, Action::KillProcess());
  EXPECT_FALSE(r.killed_by);
}

// Audit also sees what the bad-arch action would kill: i386 `int $0x80`.
TEST_F(HelperTest, AuditReportsOtherArchCalls) {
  if (HostArch() != Arch::kX86_64) GTEST_SKIP() << "x86_64 only";
  G2S_REQUIRE_SECCOMP();
  REQUIRE_STRACE();
  REQUIRE_SUPERVISION();
  int status = Spawn({G2S_LIVE_HELPER, "2"}, dir_ / "i.out", dir_ / "i.err");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    GTEST_SKIP() << "int $0x80 does not work here (IA32 emulation off)";
  }
  auto [out, r] = Launch(Options({G2S_LIVE_HELPER, "2"}, Baseline(),
                                 runtime::DenialHandling::kAudit));
  EXPECT_EQ(out.exit_code, 0) << out.report;
  EXPECT_THAT(out.out, HasSubstr("int80 getpid: returned "));
  ASSERT_EQ(r.denials.size(), 1u);
  EXPECT_EQ(r.denials[0].arch, Arch::kI386);
  EXPECT_EQ(r.denials[0].name, "getpid");
  EXPECT_EQ(r.denials[0].action, Action::KillProcess());  // bad arch
}

// --unknown-enosys: a number above our table (Linux 6.12) gets ENOSYS, not
// the default errno or kill; known numbers are unaffected.
TEST_F(HelperTest, NumbersAboveTheTableGetEnosys) {
  G2S_REQUIRE_SECCOMP();
  REQUIRE_STRACE();
  const int next = runtime::HighestKnownNumber(HostArch()) + 1;
  const std::string nr = std::to_string(next);
  Profile p = ProfileOf(Trace({G2S_LIVE_HELPER, "5", nr}, dir_));
  runtime::LaunchOptions o = Options({G2S_LIVE_HELPER, "5", nr}, p,
                                     runtime::DenialHandling::kKernel);
  auto [plain, r0] = Launch(o);
  EXPECT_EQ(plain.out, "syscall " + nr + ": errno 1\n");
  o.unknown_enosys = true;
  auto [enosys, r1] = Launch(o);
  EXPECT_EQ(enosys.out, "syscall " + nr + ": errno 38\n");
  p.default_action = Action::KillProcess();
  o.profile = p;
  auto [killed, r2] = Launch(o);
  EXPECT_EQ(killed.exit_code, 0);
  EXPECT_EQ(killed.out, "syscall " + nr + ": errno 38\n");
  // getppid (known, denied) keeps the profile's answer.
  o.argv = {G2S_LIVE_HELPER, "5",
            std::to_string(*syscalls::NumberOf(HostArch(), "getppid"))};
  o.profile = ProfileOf(Trace({G2S_LIVE_HELPER, "5", nr}, dir_));
  auto [known, r3] = Launch(o);
  EXPECT_THAT(known.out, HasSubstr(": errno 1\n"));
}

// glibc >= 2.34 creates threads with clone3 and falls back to clone only on
// ENOSYS: a profile with clone but not clone3 breaks pthread_create unless
// clone3 gets ENOSYS.
TEST_F(HelperTest, Clone3EnosysLetsGlibcFallBackToClone) {
  G2S_REQUIRE_SECCOMP();
  REQUIRE_STRACE();
  std::set<std::string> used = Trace({G2S_LIVE_HELPER, "4"}, dir_);
  if (!used.count("clone3")) {
    GTEST_SKIP() << "this libc does not use clone3 for threads";
  }
  used.erase("clone3");
  used.insert("clone");
  runtime::LaunchOptions o = Options({G2S_LIVE_HELPER, "4"}, ProfileOf(used),
                                     runtime::DenialHandling::kKernel);
  auto [eperm, r0] = Launch(o);
  EXPECT_EQ(eperm.exit_code, 1);
  EXPECT_THAT(eperm.out, HasSubstr("thread: error"));
  o.unknown_enosys = true;
  auto [enosys, r1] = Launch(o);
  EXPECT_EQ(enosys.exit_code, 0) << enosys.report;
  EXPECT_EQ(enosys.out, "thread: ok\n");
}

#ifdef G2S_CLI
// `go2seccomp exec` end to end.
TEST_F(HelperTest, CliExec) {
  G2S_REQUIRE_SECCOMP();
  REQUIRE_STRACE();
  fs::path json = dir_ / "helper.json";
  std::ofstream(json) << profile::ToOciJson(Baseline());

  int status = Spawn(
      {G2S_CLI, "exec", "--profile", json.string(), "--", G2S_LIVE_HELPER, "1"},
      dir_ / "cli.out", dir_ / "cli.err");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << ReadFile(dir_ / "cli.err");
  EXPECT_EQ(ReadFile(dir_ / "cli.out"), "getppid: errno 1\n");

  status = Spawn({G2S_CLI, "exec", "--errno", "38", "--profile", json.string(),
                  G2S_LIVE_HELPER, "1"},
                 dir_ / "cli.out", dir_ / "cli.err");
  EXPECT_EQ(ReadFile(dir_ / "cli.out"), "getppid: errno 38\n");

  status = Spawn({G2S_CLI, "exec", "--profile", json.string(), "--",
                  "g2s-no-such-program-on-path"},
                 dir_ / "cli.out", dir_ / "cli.err");
  EXPECT_EQ(WEXITSTATUS(status), 127);
  EXPECT_THAT(ReadFile(dir_ / "cli.err"), HasSubstr("not found in PATH"));

  // A profile naming a syscall no kernel has: refused, naming the file.
  fs::path bad = dir_ / "bad.json";
  std::ofstream(bad) << R"({"defaultAction": "SCMP_ACT_ERRNO",
      "syscalls": [{"names": ["read", "raed"], "action": "SCMP_ACT_ALLOW"}]})";
  status = Spawn({G2S_CLI, "exec", "--profile", bad.string(), "--", "true"},
                 dir_ / "cli.out", dir_ / "cli.err");
  EXPECT_EQ(WEXITSTATUS(status), ExitCodeFor(ErrorCode::kInvalidArgument));
  EXPECT_THAT(ReadFile(dir_ / "cli.err"),
              HasSubstr(bad.string() + ": unknown syscall"));
}
#endif

}  // namespace
}  // namespace go2seccomp
