#include "go2seccomp/profile/oci_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "go2seccomp/base/file_io.h"
#include "go2seccomp/profile/builder.h"

namespace go2seccomp::profile {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// The classic go2seccomp / Docker shape, byte for byte.
constexpr std::string_view kClassic = R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "architectures": [
        "SCMP_ARCH_X86_64"
    ],
    "syscalls": [
        {
            "names": [
                "accept4",
                "arch_prctl"
            ],
            "action": "SCMP_ACT_ALLOW"
        }
    ]
}
)";

TEST(ToOciJsonTest, ClassicShape) {
  Result<Profile> p = ProfileBuilder()
                          .Arches({Arch::kX86_64})
                          .Allow({"arch_prctl", "accept4"})
                          .Build();
  ASSERT_TRUE(p);
  EXPECT_EQ(ToOciJson(*p), kClassic);
}

TEST(ToOciJsonTest, OptionalFieldsOnlyWhenNotDefault) {
  Profile p;
  p.default_action = Action::Errno(38);
  p.arches = {Arch::kX86_64, Arch::kI386};
  p.rules = {
      Rule::Make({"clone"}, Action::Allow(),
                 {ArgCondition::Make(0, ArgCondition::Op::kMaskedEqual,
                                     2114060288, 0)},
                 "no namespaces"),
      Rule::Make({"ptrace"}, Action::Errno(1)),
      Rule::Make({"kill"}, Action::Trace(7)),
  };
  EXPECT_EQ(ToOciJson(p), R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 38,
    "architectures": [
        "SCMP_ARCH_X86_64",
        "SCMP_ARCH_X86"
    ],
    "syscalls": [
        {
            "names": [
                "clone"
            ],
            "action": "SCMP_ACT_ALLOW",
            "args": [
                {
                    "index": 0,
                    "value": 2114060288,
                    "valueTwo": 0,
                    "op": "SCMP_CMP_MASKED_EQ"
                }
            ],
            "comment": "no namespaces"
        },
        {
            "names": [
                "ptrace"
            ],
            "action": "SCMP_ACT_ERRNO"
        },
        {
            "names": [
                "kill"
            ],
            "action": "SCMP_ACT_TRACE",
            "errnoRet": 7
        }
    ]
}
)");
}

TEST(ParseOciJsonTest, RoundTrip) {
  Profile p;
  p.default_action = Action::KillProcess();
  p.arches = {Arch::kX86_64, Arch::kArm64};
  p.rules = {
      Rule::Make({"read", "write"}, Action::Allow()),
      Rule::Make({"personality"}, Action::Allow(),
                 {ArgCondition::Make(0, ArgCondition::Op::kEqual, 0xffffffff),
                  ArgCondition::Make(1, ArgCondition::Op::kNotEqual, 1, 2)},
                 "c"),
      Rule::Make({"ptrace"}, Action::Errno(13)),
      Rule::Make({"getpid"}, Action::Log()),
      Rule::Make({"kill"}, Action::Trap()),
  };
  Result<Profile> back = ParseOciJson(ToOciJson(p), "p.json");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, p);
  EXPECT_EQ(ParseOciJson(kClassic, "c.json").map(ToOciJson).value(), kClassic);
}

TEST(ParseOciJsonTest, UnknownActionNamesThePath) {
  std::string text = R"({"defaultAction": "SCMP_ACT_ERRNO",
    "architectures": ["SCMP_ARCH_X86_64"],
    "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"},
                 {"names": ["write"], "action": "SCMP_ACT_ALLOW"},
                 {"names": ["close"], "action": "SCMP_ACT_ALLOW"},
                 {"names": ["openat"], "action": "SCMP_ACT_FOO"}]})";
  Result<Profile> p = ParseOciJson(text, "bad.json");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(p.error().message,
            "bad.json: syscalls[3].action: unknown action \"SCMP_ACT_FOO\"");
}

TEST(ParseOciJsonTest, SyntaxErrorGivesLineAndColumn) {
  std::string text = "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  oops\n}";
  Result<Profile> p = ParseOciJson(text, "x.json");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kMalformed);
  EXPECT_THAT(p.error().message,
              HasSubstr("x.json: JSON syntax error at line 3, column 3"));
}

TEST(ParseOciJsonTest, TruncatedInput) {
  Result<Profile> p = ParseOciJson("{\"defaultAction\": ", "t.json");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kMalformed);
  EXPECT_THAT(p.error().message, HasSubstr("line 1"));
}

// Found by oci_json_fuzzer (corpus/oci_json/crash-number-overflow):
// nlohmann's parse() throws out_of_range, not parse_error, for a number a
// double cannot hold, and it escaped the library.
TEST(ParseOciJsonTest, NumberOverflowIsMalformedNotAnException) {
  Result<Profile> p =
      ParseOciJson(R"({"defaultAction": "SCMP_ACT_ERRNO", "x": 1e309})", "n.json");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kMalformed);
  EXPECT_THAT(p.error().message, HasSubstr("n.json: invalid JSON: number overflow"));
}

