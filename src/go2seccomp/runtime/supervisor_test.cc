// The supervisor's parsers of /proc files and the launcher's sendmsg
// exception. (Supervision itself runs in tests/live.)
#include "go2seccomp/runtime/supervisor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "go2seccomp/profile/bpf_eval.h"
#include "go2seccomp/profile/builder.h"
#include "go2seccomp/runtime/launch.h"
#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::profile {
inline void PrintTo(const Action& a, std::ostream* os) { *os << ToString(a); }
}  // namespace go2seccomp::profile

namespace go2seccomp::runtime {
namespace {

using profile::Action;
using profile::Profile;

TEST(ProcParsersTest, StackPointerFromProcSyscall) {
  // In a syscall: nr, six arguments, sp, pc (fs/proc/base.c).
  EXPECT_EQ(StackPointerFromProcSyscall(
                "110 0x0 0x0 0x0 0x0 0x0 0x0 0x7ffc8a1b2c30 0x4011e4\n"),
            0x7ffc8a1b2c30u);
  // Blocked outside a syscall: -1 sp pc.
  EXPECT_EQ(StackPointerFromProcSyscall("-1 0x7ffc00001000 0x401000\n"),
            0x7ffc00001000u);
  EXPECT_EQ(StackPointerFromProcSyscall("running\n"), 0u);
  EXPECT_EQ(StackPointerFromProcSyscall(""), 0u);
}

TEST(ProcParsersTest, MappingFromProcMaps) {
  const std::string maps =
      "00400000-00401000 r--p 00000000 fd:01 1234   /usr/bin/prog\n"
      "00401000-0047f000 r-xp 00001000 fd:01 1234   /usr/bin/prog\n"
      "7f00aa000000-7f00aa021000 rw-p 00000000 00:00 0 \n"
      "7f00ab000000-7f00ab100000 r-xp 00028000 fd:01 99 /tmp/a dir/lib.so\n"
      "7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0   [stack]\n";
  Denial::Mapping m = MappingFromProcMaps(maps, 0x4011e4);
  EXPECT_EQ(m.path, "/usr/bin/prog");
  EXPECT_EQ(m.start, 0x401000u);
  EXPECT_EQ(m.end, 0x47f000u);
  EXPECT_EQ(m.offset, 0x1000u);
  EXPECT_EQ(MappingFromProcMaps(maps, 0x7f00ab000010).path,
            "/tmp/a dir/lib.so");
  EXPECT_EQ(MappingFromProcMaps(maps, 0x7f00aa000010).path, "");  // anonymous
  EXPECT_EQ(MappingFromProcMaps(maps, 0x7ffc00000010).path, "[stack]");
  EXPECT_EQ(MappingFromProcMaps(maps, 0x10).start, 0u);  // nowhere
}

// Trap and kill-thread are never routed to the listener, wherever they are
// in the profile; the verdicts the supervisor answers do not count.
TEST(LeavesDenialsToKernelTest, TrapAndKillThreadOnly) {
  Profile p;
  p.arches = {Arch::kX86_64};
  p.default_action = Action::Errno();
  p.rules = {profile::Rule::Make({"read"}, Action::Allow())};
  EXPECT_FALSE(LeavesDenialsToKernel(p));  // errno default
  for (Action routed : {Action::KillProcess(), Action::Errno(EACCES),
                        Action::Log(), Action::Allow()}) {
    SCOPED_TRACE(profile::ToString(routed));
    Profile q = p;
    q.default_action = routed;
    q.rules.push_back(profile::Rule::Make({"getppid"}, routed));
    EXPECT_FALSE(LeavesDenialsToKernel(q));
  }
  for (Action kernel : {Action::Trap(), Action::KillThread()}) {
    SCOPED_TRACE(profile::ToString(kernel));
    Profile by_default = p;
    by_default.default_action = kernel;
    EXPECT_TRUE(LeavesDenialsToKernel(by_default));
    Profile by_rule = p;
    by_rule.rules.push_back(profile::Rule::Make({"getppid"}, kernel));
    EXPECT_TRUE(LeavesDenialsToKernel(by_rule));
  }
}

// The sendmsg exception lets exactly the launcher's call through and keeps
// the profile's answer for every other sendmsg.
TEST(WithLauncherSendmsgTest, OnlyTheLaunchersCall) {
  constexpr std::uint64_t kMsg = 0x7ffd'1234'5678;
  const auto sendmsg =
      static_cast<std::uint32_t>(*syscalls::NumberOf(Arch::kX86_64, "sendmsg"));
  auto verdict = [&](const Profile& p, std::uint64_t fd, std::uint64_t msg) {
    Result<Filter> f = CompileFilter(p, FilterOptions{});
    EXPECT_TRUE(f) << f.error().message;
    std::vector<sock_filter> prog = ExportBpf(*f).value();
    return profile::ActionFromSeccompRet(
        profile::EvaluateBpf(prog, profile::MakeSeccompData(
                                       Arch::kX86_64, sendmsg, {fd, msg, 0}))
            .value());
  };
  Profile base = profile::ProfileBuilder()
                     .Arches({Arch::kX86_64})
                     .Allow({"read"})
                     .Build()
                     .value();
  Profile p = WithLauncherSendmsg(base, 7, kMsg);
  EXPECT_EQ(verdict(p, 7, kMsg), Action::Allow());
  EXPECT_EQ(verdict(p, 8, kMsg), Action::Errno(EPERM));
  EXPECT_EQ(verdict(p, 7, kMsg + 8), Action::Errno(EPERM));

  // An explicit other action for sendmsg survives for every other call.
  Profile special = base;
  special.rules.push_back(
      profile::Rule::Make({"sendmsg"}, Action::Errno(EACCES)));
  Profile q = WithLauncherSendmsg(special, 7, kMsg);
  EXPECT_EQ(verdict(q, 7, kMsg), Action::Allow());
  EXPECT_EQ(verdict(q, 3, 0x1000), Action::Errno(EACCES));

  // Allowed anyway: nothing added.
  Profile allowed = base;
  allowed.rules.push_back(profile::Rule::Make({"sendmsg"}, Action::Allow()));
  EXPECT_EQ(WithLauncherSendmsg(allowed, 7, kMsg), allowed);
}

}  // namespace
}  // namespace go2seccomp::runtime
