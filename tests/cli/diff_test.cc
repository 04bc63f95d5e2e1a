// `go2seccomp diff` on the Go fixtures and on hand-written profiles.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/cli/cli_util.h"
#include "tests/common/files.h"

namespace go2seccomp {
namespace {

using test_util::Cli;
using test_util::Fixture;
using test_util::RunResult;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(Diff, BinariesAddedSyscallsWithTheirFunctions) {
  // mkdir creates directories and runs nothing else hello does not.
  RunResult r = Cli({"diff", "-q", Fixture("hello"), Fixture("mkdir")});
  EXPECT_EQ(r.exit_code(), 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("\n+ mkdirat (258): syscall.Mkdirat\n"));
  EXPECT_THAT(r.out, HasSubstr(" 0 removed"));
  EXPECT_THAT(r.out, HasSubstr("allows more than"));
  // Reversed: only removals, exit 0.
  r = Cli({"diff", "-q", Fixture("mkdir"), Fixture("hello")});
  EXPECT_EQ(r.exit_code(), 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("\n- mkdirat (258): syscall.Mkdirat\n"));
  EXPECT_THAT(r.out, HasSubstr(" 0 added"));
  // Same binary: nothing.
  r = Cli({"diff", "-q", Fixture("hello"), Fixture("hello")});
  EXPECT_EQ(r.exit_code(), 0);
  EXPECT_THAT(r.out, HasSubstr("0 added, 0 removed\n"));
}

TEST(Diff, Json) {
  RunResult r =
      Cli({"diff", "-q", "--json", Fixture("hello"), Fixture("mkdir")});
  EXPECT_EQ(r.exit_code(), 1);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["allows_more"], true);
  EXPECT_EQ(j["old"]["kind"], "binary");
  ASSERT_EQ(j["arches"].size(), 1u);
  EXPECT_EQ(j["arches"][0]["arch"], "x86_64");
  bool found = false;
  for (const auto& a : j["arches"][0]["added"]) {
    if (a["name"] != "mkdirat") continue;
    found = true;
    EXPECT_EQ(a["number"], 258);
    EXPECT_EQ(a["introduced_by"], nlohmann::json::array({"syscall.Mkdirat"}));
  }
  EXPECT_TRUE(found) << r.out;
  EXPECT_TRUE(j["arches"][0]["removed"].empty());
}

TEST(Diff, PresetsAreIntroducers) {
  // The same program, profiled for no runtime and then for Docker: what is
  // new is runc's, and says so.
  test_util::TempDir tmp;
  const std::string old_profile = (tmp.path() / "none.json").string();
  ASSERT_TRUE(Cli({Fixture("hello"), old_profile, "-q", "--runtime", "none"})
                  .exited_ok());
  RunResult r = Cli({"diff", "-q", old_profile, Fixture("hello")});
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_THAT(r.out, HasSubstr("\n+ execve (59): runtime preset docker\n"));
  // capset: runc's, used by hello's runtime too? No: only runc's.
  EXPECT_THAT(r.out, HasSubstr("\n+ capset (126): runtime preset docker\n"));
}

TEST(Diff, ProfilesByNameOnly) {
  test_util::TempDir tmp;
  const std::string a = (tmp.path() / "a.json").string();
  const std::string b = (tmp.path() / "b.oci-linux.json").string();
  ASSERT_TRUE(Cli({Fixture("hello"), a, "-q"}).exited_ok());
  // Any form ParseOciJson reads: here the config.json block.
  ASSERT_TRUE(
      Cli({"analyze", "-q", Fixture("mkdir"), "--format", "oci-linux", "-o", b})
          .exited_ok());
  RunResult r = Cli({"diff", a, b});
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_THAT(r.out, HasSubstr("\n+ mkdirat (258)\n"));
  r = Cli({"diff", b, a});
  EXPECT_EQ(r.exit_code(), 0);
  EXPECT_THAT(r.out, HasSubstr("\n- mkdirat (258)\n"));
}

std::string Write(const test_util::TempDir& tmp, const std::string& name,
                  const std::string& text) {
  const std::string path = (tmp.path() / name).string();
  std::ofstream(path) << text;
  return path;
}

TEST(Diff, ArgumentConditionsAndDefaultActions) {
  test_util::TempDir tmp;
  const std::string base = R"({"defaultAction": "SCMP_ACT_ERRNO",
      "architectures": ["SCMP_ARCH_X86_64"],
      "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"})";
  const std::string plain = Write(tmp, "plain.json", base + "]}");
  const std::string cond =
      Write(tmp, "cond.json",
            base + R"(, {"names": ["socket"], "action": "SCMP_ACT_ALLOW",
          "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]})");
  const std::string cond2 =
      Write(tmp, "cond2.json",
            base + R"(, {"names": ["socket"], "action": "SCMP_ACT_ALLOW",
          "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}]})");
  // A conditional allow is an allow.
  RunResult r = Cli({"diff", plain, cond});
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_THAT(r.out, HasSubstr("+ socket (41) [if args[0] == 0x1]\n"));
  // Different conditions cannot be ordered: changed, and counted as more.
  r = Cli({"diff", cond, cond2});
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_THAT(r.out, HasSubstr("~ socket (41)\n    was: args[0] == 0x1\n"
                               "    now: args[0] == 0x2\n"));
  r = Cli({"diff", cond, plain});
  EXPECT_EQ(r.exit_code(), 0);
  // A default of allow allows everything else.
  const std::string allow_all =
      Write(tmp, "allow.json", R"({"defaultAction": "SCMP_ACT_ALLOW",
          "architectures": ["SCMP_ARCH_X86_64"], "syscalls": []})");
  r = Cli({"diff", "--json", plain, allow_all});
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_GT(nlohmann::json::parse(r.out)["arches"][0]["added"].size(), 300u);
  // An unconditional denial overrides a conditional allow (as in the
  // filter): nothing added.
  const std::string overridden =
      Write(tmp, "overridden.json",
            base + R"(, {"names": ["socket"], "action": "SCMP_ACT_ALLOW",
          "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
          {"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]})");
  r = Cli({"diff", plain, overridden});
  EXPECT_EQ(r.exit_code(), 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("0 added, 0 removed\n"));
  // SCMP_ACT_LOG is not an allow, but a default that starts logging instead
  // of denying lets every other call run: allows more.
  const std::string log_all =
      Write(tmp, "log.json", R"({"defaultAction": "SCMP_ACT_LOG",
          "architectures": ["SCMP_ARCH_X86_64"],
          "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"}]})");
  r = Cli({"diff", plain, log_all});
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_THAT(r.out,
              HasSubstr("0 added, 0 removed\n"
                        "default action: SCMP_ACT_ERRNO(1) -> SCMP_ACT_LOG\n"));
  EXPECT_EQ(Cli({"diff", log_all, plain}).exit_code(), 0);
}

TEST(Diff, BadInput) {
  test_util::TempDir tmp;
  const std::string junk = Write(tmp, "junk.json", "{not json");
  RunResult r = Cli({"diff", junk, Fixture("hello")});
  EXPECT_NE(r.exit_code(), 0);
  EXPECT_NE(r.exit_code(), 1);  // 1 means "allows more", never an error
  EXPECT_THAT(r.err, HasSubstr("junk.json"));
  EXPECT_THAT(r.out, Not(HasSubstr("added")));
}

}  // namespace
}  // namespace go2seccomp