struct BadCase {
  std::string text;
  ErrorCode code;
  std::string message;
};

class ParseOciJsonErrorsTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(ParseOciJsonErrorsTest, CodeAndMessage) {
  Result<Profile> p = ParseOciJson(GetParam().text, "f.json");
  ASSERT_FALSE(p) << GetParam().text;
  EXPECT_EQ(p.error().code, GetParam().code) << p.error().message;
  EXPECT_THAT(p.error().message, HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseOciJsonErrorsTest,
    ::testing::Values(
        BadCase{"[]", ErrorCode::kInvalidArgument,
                "expected a JSON object at the top, got array"},
        BadCase{R"({"syscalls": []})", ErrorCode::kInvalidArgument,
                "no \"defaultAction\""},
        BadCase{R"({"defaultAction": 3})", ErrorCode::kInvalidArgument,
                "f.json: defaultAction: expected a string, got number"},
        BadCase{R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": -1})",
                ErrorCode::kInvalidArgument,
                "defaultErrnoRet: expected a non-negative integer, got -1"},
        BadCase{
            R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 65536})",
            ErrorCode::kInvalidArgument, "16-bit SECCOMP_RET_DATA"},
        BadCase{R"({"defaultAction": "SCMP_ACT_ERRNO",
                    "architectures": ["SCMP_ARCH_X86_64"],
                    "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]})",
                ErrorCode::kInvalidArgument,
                "both \"architectures\" and \"archMap\""},
        BadCase{R"({"defaultAction": "SCMP_ACT_ERRNO",
                    "architectures": ["SCMP_ARCH_VAX"]})",
                ErrorCode::kInvalidArgument,
                "architectures: unknown architecture \"SCMP_ARCH_VAX\""},
        BadCase{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
                    {"name": "read", "names": ["write"],
                     "action": "SCMP_ACT_ALLOW"}]})",
                ErrorCode::kInvalidArgument,
                "syscalls[0]: both \"name\" and \"names\""},
        BadCase{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
                    {"names": ["read"]}]})",
                ErrorCode::kInvalidArgument,
                "syscalls[0].action: missing (required)"},
        BadCase{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
                    {"names": ["read", 7], "action": "SCMP_ACT_ALLOW"}]})",
                ErrorCode::kInvalidArgument,
                "syscalls[0].names[1]: expected a string, got number"},
        BadCase{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
                    {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
                     "args": [{"index": 6, "value": 0, "op": "SCMP_CMP_EQ"}]}]})",
                ErrorCode::kInvalidArgument,
                "syscalls[0].args[0].index: 6 is not an argument index"},
        BadCase{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
                    {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
                     "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_XX"}]}]})",
                ErrorCode::kInvalidArgument,
                "syscalls[0].args[0].op: unknown operator \"SCMP_CMP_XX\""},
        BadCase{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
                    {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
                     "args": [{"index": 0, "value": 1.5, "op": "SCMP_CMP_EQ"}]}]})",
                ErrorCode::kInvalidArgument,
                "syscalls[0].args[0].value: expected a non-negative integer, "
                "got 1.5"},
        BadCase{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
                    {"names": ["read"], "action": "SCMP_ACT_ALLOW",
                     "includes": {"minKernel": "new"}}]})",
                ErrorCode::kInvalidArgument,
                "syscalls[0].includes.minKernel: expected "
                "\"<major>.<minor>\""},
        BadCase{R"({"ociVersion": "1.0.2", "linux": {}})", ErrorCode::kNotFound,
                "an OCI config without linux.seccomp"},
        BadCase{R"({"ociVersion": "1.0.2", "linux": {"seccomp": {
                    "defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
                    {"names": ["read"], "action": "SCMP_ACT_BAR"}]}}})",
                ErrorCode::kInvalidArgument,
                "f.json: linux.seccomp.syscalls[0].action: unknown action "
                "\"SCMP_ACT_BAR\""}));

TEST(ParseOciJsonTest, UnknownNamesAreErrorsListingAll) {
  std::string text = R"({"defaultAction": "SCMP_ACT_ERRNO",
    "architectures": ["SCMP_ARCH_X86_64"],
    "syscalls": [{"names": ["read", "raed"], "action": "SCMP_ACT_ALLOW"},
                 {"names": ["wirte"], "action": "SCMP_ACT_ALLOW"}]})";
  Result<Profile> p = ParseOciJson(text, "typo.json");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(p.error().message, AllOf(HasSubstr("typo.json: unknown syscalls"),
                                       HasSubstr("\"raed\" (syscalls[0])"),
                                       HasSubstr("\"wirte\" (syscalls[1])")));
}

