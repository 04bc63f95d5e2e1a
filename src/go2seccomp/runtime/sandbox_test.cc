// libgo2seccomp through its public headers: the C++ builder's sticky error
// and the C API's error reporting (no filter needed), and real filters
// installed in forked children (label "live": skipped where seccomp cannot
// be loaded).
#include <gmock/gmock.h>
#include <go2seccomp/sandbox.h>
#include <go2seccomp/sandbox_c.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include "tests/common/files.h"
#include "tests/common/process_util.h"

namespace go2seccomp {
namespace {

using ::testing::HasSubstr;

// Runs `body` in a forked child (the filter stays there); returns its exit
// code, or 128 + signal.
int InChild(const std::function<int()>& body) {
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) _exit(body());
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// errno of a failed raw syscall, or 0 if it succeeded.
int ErrnoOf(long nr) {
  errno = 0;
  return syscall(nr) == -1 ? errno : 0;
}

TEST(SandboxTest, StickyErrorInstallsNothing) {
  Sandbox sb;
  sb.Allow({"read", "raed"}).DefaultErrno(EPERM).Allow({"write"});
  EXPECT_TRUE(sb.ok());  // names are checked when the profile is built
  EXPECT_EQ(InChild([&] {
              if (sb.Apply()) return 1;
              // Nothing was installed: getppid still works.
              return ErrnoOf(SYS_getppid) == 0 ? 0 : 2;
            }),
            0);
  EXPECT_FALSE(sb.Apply());
  EXPECT_FALSE(sb.ok());
  EXPECT_THAT(sb.error(), HasSubstr("raed"));
  EXPECT_EQ(sb.ProfileJson(), "");

  Sandbox bad;
  bad.DefaultErrno(0).Allow({"read"}).DefaultErrno(EPERM);
  EXPECT_FALSE(bad.ok());
  EXPECT_THAT(bad.error(), HasSubstr("1..4095"));  // the first error stays
  EXPECT_FALSE(bad.Apply());

  Sandbox missing;
  missing.LoadProfile("/nonexistent/profile.json");
  EXPECT_FALSE(missing.ok());
  EXPECT_THAT(missing.error(), HasSubstr("/nonexistent/profile.json"));
}

TEST(SandboxTest, ProfileJsonShowsThePolicy) {
  Sandbox sb;
  sb.Allow({"read", "write"}).DefaultKillProcess();
  const std::string json = sb.ProfileJson();
  EXPECT_THAT(json, HasSubstr("\"defaultAction\": \"SCMP_ACT_KILL_PROCESS\""));
  EXPECT_THAT(json, HasSubstr("\"exit_group\""));  // always allowed
  EXPECT_THAT(json, HasSubstr("\"clone3\""));      // ENOSYS by default
  Sandbox plain;
  plain.Allow({"read"}).UnknownEnosys(false);
  EXPECT_THAT(plain.ProfileJson(), testing::Not(HasSubstr("clone3")));
}

TEST(SandboxTest, CApiReportsErrors) {
  const char* names[] = {"read", "no_such_syscall"};
  errno = 0;
  EXPECT_EQ(g2s_allow_names(names, 2, EPERM), -1);
  EXPECT_EQ(errno, ENOENT);
  EXPECT_THAT(g2s_last_error(), HasSubstr("no_such_syscall"));
  EXPECT_EQ(g2s_allow_names(names, 1, 0), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(g2s_allow_names(nullptr, 1, EPERM), -1);
  EXPECT_EQ(g2s_apply_profile_file("/nonexistent/p.json"), -1);
  EXPECT_EQ(errno, ENOENT);
  EXPECT_THAT(g2s_last_error(), HasSubstr("/nonexistent/p.json"));
  // The process is still unconfined.
  EXPECT_EQ(ErrnoOf(SYS_getppid), 0);
}

TEST(SandboxTest, ApplyConfinesEveryThread) {
  G2S_REQUIRE_SECCOMP();
  G2S_SKIP_UNDER_ASAN();
  for (bool all_threads : {true, false}) {
    EXPECT_EQ(InChild([&] {
                // The other thread is running before Apply() and waits
                // without syscalls; then it calls getppid. (It must be past
                // glibc's start_thread: a glibc >= 2.35 thread whose rseq
                // registration is denied aborts with "rseq registration
                // failed".)
                static std::atomic<int> stage{-1};
                static std::atomic<int> other_errno{-1};
                pthread_t t;
                pthread_create(
                    &t, nullptr,
                    [](void*) -> void* {
                      stage.store(0);
                      while (stage.load() == 0) {
                      }
                      other_errno.store(ErrnoOf(SYS_getppid));
                      stage.store(2);
                      while (stage.load() != 3) {  // never: _exit ends it
                      }
                      return nullptr;
                    },
                    nullptr);
                while (stage.load() != 0) {
                }
                if (!Sandbox()
                         .Allow({"write"})
                         .DefaultErrno(EACCES)
                         .AllThreads(all_threads)
                         .Apply()) {
                  return 10;
                }
                if (ErrnoOf(SYS_getppid) != EACCES) return 11;
                stage.store(1);
                while (stage.load() != 2) {
                }
                const int want = all_threads ? EACCES : 0;
                return other_errno.load() == want ? 0 : 12;
              }),
              0)
        << "all_threads=" << all_threads;
  }
}

TEST(SandboxTest, UnknownEnosysForClone3AndNewerSyscalls) {
  G2S_REQUIRE_SECCOMP();
  G2S_SKIP_UNDER_ASAN();
  EXPECT_EQ(InChild([] {
              if (!Sandbox().Allow({"write"}).Apply()) return 10;
              if (ErrnoOf(SYS_getppid) != EPERM) return 11;
              if (ErrnoOf(435 /* clone3 */) != ENOSYS) return 12;
              if (ErrnoOf(463 /* newer than Linux 6.12 */) != ENOSYS) return 13;
              return 0;
            }),
            0);
  EXPECT_EQ(InChild([] {
              if (!Sandbox().Allow({"write"}).UnknownEnosys(false).Apply()) {
                return 10;
              }
              if (ErrnoOf(435) != EPERM) return 12;
              if (ErrnoOf(463) != EPERM) return 13;
              return 0;
            }),
            0);
}

TEST(SandboxTest, KillProcessDefault) {
  G2S_REQUIRE_SECCOMP();
  EXPECT_EQ(InChild([] {
              if (!Sandbox().DefaultKillProcess().Apply()) return 10;
              syscall(SYS_getppid);
              return 0;
            }),
            128 + SIGSYS);
}

TEST(SandboxTest, ProfileFileAndCApi) {
  G2S_REQUIRE_SECCOMP();
  G2S_SKIP_UNDER_ASAN();
  test_util::TempDir tmp;
  const std::filesystem::path json = tmp.path() / "p.json";
  std::ofstream(json) << R"({"defaultAction": "SCMP_ACT_ERRNO",
      "defaultErrnoRet": 13, "architectures": ["SCMP_ARCH_X86_64",
      "SCMP_ARCH_AARCH64"], "syscalls": [{"names": ["getpid", "write"],
      "action": "SCMP_ACT_ALLOW"}]})";
  EXPECT_EQ(InChild([&] {
              if (!Sandbox().LoadProfile(json.string()).Apply()) return 10;
              if (ErrnoOf(SYS_getppid) != EACCES) return 11;
              if (ErrnoOf(SYS_getpid) != 0) return 12;
              return 0;
            }),
            0);
  EXPECT_EQ(InChild([&] {
              if (g2s_apply_profile_file(json.c_str()) != 0) return 10;
              if (ErrnoOf(SYS_getppid) != EACCES) return 11;
              if (ErrnoOf(SYS_getpid) != 0) return 12;
              return 0;
            }),
            0);
  EXPECT_EQ(InChild([] {
              const char* names[] = {"getpid", "write"};
              if (g2s_allow_names(names, 2, EXDEV) != 0) return 10;
              if (ErrnoOf(SYS_getppid) != EXDEV) return 11;
              if (ErrnoOf(SYS_getpid) != 0) return 12;
              return 0;
            }),
            0);
}

}  // namespace
}  // namespace go2seccomp
