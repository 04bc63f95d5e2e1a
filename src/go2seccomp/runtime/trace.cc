#include "go2seccomp/runtime/trace.h"

#include <elf.h>  // NT_PRSTATUS
#include <fcntl.h>
#include <fmt/format.h>
#include <limits.h>
#include <linux/audit.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "go2seccomp/profile/allowance.h"
#include "go2seccomp/profile/builder.h"
#include "go2seccomp/profile/groups.h"
#include "go2seccomp/runtime/child.h"
#include "go2seccomp/runtime/path_search.h"
#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::runtime {
namespace {

// sandbox2 monitor_ptrace.cc kPtraceOptions, minus TRACESECCOMP (we install
// no filter): every thread and child, exec and exit events, and the
// tracees die with the tracer.
constexpr unsigned kPtraceOptions = PTRACE_O_TRACESYSGOOD |
                                    PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
                                    PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC |
                                    PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL;
constexpr int kSyscallTrap = SIGTRAP | 0x80;  // PTRACE_O_TRACESYSGOOD

constexpr std::size_t kNone = static_cast<std::size_t>(-1);

// --- starting the program --------------------------------------------------

struct ChildPlan {
  const char* path;
  char* const* argv;
  char* const* envp;
  int stdio[3];
  int report_fd;
  const SignalForwarding* forwarding;
};

// Async-signal-safe only: no allocation between fork() and execve()
// (child.h).
[[noreturn]] void RunChild(const ChildPlan& plan) {
  plan.forwarding->RestoreInChild();
  RedirectStdio(plan.stdio, plan.report_fd);
  // Wait here until the tracer has attached (PTRACE_SEIZE) and sends
  // SIGCONT (strace's startup_child does the same).
  kill(getpid(), SIGSTOP);
  execve(plan.path, plan.argv, plan.envp);
  const int err = errno;
  ChildFail(plan.report_fd, ChildStage::kExecve, err,
            err == ENOENT ? kExitNotFound : kExitNotExecutable);
}

struct Resolved {
  std::string path;   // set on success
  int exit_code = 0;  // 127 / 126 on failure
  std::string failure;
};

// The PATH search (path_search.h) runs in the parent, so it may allocate.
Resolved ResolveProgram(const std::string& file,
                        const std::string& search_path) {
  Resolved r;
  if (file.empty()) {
    r.exit_code = kExitNotFound;
    r.failure = "empty program name: not found";
    return r;
  }
  ProgramLookup lookup = LookUpProgram(file, search_path);
  switch (lookup.status) {
    case ProgramLookup::Status::kFound:
      r.path = std::move(lookup.path);
      return r;
    case ProgramLookup::Status::kNotFound:
      r.exit_code = kExitNotFound;
      break;
    case ProgramLookup::Status::kNotExecutable:
      r.exit_code = kExitNotExecutable;
      break;
  }
  r.failure = DescribeLookupFailure(file, lookup, search_path);
  return r;
}

std::string DescribeFailure(const ChildFailure& f, const std::string& path) {
  const char* why = std::strerror(f.err);
  switch (f.stage) {
    case ChildStage::kRedirect:
      return fmt::format("redirecting the child's stdio failed: {}", why);
    case ChildStage::kExecve:
      return fmt::format("{}: execve failed: {}", path, why);
    default:  // the tracer's child reports no other stage
      break;
  }
  return "child setup failed";
}

// --- reading the tracee ----------------------------------------------------

std::optional<Arch> ArchFromAudit(std::uint32_t audit_arch) {
  for (const ArchInfo& info : AllArchInfos()) {
    if (info.audit_arch == audit_arch) return info.arch;
  }
  return std::nullopt;
}

std::string ReadLink(const std::string& path) {
  char buf[PATH_MAX];
  ssize_t n = readlink(path.c_str(), buf, sizeof(buf));
  if (n <= 0) return {};
  return std::string(buf, static_cast<std::size_t>(n));
}

// Reads a NUL-terminated string of at most PATH_MAX bytes from the tracee:
// process_vm_readv page by page (it fails as a whole at an unmapped page),
// PTRACE_PEEKDATA word by word where that is not permitted.
std::string ReadTraceeString(pid_t pid, std::uint64_t addr) {
  std::string out;
  const std::uint64_t page = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  char buf[512];
  while (out.size() < PATH_MAX) {
    std::size_t chunk =
        std::min<std::uint64_t>(sizeof(buf), page - addr % page);
    iovec local{buf, chunk};
    iovec remote{reinterpret_cast<void*>(static_cast<std::uintptr_t>(addr)),
                 chunk};
    ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (n <= 0) {
      // Word by word.
      errno = 0;
      long word = ptrace(
          PTRACE_PEEKDATA, pid,
          reinterpret_cast<void*>(static_cast<std::uintptr_t>(addr)), nullptr);
      if (errno != 0) break;
      std::memcpy(buf, &word, sizeof(word));
      n = sizeof(word);
    }
    const char* nul = static_cast<const char*>(
        std::memchr(buf, '\0', static_cast<std::size_t>(n)));
    if (nul != nullptr) {
      out.append(buf, static_cast<std::size_t>(nul - buf));
      return out;
    }
    out.append(buf, static_cast<std::size_t>(n));
    addr += static_cast<std::uint64_t>(n);
  }
  return out;
}

// One syscall stop, decoded.
struct SyscallStop {
  bool entry = false;
  std::optional<Arch> arch;  // nullopt: an AUDIT_ARCH without a table
  std::int64_t nr = -1;
  std::uint64_t args[6] = {};
  std::int64_t rval = 0;
  bool is_error = false;
};

// The pre-5.3 path: the registers of the stop (sandbox2 regs.h). `entry`
// is decided by the caller.
bool ReadRegisters(pid_t tid, SyscallStop* stop) {
#if defined(__x86_64__)
  union {
    user_regs_struct r64;
    std::uint32_t r32[17];  // user_regs_struct32 of an ia32 process
  } regs;
  iovec iov{&regs, sizeof(regs)};
  if (ptrace(PTRACE_GETREGSET, tid, NT_PRSTATUS, &iov) != 0) return false;
  if (iov.iov_len == sizeof(regs.r32)) {
    // ebx ecx edx esi edi ebp eax ds es fs gs orig_eax ...
    const std::uint32_t* r = regs.r32;
    stop->arch = Arch::kI386;
    stop->nr = static_cast<std::int32_t>(r[11]);
    const int order[6] = {0, 1, 2, 3, 4, 5};
    for (int i = 0; i < 6; ++i) stop->args[i] = r[order[i]];
    stop->rval = static_cast<std::int32_t>(r[6]);
    return true;
  }
  const user_regs_struct& g = regs.r64;
  if (g.cs == 0x23) {  // 32-bit code segment in a 64-bit process
    stop->arch = Arch::kI386;
    stop->nr = static_cast<std::int32_t>(g.orig_rax);
    const unsigned long long a[6] = {g.rbx, g.rcx, g.rdx, g.rsi, g.rdi, g.rbp};
    for (int i = 0; i < 6; ++i)
      stop->args[i] = static_cast<std::uint32_t>(a[i]);
    stop->rval = static_cast<std::int32_t>(g.rax);
    return true;
  }
  stop->arch = Arch::kX86_64;
  stop->nr = static_cast<std::int64_t>(g.orig_rax);
  const unsigned long long a[6] = {g.rdi, g.rsi, g.rdx, g.r10, g.r8, g.r9};
  for (int i = 0; i < 6; ++i) stop->args[i] = a[i];
  stop->rval = static_cast<std::int64_t>(g.rax);
  return true;
#elif defined(__aarch64__)
  union {
    user_regs_struct r64;   // regs[31], sp, pc, pstate
    std::uint32_t r32[18];  // an arm (compat) process: r0..r15 cpsr orig_r0
  } regs;
  iovec iov{&regs, sizeof(regs)};
  if (ptrace(PTRACE_GETREGSET, tid, NT_PRSTATUS, &iov) != 0) return false;
  if (iov.iov_len == sizeof(regs.r32)) {
    const std::uint32_t* r = regs.r32;
    stop->arch = Arch::kArm;
    stop->nr = static_cast<std::int32_t>(r[7]);
    stop->args[0] = r[17];  // orig_r0: r0 holds the result after the call
    for (int i = 1; i < 6; ++i) stop->args[i] = r[i];
    stop->rval = static_cast<std::int32_t>(r[0]);
    return true;
  }
  stop->arch = Arch::kArm64;
  stop->nr = static_cast<std::int64_t>(regs.r64.regs[8]);
  for (int i = 0; i < 6; ++i) stop->args[i] = regs.r64.regs[i];
  stop->rval = static_cast<std::int64_t>(regs.r64.regs[0]);
  return true;
#else
  (void)tid;
  (void)stop;
  return false;
#endif
}

// execve and execveat numbers per arch (-2: none), looked up once.
struct ExecNumbers {
  std::int64_t execve = -2;
  std::int64_t execveat = -2;
};
const ExecNumbers& ExecNumbersOf(Arch arch) {
  static const auto table = [] {
    std::array<ExecNumbers, std::size(kArchInfos)> t{};
    for (const ArchInfo& info : AllArchInfos()) {
      ExecNumbers& n = t[static_cast<std::size_t>(info.arch)];
      n.execve = syscalls::NumberOf(info.arch, "execve").value_or(-2);
      n.execveat = syscalls::NumberOf(info.arch, "execveat").value_or(-2);
    }
    return t;
  }();
  return table[static_cast<std::size_t>(arch)];
}

std::string SyscallName(Arch arch, std::int64_t nr) {
  if (nr >= 0 && nr <= INT_MAX) {
    if (auto name = syscalls::NameOf(arch, static_cast<int>(nr))) {
      return std::string(*name);
    }
  }
  return fmt::format("nr:{}", nr);
}

// --- the tracer ------------------------------------------------------------

class Tracer {
 public:
  Tracer(pid_t main, bool use_syscall_info, TraceResult* out)
      : main_(main), use_info_(use_syscall_info), out_(out) {
    Task& t = tasks_[main];
    t.announced = true;
    ++out_->threads;
    ++out_->processes;
  }

