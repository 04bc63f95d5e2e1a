// The launcher's pure part: the execve exception it adds to a profile.
// (Launch itself is exercised by tests/live.)
#include "go2seccomp/runtime/launch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "go2seccomp/profile/allowance.h"
#include "go2seccomp/profile/bpf_eval.h"
#include "go2seccomp/profile/builder.h"

namespace go2seccomp::profile {
inline void PrintTo(const Action& a, std::ostream* os) { *os << ToString(a); }
}  // namespace go2seccomp::profile

namespace go2seccomp::runtime {
namespace {

using profile::Action;
using profile::Profile;
using profile::Rule;

constexpr std::uint64_t kAddress = 0x5612'3456'7890;
constexpr std::uint32_t kExecve = 59;  // x86_64

Action ExecveVerdict(const Profile& p, std::uint64_t filename) {
  Result<Filter> f = CompileFilter(p, FilterOptions{});
  EXPECT_TRUE(f) << f.error().message;
  std::vector<sock_filter> prog = ExportBpf(*f).value();
  return profile::ActionFromSeccompRet(
      profile::EvaluateBpf(
          prog, profile::MakeSeccompData(Arch::kX86_64, kExecve, {filename}))
          .value());
}

TEST(WithLauncherExecTest, NothingAddedWhenExecveIsAllowed) {
  Profile p = profile::ProfileBuilder()
                  .Arches({Arch::kX86_64})
                  .Allow({"execve", "read"})
                  .Build()
                  .value();
  EXPECT_EQ(WithLauncherExec(p, kAddress), p);
  Profile allow_all;
  allow_all.default_action = Action::Allow();
  allow_all.arches = {Arch::kX86_64};
  EXPECT_EQ(WithLauncherExec(allow_all, kAddress), allow_all);
}

TEST(WithLauncherExecTest, OnlyTheLaunchersFilenamePointer) {
  Profile p = profile::ProfileBuilder()
                  .Arches({Arch::kX86_64})
                  .Allow({"read"})
                  .Build()
                  .value();
  Profile q = WithLauncherExec(p, kAddress);
  ASSERT_EQ(q.rules.size(), 2u);
  EXPECT_EQ(profile::AllowanceOf(q, "execve").kind,
            profile::Allowance::Kind::kConditional);
  EXPECT_EQ(ExecveVerdict(q, kAddress), Action::Allow());
  EXPECT_EQ(ExecveVerdict(q, kAddress + 8), Action::Errno());
  EXPECT_EQ(ExecveVerdict(q, kAddress | (1ull << 40)), Action::Errno());
}

TEST(WithLauncherExecTest, KeepsAnExplicitExecveAction) {
  Profile p;
  p.arches = {Arch::kX86_64};
  p.default_action = Action::Allow();
  p.rules = {Rule::Make({"execve", "ptrace"}, Action::KillProcess()),
             Rule::Make({"execveat"}, Action::Errno(13))};
  Profile q = WithLauncherExec(p, kAddress);
  EXPECT_EQ(q.ActionFor("ptrace"), Action::KillProcess());
  EXPECT_EQ(ExecveVerdict(q, kAddress), Action::Allow());
  EXPECT_EQ(ExecveVerdict(q, 0x1000), Action::KillProcess());

  p.rules = {Rule::Make({"execve"}, Action::Errno(13))};
  p.default_action = Action::Errno(1);
  q = WithLauncherExec(p, kAddress);
  EXPECT_EQ(ExecveVerdict(q, kAddress), Action::Allow());
  EXPECT_EQ(ExecveVerdict(q, 0x1000), Action::Errno(13));
}

}  // namespace
}  // namespace go2seccomp::runtime
