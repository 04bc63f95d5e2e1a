#include "go2seccomp/analysis/name_rules.h"

namespace go2seccomp::analysis {
namespace {

// Functions that take a syscall number as their first argument but hand it
// on through memory (see name_rules.h).
constexpr std::string_view kIndirectWrappers[] = {
    "syscall.AllThreadsSyscall",
    "syscall.AllThreadsSyscall6",
};

// Where the machinery behind them makes the syscall.
bool IsAllThreadsMachinery(std::string_view name) {
  return name == "runtime.runPerThreadSyscall" ||
         name.starts_with("syscall.AllThreadsSyscall.func") ||
         name.starts_with("syscall.AllThreadsSyscall6.func") ||
         name.starts_with("runtime.syscall_runtime_doAllThreadsSyscall");
}

// Only the vDSO functions that can enter the kernel themselves: the time
// functions fall back to the real syscall when the clock source cannot be
// read from user space (lib/vdso/gettimeofday.c, *_fallback). __vdso_time
// and __vdso_getcpu never do: time() reads the coarse seconds from the vDSO
// data page (__cvdso_time_data; x86's pre-5.3 vclock_gettime.c read
// gtod->wall_time_sec), and x86's getcpu reads RDPID or the per-CPU segment
// limit (arch/x86/entry/vdso/vgetcpu.c). A C library without the vDSO
// makes those syscalls from its own code, which is analysed like any
// other.
constexpr VdsoFallback kX86_64Vdso[] = {
    {"__vdso_clock_gettime", "clock_gettime"},
    {"__vdso_gettimeofday", "gettimeofday"},
    {"__vdso_clock_getres", "clock_getres"},
    {"__vdso_getrandom", "getrandom"},
};
constexpr VdsoFallback kArm64Vdso[] = {
    {"__kernel_clock_gettime", "clock_gettime"},
    {"__kernel_gettimeofday", "gettimeofday"},
    {"__kernel_clock_getres", "clock_getres"},
    {"__kernel_getrandom", "getrandom"},
};
constexpr VdsoFallback kI386Vdso[] = {
    {"__vdso_clock_gettime", "clock_gettime"},
    {"__vdso_clock_gettime64", "clock_gettime64"},
    {"__vdso_gettimeofday", "gettimeofday"},
};
constexpr VdsoFallback kArmVdso[] = {
    {"__vdso_clock_gettime", "clock_gettime"},
    {"__vdso_clock_gettime64", "clock_gettime64"},
    {"__vdso_gettimeofday", "gettimeofday"},
};

}  // namespace

NameRules NameRules::For(const Program& program) {
  NameRules rules;
  // Where the first argument is; with the ABI unknown the wrappers cannot
  // be placed, but the coverage of an unreachable machinery still holds.
  const std::optional<EntryLoc> first_arg =
      !program.register_abi ? std::nullopt
      : *program.register_abi
          ? std::optional(EntryLoc::Reg(0))  // AX on amd64, R0 on arm64 (abi-internal.md)
          : std::optional(EntryLoc::Stack(GetArchInfo(program.arch).first_stack_arg_offset));
  bool have_wrapper = false;
  bool have_trigger = false;
  for (std::uint32_t i = 0; i < program.funcs.size(); ++i) {
    const std::string_view name = program.funcs[i].name;
    for (std::string_view w : kIndirectWrappers) {
      if (name == w && first_arg) {
        rules.wrappers.push_back({i, *first_arg});
        have_wrapper = true;
      }
    }
    // The only code that sets up a per-thread syscall (Go >= 1.16); the
    // linker drops it, with the wrappers, when nothing calls them.
    if (name.find("doAllThreadsSyscall") != std::string_view::npos) have_trigger = true;
  }
  // Covered either way: with the wrappers present their callers are
  // resolved instead; without any trigger the machinery never runs
  // (runtime.runPerThreadSyscall is linked in by the signal handler, but
  // only doAllThreadsSyscall sends it the signal).
  if (have_wrapper || !have_trigger) {
    for (std::uint32_t i = 0; i < program.funcs.size(); ++i) {
      if (IsAllThreadsMachinery(program.funcs[i].name)) rules.covered.insert(i);
    }
  }
  return rules;
}

std::span<const VdsoFallback> VdsoFallbacks(Arch arch) {
  switch (arch) {
    case Arch::kX86_64:
      return kX86_64Vdso;
    case Arch::kArm64:
      return kArm64Vdso;
    case Arch::kI386:
      return kI386Vdso;
    case Arch::kArm:
      return kArmVdso;
  }
  return {};
}

}  // namespace go2seccomp::analysis