  // Waits for and handles stops until every traced task is gone.
  Result<void> Run();
  // Fills out_->counts and out_->programs from the raw counters.
  void Finish();

 private:
  struct Task {
    bool in_syscall = false;  // only for the register fallback
    bool announced = false;   // a clone/fork event or the start named it
    std::size_t pending_exec = kNone;  // index into out_->execs
    std::size_t program = kNone;       // index into programs_
  };
  struct Program {
    std::string exe;
    std::map<std::pair<Arch, std::int64_t>, std::uint64_t> raw;
  };

  Task& TaskFor(pid_t tid);
  void OnStopped(pid_t tid, int status);
  void OnDied(pid_t tid, int status);
  void OnSyscallStop(pid_t tid, Task& t);
  void OnEntry(pid_t tid, Task& t, const SyscallStop& s);
  void OnExit(Task& t, const SyscallStop& s);
  void OnExec(pid_t tid);
  void OnNewTask(pid_t parent, bool fork_like);
  std::size_t ProgramFor(pid_t tid, const std::string& fallback);
  void Resume(pid_t tid, int sig) {
    // ESRCH: killed meanwhile (exit_group of another thread, SIGKILL); its
    // death is reported by waitpid.
    ptrace(PTRACE_SYSCALL, tid, nullptr,
           reinterpret_cast<void*>(static_cast<std::uintptr_t>(sig)));
  }

