// `go2seccomp trace`, `compare` and `merge` through the command line (label
// "cli"). The soundness check of issue 3: for every Go fixture and build
// variant, everything the program is seen to call (trace --own) must be
// allowed by the profile `analyze` computes for it (compare exits 0).
// Tracing needs ptrace; the tests skip where it is refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "go2seccomp/base/arch.h"
#include "go2seccomp/profile/oci_json.h"
#include "tests/common/files.h"
#include "tests/common/process_util.h"
#include "tests/common/profiles.h"

namespace go2seccomp {
namespace {

using test_util::Fixture;

namespace fs = std::filesystem;
using test_util::ReadFile;
using test_util::RunProgram;
using test_util::RunResult;
using test_util::TempDir;
using ::testing::HasSubstr;

const std::string kCli = G2S_CLI;
const std::string kHelper = G2S_TRACE_HELPER;

bool TraceWorks() {
  static const bool works = [] {
    RunResult r = RunProgram({kCli, "trace", "-q", "--", "true"});
    return r.exited_ok();
  }();
  return works;
}

#define REQUIRE_TRACE()                                               \
  do {                                                                \
    if (!TraceWorks()) {                                              \
      GTEST_SKIP() << "go2seccomp trace cannot ptrace here (Yama, a " \
                      "container's seccomp profile, ...)";            \
    }                                                                 \
  } while (false)

using test_util::ReadProfile;

void WriteProfile(const fs::path& path, const profile::Profile& p) {
  std::ofstream(path) << profile::ToOciJson(p);
}

// The acceptance check: trace hello, analyze hello, compare.
TEST(TraceCliTest, HelloStaticProfileCoversTheTrace) {
  REQUIRE_TRACE();
  TempDir tmp;
  const fs::path t = tmp.path() / "t.json";
  const fs::path s = tmp.path() / "s.json";
  const fs::path counts = tmp.path() / "counts.json";
  RunResult r = RunProgram({kCli, "trace", "-o", t.string(), "--counts",
                            counts.string(), "--", Fixture("hello")});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  EXPECT_EQ(r.out, "hello, world\n");  // the summary goes to stderr
  EXPECT_THAT(r.err, HasSubstr("traced " + Fixture("hello") + ": exit code 0"));
  EXPECT_THAT(r.err, HasSubstr("exit_group"));

  profile::Profile observed = ReadProfile(t);
  EXPECT_THAT(observed.arches, ::testing::ElementsAre(HostArch()));
  EXPECT_TRUE(observed.Allows("write"));
  EXPECT_TRUE(observed.Allows("exit_group"));
  EXPECT_FALSE(observed.Allows("execve"));  // its own start is not counted
  EXPECT_EQ(observed.default_action, profile::Action::Errno(EPERM));

  nlohmann::json c = nlohmann::json::parse(ReadFile(counts));
  EXPECT_EQ(c["exit_code"], 0);
  const std::string arch(GetArchInfo(HostArch()).name);
  EXPECT_EQ(c["counts"][arch]["exit_group"], 1);
  EXPECT_GE(c["counts"][arch]["write"].get<int>(), 1);
  EXPECT_EQ(c["execs"].size(), 1u);
  EXPECT_EQ(c["execs"][0]["initial"], true);

  // The classic form with its defaults, and analyze with no runtime preset
  // (the strictest profile) must both cover the trace.
  ASSERT_TRUE(RunProgram({kCli, Fixture("hello"), s.string()}).exited_ok());
  r = RunProgram(
      {kCli, "compare", "--static", s.string(), "--observed", t.string()});
  EXPECT_EQ(r.exit_code(), 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("every observed syscall is allowed"));

  ASSERT_TRUE(RunProgram({kCli, "analyze", "--runtime", "none", "-q", "-o",
                          s.string(), Fixture("hello")})
                  .exited_ok());
  r = RunProgram({kCli, "compare", "--static", s.string(), "--observed",
                  t.string(), "--json"});
  EXPECT_EQ(r.exit_code(), 0) << r.out << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["covered"], true);
  EXPECT_EQ(j["arches"][0]["observed_not_allowed"], nlohmann::json::array());
  EXPECT_GT(j["arches"][0]["allowed_not_observed"].size(), 0u);
}

TEST(TraceCliTest, CompareListsWhatTheStaticProfileMisses) {
  REQUIRE_TRACE();
  TempDir tmp;
  const fs::path t = tmp.path() / "t.json";
  ASSERT_TRUE(RunProgram({kCli, "trace", "-q", "-o", t.string(), "--",
                          Fixture("mkdir"), (tmp.path() / "d").string()})
                  .exited_ok());
  profile::Profile observed = ReadProfile(t);
  ASSERT_TRUE(observed.Allows("mkdirat"));
  // A "static" profile that forgot mkdirat.
  profile::Profile lacking = observed;
  for (profile::Rule& rule : lacking.rules) std::erase(rule.names, "mkdirat");
  const fs::path s = tmp.path() / "s.json";
  WriteProfile(s, lacking);

  RunResult r = RunProgram(
      {kCli, "compare", "--static", s.string(), "--observed", t.string()});
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_THAT(r.out, HasSubstr("1 observed syscall not allowed by"));
  EXPECT_THAT(r.out, HasSubstr("missing  mkdirat"));
  r = RunProgram({kCli, "compare", "--json", "--static", s.string(),
                  "--observed", t.string()});
  EXPECT_EQ(r.exit_code(), 1);
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["covered"], false);
  EXPECT_EQ(j["arches"][0]["observed_not_allowed"],
            nlohmann::json::array({"mkdirat"}));

