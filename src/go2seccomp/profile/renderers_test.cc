#include "go2seccomp/profile/renderers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "go2seccomp/profile/builder.h"
#include "go2seccomp/profile/oci_json.h"

namespace go2seccomp::profile {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Profile Small(Action def = Action::Errno()) {
  return ProfileBuilder()
      .DefaultAction(def)
      .Arches({Arch::kX86_64})
      .Allow({"write", "exit_group", "read"})
      .Build()
      .value();
}

// ---------------------------------------------------------------- SPO

TEST(ToSpoYamlTest, ResourceShape) {
  EXPECT_EQ(ToSpoYaml(Small(), "hello").value(),
            "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\n"
            "kind: SeccompProfile\n"
            "metadata:\n"
            "  name: hello\n"
            "spec:\n"
            "  defaultAction: SCMP_ACT_ERRNO\n"
            "  architectures:\n"
            "  - SCMP_ARCH_X86_64\n"
            "  syscalls:\n"
            "  - action: SCMP_ACT_ALLOW\n"
            "    names:\n"
            "    - exit_group\n"
            "    - read\n"
            "    - write\n");
}

TEST(ToSpoYamlTest, ArgsAndErrnoRetUseTheCrdTypes) {
  Profile p = Small();
  p.rules.push_back(Rule::Make(
      {"socket"}, Action::Allow(),
      {ArgCondition::Make(0, ArgCondition::Op::kEqual, 1),
       ArgCondition::Make(1, ArgCondition::Op::kMaskedEqual, 0xf, 0x1)}));
  p.rules.push_back(Rule::Make({"clone3"}, Action::Errno(38)));
  const std::string yaml = ToSpoYaml(p, "x").value();
  EXPECT_THAT(yaml, HasSubstr("  - action: SCMP_ACT_ALLOW\n"
                              "    names:\n"
                              "    - socket\n"
                              "    args:\n"
                              "    - index: 0\n"
                              "      value: 1\n"
                              "      valueTwo: 0\n"
                              "      op: SCMP_CMP_EQ\n"
                              "    - index: 1\n"
                              "      value: 15\n"
                              "      valueTwo: 1\n"
                              "      op: SCMP_CMP_MASKED_EQ\n"));
  // errnoRet is a string in the CRD (Syscall.ErrnoRet string).
  EXPECT_THAT(yaml, HasSubstr("  - action: SCMP_ACT_ERRNO\n"
                              "    errnoRet: \"38\"\n"
                              "    names:\n"
                              "    - clone3\n"));
}

TEST(ToSpoYamlTest, RefusesWhatTheCrdCannotSay) {
  // No defaultErrnoRet in the SeccompProfile spec.
  auto r = ToSpoYaml(Small(Action::Errno(38)), "x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
  EXPECT_THAT(r.error().message, HasSubstr("defaultErrnoRet"));
  // Values are int64 in the CRD.
  Profile p = Small();
  p.rules.push_back(Rule::Make(
      {"ioctl"}, Action::Allow(),
      {ArgCondition::Make(1, ArgCondition::Op::kEqual, 0x8000000000000000)}));
  r = ToSpoYaml(p, "x");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("int64"));
  // Kubernetes object names.
  for (const char* bad : {"", "Hello", "-a", "a-", "a..b", "a_b", "a/b"}) {
    r = ToSpoYaml(Small(), bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(ToSpoYaml(Small(), "a.b-c.0"));
}

TEST(ToSpoYamlTest, NamesThatLookLikeOtherTypesAreQuoted) {
  EXPECT_THAT(ToSpoYaml(Small(), "123").value(),
              HasSubstr("  name: \"123\"\n"));
}

TEST(SpoObjectNameTest, MakesValidNames) {
  EXPECT_EQ(SpoObjectName("mkdir"), "mkdir");
  EXPECT_EQ(SpoObjectName("My_Server v2"), "my-server-v2");
  EXPECT_EQ(SpoObjectName("esbuild-0.19.2"), "esbuild-0.19.2");
  EXPECT_EQ(SpoObjectName("_x_.-y-."), "x.y");
  EXPECT_EQ(SpoObjectName("..."), "go2seccomp");
  EXPECT_EQ(SpoObjectName(""), "go2seccomp");
  const std::string long_name = SpoObjectName(std::string(300, 'a'));
  EXPECT_LE(long_name.size(), 253u);
  EXPECT_TRUE(ToSpoYaml(Small(), long_name));
  for (const char* s : {"A..B", "--", "x.-", "\xff\xfe"}) {
    EXPECT_TRUE(ToSpoYaml(Small(), SpoObjectName(s))) << s;
  }
}

// ---------------------------------------------------------------- systemd

TEST(ToSystemdDropInTest, AllowList) {
  const std::string unit = ToSystemdDropIn(Small()).value();
  EXPECT_THAT(unit, HasSubstr("[Service]\n"
                              "SystemCallFilter=exit_group read write\n"
                              "SystemCallErrorNumber=EPERM\n"
                              "SystemCallArchitectures=native\n"));
  // Comments only before the section: nothing else in it.
  EXPECT_EQ(unit.substr(unit.find("[Service]")).find('#'), std::string::npos);
}

TEST(ToSystemdDropInTest, DefaultActions) {
  EXPECT_THAT(ToSystemdDropIn(Small(Action::Errno(13))).value(),
              HasSubstr("SystemCallErrorNumber=EACCES\n"));
  // Kill: systemd's default when SystemCallErrorNumber= is not set.
  const std::string kill =
      ToSystemdDropIn(Small(Action::KillProcess())).value();
  EXPECT_THAT(kill, Not(HasSubstr("SystemCallErrorNumber")));
  for (Action a :
       {Action::Allow(), Action::Log(), Action::Trap(), Action::Trace()}) {
    auto r = ToSystemdDropIn(Small(a));
    ASSERT_FALSE(r) << ToString(a);
    EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
  }
}

TEST(ToSystemdDropInTest, ArgumentConditionsAndOtherDenials) {
  Profile p = Small();
  p.rules.push_back(
      Rule::Make({"socket"}, Action::Allow(),
                 {ArgCondition::Make(0, ArgCondition::Op::kEqual, 1)}));
  p.rules.push_back(Rule::Make({"clone3"}, Action::Errno(38)));
  const std::string unit = ToSystemdDropIn(p).value();
  EXPECT_THAT(
      unit,
      HasSubstr("# Allowed without their argument conditions (systemd cannot "
                "filter arguments): socket\n"));
  EXPECT_THAT(unit, HasSubstr("another deny action): clone3\n"));
  EXPECT_THAT(unit,
              HasSubstr("SystemCallFilter=exit_group read socket write\n"));
  p.rules.push_back(Rule::Make({"ptrace"}, Action::Log()));
  EXPECT_FALSE(ToSystemdDropIn(p));
}

TEST(ToSystemdDropInTest, SeveralArchesAreNamed) {
  Profile p = Small();
  p.arches = {Arch::kX86_64, Arch::kI386};
  EXPECT_THAT(ToSystemdDropIn(p).value(),
              HasSubstr("SystemCallArchitectures=x86-64 x86\n"));
}

TEST(ToSystemdDropInTest, NeverAnEmptyFilter) {
  // "SystemCallFilter=" with nothing after it resets (removes) the filter.
  Profile p;
  p.arches = {Arch::kX86_64};
  EXPECT_FALSE(ToSystemdDropIn(p));
}

// ---------------------------------------------------------------- OCI

TEST(ToOciLinuxJsonTest, ConfigJsonBlockReadsBack) {
  Profile p = Small(Action::Errno(38));
  p.rules.front().comment = "Docker only";
  const std::string text = ToOciLinuxJson(p);
  EXPECT_EQ(text.rfind("{\n    \"linux\": {\n        \"seccomp\": {\n"
                       "            \"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
                       "            \"defaultErrnoRet\": 38,\n",
                       0),
            0u)
      << text;
  // runtime-spec's LinuxSyscall has no "comment".
  EXPECT_THAT(text, Not(HasSubstr("comment")));
  Profile back = ParseOciJson(text, "config.json").value();
  p.rules.front().comment.clear();
  EXPECT_EQ(back, p);
}

}  // namespace
}  // namespace go2seccomp::profile
