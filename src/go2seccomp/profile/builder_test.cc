#include "go2seccomp/profile/builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace go2seccomp::profile {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ProfileBuilderTest, HeaderExample) {
  Result<Profile> p = ProfileBuilder()
                          .DefaultAction(Action::Errno(EPERM))
                          .Arches({Arch::kX86_64})
                          .Allow(AlwaysAllowed())
                          .Allow({"read", "write", "openat"})
                          .AllowNumber(Arch::kX86_64, 258)
                          .AllowSyscall("openat")
                          .Build();
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->default_action, Action::Errno(EPERM));
  EXPECT_THAT(p->arches, ElementsAre(Arch::kX86_64));
  ASSERT_EQ(p->rules.size(), 1u);
  // Canonical; sigreturn (not on x86_64) left out quietly.
  EXPECT_THAT(p->rules[0].names,
              ElementsAre("exit", "exit_group", "mkdirat", "openat", "read",
                          "restart_syscall", "rt_sigreturn", "write"));
}

TEST(ProfileBuilderTest, GroupMembersKeptWhereAnyArchHasThem) {
  Result<Profile> p = ProfileBuilder()
                          .Arches({Arch::kX86_64, Arch::kI386})
                          .Allow(AlwaysAllowed())
                          .Build();
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->Allows("sigreturn"));
}

TEST(ProfileBuilderTest, UnknownNameIsAnErrorNamingIt) {
  Result<Profile> p =
      ProfileBuilder().Arches({Arch::kX86_64}).Allow({"read", "raed"}).Build();
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(p.error().message, HasSubstr("unknown syscall \"raed\""));
}

TEST(ProfileBuilderTest, NameOfAnotherArchOnlyIsAnError) {
  Result<Profile> p =
      ProfileBuilder().Arches({Arch::kX86_64}).Allow({"socketcall"}).Build();
  ASSERT_FALSE(p);
  EXPECT_THAT(p.error().message,
              HasSubstr("\"socketcall\" does not exist on x86_64"));
  // Fine once the profile covers i386.
  EXPECT_TRUE(ProfileBuilder()
                  .Arches({Arch::kX86_64, Arch::kI386})
                  .Allow({"socketcall"})
                  .Build());
}

TEST(ProfileBuilderTest, ArchesMayComeLast) {
  EXPECT_TRUE(
      ProfileBuilder().Allow({"arch_prctl"}).Arches({Arch::kX86_64}).Build());
}

TEST(ProfileBuilderTest, StickyFirstError) {
  ProfileBuilder b;
  b.Arches({Arch::kArm64})
      .AllowNumber(Arch::kArm64, 100000)
      .DefaultAction(Action::Errno(0x10000))
      .Allow({"read"});
  Result<Profile> p = b.Build();
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(p.error().message,
              HasSubstr("arm64 has no syscall number 100000"));
  // Build() again: same error.
  EXPECT_EQ(b.Build().error().message, p.error().message);
}

TEST(ProfileBuilderTest, ErrnoMustFitRetData) {
  Result<Profile> p = ProfileBuilder()
                          .Arches({Arch::kX86_64})
                          .DefaultAction(Action::Errno(70000))
                          .Build();
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(p.error().message, HasSubstr("16-bit SECCOMP_RET_DATA"));
}

TEST(ProfileBuilderTest, NoArchesIsAnError) {
  Result<Profile> p = ProfileBuilder().Allow({"read"}).Build();
  ASSERT_FALSE(p);
  EXPECT_THAT(p.error().message, HasSubstr("no architectures"));
}

TEST(ProfileBuilderTest, IdempotentAndRepeatable) {
  ProfileBuilder b;
  b.Arches({Arch::kX86_64}).Allow({"read", "read"}).Allow({"read"});
  Result<Profile> p1 = b.Build();
  Result<Profile> p2 = b.Build();
  ASSERT_TRUE(p1);
  EXPECT_EQ(*p1, *p2);
  EXPECT_THAT(p1->rules[0].names, ElementsAre("read"));
}

TEST(ProfileBuilderTest, AddRuleWithArgs) {
  Result<Profile> p =
      ProfileBuilder()
          .Arches({Arch::kX86_64})
          .Add(Rule::Make(
              {"personality"}, Action::Allow(),
              {ArgCondition::Make(0, ArgCondition::Op::kEqual, 0xffffffff)}))
          .Add(Rule::Make({"ptrace"}, Action::Errno(1)))
          .Build();
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->rules.size(), 2u);
  EXPECT_TRUE(p->Allows("personality"));  // for 0xffffffff only
  EXPECT_EQ(p->ActionFor("personality"), Action::Errno());

  Result<Profile> bad =
      ProfileBuilder()
          .Arches({Arch::kX86_64})
          .Add(Rule::Make({"personality"}, Action::Allow(),
                          {ArgCondition::Make(6, ArgCondition::Op::kEqual, 0)}))
          .Build();
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message, HasSubstr("argument index 6"));
}

}  // namespace
}  // namespace go2seccomp::profile
