#include "go2seccomp/profile/groups.h"

#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::profile {
namespace {

constexpr GroupMember kAlwaysAllowed[] = {
    {"exit",
     "ends a thread; Go's runtime calls it when an OS thread exits "
     "(runtime.exitThread), and a denied exit leaves the thread running"},
    {"exit_group",
     "ends the process; if the filter denies it the libc/Go exit path "
     "returns and the process spins at 100% CPU instead of exiting"},
    {"rt_sigreturn",
     "every signal handler returns through it (the signal trampoline, "
     "Go's runtime.sigreturn__sigaction); Go uses signals for goroutine "
     "preemption (SIGURG) since Go 1.14"},
    {"sigreturn",
     "the non-RT signal return of i386 and arm (absent on x86_64 and arm64)"},
    {"restart_syscall",
     "issued by the kernel's own restart path (ERESTART_RESTARTBLOCK) when "
     "a signal interrupts e.g. nanosleep or futex; no user code names it"},
};

constexpr GroupMember kLoaderStartup[] = {
    {"brk", "ld.so initialises its heap end (sbrk(0)) for its own malloc"},
    {"mmap", "ld.so maps the initial TLS block and, with libraries, their segments"},
    {"munmap", "ld.so unmaps what it mapped speculatively (reserved address ranges)"},
    {"mprotect", "ld.so makes the RELRO region read-only after relocating (PIE: always)"},
    {"access", "ld.so checks /etc/ld.so.preload (x86_64; faccessat on arm64)"},
    {"faccessat", "the /etc/ld.so.preload check on arches without access (arm64)", "access"},
    {"arch_prctl", "ld.so sets the thread pointer (ARCH_SET_FS) for TLS on x86_64"},
    {"set_tid_address", "ld.so/libc initialise the thread's clear_child_tid pointer"},
    {"set_robust_list", "glibc registers the robust futex list of the initial thread"},
    {"rseq", "glibc >= 2.35 registers restartable sequences for the initial thread"},
};

constexpr GroupMember kLoaderLibraries[] = {
    {"openat", "ld.so opens /etc/ld.so.cache and each DT_NEEDED library"},
    {"read", "ld.so reads each library's ELF header"},
    {"pread64", "ld.so reads program headers and notes of each library"},
    {"newfstatat", "ld.so stats the cache and each library (fstat through newfstatat)"},
    {"fstat", "ld.so stats the cache and each library (older glibc)"},
    {"close", "ld.so closes the cache and library files"},
    {"prlimit64", "libc's early init reads RLIMIT_STACK for the initial thread's stack"},
    {"getrandom", "glibc >= 2.36 malloc seeds its tcache/heap randomisation"},
};

}  // namespace

std::vector<std::string_view> SyscallGroup::NamesFor(Arch arch) const {
  std::vector<std::string_view> out;
  for (const GroupMember& m : members) {
    if (!syscalls::NumberOf(arch, m.name)) continue;
    if (!m.instead_of.empty() && syscalls::NumberOf(arch, m.instead_of)) continue;
    out.push_back(m.name);
  }
  return out;
}

const SyscallGroup& AlwaysAllowed() {
  static const SyscallGroup group{
      "always-allowed",
      "syscalls the kernel or the exit path needs in every process",
      kAlwaysAllowed};
  return group;
}

const SyscallGroup& DynamicLoaderStartup() {
  static const SyscallGroup group{
      "dynamic-loader-startup",
      "what glibc's ld.so does before the program's entry point (measured, glibc 2.36)",
      kLoaderStartup};
  return group;
}

const SyscallGroup& DynamicLoaderLibraries() {
  static const SyscallGroup group{
      "dynamic-loader-libraries",
      "what glibc's ld.so and libc init do to load DT_NEEDED libraries (measured, glibc 2.36)",
      kLoaderLibraries};
  return group;
}

}  // namespace go2seccomp::profile
