#include "go2seccomp/profile/deny_actions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "go2seccomp/profile/oci_json.h"
#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::profile {
namespace {

using ::testing::HasSubstr;

TEST(DenyActionTest, Names) {
  EXPECT_EQ(DenyActionFromName("errno", 38), Action::Errno(38));
  EXPECT_EQ(DenyActionFromName("kill-process", 1), Action::KillProcess());
  EXPECT_EQ(DenyActionFromName("kill-thread", 1), Action::KillThread());
  EXPECT_EQ(DenyActionFromName("trap", 1), Action::Trap());
  EXPECT_EQ(DenyActionFromName("log", 1), Action::Log());
  EXPECT_EQ(DenyActionFromName("allow", 1), std::nullopt);
  EXPECT_EQ(DenyActionFromName("KILL", 1), std::nullopt);
  for (std::string_view n : kDenyActionNames) {
    EXPECT_TRUE(DenyActionFromName(n, 1)) << n;
  }
}

TEST(EnosysFallbacksTest, MembersAreRealEverywhere) {
  for (const GroupMember& m : EnosysFallbacks().members) {
    EXPECT_TRUE(syscalls::IsKnownName(m.name)) << m.name;
    EXPECT_TRUE(syscalls::NumberOf(Arch::kX86_64, m.name)) << m.name;
    EXPECT_TRUE(syscalls::NumberOf(Arch::kArm64, m.name)) << m.name;
  }
}

Profile Base(Action def) {
  Profile p;
  p.default_action = def;
  p.arches = {Arch::kX86_64};
  p.rules = {Rule::Make({"clone", "read"}, Action::Allow())};
  return p;
}

TEST(EnosysFallbacksTest, DeniedClone3GetsEnosys) {
  Profile p = Base(Action::Errno(EPERM));
  AddEnosysFallbacks(p);
  EXPECT_EQ(p.ActionFor("clone3"), Action::Errno(ENOSYS));
  EXPECT_EQ(p.ActionFor("clone"), Action::Allow());
  EXPECT_EQ(p.ActionFor("mount"), Action::Errno(EPERM));
  // Rendered the way Docker's default profile spells it.
  const std::string json = ToOciJson(p);
  EXPECT_THAT(json, HasSubstr("\"clone3\""));
  EXPECT_THAT(json, HasSubstr("\"errnoRet\": 38"));
  // Idempotent.
  Profile again = p;
  AddEnosysFallbacks(again);
  EXPECT_EQ(again, p);
}

TEST(EnosysFallbacksTest, KillDefaultStillGetsEnosysForClone3) {
  Profile p = Base(Action::KillProcess());
  AddEnosysFallbacks(p);
  EXPECT_EQ(p.ActionFor("clone3"), Action::Errno(ENOSYS));
  EXPECT_EQ(p.ActionFor("mount"), Action::KillProcess());
}

TEST(EnosysFallbacksTest, AllowedOrExplicitlyDenied) {
  Profile allowed = Base(Action::Errno(EPERM));
  allowed.rules.push_back(Rule::Make({"clone3"}, Action::Allow()));
  AddEnosysFallbacks(allowed);
  EXPECT_EQ(allowed.ActionFor("clone3"), Action::Allow());

  // An explicit non-allow rule for clone3 is replaced: the point of the
  // option is that clone3 fails with ENOSYS whenever it fails.
  Profile killed = Base(Action::Errno(EPERM));
  killed.rules.push_back(
      Rule::Make({"clone3", "mount"}, Action::KillProcess()));
  AddEnosysFallbacks(killed);
  EXPECT_EQ(killed.ActionFor("clone3"), Action::Errno(ENOSYS));
  EXPECT_EQ(killed.ActionFor("mount"), Action::KillProcess());
}

TEST(EnosysFallbacksTest, AllowByDefaultIsUntouched) {
  Profile p = Base(Action::Allow());
  Profile before = Canonicalized(p);
  AddEnosysFallbacks(p);
  EXPECT_EQ(p, before);
  EXPECT_EQ(p.ActionFor("clone3"), Action::Allow());
}

}  // namespace
}  // namespace go2seccomp::profile
