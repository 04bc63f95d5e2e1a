#include "go2seccomp/profile/profile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "go2seccomp/profile/allowance.h"
#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::profile {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ActionTest, NamesRoundTrip) {
  for (auto kind :
       {Action::Kind::kAllow, Action::Kind::kErrno, Action::Kind::kKillProcess,
        Action::Kind::kKillThread, Action::Kind::kTrap, Action::Kind::kLog,
        Action::Kind::kTrace, Action::Kind::kNotify}) {
    EXPECT_EQ(ActionKindFromName(ActionName(kind)), kind) << ActionName(kind);
  }
  // libseccomp/Docker alias of kill-thread.
  EXPECT_EQ(ActionKindFromName("SCMP_ACT_KILL"), Action::Kind::kKillThread);
  EXPECT_EQ(ActionName(Action::Kind::kKillThread), "SCMP_ACT_KILL_THREAD");
  EXPECT_EQ(ActionKindFromName("SCMP_ACT_FOO"), std::nullopt);
  EXPECT_EQ(ToString(Action::Errno(13)), "SCMP_ACT_ERRNO(13)");
  EXPECT_EQ(ToString(Action::Allow()), "SCMP_ACT_ALLOW");
}

TEST(ArgConditionTest, OpNamesRoundTrip) {
  for (auto op :
       {ArgCondition::Op::kNotEqual, ArgCondition::Op::kLessThan,
        ArgCondition::Op::kLessOrEqual, ArgCondition::Op::kEqual,
        ArgCondition::Op::kGreaterOrEqual, ArgCondition::Op::kGreaterThan,
        ArgCondition::Op::kMaskedEqual}) {
    EXPECT_EQ(OpFromName(OpName(op)), op);
  }
  EXPECT_EQ(OpFromName("SCMP_CMP_FOO"), std::nullopt);
}

TEST(CanonicalizeTest, SortsDedupsAndMergesUnconditionalRules) {
  Profile p;
  p.default_action = Action::Errno();
  p.arches = {Arch::kArm64, Arch::kX86_64, Arch::kArm64};
  p.rules = {
      Rule::Make({"write", "read", "write"}, Action::Allow()),
      Rule::Make({"ptrace"}, Action::Errno(1)),
      Rule::Make({"close"}, Action::Allow(), {}, "closing"),
      Rule::Make({"personality"}, Action::Allow(),
                 {ArgCondition::Make(0, ArgCondition::Op::kEqual, 8)}),
      Rule::Make({}, Action::Allow()),
      Rule::Make({"kill"}, {Action::Kind::kKillProcess, 99}),
  };
  Canonicalize(p);
  EXPECT_THAT(p.arches, ElementsAre(Arch::kX86_64, Arch::kArm64));
  ASSERT_EQ(p.rules.size(), 4u);
  EXPECT_EQ(p.rules[0], Rule::Make({"close", "read", "write"}, Action::Allow(),
                                   {}, "closing"));
  EXPECT_EQ(p.rules[1].names, std::vector<std::string>{"personality"});
  EXPECT_EQ(p.rules[2], (Rule::Make({"ptrace"}, Action::Errno(1))));
  // errno_ret is zeroed where the kind does not use it.
  EXPECT_EQ(p.rules[3].action, Action::KillProcess());

  // Idempotent.
  Profile again = p;
  Canonicalize(again);
  EXPECT_EQ(again, p);
}

TEST(CanonicalizeTest, OrderDoesNotDependOnInputOrder) {
  Profile a;
  a.arches = {Arch::kX86_64};
  a.rules = {Rule::Make({"b"}, Action::Errno(5)),
             Rule::Make({"a"}, Action::Allow()),
             Rule::Make({"c"}, Action::Allow())};
  Profile b = a;
  std::reverse(b.rules.begin(), b.rules.end());
  EXPECT_EQ(Canonicalized(a), Canonicalized(b));
}

