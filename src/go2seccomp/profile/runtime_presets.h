// Syscalls the *container runtime* makes under the container's own seccomp
// filter, which a profile for that container must therefore allow.
//
// An OCI runtime loads the filter from inside its init process (runc init,
// crun's container child) and only then finishes set-up and execve()s the
// container program. Every syscall of that process from the load up to and
// including the execve is checked by the container's filter; a profile built
// from the Go program alone breaks container start-up ("runc create failed:
// ... operation not permitted", "exec container process `/hello`: Operation
// not permitted", or a SIGSEGV in runc init when rt_sigreturn is denied).
//
//   std::optional<ContainerRuntime> rt = ContainerRuntimeFromName("docker");
//   for (const PresetEntry& e : RuntimePreset(*rt, Arch::kX86_64))
//     builder.AllowSyscall(e.name);     // e.reason says what the runtime does
//   RuntimePreset(ContainerRuntime::kNone, arch);  // empty: plain process
//
// THE SINGLE SOURCE OF TRUTH for these sets is a measurement, not a copied
// list: scripts/measure-runtime-presets.sh (method, table with per-run counts
// and validation in docs/runtime-presets.md). What was measured:
//   runc 1.1.5 (Debian 12 1.1.5+ds1-1+deb12u1, Go 1.19.8, libseccomp 2.5.4)
//   crun 1.8.1 (Debian 12)
//   on Linux 6.18 x86_64, cgroup v1, 640 traced container starts per runtime
//   over {create+start, run} x {noNewPrivileges false, true} x
//   {root, uid 65532} x {program prints, program exits at once} x {idle, busy
//   CPUs}.
// A preset is the union over all of these: the larger set comes from
// noNewPrivileges=false, which is what Docker, Podman and Kubernetes use
// unless told otherwise (then the filter is loaded *before* the runtime drops
// capabilities and switches user).
//
// Names are arch-neutral: every measured name exists on x86_64 and arm64 with
// the same meaning, so one table serves both. Only x86_64 was measured; the
// arm64 answer is derived by mapping each name to the generic syscall ABI
// (open->openat, stat->newfstatat, epoll_wait->epoll_pwait, select->pselect6,
// access->faccessat, dup2->dup3, pipe->pipe2, fork->clone, getdents->
// getdents64), which leaves these sets unchanged (runtime_presets_test.cc
// checks it).
//
// i386 and arm programs get the same sets: such containers run on x86_64
// and arm64 hosts, where the runtime is the host's 64-bit runc/crun. Its
// syscalls up to the execve of the 32-bit program are made with the host's
// arch and meet the filter's native-arch part, which libseccomp always has
// (seccomp_init() starts with the native arch; runc and crun only add the
// profile's architectures to it) and builds from the same names. A host
// with a 32-bit kernel and runtime was not measured.
//
// Limits: other runtime versions may differ. Docker installs usually bring
// their own, newer runc (containerd.io package), and newer runc versions
// change the tail of runc init (e.g. runc 1.2 re-opens the exec fifo via
// /proc/thread-self). Features not exercised here add syscalls after the
// load: startContainer hooks, a terminal, AppArmor/SELinux labels,
// personality, seccomp notify listeners, crun's retries of a failed chdir
// or executable lookup after switching user. Re-measure for those.
#ifndef GO2SECCOMP_PROFILE_RUNTIME_PRESETS_H_
#define GO2SECCOMP_PROFILE_RUNTIME_PRESETS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "go2seccomp/base/arch.h"

namespace go2seccomp::profile {

enum class ContainerRuntime : std::uint8_t {
  kNone,    // no container runtime: nothing to add
  kRunc,    // runc
  kCrun,    // crun
  kDocker,  // Docker's default runtime: runc, so the runc preset
};

struct PresetEntry {
  std::string_view name;    // syscall name as in syscalls/syscalls.csv
  std::string_view reason;  // what the runtime does with it, and when
};

// The syscalls `runtime` makes after loading the container's filter, up to
// and including the container's execve, sorted by name. Empty for kNone and
// for arches without a preset.
std::span<const PresetEntry> RuntimePreset(ContainerRuntime runtime, Arch arch);

// False for arches nothing was measured or derived for (none today: i386
// and arm use the 64-bit hosts' sets): a caller asked for a container
// runtime there should report it rather than silently use the empty set.
// True for kNone.
bool RuntimePresetAvailable(ContainerRuntime runtime, Arch arch);

// The arch the runtime's own preset syscalls are made with when it starts a
// container of `target`'s programs, if that is not `target` itself: x86_64
// for i386, arm64 for arm (the 64-bit host's runtime, see above). A profile
// for such a container lists it next to the target arch: runc and crun add
// it to the filter anyway (seccomp_init's native arch), and the preset's
// names are that arch's (runc's newfstatat has no i386/arm counterpart).
// nullopt for kNone and for 64-bit targets.
std::optional<Arch> RuntimeHostArch(ContainerRuntime runtime, Arch target);
// The architectures of a profile for `target`'s programs run by `runtime`:
// `target`, then RuntimeHostArch() if there is one.
std::vector<Arch> ProfileArches(ContainerRuntime runtime, Arch target);

// "runc 1.1.5 (...) on Linux 6.18 x86_64": what the preset was measured with,
// for `explain` output and generated profile comments. Empty for kNone.
std::string_view RuntimePresetMeasuredWith(ContainerRuntime runtime);

// "none", "runc", "crun", "docker". Lower case, exact.
//
// "podman" is deliberately not accepted (std::nullopt): Podman runs crun or
// runc depending on packaging (Debian 12's podman depends on "crun | runc";
// RHEL 8 shipped runc) and on containers.conf, and the two presets differ.
// kPodmanHint says how to find out.
std::optional<ContainerRuntime> ContainerRuntimeFromName(std::string_view name);
std::string_view ContainerRuntimeName(ContainerRuntime runtime);

inline constexpr std::string_view kPodmanHint =
    "podman runs crun or runc depending on distribution and configuration; "
    "`podman info --format '{{.Host.OCIRuntime.Name}}'` prints which one, "
    "pass that name";

}  // namespace go2seccomp::profile

#endif  // GO2SECCOMP_PROFILE_RUNTIME_PRESETS_H_
