#include "go2seccomp/runtime/launch.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>

#include "go2seccomp/profile/deny_actions.h"
#include "go2seccomp/runtime/child.h"
#include "go2seccomp/runtime/path_search.h"

namespace go2seccomp::runtime {
namespace {

using profile::Action;
using profile::ArgCondition;
using profile::Profile;
using profile::Rule;

using Stage = ChildStage;

// Everything the child needs, prepared before fork().
struct ChildPlan {
  char* const* argv;
  char* const* envp;
  // The PATH search ran in the parent (path_search.h); a failure is
  // reported by the child, after the stdio redirection, as when the child
  // searched itself (stage 0: found).
  Stage lookup_stage;
  int lookup_err;
  const char* path_buf;  // execve's filename; its address is in the filter
  const sock_fprog* prog;
  int stdio[3];
  int report_fd;
  const SignalForwarding* forwarding;
  // Supervision: load with a listener and send it over sock_fd with msg
  // (whose SCM_RIGHTS slot the child fills in).
  bool supervise;
  int sock_fd;
  msghdr* msg;
};

// --- child side: async-signal-safe only, no allocation ---------------------

[[noreturn]] void ChildFail(const ChildPlan& plan, Stage stage, int err,
                            int code) {
  runtime::ChildFail(plan.report_fd, stage, err, code);
}

// Loads the filter as the very last step before execve (nsjail
// subproc.cc): from here on, only what the profile allows, plus the
// launcher's exceptions. Supervised, the listener it returns goes to the
// parent over the socketpair.
void LoadFilter(const ChildPlan& plan) {
  // Required to load a filter without CAP_SYS_ADMIN (seccomp(2)); also what
  // libseccomp's seccomp_load() does by default (SCMP_FLTATR_CTL_NNP).
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    ChildFail(plan, Stage::kNoNewPrivs, errno, kExitFilterFailed);
  }
  if (!plan.supervise) {
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, plan.prog, 0, 0) != 0) {
      ChildFail(plan, Stage::kSeccomp, errno, kExitFilterFailed);
    }
    return;
  }
  long fd = syscall(
      SYS_seccomp, SECCOMP_SET_MODE_FILTER,
      SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
      plan.prog);
  if (fd < 0 && errno == EINVAL) {  // WAIT_KILLABLE_RECV: Linux >= 5.19
    fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                 SECCOMP_FILTER_FLAG_NEW_LISTENER, plan.prog);
  }
  if (fd < 0) ChildFail(plan, Stage::kSeccomp, errno, kExitFilterFailed);
  const int listener = static_cast<int>(fd);
  std::memcpy(CMSG_DATA(CMSG_FIRSTHDR(plan.msg)), &listener, sizeof(listener));
  // The filter's other exception: exactly this call (arg0, arg1). The
  // listener is close-on-exec; the copy in flight keeps it alive.
  if (syscall(SYS_sendmsg, plan.sock_fd, plan.msg, 0) < 0) {
    _exit(kExitFilterFailed);  // the parent times out and says so
  }
}

// Between fork() and execve(): the launcher's signal handling undone, stdio
// redirected, the PATH search's failure reported (after the redirection,
// where the launcher always reported it), the filter loaded, the program
// exec'd.
[[noreturn]] void RunChild(const ChildPlan& plan) {
  plan.forwarding->RestoreInChild();
  RedirectStdio(plan.stdio, plan.report_fd);
  if (plan.lookup_stage != Stage{}) {
    ChildFail(plan, plan.lookup_stage, plan.lookup_err,
              plan.lookup_stage == Stage::kNotFound ? kExitNotFound
                                                    : kExitNotExecutable);
  }
  LoadFilter(plan);
  execve(plan.path_buf, plan.argv, plan.envp);
  int err = errno;
  ChildFail(plan, Stage::kExecve, err,
            err == ENOENT ? kExitNotFound : kExitNotExecutable);
}