TEST(ProfileTest, SetSemantics) {
  Profile p;
  p.default_action = Action::Errno();
  p.arches = {Arch::kX86_64};
  p.rules = {
      Rule::Make({"read", "write", "sigreturn"}, Action::Allow()),
      Rule::Make({"ptrace"}, Action::Errno(38)),
      // Conditional: allowed for some arguments, not part of ActionFor().
      Rule::Make({"clone"}, Action::Allow(),
                 {ArgCondition::Make(0, ArgCondition::Op::kMaskedEqual,
                                     0x7e020000, 0)}),
  };
  EXPECT_TRUE(p.Allows("read"));
  EXPECT_TRUE(p.Allows("clone"));
  EXPECT_EQ(p.ActionFor("clone"), Action::Errno());
  EXPECT_FALSE(p.Allows("openat"));
  EXPECT_EQ(p.ActionFor("ptrace"), Action::Errno(38));
  EXPECT_EQ(p.ActionFor("openat"), Action::Errno());
  // sigreturn does not exist on x86_64: not in AllowedNames.
  EXPECT_EQ(p.AllowedNames(Arch::kX86_64),
            (std::set<std::string>{"clone", "read", "write"}));
  EXPECT_EQ(p.AllowedNames(Arch::kI386),
            (std::set<std::string>{"clone", "read", "sigreturn", "write"}));

  Profile allow_all;
  allow_all.default_action = Action::Allow();
  allow_all.rules = {Rule::Make({"ptrace"}, Action::Errno())};
  EXPECT_TRUE(allow_all.Allows("openat"));
  EXPECT_FALSE(allow_all.Allows("ptrace"));
  EXPECT_EQ(allow_all.AllowedNames(Arch::kX86_64).size(),
            syscalls::Table(Arch::kX86_64).size() - 1);
}

TEST(MergeTest, UnionOfAllowed) {
  Profile a;
  a.arches = {Arch::kX86_64};
  a.rules = {Rule::Make({"read", "write"}, Action::Allow()),
             Rule::Make({"openat", "ptrace"}, Action::Errno(13))};
  Profile b;
  b.default_action = Action::KillProcess();
  b.arches = {Arch::kArm64};
  b.rules = {Rule::Make({"openat", "close"}, Action::Allow())};

  Profile m = Merge(a, b);
  EXPECT_EQ(m.default_action, Action::Errno());  // a's
  EXPECT_THAT(m.arches, ElementsAre(Arch::kX86_64, Arch::kArm64));
  for (const char* n : {"read", "write", "openat", "close"}) {
    EXPECT_TRUE(m.Allows(n)) << n;
  }
  EXPECT_EQ(m.ActionFor("ptrace"), Action::Errno(13));
  EXPECT_EQ(m.ActionFor("mkdirat"), Action::Errno());
  // openat moved out of the errno rule.
  ASSERT_EQ(m.rules.size(), 2u);
  EXPECT_THAT(m.rules[1].names, ElementsAre("ptrace"));
  EXPECT_EQ(m, Merge(a, b));  // deterministic
}

// b allows fcntl only for F_SETFD; a's unconditional ENOSYS rule for it would
// win over that in the filter, so the merge drops fcntl from it.
TEST(MergeTest, ConditionalAllowBeatsTheOtherSidesUnconditionalDenial) {
  Profile a;
  a.arches = {Arch::kX86_64};
  a.rules = {Rule::Make({"fcntl", "ptrace"}, Action::Errno(38))};
  Profile b;
  b.arches = {Arch::kX86_64};
  const std::vector<ArgCondition> setfd = {
      ArgCondition::Make(1, ArgCondition::Op::kEqual, 2)};
  b.rules = {Rule::Make({"fcntl"}, Action::Allow(), setfd)};

  for (const Profile& m : {Merge(a, b), Merge(b, a)}) {
    const Allowance fcntl = AllowanceOf(m, "fcntl");
    EXPECT_EQ(fcntl.kind, Allowance::Kind::kConditional);
    EXPECT_EQ(fcntl.ActionForCall({0, 2}), Action::Allow());
    EXPECT_EQ(fcntl.ActionForCall({0, 1}), m.default_action);
    EXPECT_EQ(m.ActionFor("ptrace"), Action::Errno(38));
  }
}

TEST(MergeTest, WithEmptyIsCanonicalIdentity) {
  Profile a;
  a.arches = {Arch::kX86_64};
  a.rules = {Rule::Make({"write", "read"}, Action::Allow())};
  EXPECT_EQ(Merge(a, Profile{}), Canonicalized(a));
  EXPECT_THAT(Merge(Profile{}, Profile{}).rules, IsEmpty());
}

}  // namespace
}  // namespace go2seccomp::profile