  pid_t main_;
  bool use_info_;
  TraceResult* out_;
  bool started_ = false;
  std::unordered_map<pid_t, Task> tasks_;
  // Tasks a clone/fork event named whose first stop has not been seen, and
  // tasks seen (and dead) before their parent's event: the loop must not
  // end while a child is still on its way, nor wait for a dead one.
  std::unordered_set<pid_t> pending_new_;
  std::unordered_set<pid_t> dead_unannounced_;
  std::vector<Program> programs_;
};

Tracer::Task& Tracer::TaskFor(pid_t tid) {
  auto it = tasks_.find(tid);
  if (it != tasks_.end()) return it->second;
  Task& t = tasks_[tid];
  t.announced = pending_new_.erase(tid) > 0;
  ++out_->threads;
  return t;
}

Result<void> Tracer::Run() {
  while (!tasks_.empty() || !pending_new_.empty()) {
    int status = 0;
    pid_t tid = waitpid(-1, &status, __WALL | __WNOTHREAD);
    if (tid < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD) break;  // nothing left to wait for
      return MakeError(ErrorCode::kSystem, "waitpid: {}", std::strerror(errno));
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      OnDied(tid, status);
    } else if (WIFSTOPPED(status)) {
      OnStopped(tid, status);
    }
  }
  return {};
}

