#include "go2seccomp/syscalls/table.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

namespace go2seccomp::syscalls {
namespace {

constexpr SyscallEntry kX86_64[] = {
#include "go2seccomp/syscalls/generated/x86_64.inc"
};
constexpr SyscallEntry kArm64[] = {
#include "go2seccomp/syscalls/generated/arm64.inc"
};
constexpr SyscallEntry kI386[] = {
#include "go2seccomp/syscalls/generated/i386.inc"
};
constexpr SyscallEntry kArm[] = {
#include "go2seccomp/syscalls/generated/arm.inc"
};

constexpr bool SortedByNumber(std::span<const SyscallEntry> t) {
  for (std::size_t i = 1; i < t.size(); ++i) {
    if (t[i - 1].nr >= t[i].nr) return false;
  }
  return true;
}
// Lookups below binary-search by number (sandbox2 syscall_defs.cc).
static_assert(SortedByNumber(kX86_64));
static_assert(SortedByNumber(kArm64));
static_assert(SortedByNumber(kI386));
static_assert(SortedByNumber(kArm));

// Name -> number: a copy of each table sorted by name, built once.
struct ByName {
  std::array<std::vector<SyscallEntry>, 4> tables;
  ByName() {
    for (const ArchInfo& info : AllArchInfos()) {
      auto t = Table(info.arch);
      auto& v = tables[static_cast<int>(info.arch)];
      v.assign(t.begin(), t.end());
      std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
        return a.name < b.name;
      });
    }
  }
};

const ByName& GetByName() {
  static const ByName by_name;
  return by_name;
}

}  // namespace

std::span<const SyscallEntry> Table(Arch arch) {
  switch (arch) {
    case Arch::kX86_64:
      return kX86_64;
    case Arch::kArm64:
      return kArm64;
    case Arch::kI386:
      return kI386;
    case Arch::kArm:
      return kArm;
  }
  return {};
}

std::optional<std::string_view> AbiRemovedName(Arch arch, int nr) {
  // arch/arm/include/uapi/asm/unistd-oabi.h: numbers only the old ABI
  // (OABI, __NR_SYSCALL_BASE 0x900000) has; EABI kernels return ENOSYS.
  static constexpr SyscallEntry kArmOabiOnly[] = {
      {13, "time"},  {22, "umount"},      {25, "stime"},    {27, "alarm"},
      {30, "utime"}, {76, "getrlimit"},   {82, "select"},   {89, "readdir"},
      {90, "mmap"},  {102, "socketcall"}, {113, "syscall"}, {117, "ipc"},
  };
  static_assert(SortedByNumber(kArmOabiOnly));
  if (arch != Arch::kArm) return std::nullopt;
  for (const SyscallEntry& e : kArmOabiOnly) {
    if (e.nr == nr) return e.name;
  }
  return std::nullopt;
}

std::optional<std::string_view> NameOf(Arch arch, int nr) {
  auto t = Table(arch);
  auto it = std::lower_bound(
      t.begin(), t.end(), nr,
      [](const SyscallEntry& e, int n) { return e.nr < n; });
  if (it == t.end() || it->nr != nr) return std::nullopt;
  return it->name;
}

std::optional<int> NumberOf(Arch arch, std::string_view name) {
  const auto& v = GetByName().tables[static_cast<int>(arch)];
  auto it = std::lower_bound(
      v.begin(), v.end(), name,
      [](const SyscallEntry& e, std::string_view n) { return e.name < n; });
  if (it == v.end() || it->name != name) return std::nullopt;
  return it->nr;
}

bool IsKnownName(std::string_view name) {
  for (const ArchInfo& info : AllArchInfos()) {
    if (NumberOf(info.arch, name)) return true;
  }
  return false;
}

std::string_view KernelVersion() {
  return
#include "go2seccomp/syscalls/generated/version.inc"
      ;
}

}  // namespace go2seccomp::syscalls
