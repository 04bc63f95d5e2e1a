#include "go2seccomp/profile/groups.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::profile {
namespace {

using ::testing::ElementsAre;

TEST(AlwaysAllowedTest, MembersPerArch) {
  const SyscallGroup& g = AlwaysAllowed();
  EXPECT_THAT(
      g.NamesFor(Arch::kX86_64),
      ElementsAre("exit", "exit_group", "rt_sigreturn", "restart_syscall"));
  EXPECT_THAT(
      g.NamesFor(Arch::kArm64),
      ElementsAre("exit", "exit_group", "rt_sigreturn", "restart_syscall"));
  EXPECT_THAT(g.NamesFor(Arch::kI386),
              ElementsAre("exit", "exit_group", "rt_sigreturn", "sigreturn",
                          "restart_syscall"));
  EXPECT_THAT(g.NamesFor(Arch::kArm),
              ElementsAre("exit", "exit_group", "rt_sigreturn", "sigreturn",
                          "restart_syscall"));
}

TEST(AlwaysAllowedTest, EveryMemberIsRealAndExplained) {
  for (const GroupMember& m : AlwaysAllowed().members) {
    EXPECT_TRUE(syscalls::IsKnownName(m.name)) << m.name;
    EXPECT_GT(m.reason.size(), 20u) << m.name;
  }
}

}  // namespace
}  // namespace go2seccomp::profile