void Tracer::OnDied(pid_t tid, int status) {
  auto it = tasks_.find(tid);
  if (it != tasks_.end()) {
    if (!it->second.announced) dead_unannounced_.insert(tid);
    tasks_.erase(it);
  } else if (pending_new_.erase(tid) == 0) {
    // Died before its first stop, perhaps before its parent's event.
    dead_unannounced_.insert(tid);
  }
  if (tid == main_) {
    out_->exit_code = WIFEXITED(status) ? WEXITSTATUS(status)
                                        : kExitSignalBase + WTERMSIG(status);
    SignalForwarding::Stop();
  }
}

void Tracer::OnStopped(pid_t tid, int status) {
  Task& t = TaskFor(tid);
  const int sig = WSTOPSIG(status);
  const unsigned event = static_cast<unsigned>(status) >> 16;
  if (sig == kSyscallTrap) {
    OnSyscallStop(tid, t);
    Resume(tid, 0);
    return;
  }
  switch (event) {
    case 0:
      // Signal-delivery-stop: deliver it. Under PTRACE_SEIZE, group-stops
      // and the new-task stop come as PTRACE_EVENT_STOP, so this is a real
      // signal, SIGTRAP included.
      Resume(tid, sig);
      return;
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
      OnNewTask(tid, true);
      break;
    case PTRACE_EVENT_CLONE:
      OnNewTask(tid, false);
      break;
    case PTRACE_EVENT_EXEC:
      OnExec(tid);
      break;
    case PTRACE_EVENT_STOP:
      if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN ||
          sig == SIGTTOU) {
        // Group-stop: stay stopped until SIGCONT, without holding the
        // tracee in a ptrace-stop (the kernel reports PTRACE_EVENT_STOP
        // with SIGTRAP when it resumes).
        if (ptrace(PTRACE_LISTEN, tid, nullptr, nullptr) == 0 ||
            errno == ESRCH) {
          return;
        }
        break;  // cannot listen: better running than stuck in a ptrace-stop
      }
      break;  // PTRACE_INTERRUPT or a new task's first stop
    default:  // PTRACE_EVENT_EXIT and anything else
      break;
  }
  Resume(tid, 0);
}

void Tracer::OnNewTask(pid_t parent, bool fork_like) {
  unsigned long msg = 0;
  if (ptrace(PTRACE_GETEVENTMSG, parent, nullptr, &msg) != 0) return;
  const pid_t child = static_cast<pid_t>(msg);
  if (fork_like) ++out_->processes;
  auto it = tasks_.find(child);
  if (it != tasks_.end()) {
    it->second.announced = true;  // its first stop came first
  } else if (dead_unannounced_.erase(child) == 0) {
    pending_new_.insert(child);
  }
}

void Tracer::OnExec(pid_t tid) {
  unsigned long former = static_cast<unsigned long>(tid);
  ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &former);
  if (static_cast<pid_t>(former) != tid) {
    // A non-leader thread exec'd and now has the leader's id (the leader
    // and the other threads are gone); it keeps the former id's state.
    auto it = tasks_.find(static_cast<pid_t>(former));
    if (it != tasks_.end()) {
      Task moved = it->second;
      tasks_.erase(it);
      tasks_[tid] = moved;
    }
  }
  Task& t = tasks_[tid];
  std::string exe = ReadLink(fmt::format("/proc/{}/exe", tid));
  if (t.pending_exec == kNone) {  // an exec whose entry we did not see
    ExecRecord rec;
    rec.pid = tid;
    rec.initial = !started_;
    t.pending_exec = out_->execs.size();
    out_->execs.push_back(std::move(rec));
  }
  ExecRecord& rec = out_->execs[t.pending_exec];
  rec.succeeded = true;
  rec.exe = exe;
  t.pending_exec = kNone;
  t.program = ProgramFor(tid, rec.path);
  if (!started_) {
    started_ = true;
    out_->started = true;
  }
}