  // merge puts it back: the union covers the trace.
  const fs::path m = tmp.path() / "m.json";
  r = RunProgram({kCli, "merge", s.string(), t.string(), "-o", m.string()});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  EXPECT_TRUE(ReadProfile(m).Allows("mkdirat"));
  r = RunProgram(
      {kCli, "compare", "--static", m.string(), "--observed", t.string()});
  EXPECT_EQ(r.exit_code(), 0) << r.out;
}

TEST(TraceCliTest, MergeKeepsTheFirstDefaultAction) {
  TempDir tmp;
  profile::Profile a;
  a.default_action = profile::Action::KillProcess();
  a.arches = {Arch::kX86_64};
  a.rules = {profile::Rule::Make({"read"}, profile::Action::Allow())};
  profile::Profile b;
  b.arches = {Arch::kX86_64};
  b.rules = {profile::Rule::Make({"write"}, profile::Action::Allow())};
  WriteProfile(tmp.path() / "a.json", a);
  WriteProfile(tmp.path() / "b.json", b);
  RunResult r = RunProgram({kCli, "merge", (tmp.path() / "a.json").string(),
                            (tmp.path() / "b.json").string()});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  Result<profile::Profile> m = profile::ParseOciJson(r.out, "stdout");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->default_action, profile::Action::KillProcess());
  EXPECT_TRUE(m->Allows("read"));
  EXPECT_TRUE(m->Allows("write"));

  r = RunProgram({kCli, "merge", (tmp.path() / "missing.json").string()});
  EXPECT_NE(r.exit_code(), 0);
}

TEST(TraceCliTest, ExitCodeOfTheProgram) {
  REQUIRE_TRACE();
  EXPECT_EQ(
      RunProgram({kCli, "trace", "-q", "--", kHelper, "exit3"}).exit_code(), 3);
  EXPECT_EQ(RunProgram({kCli, "trace", "-q", "--", kHelper, "thread-exec"})
                .exit_code(),
            3);
  EXPECT_EQ(
      RunProgram({kCli, "trace", "-q", "--", kHelper, "sigkill"}).exit_code(),
      128 + 9);
  RunResult r = RunProgram({kCli, "trace", "--", "g2s-no-such-program"});
  EXPECT_EQ(r.exit_code(), 127);
  EXPECT_THAT(r.err, HasSubstr("not found in PATH"));
}

// --- soundness: static covers observed, every fixture and variant ----------

struct Case {
  std::string variant;
  std::string fixture;
};
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.variant << "/" << c.fixture;
}

class FixtureSoundnessTest : public ::testing::TestWithParam<Case> {};

TEST_P(FixtureSoundnessTest, StaticProfileCoversTheTrace) {
  if (HostArch() != Arch::kX86_64) GTEST_SKIP() << "amd64 fixtures";
  REQUIRE_TRACE();
  const Case& c = GetParam();
  TempDir tmp;
  const std::string bin = Fixture(c.fixture, c.variant);
  std::vector<std::string> args;
  if (c.fixture == "mkdir") {
    // With a program to run: os/exec's syscalls are the Go program's.
    args = {(tmp.path() / "d").string(), "/bin/true"};
  } else if (c.fixture == "filecopy") {
    args = {bin, (tmp.path() / "copy").string()};
  }
  const fs::path t = tmp.path() / "t.json";
  const fs::path s = tmp.path() / "s.json";
  std::vector<std::string> trace = {kCli, "trace",    "-q", "--own",
                                    "-o", t.string(), "--", bin};
  trace.insert(trace.end(), args.begin(), args.end());
  RunResult r = RunProgram(trace);
  ASSERT_TRUE(r.exited_ok()) << r.err;
  r = RunProgram(
      {kCli, "analyze", "--runtime", "none", "-q", "-o", s.string(), bin});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  r = RunProgram(
      {kCli, "compare", "--static", s.string(), "--observed", t.string()});
  EXPECT_EQ(r.exit_code(), 0) << "analysis missed syscalls of " << c.variant
                              << "/" << c.fixture << ":\n"
                              << r.out << r.err;
}

std::vector<Case> AllCases() {
  std::vector<Case> out;
  for (const char* v : {"amd64", "amd64-pie", "amd64-stripped"}) {
    for (const char* f : {"hello", "mkdir", "httpsrv", "execproc", "filecopy",
                          "rawsys", "varsys"}) {
      out.push_back({v, f});
    }
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FixtureSoundnessTest,
                         ::testing::ValuesIn(AllCases()),
                         [](const ::testing::TestParamInfo<Case>& p) {
                           std::string name =
                               p.param.variant + "_" + p.param.fixture;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace go2seccomp