TEST(ParseOciJsonTest, NamesOfOtherArchesAreSkippedWithANote) {
  std::string text = R"({"defaultAction": "SCMP_ACT_ERRNO",
    "architectures": ["SCMP_ARCH_X86_64"],
    "syscalls": [{"names": ["read", "arm_fadvise64_64", "socketcall"],
                  "action": "SCMP_ACT_ALLOW"},
                 {"names": ["sigreturn"], "action": "SCMP_ACT_ALLOW"}]})";
  Result<ParsedProfile> p = ParseOciJson(text, "x.json", ParseOptions{});
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->profile.rules.size(), 1u);  // the sigreturn-only rule is gone
  EXPECT_THAT(p->profile.rules[0].names, ElementsAre("read"));
  EXPECT_THAT(p->notes,
              Contains(HasSubstr("syscalls[0]: arm_fadvise64_64, socketcall "
                                 "skipped")));
}

TEST(ParseOciJsonTest, LegacyNameAndNoArchitectures) {
  std::string text = R"({"defaultAction": "SCMP_ACT_KILL",
    "syscalls": [{"name": "read", "action": "SCMP_ACT_ALLOW", "args": null}]})";
  ParseOptions options;
  options.target_arch = Arch::kArm64;
  Result<ParsedProfile> p = ParseOciJson(text, "old.json", options);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->profile.default_action, Action::KillThread());
  // OCI: no architectures -> the native (here: target) one.
  EXPECT_THAT(p->profile.arches, ElementsAre(Arch::kArm64));
  EXPECT_TRUE(p->profile.Allows("read"));
}

TEST(ParseOciJsonTest, OciSeccompObjectAndConfigJson) {
  std::string seccomp = R"({
      "defaultAction": "SCMP_ACT_ERRNO",
      "defaultErrnoRet": 38,
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
      "flags": ["SECCOMP_FILTER_FLAG_LOG"],
      "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
                   {"names": ["getcwd"], "action": "SCMP_ACT_ERRNO",
                    "errnoRet": 2}]})";
  std::string config = R"({"ociVersion": "1.0.2", "process": {"args": ["sh"]},
      "linux": {"namespaces": [], "seccomp": )" +
                       seccomp + "}}";
  for (const std::string& text : {seccomp, config}) {
    Result<ParsedProfile> p = ParseOciJson(text, "config.json", ParseOptions{});
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->profile.default_action, Action::Errno(38));
    EXPECT_THAT(p->profile.arches, ElementsAre(Arch::kX86_64, Arch::kI386));
    EXPECT_EQ(p->profile.ActionFor("getcwd"), Action::Errno(2));
    EXPECT_TRUE(p->profile.Allows("write"));
    EXPECT_THAT(p->notes, Contains(HasSubstr("SCMP_ARCH_X32 left out")));
    EXPECT_THAT(p->notes, Contains(HasSubstr("flags: ignored")));
  }
}

TEST(ParseOciJsonTest, ErrnoRetOnOtherActionsIsIgnoredWithANote) {
  std::string text = R"({"defaultAction": "SCMP_ACT_ERRNO",
    "architectures": ["SCMP_ARCH_X86_64"],
    "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW",
                  "errnoRet": 5}]})";
  Result<ParsedProfile> p = ParseOciJson(text, "x.json", ParseOptions{});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->profile.rules[0].action, Action::Allow());
  EXPECT_THAT(p->notes,
              ElementsAre(HasSubstr("syscalls[0].errnoRet: ignored")));
}

// moby's default profile, as a hand-made file with the same structure.
class DockerDefaultLikeTest : public ::testing::Test {
 protected:
  Result<ParsedProfile> Parse(const ParseOptions& options) {
    Result<std::string> text = ReadTextFile(
        G2S_SOURCE_DIR
        "/src/go2seccomp/profile/testdata/docker_default_like.json");
    if (!text) return Unexpected(text.error());
    return ParseOciJson(*text, "docker_default_like.json", options);
  }
};

