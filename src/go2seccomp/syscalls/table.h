// Syscall names and numbers for *target* binaries, per arch.
//
// Generated from the kernel's own syscall tables by scripts/gen-syscalls.py
// (source of truth: syscalls.csv next to this file), never from the host's
// <asm/unistd.h> or libseccomp, which may be older than the binary analysed.
//
//   syscalls::NameOf(Arch::kX86_64, 258)        // "mkdirat"
//   syscalls::NumberOf(Arch::kArm64, "mkdirat")  // 34
#ifndef GO2SECCOMP_SYSCALLS_TABLE_H_
#define GO2SECCOMP_SYSCALLS_TABLE_H_

#include <optional>
#include <span>
#include <string_view>

#include "go2seccomp/base/arch.h"

namespace go2seccomp::syscalls {

struct SyscallEntry {
  int nr;
  std::string_view name;
};

// All syscalls of `arch`, sorted by number.
std::span<const SyscallEntry> Table(Arch arch);
std::optional<std::string_view> NameOf(Arch arch, int nr);
std::optional<int> NumberOf(Arch arch, std::string_view name);
// The old name of a number `arch` reserves for an ABI it no longer serves,
// which the kernel answers with ENOSYS: arm's OABI-only calls, absent from
// the EABI table (arch/arm/include/uapi/asm/unistd-oabi.h, Linux 6.12).
// Go 1.19's syscall.getrlimit on arm still passes SYS_GETRLIMIT = 76, as a
// fallback for kernels without prlimit64. nullopt for anything else.
std::optional<std::string_view> AbiRemovedName(Arch arch, int nr);
// True if `name` is a syscall on any arch we know (for profile validation
// of multi-arch profiles).
bool IsKnownName(std::string_view name);
// The kernel release the tables were generated from ("6.12.117").
std::string_view KernelVersion();

}  // namespace go2seccomp::syscalls

#endif  // GO2SECCOMP_SYSCALLS_TABLE_H_
