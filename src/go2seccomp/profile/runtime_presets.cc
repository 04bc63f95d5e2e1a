#include "go2seccomp/profile/runtime_presets.h"

#include <cstddef>

namespace go2seccomp::profile {
namespace {

// Measured by scripts/measure-runtime-presets.sh; per-name run counts in
// docs/runtime-presets.md. Sorted by name. "nnp=false only" marks names seen
// only when process.noNewPrivileges is false (the Docker/Kubernetes default,
// where runc loads the filter before finalizeNamespace); the others were seen
// in both modes. Functions named are runc 1.1.5 libcontainer/
// standard_init_linux.go, init_linux.go (finalizeNamespace, setupUser,
// fixStdioPermissions) and utils (CloseExecFrom, UnsafeCloseFrom).
constexpr PresetEntry kRunc[] = {
    {"capget",
     "runc init, nnp=false only: the capabilities library reads the current "
     "sets before dropping the bounding set and before capset"},
    {"capset",
     "runc init, nnp=false only: sets the container's effective/permitted/"
     "inheritable capabilities after switching user (ApplyCaps)"},
    {"chdir",
     "runc init, nnp=false only: chdir to process.cwd before setting up the "
     "user (finalizeNamespace)"},
    {"close",
     "runc init: closes the init pipe, the log pipe, the exec fifo's O_PATH "
     "fd and the fds of the /proc files it read, before exec"},
    {"epoll_ctl",
     "runc init: Go's os.Open registers each /proc file it opens with the "
     "netpoller (EPOLL_CTL_ADD); the kernel answers EPERM for procfs and Go "
     "falls back to blocking I/O"},
    {"execve",
     "execve of the container process itself, checked by the "
     "filter that is now loaded"},
    {"faccessat2",
     "runc init, nnp=false only: eaccess(X_OK) of the resolved process.args[0] "
     "(faccessat2 with AT_EACCESS; the Go < 1.20 noexec-mount workaround)"},
    {"fchown",
     "runc init, nnp=false only, process.user not root: fixStdioPermissions "
     "chowns the stdio pipes/files to the container user"},
    {"fcntl",
     "runc init, nnp=false only: CloseExecFrom sets FD_CLOEXEC on every "
     "inherited fd >= 3 (F_SETFD)"},
    {"fstat",
     "runc init, nnp=false only: fixStdioPermissions fstat()s fds 0-2; "
     "os.ReadFile fstat()s /proc/self/setgroups"},
    {"fstatfs",
     "runc init: checks /proc/self/fd is on procfs (PROC_SUPER_MAGIC) before "
     "the fd sweeps of CloseExecFrom and UnsafeCloseFrom"},
    {"futex",
     "Go runtime of runc init: wakes/waits between its threads, e.g. when the "
     "init thread returns from the blocking exec-fifo open; timing-dependent; "
     "denied, the runtime aborts (futexwakeup ... returned -1)"},
    {"getcwd",
     "runc init, nnp=false only: checks the working directory is inside the "
     "container (CVE-2024-21626 fix, in Debian's 1.1.5 as a backport)"},
    {"getdents64",
     "runc init: lists /proc/self/fd to mark inherited fds close-on-exec "
     "(CloseExecFrom) and to close them (UnsafeCloseFrom, CVE-2024-21626)"},
    {"getpid",
     "runc init: unix.Getpid() for the container state given to "
     "startContainer hooks, just before exec"},
    {"getppid",
     "runc init, nnp=false only: checks its parent did not change "
     "(Getppid() != parentPid)"},
    {"newfstatat",
     "runc init, nnp=false only: exec.LookPath stat()s process.args[0]; "
     "fixStdioPermissions stat()s /dev/null"},
    {"openat",
     "runc init: opens the exec fifo via /proc/self/fd/N (blocks until "
     "`runc start`) and /proc/self/fd; with nnp=false also /proc/self/status, "
     "/proc/self/setgroups and the container's /etc/passwd and /etc/group"},
    {"prctl",
     "runc init, nnp=false only: PR_CAPBSET_DROP per dropped capability, "
     "PR_SET_KEEPCAPS around setuid, PR_CAP_AMBIENT"},
    {"read",
     "runc init, nnp=false only: reads /proc/self/status (capabilities) and "
     "/proc/self/setgroups"},
    {"rt_sigreturn",
     "Go runtime of runc init: returns from SIGURG, the async preemption "
     "signal sysmon or the GC sends (tgkill) to the init thread; "
     "timing-dependent; denied, runc init dies of SIGSEGV"},
    {"setgid", "runc init, nnp=false only: switches to process.user.gid"},
    {"setgroups",
     "runc init, nnp=false only: sets process.user.additionalGids (an empty "
     "list for root)"},
    {"setuid", "runc init, nnp=false only: switches to process.user.uid"},
    {"write",
     "runc init: writes \"0\" to the exec fifo to tell `runc start`/`runc "
     "run` it is about to exec"},
};

// crun 1.8.1 src/libcrun/container.c (container_init, container_init_setup,
// apply_security_settings) and linux.c (libcrun_set_caps). With nnp=true
// crun loads the filter right before exec and only close and execve follow.
constexpr PresetEntry kCrun[] = {
    {"capset",
     "crun container child, nnp=false only: sets the container's capability "
     "sets (libcrun_set_caps)"},
    {"close",
     "crun container child: closes the seccomp fd, the sync socket and, with "
     "create+start, the exec fifo before exec"},
    {"execve",
     "execve of the container process itself, checked by the "
     "filter that is now loaded"},
    {"prctl",
     "crun container child, nnp=false only: PR_CAPBSET_DROP per dropped "
     "capability, PR_SET_KEEPCAPS, PR_CAP_AMBIENT clear/raise"},
    {"pselect6",
     "crun container child, nnp=false and create+start only: select() on the "
     "exec fifo until `crun start`"},
    {"read",
     "crun container child, nnp=false and create+start only: reads the start "
     "byte from the exec fifo"},
    {"rt_sigaction",
     "crun container child, nnp=false only: resets every signal handler to "
     "SIG_DFL before exec"},
    {"rt_sigprocmask",
     "crun container child, nnp=false only: unblocks all signals before exec"},
    {"setresgid",
     "crun container child, nnp=false only: switches to process.user.gid"},
    {"setresuid",
     "crun container child, nnp=false only: switches to process.user.uid"},
    {"write",
     "crun container child, nnp=false only: tells the parent over the sync "
     "socket that set-up is done (sync 4)"},
};

constexpr bool SortedByName(std::span<const PresetEntry> t) {
  for (std::size_t i = 1; i < t.size(); ++i) {
    if (!(t[i - 1].name < t[i].name)) return false;
  }
  return true;
}
static_assert(SortedByName(kRunc));
static_assert(SortedByName(kCrun));

constexpr std::string_view kRuncMeasured =
    "runc 1.1.5 (Debian 12 1.1.5+ds1-1+deb12u1, Go 1.19.8, libseccomp 2.5.4) "
    "on Linux 6.18 x86_64";
constexpr std::string_view kCrunMeasured =
    "crun 1.8.1 (Debian 12 1.8.1-1+deb12u1) on Linux 6.18 x86_64";
constexpr std::string_view kDockerMeasured =
    "runc 1.1.5 (Debian 12 1.1.5+ds1-1+deb12u1, Go 1.19.8, libseccomp 2.5.4) "
    "on Linux 6.18 x86_64; Docker's own runc may be newer";

struct NamedRuntime {
  std::string_view name;
  ContainerRuntime runtime;
};
constexpr NamedRuntime kNames[] = {
    {"none", ContainerRuntime::kNone},
    {"runc", ContainerRuntime::kRunc},
    {"crun", ContainerRuntime::kCrun},
    {"docker", ContainerRuntime::kDocker},
};

}  // namespace

bool RuntimePresetAvailable(ContainerRuntime runtime, Arch arch) {
  if (runtime == ContainerRuntime::kNone) return true;
  // i386 and arm: the runtime of their x86_64/arm64 hosts (header).
  return arch == Arch::kX86_64 || arch == Arch::kArm64 || arch == Arch::kI386 ||
         arch == Arch::kArm;
}

std::span<const PresetEntry> RuntimePreset(ContainerRuntime runtime,
                                           Arch arch) {
  if (!RuntimePresetAvailable(runtime, arch)) return {};
  switch (runtime) {
    case ContainerRuntime::kNone:
      return {};
    case ContainerRuntime::kRunc:
    case ContainerRuntime::kDocker:  // Docker's default runtime is runc
      return kRunc;
    case ContainerRuntime::kCrun:
      return kCrun;
  }
  return {};
}

std::optional<Arch> RuntimeHostArch(ContainerRuntime runtime, Arch target) {
  if (runtime == ContainerRuntime::kNone) return std::nullopt;
  switch (target) {
    case Arch::kI386:
      return Arch::kX86_64;
    case Arch::kArm:
      return Arch::kArm64;
    case Arch::kX86_64:
    case Arch::kArm64:
      break;
  }
  return std::nullopt;
}

std::vector<Arch> ProfileArches(ContainerRuntime runtime, Arch target) {
  std::vector<Arch> arches = {target};
  if (auto host = RuntimeHostArch(runtime, target)) arches.push_back(*host);
  return arches;
}

std::string_view RuntimePresetMeasuredWith(ContainerRuntime runtime) {
  switch (runtime) {
    case ContainerRuntime::kNone:
      return {};
    case ContainerRuntime::kRunc:
      return kRuncMeasured;
    case ContainerRuntime::kCrun:
      return kCrunMeasured;
    case ContainerRuntime::kDocker:
      return kDockerMeasured;
  }
  return {};
}

std::optional<ContainerRuntime> ContainerRuntimeFromName(
    std::string_view name) {
  for (const NamedRuntime& n : kNames) {
    if (n.name == name) return n.runtime;
  }
  return std::nullopt;
}

std::string_view ContainerRuntimeName(ContainerRuntime runtime) {
  for (const NamedRuntime& n : kNames) {
    if (n.runtime == runtime) return n.name;
  }
  return "unknown";
}

}  // namespace go2seccomp::profile
