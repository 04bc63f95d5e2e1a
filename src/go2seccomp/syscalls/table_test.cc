#include "go2seccomp/syscalls/table.h"

#include <gtest/gtest.h>
#include <seccomp.h>

#include <set>
#include <string>

namespace go2seccomp::syscalls {
namespace {

uint32_t ScmpArch(Arch a) {
  switch (a) {
    case Arch::kX86_64:
      return SCMP_ARCH_X86_64;
    case Arch::kArm64:
      return SCMP_ARCH_AARCH64;
    case Arch::kI386:
      return SCMP_ARCH_X86;
    case Arch::kArm:
      return SCMP_ARCH_ARM;
  }
  return 0;
}

// Rows from the kernel tables that the Go runtime's own asm relies on
// (runtime/sys_linux_*.s #defines), one per arch family.
TEST(SyscallTableTest, KnownRows) {
  EXPECT_EQ(NameOf(Arch::kX86_64, 258), "mkdirat");
  EXPECT_EQ(NameOf(Arch::kX86_64, 231), "exit_group");
  EXPECT_EQ(NumberOf(Arch::kX86_64, "rt_sigreturn"), 15);
  EXPECT_EQ(NumberOf(Arch::kArm64, "mkdirat"), 34);
  EXPECT_EQ(NumberOf(Arch::kArm64, "exit_group"), 94);
  EXPECT_EQ(NumberOf(Arch::kArm64, "open"), std::nullopt);  // generic ABI
  EXPECT_EQ(NumberOf(Arch::kI386, "exit_group"), 252);
  EXPECT_EQ(NumberOf(Arch::kArm, "exit_group"), 248);
  EXPECT_EQ(NumberOf(Arch::kArm, "set_tls"), 0x0f0005);
  EXPECT_EQ(NameOf(Arch::kX86_64, 100000), std::nullopt);
  EXPECT_TRUE(IsKnownName("openat"));
  EXPECT_FALSE(IsKnownName("frobnicate"));
}

TEST(SyscallTableTest, NoX32RowsInX86_64) {
  for (const auto& e : Table(Arch::kX86_64)) {
    EXPECT_LT(e.nr, 0x40000000) << e.name;
    EXPECT_FALSE(e.nr >= 512 && e.nr <= 547) << e.name << " is an x32 row";
  }
}

// Cross-check against the host's libseccomp: wherever it knows a name, it
// must agree with our kernel-generated number. (It may know fewer names: it
// is older than the kernel tables.)
TEST(SyscallTableTest, AgreesWithLibseccompWhereBothKnow) {
  for (const ArchInfo& info : AllArchInfos()) {
    int compared = 0;
    for (const auto& e : Table(info.arch)) {
      int nr = seccomp_syscall_resolve_name_arch(ScmpArch(info.arch),
                                                 std::string(e.name).c_str());
      if (nr == __NR_SCMP_ERROR || nr < 0) continue;
      EXPECT_EQ(nr, e.nr) << info.name << " " << e.name;
      ++compared;
    }
    EXPECT_GT(compared, 250) << info.name;
  }
}

TEST(SyscallTableTest, NamesUniquePerArch) {
  for (const ArchInfo& info : AllArchInfos()) {
    std::set<std::string_view> seen;
    for (const auto& e : Table(info.arch)) {
      EXPECT_TRUE(seen.insert(e.name).second) << info.name << " " << e.name;
      EXPECT_EQ(NumberOf(info.arch, e.name), e.nr);
    }
  }
}

// arm's OABI-only numbers are holes in the EABI table (unistd-oabi.h).
TEST(SyscallTableTest, ArmOabiOnlyNumbers) {
  EXPECT_EQ(AbiRemovedName(Arch::kArm, 76), "getrlimit");
  EXPECT_EQ(AbiRemovedName(Arch::kArm, 102), "socketcall");
  EXPECT_FALSE(NameOf(Arch::kArm, 76));
  EXPECT_EQ(NameOf(Arch::kArm, 191), "ugetrlimit");
  EXPECT_FALSE(AbiRemovedName(Arch::kArm, 75));   // setrlimit: in EABI
  EXPECT_FALSE(AbiRemovedName(Arch::kI386, 76));  // getrlimit on i386
  for (int nr = 0; nr < 400; ++nr) {
    if (AbiRemovedName(Arch::kArm, nr)) {
      EXPECT_FALSE(NameOf(Arch::kArm, nr)) << nr;
    }
  }
}

}  // namespace
}  // namespace go2seccomp::syscalls
