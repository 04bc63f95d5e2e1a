// The C side of programs: cgo Go binaries (glibc via cgo: the cgo resolver,
// os/user) and a plain C program, analysed through ld.so, libc and the NSS
// modules. Each profile must cover what strace sees the program do, and the
// program must run under it.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "tests/common/files.h"
#include "tests/common/process_util.h"
#include "tests/common/profiles.h"

namespace go2seccomp {
namespace {

namespace fs = std::filesystem;
using test_util::RunProgram;
using test_util::RunResult;
using test_util::TempDir;
using test_util::AllowedNamesIn;
using test_util::Missing;

struct Prog {
  std::string name;
  std::vector<std::string> argv;  // "@" = a scratch path
  std::string expect;
};

class NativeTest : public ::testing::TestWithParam<Prog> {};

std::vector<std::string> Expand(std::vector<std::string> v, const fs::path& dir) {
  for (std::string& a : v) {
    if (a == "@") a = (dir / "made").string();
  }
  return v;
}

TEST_P(NativeTest, ProfileCoversStraceAndRuns) {
  const Prog& p = GetParam();
  TempDir tmp;
  const fs::path prof = tmp.path() / "p.json";
  RunResult r = RunProgram({G2S_CLI, p.argv[0], prof.string(), "--runtime", "none"});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  EXPECT_NE(r.out.find("libc.so.6"), std::string::npos) << r.out;  // C side analysed
  const auto allowed = AllowedNamesIn(prof);
  if (test_util::StraceAvailable()) {
    TempDir work;
    const auto observed = test_util::StraceOwnSyscalls(Expand(p.argv, work.path()), work.path());
    ASSERT_FALSE(observed.empty());
    EXPECT_EQ(Missing(observed, allowed), "") << "observed by strace, not in the profile";
  }
  if (!test_util::SeccompAvailable()) return;
  TempDir work;
  std::vector<std::string> argv = {G2S_CLI, "exec", "--profile", prof.string(), "--"};
  for (const std::string& a : Expand(p.argv, work.path())) argv.push_back(a);
  r = RunProgram(argv, work.path());
  EXPECT_TRUE(r.exited_ok()) << r.exit_code() << "\n" << r.out << r.err;
  EXPECT_NE(r.out.find(p.expect), std::string::npos) << r.out << r.err;
}

INSTANTIATE_TEST_SUITE_P(
    Programs, NativeTest,
    ::testing::Values(Prog{"cgonet",
                           {test_util::Fixture("cgonet", "amd64-cgo")},
                           "resolved true hi"},
                      Prog{"cgouser",
                           {test_util::Fixture("cgouser", "amd64-cgo")},
                           "user true true"},
                      Prog{"libcprog", {G2S_LIBCPROG, "@"}, "ok 1"}),
    [](const auto& param_info) { return param_info.param.name; });

// The C program's own libc calls are in its profile by call graph, and
// what it does not call is not: it never opens sockets or forks.
TEST(NativeFacts, CProgramSyscallsFollowItsCalls) {
  TempDir tmp;
  const fs::path prof = tmp.path() / "p.json";
  RunResult r = RunProgram({G2S_CLI, G2S_LIBCPROG, prof.string(), "--runtime", "none"});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  const auto allowed = AllowedNamesIn(prof);
  // glibc 2.36's mkdir on x86_64 is mkdir(2) itself; gettid comes from
  // syscall(SYS_gettid) in the program, through libc's syscall() wrapper
  // reached over the PLT.
  for (const char* n : {"mkdir", "sched_getaffinity", "gettid", "write", "exit_group"}) {
    EXPECT_TRUE(allowed.count(n)) << n;
  }
  // socket and connect used to be here too, but glibc 2.36 keeps its RPC
  // ops tables (clnt_ops, xp_ops) in .data.rel.ro behind RELR relocations:
  // once any pointer call is reachable, so are they, until data reachability
  // gates them (issue 15).
  for (const char* n : {"ptrace", "mount", "reboot", "init_module", "kexec_load"}) {
    EXPECT_FALSE(allowed.count(n)) << n;
  }
}

// NSS modules are loaded per database (analysis/nss.h): cgonet resolves
// host names only, so the passwd-only module of this machine's
// nsswitch.conf (Debian 12: "passwd: files systemd", "hosts: files dns")
// is not in its analysis, while cgouser, which looks up users, has it.
TEST(NativeFacts, NssModulesFollowTheDatabasesLookedUp) {
  const std::string text = test_util::ReadFile("/etc/nsswitch.conf");
  auto line = [&](const std::string& db) {
    const auto at = text.find("\n" + db + ":");
    return at == std::string::npos ? std::string() : text.substr(at + 1, text.find('\n', at + 1) - at - 1);
  };
  if (line("passwd").find("systemd") == std::string::npos ||
      line("hosts").find("systemd") != std::string::npos ||
      !fs::exists("/lib/x86_64-linux-gnu/libnss_systemd.so.2")) {
    GTEST_SKIP() << "needs passwd (not hosts) served by libnss_systemd";
  }
  TempDir tmp;
  for (const auto& [prog, wants] : {std::pair{"cgonet", false}, std::pair{"cgouser", true}}) {
    RunResult r = RunProgram(
        {G2S_CLI, "--no-cache", test_util::Fixture(prog, "amd64-cgo"),
         (tmp.path() / "p.json").string(), "--runtime", "none"});
    ASSERT_TRUE(r.exited_ok()) << r.err;
    EXPECT_EQ(r.out.find("libnss_systemd.so.2") != std::string::npos, wants) << prog << r.out;
  }
}

// explain names, for a C-side syscall reached through a pointer, where the
// pointer is stored: socket in libcprog comes from libc's RPC ops tables,
// a RELR-relocated word in .data.rel.ro (glibc 2.36).
TEST(NativeFacts, ExplainNamesWhereAPointerIsStored) {
  RunResult r = RunProgram({G2S_CLI, "explain", "--no-cache", "--runtime", "none", G2S_LIBCPROG,
                            "socket"});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  const std::regex stored(R"(its address is in data at \.[a-z_.]+\+0x[0-9a-f]+ \(0x[0-9a-f]+\))");
  EXPECT_TRUE(std::regex_search(r.out, stored)) << r.out;
}

// Libraries are found where the loader finds them (DT_RUNPATH $ORIGIN/lib,
// here in a copy of the program's tree), and a library loaded after libc
// that calls syscall(2) is analysed after libc, so the number it passes
// reaches the profile: kcmp, which nothing else in the program makes.
TEST(NativeFacts, LibraryChainThroughRunpathAndSyscallWrapper) {
  TempDir tmp;
  const fs::path app = tmp.path() / "app";
  fs::create_directories(app / "lib");
  const fs::path built = fs::path(G2S_DEPPROG).parent_path();
  fs::copy_file(G2S_DEPPROG, app / "depprog");
  for (const char* lib : {"libdepa.so", "libdepb.so"}) {
    fs::copy_file(built / "lib" / lib, app / "lib" / lib);
  }
  const fs::path prof = tmp.path() / "p.json";
  RunResult r = RunProgram({G2S_CLI, (app / "depprog").string(), prof.string(), "--runtime",
                            "none"});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  EXPECT_NE(r.out.find((app / "lib" / "libdepb.so").string()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" 0 findings"), std::string::npos) << r.out << r.err;
  const auto allowed = AllowedNamesIn(prof);
  EXPECT_TRUE(allowed.count("kcmp")) << "syscall(SYS_kcmp) in libdepb.so is not in the profile";
  EXPECT_FALSE(allowed.count("ptrace"));
  if (!test_util::SeccompAvailable()) return;
  r = RunProgram({G2S_CLI, "exec", "--profile", prof.string(), "--", (app / "depprog").string()});
  EXPECT_TRUE(r.exited_ok()) << r.exit_code() << "\n" << r.out << r.err;
  EXPECT_NE(r.out.find("kcmp 0"), std::string::npos) << r.out << r.err;
}

// An externally linked PIE has no .gopclntab section: the table is found
// by magic scan inside .data.rel.ro, and Go's variables follow it in the
// same segment. They must stay visible (fcntl64Syscall and
// forkAndExecInChild1's syscall number are read-only variables there), and
// .dynsym's copies of their addresses are no evidence of a store: 0
// findings, as for the internally linked build.
TEST(NativeFacts, ExternallyLinkedPieKeepsItsData) {
  TempDir tmp;
  const fs::path prof = tmp.path() / "p.json";
  RunResult r =
      RunProgram({G2S_CLI, test_util::Fixture("execproc-extpie", "amd64-cgo"),
                  prof.string(), "--runtime", "none"});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  EXPECT_EQ(r.err.find("finding"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("functions: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" syscalls, 0 findings"), std::string::npos) << r.out;
}

// --root: libraries are looked up in a root filesystem. An empty root has
// no ld.so: the measured loader group stands in, and the tool says so.
TEST(NativeFacts, RootWithoutLibrariesFallsBack) {
  TempDir tmp;
  fs::create_directories(tmp.path() / "root");
  const fs::path prof = tmp.path() / "p.json";
  RunResult r = RunProgram({G2S_CLI, test_util::Fixture("cgouser", "amd64-cgo"),
                            prof.string(), "--runtime", "none", "--root",
                            (tmp.path() / "root").string()});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  EXPECT_NE(r.err.find("not found"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("dynamic-loader-startup"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace go2seccomp
