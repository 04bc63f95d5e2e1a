#include "go2seccomp/profile/allowance.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace go2seccomp::profile {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Op = ArgCondition::Op;
using Kind = Allowance::Kind;

// What `go2seccomp analyze --args` writes for hello: fcntl for three
// commands, clone without namespace flags.
Profile HelloArgs() {
  Profile p;
  p.arches = {Arch::kX86_64};
  p.rules = {
      Rule::Make({"read", "write"}, Action::Allow()),
      Rule::Make({"clone"}, Action::Allow(),
                 {ArgCondition::Make(0, Op::kMaskedEqual, 0x7e020000, 0)}),
      Rule::Make({"fcntl"}, Action::Allow(),
                 {ArgCondition::Make(1, Op::kEqual, 2)}),
      Rule::Make({"fcntl"}, Action::Allow(),
                 {ArgCondition::Make(1, Op::kEqual, 3)}),
  };
  return p;
}

TEST(AllowanceTest, UnconditionalAndDenied) {
  const Profile p = HelloArgs();
  EXPECT_EQ(AllowanceOf(p, "read").kind, Kind::kUnconditional);
  EXPECT_EQ(AllowanceOf(p, "read").otherwise, Action::Allow());
  const Allowance mkdirat = AllowanceOf(p, "mkdirat");
  EXPECT_EQ(mkdirat.kind, Kind::kDenied);
  EXPECT_FALSE(mkdirat.allowed());
  EXPECT_EQ(mkdirat.otherwise, Action::Errno());
  EXPECT_THAT(mkdirat.when, IsEmpty());
}

TEST(AllowanceTest, ConditionalRulesAreSpelledOut) {
  const Profile p = HelloArgs();
  const Allowance fcntl = AllowanceOf(p, "fcntl");
  EXPECT_EQ(fcntl.kind, Kind::kConditional);
  EXPECT_TRUE(fcntl.allowed());
  EXPECT_EQ(fcntl.otherwise, Action::Errno());
  EXPECT_THAT(
      fcntl.when,
      ElementsAre(Allowance::When{Action::Allow(),
                                  {ArgCondition::Make(1, Op::kEqual, 2)}},
                  Allowance::When{Action::Allow(),
                                  {ArgCondition::Make(1, Op::kEqual, 3)}}));
  EXPECT_EQ(fcntl.ActionForCall({0, 2, 1}), Action::Allow());
  EXPECT_EQ(fcntl.ActionForCall({0, 3}), Action::Allow());
  EXPECT_EQ(fcntl.ActionForCall({0, 4}), Action::Errno());
  EXPECT_EQ(DescribeConditions(fcntl), "args[1] == 0x2 || args[1] == 0x3");

  const Allowance clone = AllowanceOf(p, "clone");
  EXPECT_EQ(clone.ActionForCall({0x3d0f00}), Action::Allow());
  EXPECT_EQ(clone.ActionForCall({0x3d0f00 | 0x10000000 /* NEWUSER */}),
            Action::Errno());
  EXPECT_EQ(DescribeConditions(clone), "(args[0] & 0x7e020000) == 0x0");
  EXPECT_EQ(DescribeConditions(AllowanceOf(p, "read")), "");
}

// libseccomp keeps the broader rule: an unconditional one wins over
// conditional ones whatever the order.
TEST(AllowanceTest, UnconditionalRuleWins) {
  Profile p = HelloArgs();
  p.rules.push_back(Rule::Make({"fcntl"}, Action::Errno(38)));
  const Allowance fcntl = AllowanceOf(p, "fcntl");
  EXPECT_EQ(fcntl.kind, Kind::kDenied);
  EXPECT_EQ(fcntl.otherwise, Action::Errno(38));
  EXPECT_EQ(fcntl.ActionForCall({0, 2}), Action::Errno(38));
  p.rules.push_back(Rule::Make({"clone"}, Action::Allow()));
  EXPECT_EQ(AllowanceOf(p, "clone").kind, Kind::kUnconditional);
  EXPECT_EQ(AllowanceOf(p, "clone").ActionForCall({0x10000000}),
            Action::Allow());
}

// A default-allow profile that denies under conditions (what the launcher's
// exceptions look like from the other side).
TEST(AllowanceTest, ConditionalDenialOfADefaultAllow) {
  Profile p;
  p.default_action = Action::Allow();
  p.arches = {Arch::kX86_64};
  p.rules = {Rule::Make({"socket"}, Action::KillProcess(),
                        {ArgCondition::Make(0, Op::kEqual, 16 /* NETLINK */),
                         ArgCondition::Make(2, Op::kGreaterThan, 0)})};
  const Allowance socket = AllowanceOf(p, "socket");
  EXPECT_EQ(socket.kind, Kind::kConditional);
  EXPECT_EQ(socket.ActionForCall({16, 3, 1}), Action::KillProcess());
  EXPECT_EQ(socket.ActionForCall({16, 3, 0}), Action::Allow());
  EXPECT_EQ(socket.ActionForCall({2, 1, 1}), Action::Allow());
  EXPECT_EQ(DescribeConditions(socket),
            "not (args[0] == 0x10 && args[2] > 0x0)");
  EXPECT_EQ(AllowanceOf(p, "read").kind, Kind::kUnconditional);
}

// Conditional rules whose action is the default change nothing (the filter
// compiler leaves them out); conditional rules that only pick another
// denying action leave the name denied.
TEST(AllowanceTest, ConditionalRulesThatDoNotAllow) {
  Profile p;
  p.arches = {Arch::kX86_64};
  p.rules = {
      Rule::Make({"ioctl"}, Action::Errno(),
                 {ArgCondition::Make(1, Op::kEqual, 0x5412)}),
      Rule::Make({"ioctl"}, Action::Errno(25),
                 {ArgCondition::Make(1, Op::kEqual, 0x5401)}),
  };
  const Allowance ioctl = AllowanceOf(p, "ioctl");
  EXPECT_EQ(ioctl.kind, Kind::kDenied);
  ASSERT_EQ(ioctl.when.size(), 1u);
  EXPECT_EQ(ioctl.ActionForCall({0, 0x5401}), Action::Errno(25));
  EXPECT_EQ(ioctl.ActionForCall({0, 0x5412}), Action::Errno());
  // SCMP_ACT_LOG lets the call run, but it is not an allow.
  p.rules.push_back(Rule::Make({"ioctl"}, Action::Log()));
  EXPECT_EQ(AllowanceOf(p, "ioctl").kind, Kind::kDenied);
  EXPECT_EQ(AllowanceOf(p, "ioctl").otherwise, Action::Log());
}

TEST(AllowanceTest, DescribeEveryOperator) {
  EXPECT_EQ(DescribeCondition(ArgCondition::Make(0, Op::kNotEqual, 1)),
            "args[0] != 0x1");
  EXPECT_EQ(DescribeCondition(ArgCondition::Make(1, Op::kLessThan, 2)),
            "args[1] < 0x2");
  EXPECT_EQ(DescribeCondition(ArgCondition::Make(2, Op::kLessOrEqual, 3)),
            "args[2] <= 0x3");
  EXPECT_EQ(DescribeCondition(ArgCondition::Make(3, Op::kGreaterOrEqual, 4)),
            "args[3] >= 0x4");
  EXPECT_EQ(DescribeCondition(ArgCondition::Make(4, Op::kGreaterThan, 5)),
            "args[4] > 0x5");
  EXPECT_EQ(DescribeCondition(ArgCondition::Make(5, Op::kMaskedEqual, 6, 2)),
            "(args[5] & 0x6) == 0x2");
}

}  // namespace
}  // namespace go2seccomp::profile