std::size_t Tracer::ProgramFor(pid_t tid, const std::string& fallback) {
  std::string exe = ReadLink(fmt::format("/proc/{}/exe", tid));
  if (exe.empty()) exe = fallback.empty() ? "?" : fallback;
  for (std::size_t i = 0; i < programs_.size(); ++i) {
    if (programs_[i].exe == exe) return i;
  }
  programs_.push_back(Program{exe, {}});
  return programs_.size() - 1;
}

void Tracer::OnSyscallStop(pid_t tid, Task& t) {
  SyscallStop s;
  if (use_info_) {
    __ptrace_syscall_info info{};
    long n = ptrace(PTRACE_GET_SYSCALL_INFO, tid,
                    reinterpret_cast<void*>(sizeof(info)), &info);
    if (n > 0) {
      switch (info.op) {
        case PTRACE_SYSCALL_INFO_ENTRY:
          s.entry = true;
          s.arch = ArchFromAudit(info.arch);
          s.nr = static_cast<std::int64_t>(info.entry.nr);
          for (int i = 0; i < 6; ++i) s.args[i] = info.entry.args[i];
          if (s.arch && GetArchInfo(*s.arch).elf_class == 32) {
            s.nr = static_cast<std::int32_t>(s.nr);
            for (auto& a : s.args) a = static_cast<std::uint32_t>(a);
          }
          if (!s.arch) ++out_->unknown_arch_stops;
          t.in_syscall = true;
          OnEntry(tid, t, s);
          return;
        case PTRACE_SYSCALL_INFO_EXIT:
          s.rval = info.exit.rval;
          s.is_error = info.exit.is_error != 0;
          t.in_syscall = false;
          OnExit(t, s);
          return;
        default:
          return;  // not a syscall stop after all
      }
    }
    if (errno == ESRCH) return;
    // EIO/EINVAL: no PTRACE_GET_SYSCALL_INFO (Linux < 5.3).
    use_info_ = false;
    out_->used_syscall_info = false;
  }
  s.entry = !t.in_syscall;
  t.in_syscall = s.entry;
  if (!ReadRegisters(tid, &s)) return;
  if (s.entry) {
    if (!s.arch) ++out_->unknown_arch_stops;
    OnEntry(tid, t, s);
  } else {
    s.is_error = s.rval < 0 && s.rval >= -4095;
    OnExit(t, s);
  }
}

void Tracer::OnEntry(pid_t tid, Task& t, const SyscallStop& s) {
  if (!s.arch) return;
  const Arch arch = *s.arch;
  const ExecNumbers& exec = ExecNumbersOf(arch);
  if (s.nr == exec.execve || s.nr == exec.execveat) {
    ExecRecord rec;
    rec.pid = tid;
    rec.initial = !started_;
    if (s.nr == exec.execve) {
      rec.path = ReadTraceeString(tid, s.args[0]);
    } else {
      rec.path = ReadTraceeString(tid, s.args[1]);
      const int dirfd = static_cast<int>(s.args[0]);
      if (rec.path.empty() && (s.args[4] & AT_EMPTY_PATH)) {
        rec.path = fmt::format("(fd {})", dirfd);
      } else if (!rec.path.starts_with('/') && dirfd != AT_FDCWD) {
        rec.path = fmt::format("(dirfd {})/{}", dirfd, rec.path);
      }
    }
    t.pending_exec = out_->execs.size();
    out_->execs.push_back(std::move(rec));
  }
  if (!started_) return;  // the tracer's child before the program's start
  if (t.program == kNone) t.program = ProgramFor(tid, {});
  ++programs_[t.program].raw[{arch, s.nr}];
}

void Tracer::OnExit(Task& t, const SyscallStop& s) {
  if (t.pending_exec == kNone) return;
  if (s.is_error) {
    out_->execs[t.pending_exec].error = static_cast<int>(-s.rval);
  }
  t.pending_exec = kNone;
}

void Tracer::Finish() {
  out_->counts.clear();
  out_->programs.clear();
  for (const Program& p : programs_) {
    ProgramTrace pt;
    pt.exe = p.exe;
    for (const auto& [key, n] : p.raw) {
      std::string name = SyscallName(key.first, key.second);
      pt.counts[key.first][name] += n;
      out_->counts[key.first][name] += n;
    }
    out_->programs.push_back(std::move(pt));
  }
}

}  // namespace

