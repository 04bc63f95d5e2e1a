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

#include "go2seccomp/profile/deny_actions.h"
#include "go2seccomp/runtime/child.h"
#include "go2seccomp/runtime/path_search.h"

extern char** environ;

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

[[noreturn]] void RunChild(const ChildPlan& plan) {
  plan.forwarding->RestoreInChild();
  RedirectStdio(plan.stdio, plan.report_fd);

  if (plan.lookup_stage != Stage{}) {
    ChildFail(plan, plan.lookup_stage, plan.lookup_err,
              plan.lookup_stage == Stage::kNotFound ? kExitNotFound
                                                    : kExitNotExecutable);
  }

  // Required to load a filter without CAP_SYS_ADMIN (seccomp(2)); also what
  // libseccomp's seccomp_load() does by default (SCMP_FLTATR_CTL_NNP).
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    ChildFail(plan, Stage::kNoNewPrivs, errno, kExitFilterFailed);
  }
  // The last step before execve (nsjail subproc.cc): from here on, only
  // what the profile allows, plus the launcher's execve exception.
  if (plan.supervise) {
    long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                      SECCOMP_FILTER_FLAG_NEW_LISTENER |
                          SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
                      plan.prog);
    if (fd < 0 && errno == EINVAL) {  // WAIT_KILLABLE_RECV: Linux >= 5.19
      fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                   SECCOMP_FILTER_FLAG_NEW_LISTENER, plan.prog);
    }
    if (fd < 0) ChildFail(plan, Stage::kSeccomp, errno, kExitFilterFailed);
    const int listener = static_cast<int>(fd);
    std::memcpy(CMSG_DATA(CMSG_FIRSTHDR(plan.msg)), &listener,
                sizeof(listener));
    // The filter's other exception: exactly this call (arg0, arg1). The
    // listener is close-on-exec; the copy in flight keeps it alive.
    if (syscall(SYS_sendmsg, plan.sock_fd, plan.msg, 0) < 0) {
      _exit(kExitFilterFailed);  // the parent times out and says so
    }
  } else if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, plan.prog, 0, 0) != 0) {
    ChildFail(plan, Stage::kSeccomp, errno, kExitFilterFailed);
  }
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

}  // namespace

