// Helpers for tests that run real programs: spawning with captured output,
// shell commands, the go2seccomp CLI (whose path the caller passes:
// G2S_CLI), checking whether seccomp/ptrace work here, and tracing with
// strace.
//
//   RunResult r = test_util::RunProgram({"true"});
//   RunResult c = test_util::RunCli(G2S_CLI, {"explain", bin});
//   CommandOutput o = test_util::RunCommand("readelf -SW " + path);
//
// Part of go2seccomp::test_support (tests/common/CMakeLists.txt).
#ifndef GO2SECCOMP_TESTS_COMMON_PROCESS_UTIL_H_
#define GO2SECCOMP_TESTS_COMMON_PROCESS_UTIL_H_

#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace go2seccomp::test_util {

struct RunResult {
  int status = -1;  // wait status
  std::string out;
  std::string err;
  bool exited_ok() const;  // exited with code 0
  int exit_code() const;   // exit code, 128+signal, or -1
};

// Runs argv (PATH search) in `dir` (empty: current directory) with stdin
// from /dev/null; captures stdout/stderr.
RunResult RunProgram(const std::vector<std::string>& argv,
                     const std::filesystem::path& dir = {});

// Runs `cli args...` (cli: the go2seccomp binary, G2S_CLI) like RunProgram.
RunResult RunCli(std::string_view cli, std::vector<std::string> args);

// Where Spawn connects the child's standard streams and where it runs; an
// empty path leaves that stream (or the directory) the test's own.
struct SpawnOptions {
  std::filesystem::path stdin_path;
  std::filesystem::path stdout_path;  // created or truncated
  std::filesystem::path stderr_path;  // created or truncated
  std::filesystem::path dir;
};
// Runs argv (PATH search) and waits; its wait status, or -1 if it could
// not be started.
int Spawn(const std::vector<std::string>& argv, const SpawnOptions& options);

struct CommandOutput {
  int exit_status = -1;  // -1 if the command could not be run
  std::string out;       // stdout
};
// Runs `command` through /bin/sh; stderr is discarded. `input`, if given, is
// written to the command's stdin (through a temporary file).
CommandOutput RunCommand(const std::string& command,
                         const std::string* input = nullptr);

// "go" on PATH, or the value of $G2S_GO.
std::string GoTool();

// Whether this kernel lets us load a seccomp filter (a forked child tries).
bool SeccompAvailable();
// Whether strace runs here (ptrace permitted).
bool StraceAvailable();

// The syscall names argv makes according to `strace -f`, per process up to
// and including a successful execve into another program: what a profile
// for argv's binary must cover. The traced program's own first execve is
// left out (the launcher makes it). Programs it executes are not followed
// past their execve (their syscalls belong to their own binary).
std::set<std::string> StraceOwnSyscalls(const std::vector<std::string>& argv,
                                        const std::filesystem::path& workdir);

// Every syscall name `strace -f` records for argv, in all its processes and
// across their execs, minus the traced program's own first execve.
// strace's log and the program's stdout/stderr are `dir`/strace.log,
// trace.out and trace.err. Numbers strace cannot name ("syscall_0x1c8") get
// our table's name for HostArch(), else "nr:<n>" if keep_unknown (else they
// are left out).
struct StraceRun {
  int status = -1;  // strace's wait status
  std::set<std::string> names;
};
StraceRun StraceAllSyscalls(const std::vector<std::string>& argv,
                            const std::filesystem::path& dir,
                            bool keep_unknown);

}  // namespace go2seccomp::test_util

#define G2S_REQUIRE_SECCOMP()                                                  \
  do {                                                                         \
    if (!::go2seccomp::test_util::SeccompAvailable()) {                        \
      GTEST_SKIP() << "seccomp filters cannot be loaded here (PR_SET_SECCOMP " \
                      "failed: container or kernel)";                          \
    }                                                                          \
  } while (false)

#define G2S_REQUIRE_STRACE()                                             \
  do {                                                                   \
    if (!::go2seccomp::test_util::StraceAvailable()) {                   \
      GTEST_SKIP() << "strace is missing or ptrace is not allowed here"; \
    }                                                                    \
  } while (false)

#endif  // GO2SECCOMP_TESTS_COMMON_PROCESS_UTIL_H_

// ASan's runtime maps memory and installs a sigaltstack on its own (when a
// thread starts, on the first allocation of a size class, in LeakSanitizer
// at exit). A test that confines its own instrumented process with a tight
// filter denies it those and dies in the runtime, not in the code under
// test; and a program linked against the instrumented shared library
// without ASan first in its library list does not start. Such tests skip
// in the sanitizer build (scripts/test.sh --asan) and run in the normal one.
#if defined(__SANITIZE_ADDRESS__)
#define G2S_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define G2S_UNDER_ASAN 1
#endif
#endif
#ifdef G2S_UNDER_ASAN
#define G2S_SKIP_UNDER_ASAN()                                              \
  GTEST_SKIP() << "sanitizer build: ASan's runtime needs syscalls (mmap, " \
                  "sigaltstack) the filter under test denies; this test "  \
                  "runs in the normal build"
#else
#define G2S_SKIP_UNDER_ASAN() \
  do {                        \
  } while (false)
#endif