// --- parent side -----------------------------------------------------------

std::string DescribeFailure(const ChildFailure& f, const std::string& program,
                            const ProgramLookup& lookup,
                            const std::string& path_value) {
  const char* why = std::strerror(f.err);
  switch (f.stage) {
    case Stage::kNotFound:
    case Stage::kNotExecutable:
      return DescribeLookupFailure(program, lookup, path_value);
    case Stage::kRedirect:
      return fmt::format("redirecting the child's stdio failed: {}", why);
    case Stage::kNoNewPrivs:
      return fmt::format("prctl(PR_SET_NO_NEW_PRIVS) failed: {}", why);
    case Stage::kSeccomp:
      return fmt::format("installing the seccomp filter failed: {}", why);
    case Stage::kExecve:
      return fmt::format("{}: execve under the filter failed: {}", program,
                         why);
  }
  return "child setup failed";
}

void DefaultReport(std::string_view message) {
  std::fprintf(stderr, "go2seccomp: %.*s\n", static_cast<int>(message.size()),
               message.data());
}

}  // namespace

namespace {

// `profile` plus: `name` allowed when `allow_if` holds; otherwise the
// profile's action, keyed on argument `index` != `value` (`value` is the
// launcher's own address, the condition that tells its call apart).
Profile WithException(const Profile& profile, const std::string& name,
                      std::vector<ArgCondition> allow_if, std::uint32_t index,
                      std::uint64_t value, std::string comment) {
  Action current = profile.ActionFor(name);
  if (current.kind == Action::Kind::kAllow) return profile;
  Profile out = profile;
  // An unconditional rule for the name would absorb a conditional one in
  // libseccomp (the broader rule wins), so the name leaves such rules and
  // its action comes back as "arg != address".
  for (Rule& r : out.rules) {
    if (r.args.empty()) std::erase(r.names, name);
  }
  std::erase_if(out.rules, [](const Rule& r) { return r.names.empty(); });
  out.rules.push_back(
      Rule::Make({name}, Action::Allow(), std::move(allow_if), comment));
  if (current != profile.default_action) {
    out.rules.push_back(Rule::Make(
        {name}, current,
        {ArgCondition::Make(index, ArgCondition::Op::kNotEqual, value)},
        fmt::format("the profile's action for {}", name)));
  }
  return out;
}

}  // namespace

Profile WithLauncherExec(const Profile& profile,
                         std::uint64_t filename_address) {
  return WithException(
      profile, "execve",
      {ArgCondition::Make(0, ArgCondition::Op::kEqual, filename_address)}, 0,
      filename_address, "go2seccomp launcher: its own execve of the program");
}

Profile WithLauncherSendmsg(const Profile& profile, int socket_fd,
                            std::uint64_t msghdr_address) {
  return WithException(
      profile, "sendmsg",
      {ArgCondition::Make(0, ArgCondition::Op::kEqual,
                          static_cast<std::uint64_t>(socket_fd)),
       ArgCondition::Make(1, ArgCondition::Op::kEqual, msghdr_address)},
      1, msghdr_address,
      "go2seccomp launcher: sending the seccomp listener to itself");
}

bool SupervisionAvailable() {
  static const bool available = [] {
    std::uint32_t action = SECCOMP_RET_USER_NOTIF;
    if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) != 0) {
      return false;
    }
    long fd = syscall(SYS_pidfd_open, getpid(), 0);
    if (fd < 0) return false;
    close(static_cast<int>(fd));
    return true;
  }();
  return available;
}

Result<int> Launch(const LaunchOptions& options) {
  G2S_ASSIGN_OR_RETURN(LaunchResult r, LaunchProgram(options));
  return r.exit_code;
}

