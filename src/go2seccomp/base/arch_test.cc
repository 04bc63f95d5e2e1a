#include "go2seccomp/base/arch.h"

#include <gtest/gtest.h>

#include <linux/audit.h>
#include <linux/elf-em.h>

namespace go2seccomp {
namespace {

// The constexpr rows must agree with the kernel's uapi headers (this test
// runs on the host, so including them here is fine).
TEST(ArchTest, FactsMatchKernelHeaders) {
  EXPECT_EQ(GetArchInfo(Arch::kX86_64).audit_arch, AUDIT_ARCH_X86_64);
  EXPECT_EQ(GetArchInfo(Arch::kArm64).audit_arch, AUDIT_ARCH_AARCH64);
  EXPECT_EQ(GetArchInfo(Arch::kI386).audit_arch, AUDIT_ARCH_I386);
  EXPECT_EQ(GetArchInfo(Arch::kArm).audit_arch, AUDIT_ARCH_ARM);
  EXPECT_EQ(GetArchInfo(Arch::kX86_64).e_machine, EM_X86_64);
  EXPECT_EQ(GetArchInfo(Arch::kArm64).e_machine, EM_AARCH64);
  EXPECT_EQ(GetArchInfo(Arch::kI386).e_machine, EM_386);
  EXPECT_EQ(GetArchInfo(Arch::kArm).e_machine, EM_ARM);
  for (const ArchInfo& info : AllArchInfos()) {
    EXPECT_EQ(&GetArchInfo(info.arch), &info) << info.name;
  }
}

TEST(ArchTest, Lookups) {
  EXPECT_EQ(ArchFromElfMachine(EM_X86_64, 64), Arch::kX86_64);
  EXPECT_EQ(ArchFromElfMachine(EM_X86_64, 32), std::nullopt);
  EXPECT_EQ(ArchFromElfMachine(EM_AARCH64, 64), Arch::kArm64);
  EXPECT_EQ(ArchFromElfMachine(EM_RISCV, 64), std::nullopt);
  EXPECT_EQ(ArchFromName("amd64"), Arch::kX86_64);
  EXPECT_EQ(ArchFromName("SCMP_ARCH_AARCH64"), Arch::kArm64);
  EXPECT_EQ(ArchFromName("aarch64"), Arch::kArm64);
  EXPECT_EQ(ArchFromName("386"), Arch::kI386);
  EXPECT_EQ(ArchFromName("mips"), std::nullopt);
}

}  // namespace
}  // namespace go2seccomp