namespace {

int ExitCodeOf(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status)
                           : kExitSignalBase + WTERMSIG(status);
}

// The parent's side of one trace of a resolved program, in order: fork the
// child (which stops itself before execve), wait for that stop, seize it
// with ptrace, let it go and follow it to the end. All allocation happens
// before the fork.
class TraceSession {
 public:
  TraceSession(const TraceOptions& options, std::string path)
      : options_(options),
        path_(std::move(path)),
        exec_(options.argv, options.env) {}

  Result<TraceResult> Run() {
    G2S_TRY(pipe_.Open());
    G2S_TRY(Fork());
    G2S_ASSIGN_OR_RETURN(const bool stopped, AwaitStop());
    if (!stopped) return std::move(result_);
    G2S_TRY(Seize());
    G2S_TRY(Follow());
    return std::move(result_);
  }

 private:
  Result<void> Fork() {
    // Forwarding, as in the launcher (child.h).
    forwarding_.emplace();
    const ChildPlan plan{
        .path = path_.c_str(),
        .argv = exec_.argv(),
        .envp = exec_.envp(),
        .stdio = {options_.stdin_fd, options_.stdout_fd, options_.stderr_fd},
        .report_fd = pipe_.write_fd(),
        .forwarding = &*forwarding_,
    };
    pid_ = fork();
    if (pid_ == 0) RunChild(plan);
    const int fork_errno = errno;
    pipe_.CloseWriteEnd();
    if (pid_ < 0) {
      pipe_.CloseReadEnd();
      forwarding_->Restore();
      return MakeError(ErrorCode::kSystem, "fork: {}",
                       std::strerror(fork_errno));
    }
    forwarding_->Start(pid_);
    return {};
  }

  // Whether the child stopped itself before execve; false when it ended
  // first (result_ then says why).
  Result<bool> AwaitStop() {
    int status = 0;
    pid_t waited;
    do {
      waited = waitpid(pid_, &status, WUNTRACED);
    } while (waited < 0 && errno == EINTR);
    if (waited >= 0 && WIFSTOPPED(status)) return true;
    const int wait_errno = errno;
    forwarding_->Restore();
    if (waited < 0) {
      pipe_.CloseReadEnd();
      return MakeError(ErrorCode::kSystem, "waitpid: {}",
                       std::strerror(wait_errno));
    }
    std::optional<ChildFailure> f = ReadFailure();
    result_.exit_code = ExitCodeOf(status);
    result_.failure = f ? DescribeFailure(*f, path_)
                        : fmt::format(
                              "the child died before it was traced "
                              "(wait status {:#x})",
                              status);
    return false;
  }

  Result<void> Seize() {
    if (ptrace(PTRACE_SEIZE, pid_, nullptr,
               reinterpret_cast<void*>(
                   static_cast<std::uintptr_t>(kPtraceOptions))) == 0) {
      kill(pid_, SIGCONT);
      return {};
    }
    const int err = errno;
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pipe_.CloseReadEnd();
    forwarding_->Restore();
    return MakeError(ErrorCode::kSystem,
                     "ptrace(PTRACE_SEIZE) of the child failed: {} (ptrace "
                     "may be forbidden here: kernel.yama.ptrace_scope, a "
                     "container's seccomp profile or missing CAP_SYS_PTRACE)",
                     std::strerror(err));
  }

  // Runs the tracer to the end of the child and everything it forks.
  Result<void> Follow() {
    result_.used_syscall_info = !options_.force_register_fallback;
    Tracer tracer(pid_, result_.used_syscall_info, &result_);
    Result<void> ran = tracer.Run();
    forwarding_->Restore();
    if (!ran) {
      kill(pid_, SIGKILL);  // the others die with us (PTRACE_O_EXITKILL)
      pipe_.CloseReadEnd();
      return Unexpected(std::move(ran).error());
    }
    tracer.Finish();
    if (std::optional<ChildFailure> f = ReadFailure()) {
      result_.started = false;
      result_.failure = DescribeFailure(*f, path_);
    } else if (!result_.started) {
      result_.failure = "the program did not start";
    }
    return {};
  }