namespace {

// Receives the listener fd (SCM_RIGHTS) within a deadline; -1 if the child
// ended or failed before sending it.
int ReceiveListener(int sock, pid_t pid) {
  // The child sends it right after loading the filter; if it cannot (a
  // profile that denies even its exit), it is stuck under its own filter.
  constexpr int kTimeoutMs = 10000;
  pollfd p{sock, POLLIN, 0};
  int rc;
  do {
    rc = poll(&p, 1, kTimeoutMs);
  } while (rc < 0 && errno == EINTR);
  if (rc == 0) {
    kill(pid, SIGKILL);
    return -1;
  }
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return -1;  // EOF: the child failed before loading the filter
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (c == nullptr || c->cmsg_level != SOL_SOCKET ||
      c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int))) {
    return -1;
  }
  int fd;
  std::memcpy(&fd, CMSG_DATA(c), sizeof(fd));
  return fd;
}

// One LaunchProgram call, as the steps of the design in launch.h. Every
// member the child reads (arrays, the path buffer, the msghdr, the BPF
// program) is prepared before fork() and stays put while the child runs:
// their addresses are in the child's copy of memory, two of them in the
// filter itself. Not copyable or movable for that reason.
class Launcher {
 public:
  explicit Launcher(const LaunchOptions& options)
      : options_(options),
        report_(options.report ? options.report : DefaultReport) {}
  Launcher(const Launcher&) = delete;
  Launcher& operator=(const Launcher&) = delete;
  ~Launcher() { CloseSockets(); }

  Result<LaunchResult> Run();

 private:
  Result<void> CheckOptions() const;
  Result<void> DecideSupervision();
  void PrepareChildArguments();
  Result<void> OpenListenerSocket();
  Result<void> CompileProgram();
  Result<pid_t> StartChild();
  void ConnectSupervisor(pid_t pid);
  void SuperviseUntilExit(pid_t pid);
  Result<void> Reap(pid_t pid);
  LaunchResult Collect(pid_t pid);
  void CloseSockets();

  const LaunchOptions& options_;
  const std::function<void(std::string_view)> report_;
  LaunchResult result_;
  bool supervise_ = false;

  // The child's argv and envp.
  std::optional<ExecVectors> exec_;
  // argv[0] on PATH, and execve's filename at the address the filter's
  // exception names.
  std::string search_path_;
  ProgramLookup lookup_;
  std::vector<char> path_buf_;

  // Supervision: the socketpair and the message the child sends its
  // listener with.
  int sock_fds_[2] = {-1, -1};
  char msg_byte_ = 'L';
  iovec msg_iov_{&msg_byte_, 1};
  alignas(cmsghdr) char msg_control_[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg_{};

  // The filter: `verdicts_` as the kernel would answer, `program_` as
  // loaded (with denials routed to the listener when supervised).
  std::vector<sock_filter> verdicts_;
  std::vector<sock_filter> program_;
  sock_fprog fprog_{};

  FailurePipe pipe_;
  std::optional<SignalForwarding> forwarding_;
  std::optional<Supervisor> supervisor_;
  int status_ = 0;
  bool reaped_ = false;
};

Result<LaunchResult> Launcher::Run() {
  G2S_TRY(CheckOptions());
  G2S_TRY(DecideSupervision());
  // All allocation happens from here to fork().
  PrepareChildArguments();
  G2S_TRY(OpenListenerSocket());
  G2S_TRY(CompileProgram());
  G2S_ASSIGN_OR_RETURN(const pid_t pid, StartChild());
  ConnectSupervisor(pid);
  if (supervisor_) {
    SuperviseUntilExit(pid);
  } else {
    pipe_.Read(/*block=*/true);
  }
  pipe_.CloseReadEnd();
  G2S_TRY(Reap(pid));
  return Collect(pid);
}

// An empty argv, or a profile whose filter the kernel would not apply here.
Result<void> Launcher::CheckOptions() const {
  if (options_.argv.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "no program to run");
  }
  const Arch host = HostArch();
  const std::vector<Arch>& arches = options_.profile.arches;
  if (std::find(arches.begin(), arches.end(), host) != arches.end()) return {};
  std::string listed;
  for (Arch a : arches) {
    listed += fmt::format("{}{}", listed.empty() ? "" : ", ",
                          GetArchInfo(a).oci_name);
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "the profile does not cover this machine's architecture "
                   "{} (it lists: {})",
                   GetArchInfo(host).oci_name,
                   listed.empty() ? "none" : listed);
}

