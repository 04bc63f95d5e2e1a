// Statically linked C inside Go binaries (cgo with -linkmode=external
// -extldflags=-static): glibc's libc.a, musl, arm64 glibc, and a real cgo
// library (Debian's go-sqlite3). The C start-up code runs before any Go
// (TLS set-up with brk/mmap, IRELATIVE resolvers, init arrays), so a profile
// without the C side kills the program at start; the C side is analysed
// from its own roots (analysis/native.h). Each profile must cover what
// `go2seccomp trace` (or, for arm64, `qemu-aarch64 -strace`) sees the
// program do, and the program must run under it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "go2seccomp/syscalls/table.h"
#include "tests/common/files.h"
#include "tests/common/process_util.h"
#include "tests/common/profiles.h"

namespace go2seccomp {
namespace {

namespace fs = std::filesystem;
using test_util::Fixture;
using test_util::ReadFile;
using test_util::RunProgram;
using test_util::RunResult;
using test_util::TempDir;
using test_util::AllowedNamesIn;
using test_util::Missing;

const std::string kCli = G2S_CLI;

// Writes a profile that allows `names` only (and nothing on other arches).
void WriteNamesProfile(const fs::path& path, const std::set<std::string>& names,
                       const std::string& arch) {
  nlohmann::json j = {
      {"defaultAction", "SCMP_ACT_ERRNO"},
      {"architectures", {arch}},
      {"syscalls", {{{"names", names}, {"action", "SCMP_ACT_ALLOW"}}}}};
  std::ofstream(path) << j.dump();
}

struct StaticProgram {
  std::string variant;  // fixture variant directory
  std::string name;
  std::string expect;  // on stdout when it worked
  // A syscall only its C code makes, without which it fails (the socket
  // cstatic's C side opens; SQLite's fdatasync at commit).
  std::string c_only;
};

void PrintTo(const StaticProgram& p, std::ostream* os) {
  *os << p.variant << "/" << p.name;
}

std::string ParamName(const ::testing::TestParamInfo<StaticProgram>& info) {
  std::string s = info.param.variant + "_" + info.param.name;
  for (char& c : s) {
    if (c == '-') c = '_';
  }
  return s;
}

// Analyses the fixture (--runtime none: run by `go2seccomp exec`); returns
// the summary. The C side must have been analysed as part of the program.
RunResult Analyze(const std::string& bin, const fs::path& prof) {
  RunResult r = RunProgram({kCli, bin, prof.string(), "--runtime", "none"});
  EXPECT_TRUE(r.exited_ok()) << r.out << r.err;
  EXPECT_NE(r.out.find("C code: 1 image(s)"), std::string::npos) << r.out;
  // Go's side has no syscall site it leaves to nobody: the bytes outside
  // the Go functions are the C analysis's.
  EXPECT_EQ(r.err.find("outside-go-functions"), std::string::npos) << r.err;
  return r;
}

class StaticCgoTest : public ::testing::TestWithParam<StaticProgram> {};

TEST_P(StaticCgoTest, ProfileCoversTraceAndRuns) {
  const StaticProgram& p = GetParam();
  const std::string bin = Fixture(p.name, p.variant);
  if (!fs::exists(bin))
    GTEST_SKIP() << bin << " was not built (its compiler is not installed)";
  TempDir tmp;
  const fs::path prof = tmp.path() / "p.json";
  Analyze(bin, prof);
  const auto allowed = AllowedNamesIn(prof);
  // What the program does, by ptrace: everything must be in the profile.
  TempDir work;
  const fs::path observed_prof = tmp.path() / "observed.json";
  RunResult t = RunProgram({kCli, "trace", "-q", "-o", observed_prof.string(),
                            "--", bin, work.path().string()},
                           work.path());
  if (t.exited_ok()) {
    EXPECT_NE(t.out.find(p.expect), std::string::npos) << t.out << t.err;
    const auto observed = AllowedNamesIn(observed_prof);
    ASSERT_GT(observed.size(), 10u);
    EXPECT_EQ(Missing(observed, allowed), "") << "traced, not in the profile";
  } else {
    std::fprintf(stderr, "note: go2seccomp trace cannot run here: %s\n",
                 t.err.c_str());
  }
  if (!test_util::SeccompAvailable())
    GTEST_SKIP() << "seccomp filters cannot be loaded here";
  RunResult r = RunProgram({kCli, "exec", "--profile", prof.string(), "--", bin,
                            work.path().string()},
                           work.path());
  EXPECT_TRUE(r.exited_ok()) << r.exit_code() << "\n" << r.out << r.err;
  EXPECT_NE(r.out.find(p.expect), std::string::npos) << r.out << r.err;
  // Without the syscall only its C code makes, the same program fails: the
  // C side's names are what makes it run.
  ASSERT_TRUE(allowed.count(p.c_only)) << p.c_only;
  auto without = allowed;
  without.erase(p.c_only);
  const fs::path cut = tmp.path() / "cut.json";
  WriteNamesProfile(cut, without, "SCMP_ARCH_X86_64");
  r = RunProgram({kCli, "exec", "--profile", cut.string(), "--", bin,
                  work.path().string()},
                 work.path());
  EXPECT_FALSE(r.exited_ok()) << "ran without " << p.c_only << ":\n"
                              << r.out << r.err;
  EXPECT_EQ(r.out.find(p.expect), std::string::npos) << r.out << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, StaticCgoTest,
    ::testing::Values(StaticProgram{"amd64-cstatic", "cstatic",
                                    "cstatic ok true", "socket"},
                      StaticProgram{"amd64-cstatic-pie", "cstatic",
                                    "cstatic ok true", "socket"},
                      StaticProgram{"amd64-cstatic-musl", "cstatic",
                                    "cstatic ok true", "socket"},
                      StaticProgram{"amd64-cstatic", "sqlitestatic",
                                    "sqlitestatic rows 3", "fdatasync"}),
    ParamName);

// The static C side is reached from the ELF entry and the init arrays: the
// C constructor (cstatic_init, from .init_array) and the C functions Go
// calls through cgo's pointers are in the call graph, so their libc calls'
// syscalls are in the profile; glibc's static dlopen is a finding.
TEST(StaticCgoFacts, GlibcStartupAndDlopenFinding) {
  const std::string bin = Fixture("sqlitestatic", "amd64-cstatic");
  if (!fs::exists(bin))
    GTEST_SKIP() << bin << " was not built (go-sqlite3 sources missing)";
  TempDir tmp;
  RunResult r = Analyze(bin, tmp.path() / "p.json");
  EXPECT_NE(r.err.find("dlopen is reachable"), std::string::npos) << r.err;
  const auto allowed = AllowedNamesIn(tmp.path() / "p.json");
  // What glibc 2.36's static start-up makes before main (strace of this
  // fixture): __libc_setup_tls's brk for the TLS block and arch_prctl
  // (ARCH_SET_FS); the thread's set_tid_address, set_robust_list and rseq
  // registration (2.35+); _dl_non_dynamic_init's prlimit64 (RLIMIT_STACK)
  // and readlink("/proc/self/exe") (_dl_get_origin); malloc's tcache key
  // from getrandom (2.34+).
  for (const char* n :
       {"brk", "arch_prctl", "set_tid_address", "set_robust_list", "rseq",
        "prlimit64", "readlink", "getrandom"}) {
    EXPECT_TRUE(allowed.count(n)) << n;
  }
}

// explain says how the C function that makes a syscall is reached: brk
// from the ELF entry through glibc's TLS set-up, socket from the C function
// Go calls through cgo's pointer.
TEST(StaticCgoFacts, ExplainNamesTheChain) {
  const std::string bin = Fixture("cstatic", "amd64-cstatic");
  RunResult r =
      RunProgram({kCli, "explain", "--runtime", "none", bin, "brk", "socket"});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  EXPECT_NE(r.out.find("reached: cstatic:_start (entry, init or fini) -> "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("__libc_setup_tls"), std::string::npos) << r.out;
  const std::regex via_cgo(
      R"(socket \(41\)\n.*reached: cstatic:_cgo_[0-9a-f]+_Cfunc_c_work \(its address is in )"
      R"(data; called through a pointer from Go code \(cgo\)\) -> .*socket)");
  EXPECT_TRUE(std::regex_search(r.out, via_cgo)) << r.out;
}

// arm64: qemu-user runs the program and prints each guest syscall
// (observation only: qemu does not apply a guest's seccomp filter).
TEST(StaticCgoArm64, ProfileCoversQemuStrace) {
  const std::string bin = Fixture("cstatic", "arm64-cstatic");
  if (!fs::exists(bin))
    GTEST_SKIP() << bin << " was not built (no aarch64-linux-gnu-gcc)";
  if (std::system("command -v qemu-aarch64 > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "qemu-aarch64 (Debian qemu-user) is not installed";
  }
  TempDir tmp;
  const fs::path prof = tmp.path() / "p.json";
  Analyze(bin, prof);
  const auto allowed = AllowedNamesIn(prof);
  const fs::path log = tmp.path() / "qemu.log";
  RunResult r = RunProgram({"qemu-aarch64", "-D", log.string(), "-strace", bin,
                            tmp.path().string()});
  ASSERT_TRUE(r.exited_ok()) << r.out << r.err;
  EXPECT_NE(r.out.find("cstatic ok true"), std::string::npos) << r.out;
  // "PID name(args) = ret", or "PID Unknown syscall NR" for the ones qemu
  // 7.2 cannot name (rseq, 293).
  std::set<std::string> observed;
  std::istringstream lines(ReadFile(log));
  const std::regex call(R"(^\d+ ([a-z_0-9]+)\()"),
      unknown(R"(^\d+ Unknown syscall (\d+))");
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, call)) {
      observed.insert(m[1]);
    } else if (std::regex_search(line, m, unknown)) {
      auto name = syscalls::NameOf(Arch::kArm64, std::stoi(m[1]));
      ASSERT_TRUE(name.has_value()) << line;
      observed.insert(std::string(*name));
    }
  }
  ASSERT_TRUE(observed.count("brk") && observed.count("set_tid_address"))
      << ReadFile(log);
  EXPECT_EQ(Missing(observed, allowed), "")
      << "qemu saw these, not in the profile";
}

}  // namespace
}  // namespace go2seccomp
