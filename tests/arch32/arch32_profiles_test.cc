// The 32-bit targets end to end through the command line: for each Go 1.19
// fixture built with GOARCH=386 and GOARCH=arm (GOARM=7), the classic
// `go2seccomp BIN OUT` must
//   - report zero findings,
//   - write a profile for that arch (SCMP_ARCH_X86 / SCMP_ARCH_ARM; with a
//     container runtime preset also the 64-bit host's arch) that allows
//     what the program needs, in that arch's names (socketcall on 386,
//     mmap2, fcntl64, ...),
//   - differ from the amd64 profile of the same program only as
//     tests/testdata/arch32_differences.tsv says, each row with its reason
//     from Go's sources.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "tests/common/files.h"
#include "tests/common/process_util.h"
#include "tests/common/profiles.h"
#include "tests/common/tables.h"

namespace go2seccomp {
namespace {

using test_util::Fixture;

namespace fs = std::filesystem;
using test_util::RunProgram;
using test_util::RunResult;
using test_util::TempDir;

struct Analysis {
  nlohmann::json json;
  std::set<std::string> names;
  std::string output;  // the command's stdout and stderr
};

Analysis Analyze(const std::string& variant, const std::string& name,
                 const fs::path& dir) {
  const fs::path out = dir / (variant + "-" + name + ".json");
  RunResult r = RunProgram(
      {G2S_CLI, Fixture(name, variant), out.string(), "--runtime", "none"});
  EXPECT_TRUE(r.exited_ok()) << r.out << r.err;
  Analysis a;
  a.output = r.out + r.err;
  a.json = nlohmann::json::parse(test_util::ReadFile(out), nullptr,
                                 /*allow_exceptions=*/false);
  a.names = test_util::AllowedNamesIn(out);
  return a;
}

// What each program needs, from its source and Go 1.19's syscall package;
// the names are the arch's own.
struct Case {
  std::string name;
  std::vector<std::string> needs_386;
  std::vector<std::string> needs_arm;
};

const Case kCases[] = {
    {"hello", {"write", "exit_group"}, {"write", "exit_group"}},
    // syscall.Mkdir is Mkdirat(_AT_FDCWD, ...) on linux (syscall_linux.go).
    {"mkdir", {"mkdirat"}, {"mkdirat"}},
    // 386: every socket operation goes through socketcall(2)
    // (syscall_linux_386.go); arm has the direct calls, and Accept is
    // accept there (syscall_linux_accept.go).
    {"httpsrv",
     {"socketcall", "epoll_ctl", "epoll_wait"},
     {"socket", "bind", "listen", "accept", "accept4", "connect", "setsockopt",
      "getsockname", "getpeername", "epoll_ctl", "epoll_wait"}},
    {"execproc",
     {"clone", "execve", "wait4", "waitid", "pipe2"},
     {"clone", "execve", "wait4", "waitid", "pipe2"}},
    {"filecopy",
     {"openat", "fsync", "copy_file_range"},
     {"openat", "fsync", "copy_file_range"}},
    // syscall.SYS_GETUID etc. are the old 16-bit-uid numbers on both
    // (zsysnum_linux_386.go, zsysnum_linux_arm.go): getuid, not getuid32.
    {"rawsys",
     {"getpid", "getppid", "getuid", "geteuid", "clock_gettime"},
     {"getpid", "getppid", "getuid", "geteuid", "clock_gettime"}},
};

class Arch32ProfileTest
    : public ::testing::TestWithParam<std::tuple<std::string, Case>> {};

TEST_P(Arch32ProfileTest, ZeroFindingsAndWhatTheProgramNeeds) {
  const auto& [variant, c] = GetParam();
  TempDir tmp;
  const Analysis a = Analyze(variant, c.name, tmp.path());
  EXPECT_NE(a.output.find(", 0 findings"), std::string::npos) << a.output;
  EXPECT_EQ(a.output.find("finding:"), std::string::npos) << a.output;
  ASSERT_TRUE(a.json.is_object());
  EXPECT_EQ(a.json["architectures"],
            nlohmann::json::array(
                {variant == "386" ? "SCMP_ARCH_X86" : "SCMP_ARCH_ARM"}));
  EXPECT_EQ(a.json["defaultAction"], "SCMP_ACT_ERRNO");
  for (const std::string& n : variant == "386" ? c.needs_386 : c.needs_arm) {
    EXPECT_TRUE(a.names.count(n)) << variant << "/" << c.name << " needs " << n;
  }
  // The 64-bit names must not leak into a 32-bit profile.
  for (const char* n : {"mmap", "newfstatat", "arch_prctl"}) {
    EXPECT_FALSE(a.names.count(n)) << variant << "/" << c.name << ": " << n;
  }
}

INSTANTIATE_TEST_SUITE_P(Go119, Arch32ProfileTest,
                         ::testing::Combine(::testing::Values("386", "arm"),
                                            ::testing::ValuesIn(kCases)),
                         [](const auto& param_info) {
                           return std::get<0>(param_info.param) + "_" +
                                  std::get<1>(param_info.param).name;
                         });

// The classic command with its default --runtime docker: a 32-bit
// container's runtime is the 64-bit host's runc, whose own syscalls (up to
// the execve of the program) meet the filter's native-arch part, so the
// profile lists that arch too and carries runc's preset (newfstatat has no
// i386/arm counterpart). See profile/runtime_presets.h.
TEST(Arch32Classic, DefaultRuntimeAddsTheHostArch) {
  TempDir tmp;
  for (const auto& [variant, arches] :
       {std::pair{"386",
                  nlohmann::json::array({"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"})},
        std::pair{"arm", nlohmann::json::array(
                             {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"})}}) {
    const fs::path out = tmp.path() / (std::string(variant) + ".json");
    RunResult r =
        RunProgram({G2S_CLI, Fixture("hello", variant), out.string()});
    ASSERT_TRUE(r.exited_ok()) << r.out << r.err;
    const auto j =
        nlohmann::json::parse(test_util::ReadFile(out), nullptr, false);
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j["architectures"], arches) << variant;
    const std::set<std::string> names =
        test_util::AllowedNames(test_util::ReadProfile(out)).unconditional;
    EXPECT_TRUE(names.count("newfstatat")) << variant;  // runc init's
    EXPECT_TRUE(names.count("write")) << variant;       // the program's
  }
}

// The table: (arch, name) -> the side that has it.
std::map<std::pair<std::string, std::string>, std::string> LoadTable() {
  const fs::path path =
      std::string(G2S_SOURCE_DIR) + "/tests/testdata/arch32_differences.tsv";
  const std::vector<test_util::TsvRow> table = test_util::ReadTsv(path);
  EXPECT_FALSE(table.empty()) << path;
  std::map<std::pair<std::string, std::string>, std::string> rows;
  for (const test_util::TsvRow& row : table) {
    const std::string& arch = row.at("arch");
    const std::string& name = row.at("name");
    const std::string& only_on = row.at("only_on");
    const std::string line = arch + "\t" + name + "\t" + only_on;
    EXPECT_FALSE(row.at("reason").empty()) << line;
    EXPECT_TRUE(only_on == "amd64" || only_on == arch) << line;
    EXPECT_TRUE(rows.emplace(std::pair{arch, name}, only_on).second)
        << "duplicate row: " << line;
  }
  return rows;
}

TEST(Arch32Compare, DifferencesFromAmd64AreTheTable) {
  const auto table = LoadTable();
  ASSERT_GE(table.size(), 40u);
  TempDir tmp;
  std::set<std::pair<std::string, std::string>> seen;
  for (const Case& c : kCases) {
    const Analysis amd64 = Analyze("amd64", c.name, tmp.path());
    for (const std::string variant : {"386", "arm"}) {
      const Analysis other = Analyze(variant, c.name, tmp.path());
      std::string bad;
      auto check = [&](const std::string& n, const std::string& side) {
        auto it = table.find({variant, n});
        if (it == table.end() || it->second != side) {
          bad += side + "-only " + n + "; ";
        }
        seen.insert({variant, n});
      };
      for (const std::string& n : amd64.names) {
        if (!other.names.count(n)) check(n, "amd64");
      }
      for (const std::string& n : other.names) {
        if (!amd64.names.count(n)) check(n, variant);
      }
      EXPECT_EQ(bad, "") << variant << "/" << c.name
                         << ": not explained by arch32_differences.tsv";
    }
  }
  // Not vacuous: each kind of difference shows up in the fixtures.
  for (const auto& key : std::vector<std::pair<std::string, std::string>>{
           {"386", "socketcall"},
           {"386", "mmap2"},
           {"386", "set_thread_area"},
           {"386", "fcntl64"},
           {"386", "_llseek"},
           {"386", "setuid32"},
           {"arm", "mmap2"},
           {"arm", "getrlimit"},
           {"arm", "accept"},
           {"arm", "arch_prctl"},
           {"arm", "fstatat64"}}) {
    EXPECT_TRUE(seen.count(key)) << key.first << " " << key.second;
  }
  int unused = 0;
  for (const auto& [key, side] : table) unused += seen.count(key) == 0;
  ::testing::Test::RecordProperty("rows_not_seen_in_fixtures", unused);
}

}  // namespace
}  // namespace go2seccomp