// kSupervised falls back to the kernel alone where the kernel cannot
// supervise; kAudit cannot.
Result<void> Launcher::DecideSupervision() {
  supervise_ = options_.denials != DenialHandling::kKernel;
  if (supervise_ && !SupervisionAvailable()) {
    if (options_.denials == DenialHandling::kAudit) {
      return MakeError(ErrorCode::kUnsupported,
                       "audit needs seccomp user notification "
                       "(SECCOMP_RET_USER_NOTIF, Linux >= 5.5) and "
                       "pidfd_open, which this kernel does not offer");
    }
    if (options_.verbose) {
      report_(
          "note: this kernel has no seccomp user notification; denials are "
          "answered by the kernel alone and not recorded");
    }
    supervise_ = false;
  }
  result_.supervised = supervise_;
  return {};
}

void Launcher::PrepareChildArguments() {
  exec_.emplace(options_.argv, options_.env);
  // argv[0] is searched here, not in the child, so the search may
  // allocate; a failure is reported by the child (RunChild).
  search_path_ = SearchPathOf(options_.env ? &*options_.env : nullptr);
  lookup_ = LookUpProgram(options_.argv[0], search_path_);
  path_buf_.assign(PATH_MAX + 1, '\0');
  if (lookup_.status != ProgramLookup::Status::kFound) return;
  if (lookup_.path.size() < path_buf_.size()) {
    std::memcpy(path_buf_.data(), lookup_.path.c_str(),
                lookup_.path.size() + 1);
  } else {  // cannot happen: stat() took it, so it is below PATH_MAX
    lookup_ = ProgramLookup{ProgramLookup::Status::kNotFound, "", ENAMETOOLONG};
  }
}

// Supervised: the socketpair the child sends its listener over, and the
// SCM_RIGHTS message (whose fd slot the child fills in).
Result<void> Launcher::OpenListenerSocket() {
  if (!supervise_) return {};
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock_fds_) != 0) {
    return MakeError(ErrorCode::kSystem, "socketpair: {}",
                     std::strerror(errno));
  }
  msg_.msg_iov = &msg_iov_;
  msg_.msg_iovlen = 1;
  msg_.msg_control = msg_control_;
  msg_.msg_controllen = sizeof(msg_control_);
  cmsghdr* c = CMSG_FIRSTHDR(&msg_);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  return {};
}

// The profile with the launcher's exceptions, compiled and exported as the
// kernel takes it, and routed to the listener when supervised.
Result<void> Launcher::CompileProgram() {
  Profile effective = options_.profile;
  if (options_.unknown_enosys) profile::AddEnosysFallbacks(effective);
  effective = WithLauncherExec(
      effective, reinterpret_cast<std::uintptr_t>(path_buf_.data()));
  if (supervise_) {
    effective = WithLauncherSendmsg(effective, sock_fds_[1],
                                    reinterpret_cast<std::uintptr_t>(&msg_));
  }
  G2S_ASSIGN_OR_RETURN(Filter filter,
                       CompileFilter(effective, options_.filter_options));
  if (options_.verbose) {
    for (const std::string& note : filter.notes()) {
      report_(fmt::format("note: {}", note));
    }
  }
  G2S_ASSIGN_OR_RETURN(verdicts_, ExportBpf(filter));
  const Action::Kind def = effective.default_action.kind;
  if (options_.unknown_enosys && def != Action::Kind::kAllow &&
      def != Action::Kind::kLog) {
    verdicts_ = WithUnknownEnosys(verdicts_, effective.arches);
  }
  program_ = verdicts_;
  if (supervise_) {
    const bool audit = options_.denials == DenialHandling::kAudit;
    program_ = RouteToListener(verdicts_, [audit](std::uint32_t ret) {
      const std::uint32_t action = ret & SECCOMP_RET_ACTION_FULL;
      if (audit) {
        return action != SECCOMP_RET_ALLOW && action != SECCOMP_RET_LOG &&
               action != SECCOMP_RET_USER_NOTIF;
      }
      return action == SECCOMP_RET_ERRNO || action == SECCOMP_RET_KILL_PROCESS;
    });
  }
  if (program_.size() > BPF_MAXINSNS) {
    return MakeError(ErrorCode::kUnsupported,
                     "the filter has {} BPF instructions; the kernel takes at "
                     "most {}",
                     program_.size(), BPF_MAXINSNS);
  }
  fprog_ =
      sock_fprog{static_cast<unsigned short>(program_.size()), program_.data()};
  return {};
}

