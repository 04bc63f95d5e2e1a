// Helpers for tests that run real programs: spawning with captured output,
// checking whether seccomp/ptrace work here, tracing with strace, and where
// the Go fixture programs are.
#ifndef GO2SECCOMP_TESTS_COMMON_PROCESS_UTIL_H_
#define GO2SECCOMP_TESTS_COMMON_PROCESS_UTIL_H_

#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace go2seccomp::test_util {

// A Go fixture program built by tests/GoFixtures.cmake:
// G2S_FIXTURE_DIR "/<variant>/<name>" (variants: amd64, amd64-pie,
// amd64-stripped, amd64-cgo, arm64, 386, arm).
inline std::string Fixture(std::string_view name, std::string_view variant = "amd64") {
  return std::string(G2S_FIXTURE_DIR) + "/" + std::string(variant) + "/" + std::string(name);
}

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

std::string ReadFile(const std::filesystem::path& path);

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

// A fresh temporary directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace go2seccomp::test_util

#define G2S_REQUIRE_SECCOMP()                                                  \
  do {                                                                         \
    if (!::go2seccomp::test_util::SeccompAvailable()) {                          \
      GTEST_SKIP() << "seccomp filters cannot be loaded here (PR_SET_SECCOMP " \
                      "failed: container or kernel)";                          \
    }                                                                          \
  } while (false)

#define G2S_REQUIRE_STRACE()                                               \
  do {                                                                     \
    if (!::go2seccomp::test_util::StraceAvailable()) {                       \
      GTEST_SKIP() << "strace is missing or ptrace is not allowed here";   \
    }                                                                      \
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
#define G2S_SKIP_UNDER_ASAN()                                                \
  GTEST_SKIP() << "sanitizer build: ASan's runtime needs syscalls (mmap, "   \
                  "sigaltstack) the filter under test denies; this test "    \
                  "runs in the normal build"
#else
#define G2S_SKIP_UNDER_ASAN() \
  do {                        \
  } while (false)
#endif
