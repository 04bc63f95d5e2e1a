// The tracer's pure parts: trace -> profile, compare, merge. (TraceProgram
// itself needs ptrace and is exercised by tests/live/trace_test.cc.)
#include "go2seccomp/runtime/trace.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "go2seccomp/profile/builder.h"
#include "go2seccomp/profile/oci_json.h"

namespace go2seccomp::runtime {
namespace {

using profile::Action;
using profile::Profile;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

Profile Allowing(std::vector<Arch> arches,
                 std::initializer_list<std::string_view> names,
                 Action default_action = Action::Errno()) {
  return profile::ProfileBuilder()
      .DefaultAction(default_action)
      .Arches(std::move(arches))
      .Allow(names)
      .Build()
      .value();
}

TEST(TraceToProfileTest, AllowsExactlyTheObservedNamesPlusAlwaysAllowed) {
  ArchCounts counts;
  counts[Arch::kX86_64] = {{"write", 3}, {"mkdirat", 1}, {"exit_group", 1}};
  Result<TracedProfile> p = TraceToProfile(counts, {});
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_THAT(p->notes, IsEmpty());
  EXPECT_EQ(p->profile.default_action, Action::Errno(EPERM));
  EXPECT_THAT(p->profile.arches, ElementsAre(Arch::kX86_64));
  EXPECT_THAT(p->profile.AllowedNames(Arch::kX86_64),
              ElementsAre("exit", "exit_group", "mkdirat", "restart_syscall",
                          "rt_sigreturn", "write"));
  // The same JSON shape as analyze writes.
  EXPECT_THAT(profile::ToOciJson(p->profile),
              HasSubstr("\"defaultAction\": \"SCMP_ACT_ERRNO\""));
  EXPECT_EQ(profile::ParseOciJson(profile::ToOciJson(p->profile), "t").value(),
            p->profile);
}

TEST(TraceToProfileTest, ArchesSeenAndDefaultAction) {
  ArchCounts counts;
  counts[Arch::kX86_64] = {{"read", 1}};
  counts[Arch::kI386] = {{"getpid", 1}};
  TraceProfileOptions o;
  o.default_action = Action::KillProcess();
  Result<TracedProfile> p = TraceToProfile(counts, o);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_THAT(p->profile.arches, ElementsAre(Arch::kX86_64, Arch::kI386));
  EXPECT_EQ(p->profile.default_action, Action::KillProcess());
  EXPECT_TRUE(p->profile.Allows("getpid"));  // OCI names apply to all arches
  EXPECT_THAT(p->profile.AllowedNames(Arch::kI386),
              testing::Contains("sigreturn"));
}

TEST(TraceToProfileTest, UnknownNumbersBecomeNotes) {
  ArchCounts counts;
  counts[Arch::kX86_64] = {{"read", 1}, {"nr:1073741863", 2}};
  Result<TracedProfile> p = TraceToProfile(counts, {});
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_THAT(p->notes, SizeIs(1));
  EXPECT_THAT(p->notes[0], HasSubstr("x86_64: syscall number 1073741863 "
                                     "(called 2 times) has no name"));
  EXPECT_TRUE(p->profile.Allows("read"));
}

TEST(TraceToProfileTest, EmptyTraceUsesTheFallbackArch) {
  TraceProfileOptions o;
  o.fallback_arch = Arch::kArm64;
  Result<TracedProfile> p = TraceToProfile(ArchCounts{}, o);
  ASSERT_TRUE(p);
  EXPECT_THAT(p->profile.arches, ElementsAre(Arch::kArm64));
  EXPECT_THAT(
      p->profile.AllowedNames(Arch::kArm64),
      ElementsAre("exit", "exit_group", "restart_syscall", "rt_sigreturn"));
}

TEST(TotalCallsTest, SumsAllArches) {
  ArchCounts counts;
  counts[Arch::kX86_64] = {{"read", 3}, {"write", 4}};
  counts[Arch::kI386] = {{"getpid", 1}};
  EXPECT_EQ(TotalCalls(counts), 8u);
  EXPECT_EQ(TotalCalls({}), 0u);
}

TEST(CompareProfilesTest, CoveredWhenStaticAllowsEverythingObserved) {
  Profile observed = Allowing({Arch::kX86_64}, {"read", "write"});
  Profile static_profile =
      Allowing({Arch::kX86_64}, {"read", "write", "openat", "close"});
  std::vector<ArchComparison> c = CompareProfiles(static_profile, observed);
  ASSERT_THAT(c, SizeIs(1));
  EXPECT_EQ(c[0].arch, Arch::kX86_64);
  EXPECT_TRUE(c[0].static_has_arch);
  EXPECT_THAT(c[0].observed_not_allowed, IsEmpty());
  EXPECT_THAT(c[0].allowed_not_observed, ElementsAre("close", "openat"));
  EXPECT_TRUE(IsCovered(c));
}

TEST(CompareProfilesTest, ObservedButNotAllowedIsListed) {
  Profile observed = Allowing({Arch::kX86_64}, {"read", "write", "mkdirat"});
  Profile static_profile = Allowing({Arch::kX86_64}, {"read"});
  std::vector<ArchComparison> c = CompareProfiles(static_profile, observed);
  ASSERT_THAT(c, SizeIs(1));
  EXPECT_THAT(c[0].observed_not_allowed, ElementsAre("mkdirat", "write"));
  EXPECT_FALSE(IsCovered(c));
}

// A trace has no arguments: a name the static profile allows under
// conditions is listed apart and is not a gap; one whose conditional rule
// an unconditional denial overrides is not allowed at all.
TEST(CompareProfilesTest, ArgumentConditionsAreListedApart) {
  Profile observed = Allowing({Arch::kX86_64}, {"read", "execve", "ptrace"});
  Profile static_profile = Allowing({Arch::kX86_64}, {"read"});
  const std::vector<profile::ArgCondition> first_arg_1 = {
      profile::ArgCondition::Make(0, profile::ArgCondition::Op::kEqual, 1)};
  static_profile.rules.push_back(
      profile::Rule::Make({"execve", "ptrace"}, Action::Allow(), first_arg_1));
  static_profile.rules.push_back(
      profile::Rule::Make({"ptrace"}, Action::Errno(38)));
  std::vector<ArchComparison> c = CompareProfiles(static_profile, observed);
  EXPECT_THAT(c[0].observed_allowed_if, ElementsAre("execve"));
  EXPECT_THAT(c[0].observed_not_allowed, ElementsAre("ptrace"));
  EXPECT_THAT(c[0].allowed_not_observed, IsEmpty());
  EXPECT_FALSE(IsCovered(c));
  static_profile.rules.pop_back();
  EXPECT_TRUE(IsCovered(CompareProfiles(static_profile, observed)));
}

TEST(CompareProfilesTest, MissingArchMeansNothingIsAllowedThere) {
  Profile observed = Allowing({Arch::kX86_64, Arch::kI386}, {"read"});
  Profile static_profile = Allowing({Arch::kX86_64}, {"read"});
  std::vector<ArchComparison> c = CompareProfiles(static_profile, observed);
  ASSERT_THAT(c, SizeIs(2));
  EXPECT_TRUE(c[0].static_has_arch);
  EXPECT_THAT(c[0].observed_not_allowed, IsEmpty());
  EXPECT_EQ(c[1].arch, Arch::kI386);
  EXPECT_FALSE(c[1].static_has_arch);
  EXPECT_THAT(c[1].observed_not_allowed, ElementsAre("read"));
  EXPECT_FALSE(IsCovered(c));
}

TEST(CompareProfilesTest, AllowAllStaticCoversEverything) {
  Profile observed = Allowing({Arch::kArm64}, {"read", "mkdirat"});
  Profile static_profile;
  static_profile.default_action = Action::Allow();
  static_profile.arches = {Arch::kArm64};
  EXPECT_TRUE(IsCovered(CompareProfiles(static_profile, observed)));
}

TEST(MergeProfilesTest, UnionWithTheFirstDefaultAction) {
  Profile a = Allowing({Arch::kX86_64}, {"read"}, Action::KillProcess());
  Profile b = Allowing({Arch::kX86_64}, {"write"});
  Profile c = Allowing({Arch::kArm64}, {"openat"});
  std::vector<Profile> all = {a, b, c};
  Result<Profile> m = MergeProfiles(all);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->default_action, Action::KillProcess());
  EXPECT_THAT(m->arches, ElementsAre(Arch::kX86_64, Arch::kArm64));
  for (const char* name : {"read", "write", "openat"}) {
    EXPECT_TRUE(m->Allows(name)) << name;
  }
  EXPECT_FALSE(m->Allows("mkdirat"));
  // A merge of one profile is that profile, canonical.
  std::vector<Profile> one = {b};
  EXPECT_EQ(MergeProfiles(one).value(), profile::Canonicalized(b));
  // The merged profile covers each input.
  EXPECT_TRUE(IsCovered(CompareProfiles(*m, a)));
  EXPECT_TRUE(IsCovered(CompareProfiles(*m, b)));
}

TEST(MergeProfilesTest, NothingToMergeIsAnError) {
  Result<Profile> m = MergeProfiles({});
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace go2seccomp::runtime