Result<LaunchResult> LaunchProgram(const LaunchOptions& options) {
  auto report = options.report ? options.report : DefaultReport;
  if (options.argv.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "no program to run");
  }
  const Arch host = HostArch();
  if (std::find(options.profile.arches.begin(), options.profile.arches.end(),
                host) == options.profile.arches.end()) {
    std::string listed;
    for (Arch a : options.profile.arches) {
      listed += fmt::format("{}{}", listed.empty() ? "" : ", ",
                            GetArchInfo(a).oci_name);
    }
    return MakeError(ErrorCode::kInvalidArgument,
                     "the profile does not cover this machine's architecture "
                     "{} (it lists: {})",
                     GetArchInfo(host).oci_name,
                     listed.empty() ? "none" : listed);
  }
  LaunchResult result;
  bool supervise = options.denials != DenialHandling::kKernel;
  if (supervise && !SupervisionAvailable()) {
    if (options.denials == DenialHandling::kAudit) {
      return MakeError(ErrorCode::kUnsupported,
                       "audit needs seccomp user notification "
                       "(SECCOMP_RET_USER_NOTIF, Linux >= 5.5) and "
                       "pidfd_open, which this kernel does not offer");
    }
    if (options.verbose) {
      report(
          "note: this kernel has no seccomp user notification; denials are "
          "answered by the kernel alone and not recorded");
    }
    supervise = false;
  }
  result.supervised = supervise;

  // All allocation happens here, before fork().
  std::vector<std::string> argv_strings = options.argv;
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  std::vector<char*> envp;
  if (options.env) {
    env_strings = *options.env;
    for (std::string& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
  }
  // argv[0] is searched here, not in the child, so the search may
  // allocate; execve's filename is copied to a buffer whose address the
  // filter's exception names.
  std::string search_path = SearchPathOf(options.env ? &*options.env : nullptr);
  ProgramLookup lookup = LookUpProgram(options.argv[0], search_path);
  std::vector<char> path_buf(PATH_MAX + 1, '\0');
  if (lookup.status == ProgramLookup::Status::kFound) {
    if (lookup.path.size() < path_buf.size()) {
      std::memcpy(path_buf.data(), lookup.path.c_str(), lookup.path.size() + 1);
    } else {  // cannot happen: stat() took it, so it is below PATH_MAX
      lookup =
          ProgramLookup{ProgramLookup::Status::kNotFound, "", ENAMETOOLONG};
    }
  }

  // The socketpair and the message the child sends its listener with.
  int sock_fds[2] = {-1, -1};
  char msg_byte = 'L';
  iovec msg_iov{&msg_byte, 1};
  alignas(cmsghdr) char msg_control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  if (supervise) {
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock_fds) != 0) {
      return MakeError(ErrorCode::kSystem, "socketpair: {}",
                       std::strerror(errno));
    }
    msg.msg_iov = &msg_iov;
    msg.msg_iovlen = 1;
    msg.msg_control = msg_control;
    msg.msg_controllen = sizeof(msg_control);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
  }
  auto close_socks = [&] {
    for (int& fd : sock_fds) {
      if (fd >= 0) close(fd);
      fd = -1;
    }
  };

  Profile effective = options.profile;
  if (options.unknown_enosys) profile::AddEnosysFallbacks(effective);
  effective = WithLauncherExec(
      effective, reinterpret_cast<std::uintptr_t>(path_buf.data()));
  if (supervise) {
    effective = WithLauncherSendmsg(effective, sock_fds[1],
                                    reinterpret_cast<std::uintptr_t>(&msg));
  }
  Result<Filter> filter = CompileFilter(effective, options.filter_options);
  if (!filter) {
    close_socks();
    return Unexpected(std::move(filter).error());
  }
  if (options.verbose) {
    for (const std::string& note : filter->notes()) {
      report(fmt::format("note: {}", note));
    }
  }
  Result<std::vector<sock_filter>> exported = ExportBpf(*filter);
  if (!exported) {
    close_socks();
    return Unexpected(std::move(exported).error());
  }
  std::vector<sock_filter> verdicts = std::move(*exported);
  const Action::Kind def = effective.default_action.kind;
  if (options.unknown_enosys && def != Action::Kind::kAllow &&
      def != Action::Kind::kLog) {
    verdicts = WithUnknownEnosys(verdicts, effective.arches);
  }
  std::vector<sock_filter> program = verdicts;
  if (supervise) {
    const bool audit = options.denials == DenialHandling::kAudit;
    program = RouteToListener(verdicts, [audit](std::uint32_t ret) {
      const std::uint32_t action = ret & SECCOMP_RET_ACTION_FULL;
      if (audit) {
        return action != SECCOMP_RET_ALLOW && action != SECCOMP_RET_LOG &&
               action != SECCOMP_RET_USER_NOTIF;
      }
      return action == SECCOMP_RET_ERRNO || action == SECCOMP_RET_KILL_PROCESS;
    });
  }
  if (program.size() > BPF_MAXINSNS) {
    close_socks();
    return MakeError(ErrorCode::kUnsupported,
                     "the filter has {} BPF instructions; the kernel takes at "
                     "most {}",
                     program.size(), BPF_MAXINSNS);
  }
  sock_fprog fprog{static_cast<unsigned short>(program.size()), program.data()};

  FailurePipe pipe;
  if (Result<void> opened = pipe.Open(); !opened) {
    close_socks();
    return Unexpected(std::move(opened).error());
  }
  SignalForwarding forwarding;  // child.h

  ChildPlan plan{
      .argv = argv.data(),
      .envp = options.env ? envp.data() : environ,
      .lookup_stage = lookup.status == ProgramLookup::Status::kFound ? Stage{}
                      : lookup.status == ProgramLookup::Status::kNotFound
                          ? Stage::kNotFound
                          : Stage::kNotExecutable,
      .lookup_err = lookup.error,
      .path_buf = path_buf.data(),
      .prog = &fprog,
      .stdio = {options.stdin_fd, options.stdout_fd, options.stderr_fd},
      .report_fd = pipe.write_fd(),
      .forwarding = &forwarding,
      .supervise = supervise,
      .sock_fd = sock_fds[1],
      .msg = &msg,
  };

  pid_t pid = fork();
  if (pid == 0) RunChild(plan);
  int fork_errno = errno;
  pipe.CloseWriteEnd();
  if (sock_fds[1] >= 0) {
    close(sock_fds[1]);
    sock_fds[1] = -1;
  }
  if (pid < 0) {
    pipe.CloseReadEnd();
    close_socks();
    forwarding.Restore();
    return MakeError(ErrorCode::kSystem, "fork: {}", std::strerror(fork_errno));
  }
  forwarding.Start(pid);
  // Returns false at EOF (execve succeeded: CLOEXEC) or once complete.
  auto read_report = [&](bool block) { return pipe.Read(block); };

  int status = 0;
  bool reaped = false;
  std::optional<Supervisor> supervisor;
  if (supervise) {
    int listener = ReceiveListener(sock_fds[0], pid);
    close_socks();
    if (listener < 0) {
      // The child failed before (or while) loading the filter: the plain
      // path below reads its report.
      supervise = false;
      result.supervised = false;
    } else {
      supervisor.emplace(listener, verdicts,
                         options.denials == DenialHandling::kAudit
                             ? Supervisor::Mode::kAudit
                             : Supervisor::Mode::kEnforce,
                         options.on_denial);
    }
  }
  if (supervisor) {
    // The failure pipe is read in the same loop: a child that fails after
    // loading the filter writes its report under the filter, which may
    // need an answer from us first.
    fcntl(pipe.read_fd(), F_SETFL, O_NONBLOCK);
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    bool pipe_open = true;
    bool listener_open = true;
    while (true) {
      pollfd fds[3];
      nfds_t n = 0;
      int listener_slot = -1, pipe_slot = -1, pid_slot = -1;
      if (listener_open) {
        listener_slot = static_cast<int>(n);
        fds[n++] = pollfd{supervisor->fd(), POLLIN, 0};
      }
      if (pipe_open) {
        pipe_slot = static_cast<int>(n);
        fds[n++] = pollfd{pipe.read_fd(), POLLIN, 0};
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
          Result<void> handled = supervisor->HandleOne();
          if (!handled) {
            report(handled.error().message);
            supervisor->Close();
            listener_open = false;
          }
        } else if (ev & (POLLHUP | POLLERR | POLLNVAL)) {
          listener_open = false;  // no filtered task is left
        }
      }
      if (pipe_slot >= 0 && fds[pipe_slot].revents) {
        pipe_open = read_report(/*block=*/false);
      }
      if (pid_slot >= 0) {
        if (fds[pid_slot].revents & POLLIN) break;
      } else if (waitpid(pid, &status, WNOHANG) == pid) {
        reaped = true;
        break;
      }
    }
    if (pidfd >= 0) close(pidfd);
    if (pipe_open) read_report(/*block=*/false);
  } else {
    read_report(/*block=*/true);
  }
  pipe.CloseReadEnd();

  pid_t waited = pid;
  while (!reaped && (waited = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  int wait_errno = errno;
  forwarding.Restore();
  if (waited < 0) {
    return MakeError(ErrorCode::kSystem, "waitpid: {}",
                     std::strerror(wait_errno));
  }
  if (supervisor) {
    result.denials = supervisor->denials();
    auto killed = supervisor->killed_processes().find(pid);
    if (killed != supervisor->killed_processes().end() && WIFSIGNALED(status) &&
        WTERMSIG(status) == SIGKILL) {
      result.killed_by = killed->second;
    }
  }

  if (std::optional<ChildFailure> failure = pipe.failure()) {
    report(DescribeFailure(*failure, options.argv[0], lookup, search_path));
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
    return result;
  }
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    if (result.killed_by) {
      const Denial& d = result.denials[*result.killed_by];
      report(fmt::format(
          "{} was killed by the profile's {} action for {} (nr {}) in "
          "thread {}",
          options.argv[0], profile::ToString(d.action), d.name, d.nr, d.tid));
      sig = SIGSYS;  // what the kernel's kill would have given
    } else if (sig == SIGSYS) {
      report(fmt::format(
          "{} was killed by SIGSYS: a syscall was blocked by the seccomp "
          "profile (the audit log, type=SECCOMP, names it)",
          options.argv[0]));
    }
    result.exit_code = kExitSignalBase + sig;
    return result;
  }
  result.exit_code = kExitSignalBase;
  return result;
}

}  // namespace go2seccomp::runtime