// The failure pipe, the signal forwarding (child.h), fork(); the child
// runs RunChild and never returns here.
Result<pid_t> Launcher::StartChild() {
  G2S_TRY(pipe_.Open());
  forwarding_.emplace();
  const ChildPlan plan{
      .argv = exec_->argv(),
      .envp = exec_->envp(),
      .lookup_stage = lookup_.status == ProgramLookup::Status::kFound ? Stage{}
                      : lookup_.status == ProgramLookup::Status::kNotFound
                          ? Stage::kNotFound
                          : Stage::kNotExecutable,
      .lookup_err = lookup_.error,
      .path_buf = path_buf_.data(),
      .prog = &fprog_,
      .stdio = {options_.stdin_fd, options_.stdout_fd, options_.stderr_fd},
      .report_fd = pipe_.write_fd(),
      .forwarding = &*forwarding_,
      .supervise = supervise_,
      .sock_fd = sock_fds_[1],
      .msg = &msg_,
  };
  pid_t pid = fork();
  if (pid == 0) RunChild(plan);
  int fork_errno = errno;
  pipe_.CloseWriteEnd();
  if (sock_fds_[1] >= 0) {
    close(sock_fds_[1]);
    sock_fds_[1] = -1;
  }
  if (pid < 0) {
    pipe_.CloseReadEnd();
    CloseSockets();
    forwarding_->Restore();
    return MakeError(ErrorCode::kSystem, "fork: {}", std::strerror(fork_errno));
  }
  forwarding_->Start(pid);
  return pid;
}

// Supervised: the listener from the child. Without it (the child failed
// before or while loading the filter) the launch goes on unsupervised and
// the failure pipe says why.
void Launcher::ConnectSupervisor(pid_t pid) {
  if (!supervise_) return;
  int listener = ReceiveListener(sock_fds_[0], pid);
  CloseSockets();
  if (listener < 0) {
    supervise_ = false;
    result_.supervised = false;
    return;
  }
  supervisor_.emplace(listener, verdicts_,
                      options_.denials == DenialHandling::kAudit
                          ? Supervisor::Mode::kAudit
                          : Supervisor::Mode::kEnforce,
                      options_.on_denial);
}