  // The child's report, if it failed before its program started.
  std::optional<ChildFailure> ReadFailure() {
    pipe_.Read(/*block=*/true);
    pipe_.CloseReadEnd();
    return pipe_.failure();
  }

  const TraceOptions& options_;
  const std::string path_;
  const ExecVectors exec_;
  FailurePipe pipe_;
  std::optional<SignalForwarding> forwarding_;
  pid_t pid_ = -1;
  TraceResult result_;
};

}  // namespace

Result<TraceResult> TraceProgram(const TraceOptions& options) {
  if (options.argv.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "no program to trace");
  }
  std::string search_path = SearchPathOf(options.env ? &*options.env : nullptr);
  Resolved resolved = ResolveProgram(options.argv[0], search_path);
  if (resolved.path.empty()) {
    TraceResult result;
    result.exit_code = resolved.exit_code;
    result.failure = std::move(resolved.failure);
    return result;
  }
  return TraceSession(options, std::move(resolved.path)).Run();
}

std::uint64_t TotalCalls(const ArchCounts& counts) {
  std::uint64_t total = 0;
  for (const auto& [arch, calls] : counts) {
    for (const auto& [name, n] : calls) total += n;
  }
  return total;
}

Result<TracedProfile> TraceToProfile(const ArchCounts& counts,
                                     const TraceProfileOptions& options) {
  TracedProfile out;
  std::vector<Arch> arches;
  std::vector<std::string> names;
  for (const auto& [arch, calls] : counts) {
    arches.push_back(arch);
    for (const auto& [name, n] : calls) {
      if (name.starts_with("nr:")) {
        out.notes.push_back(fmt::format(
            "{}: syscall number {} (called {} time{}) has no name in "
            "go2seccomp's table (Linux {}), so the profile cannot allow it",
            GetArchInfo(arch).name, name.substr(3), n, n == 1 ? "" : "s",
            syscalls::KernelVersion()));
        continue;
      }
      names.push_back(name);
    }
  }
  if (arches.empty())
    arches.push_back(options.fallback_arch.value_or(HostArch()));
  G2S_ASSIGN_OR_RETURN(out.profile,
                       profile::ProfileBuilder()
                           .DefaultAction(options.default_action)
                           .Arches(std::move(arches))
                           .Allow(profile::AlwaysAllowed())
                           .Allow(std::span<const std::string>(names))
                           .Build());
  return out;
}

std::vector<ArchComparison> CompareProfiles(
    const profile::Profile& static_profile, const profile::Profile& observed) {
  std::set<Arch> arches(observed.arches.begin(), observed.arches.end());
  std::vector<ArchComparison> out;
  for (Arch arch : arches) {
    ArchComparison c;
    c.arch = arch;
    const std::set<std::string> seen = observed.AllowedNames(arch);
    c.static_has_arch =
        std::find(static_profile.arches.begin(), static_profile.arches.end(),
                  arch) != static_profile.arches.end();
    if (!c.static_has_arch) {
      c.observed_not_allowed.assign(seen.begin(), seen.end());
    } else {
      const std::set<std::string> allowed = static_profile.AllowedNames(arch);
      for (const std::string& name : seen) {
        const profile::Allowance a = profile::AllowanceOf(static_profile, name);
        if (!a.allowed()) {
          c.observed_not_allowed.push_back(name);
        } else if (a.kind == profile::Allowance::Kind::kConditional) {
          c.observed_allowed_if.push_back(name);
        }
      }
      std::set_difference(allowed.begin(), allowed.end(), seen.begin(),
                          seen.end(),
                          std::back_inserter(c.allowed_not_observed));
    }
    out.push_back(std::move(c));
  }
  return out;
}

bool IsCovered(std::span<const ArchComparison> comparison) {
  return std::all_of(
      comparison.begin(), comparison.end(),
      [](const ArchComparison& c) { return c.observed_not_allowed.empty(); });
}

Result<profile::Profile> MergeProfiles(
    std::span<const profile::Profile> profiles) {
  if (profiles.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "no profiles to merge");
  }
  profile::Profile out = profile::Canonicalized(profiles.front());
  for (std::size_t i = 1; i < profiles.size(); ++i) {
    out = profile::Merge(out, profiles[i]);
  }
  return out;
}

}  // namespace go2seccomp::runtime