TEST_F(DockerDefaultLikeTest, X86_64WithoutCapabilities) {
  ParseOptions options;
  options.target_arch = Arch::kX86_64;
  Result<ParsedProfile> parsed = Parse(options);
  ASSERT_TRUE(parsed) << parsed.error().message;
  const Profile& p = parsed->profile;
  EXPECT_EQ(p.default_action, Action::Errno(EPERM));  // defaultErrnoRet 1
  // archMap entry for x86_64; x32 has no table of ours.
  EXPECT_THAT(p.arches, ElementsAre(Arch::kX86_64, Arch::kI386));
  EXPECT_THAT(parsed->notes, Contains(HasSubstr("SCMP_ARCH_X32 left out")));

  for (const char* n :
       {"read", "write", "futex", "arch_prctl", "modify_ldt", "ptrace",
        "process_vm_readv", "socketcall", "_llseek", "waitpid", "sigreturn"}) {
    EXPECT_TRUE(p.Allows(n)) << n;
  }
  // Gated on capabilities the container does not have, or on other arches.
  for (const char* n :
       {"mount", "bpf", "setns", "open_by_handle_at", "reboot", "breakpoint",
        "set_tls", "cacheflush", "arm_fadvise64_64"}) {
    EXPECT_FALSE(p.Allows(n)) << n;
  }
  EXPECT_EQ(p.ActionFor("clone3"), Action::Errno(38));  // ENOSYS
  EXPECT_THAT(parsed->notes,
              Contains(HasSubstr("needs CAP_SYS_ADMIN, which is not granted")));
  EXPECT_THAT(parsed->notes,
              Contains(HasSubstr("arm_fadvise64_64, arm_sync_file_range "
                                 "skipped")));

  // The conditional rules.
  auto find = [&](std::string_view name) -> std::vector<const Rule*> {
    std::vector<const Rule*> out;
    for (const Rule& r : p.rules) {
      if (!r.args.empty() &&
          r.names == std::vector<std::string>{std::string(name)}) {
        out.push_back(&r);
      }
    }
    return out;
  };
  ASSERT_EQ(find("clone").size(), 1u);
  EXPECT_THAT(find("clone")[0]->args,
              ElementsAre(ArgCondition::Make(0, ArgCondition::Op::kMaskedEqual,
                                             2114060288, 0)));
  EXPECT_EQ(find("clone")[0]->action, Action::Allow());
  ASSERT_EQ(find("personality").size(), 2u);
  EXPECT_EQ(find("personality")[1]->args[0].value, 4294967295u);
  ASSERT_EQ(find("socket").size(), 1u);
  EXPECT_EQ(find("socket")[0]->action, Action::Errno(22));

  // It renders and reads back to the same thing.
  Result<ParsedProfile> again =
      ParseOciJson(ToOciJson(p), "again.json", options);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->profile, p);
}

TEST_F(DockerDefaultLikeTest, CapSysAdmin) {
  ParseOptions options;
  options.target_arch = Arch::kX86_64;
  options.capabilities = {"CAP_SYS_ADMIN"};
  Result<ParsedProfile> parsed = Parse(options);
  ASSERT_TRUE(parsed) << parsed.error().message;
  const Profile& p = parsed->profile;
  EXPECT_TRUE(p.Allows("mount"));
  EXPECT_TRUE(p.Allows("clone3"));  // the ENOSYS rule is excluded
  for (const Rule& r : p.rules) {
    EXPECT_FALSE(r.names == std::vector<std::string>{"clone"} &&
                 !r.args.empty());
  }
  EXPECT_FALSE(p.Allows("reboot"));
}

TEST_F(DockerDefaultLikeTest, Arm64) {
  ParseOptions options;
  options.target_arch = Arch::kArm64;
  Result<ParsedProfile> parsed = Parse(options);
  ASSERT_TRUE(parsed) << parsed.error().message;
  const Profile& p = parsed->profile;
  EXPECT_THAT(p.arches, ElementsAre(Arch::kArm64, Arch::kArm));
  EXPECT_TRUE(p.Allows("breakpoint"));
  EXPECT_TRUE(p.Allows("arm_fadvise64_64"));
  EXPECT_FALSE(p.Allows("arch_prctl"));
  EXPECT_FALSE(p.Allows("socketcall"));
  EXPECT_THAT(parsed->notes, Contains(HasSubstr("socketcall")));
}

TEST_F(DockerDefaultLikeTest, OldKernelDropsMinKernelRules) {
  ParseOptions options;
  options.target_arch = Arch::kX86_64;
  options.kernel_release = "4.4.0-210-generic";
  Result<ParsedProfile> parsed = Parse(options);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_FALSE(parsed->profile.Allows("ptrace"));
  EXPECT_THAT(
      parsed->notes,
      Contains(HasSubstr("kernel 4.4.0-210-generic is older than 4.8")));
  options.kernel_release = "6.1";
  EXPECT_TRUE(Parse(options)->profile.Allows("ptrace"));
}

TEST_F(DockerDefaultLikeTest, NoArchMapEntryForTarget) {
  // The map has no arm entry: the target is used alone, with a note.
  ParseOptions options;
  options.target_arch = Arch::kArm;
  Result<ParsedProfile> parsed = Parse(options);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_THAT(parsed->profile.arches, ElementsAre(Arch::kArm));
  EXPECT_THAT(parsed->notes, Contains(HasSubstr("archMap has no entry")));
  EXPECT_THAT(parsed->notes, Not(IsEmpty()));
}

}  // namespace
}  // namespace go2seccomp::profile