// Answers the listener until the child exits. The failure pipe is read in
// the same loop: a child that fails after loading the filter writes its
// report under the filter, which may need an answer from us first.
void Launcher::SuperviseUntilExit(pid_t pid) {
  fcntl(pipe_.read_fd(), F_SETFL, O_NONBLOCK);
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  bool pipe_open = true;
  bool listener_open = true;
  while (true) {
    pollfd fds[3];
    nfds_t n = 0;
    int listener_slot = -1, pipe_slot = -1, pid_slot = -1;
    if (listener_open) {
      listener_slot = static_cast<int>(n);
      fds[n++] = pollfd{supervisor_->fd(), POLLIN, 0};
    }
    if (pipe_open) {
      pipe_slot = static_cast<int>(n);
      fds[n++] = pollfd{pipe_.read_fd(), POLLIN, 0};
    }
    if (pidfd >= 0) {
      pid_slot = static_cast<int>(n);
      fds[n++] = pollfd{pidfd, POLLIN, 0};
    }
    // Without a pidfd (it failed: out of fds), poll the child's state.
    int rc = poll(fds, n, pidfd >= 0 ? -1 : 50);
    if (rc < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (listener_slot >= 0) {
      const short ev = fds[listener_slot].revents;
      if (ev & POLLIN) {
        Result<void> handled = supervisor_->HandleOne();
        if (!handled) {
          report_(handled.error().message);
          supervisor_->Close();
          listener_open = false;
        }
      } else if (ev & (POLLHUP | POLLERR | POLLNVAL)) {
        listener_open = false;  // no filtered task is left
      }
    }
    if (pipe_slot >= 0 && fds[pipe_slot].revents) {
      pipe_open = pipe_.Read(/*block=*/false);
    }
    if (pid_slot >= 0) {
      if (fds[pid_slot].revents & POLLIN) break;
    } else if (waitpid(pid, &status_, WNOHANG) == pid) {
      reaped_ = true;
      break;
    }
  }
  if (pidfd >= 0) close(pidfd);
  if (pipe_open) pipe_.Read(/*block=*/false);
}

// Waits for the child (unless the supervision loop already did) and stops
// forwarding signals to it.
Result<void> Launcher::Reap(pid_t pid) {
  pid_t waited = pid;
  while (!reaped_ && (waited = waitpid(pid, &status_, 0)) < 0 &&
         errno == EINTR) {
  }
  int wait_errno = errno;
  forwarding_->Restore();
  if (waited < 0) {
    return MakeError(ErrorCode::kSystem, "waitpid: {}",
                     std::strerror(wait_errno));
  }
  return {};
}

// The exit code as launch.h documents it, what the supervisor recorded, and
// the report of a failed start or of a profile's kill.
LaunchResult Launcher::Collect(pid_t pid) {
  if (supervisor_) {
    result_.denials = supervisor_->denials();
    auto killed = supervisor_->killed_processes().find(pid);
    if (killed != supervisor_->killed_processes().end() &&
        WIFSIGNALED(status_) && WTERMSIG(status_) == SIGKILL) {
      result_.killed_by = killed->second;
    }
  }
  const std::string& program = options_.argv[0];
  if (std::optional<ChildFailure> failure = pipe_.failure()) {
    report_(DescribeFailure(*failure, program, lookup_, search_path_));
  }
  if (WIFEXITED(status_)) {
    result_.exit_code = WEXITSTATUS(status_);
    return std::move(result_);
  }
  if (!WIFSIGNALED(status_)) {
    result_.exit_code = kExitSignalBase;
    return std::move(result_);
  }
  int sig = WTERMSIG(status_);
  if (result_.killed_by) {
    const Denial& d = result_.denials[*result_.killed_by];
    report_(fmt::format(
        "{} was killed by the profile's {} action for {} (nr {}) in "
        "thread {}",
        program, profile::ToString(d.action), d.name, d.nr, d.tid));
    sig = SIGSYS;  // what the kernel's kill would have given
  } else if (sig == SIGSYS) {
    report_(fmt::format(
        "{} was killed by SIGSYS: a syscall was blocked by the seccomp "
        "profile (the audit log, type=SECCOMP, names it)",
        program));
  }
  result_.exit_code = kExitSignalBase + sig;
  return std::move(result_);
}

void Launcher::CloseSockets() {
  for (int& fd : sock_fds_) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
}

}  // namespace

Result<LaunchResult> LaunchProgram(const LaunchOptions& options) {
  Launcher launcher(options);
  return launcher.Run();
}

}  // namespace go2seccomp::runtime
