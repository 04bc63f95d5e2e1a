#include "go2seccomp/runtime/launch.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

extern char** environ;

namespace go2seccomp::runtime {
namespace {

using profile::Action;
using profile::ArgCondition;
using profile::Profile;
using profile::Rule;

constexpr int kForwardedSignals[] = {SIGINT,  SIGTERM, SIGHUP,
                                     SIGQUIT, SIGUSR1, SIGUSR2};
// glibc's execvp default when PATH is unset (posix/execvpe.c).
constexpr std::string_view kDefaultPath = "/bin:/usr/bin";

// The child being waited for; read by the signal handler. Lock-free atomics
// are async-signal-safe.
std::atomic<pid_t> g_child{0};
static_assert(std::atomic<pid_t>::is_always_lock_free);

void ForwardSignal(int sig) {
  pid_t pid = g_child.load();
  if (pid > 0) kill(pid, sig);
}

// What the child tells the parent through the CLOEXEC pipe when it fails
// before (or at) execve. Nothing arrives when execve succeeds.
enum class Stage : std::int32_t {
  kNotFound = 1,
  kNotExecutable,
  kRedirect,
  kNoNewPrivs,
  kSeccomp,
  kExecve,
};
struct ChildFailure {
  Stage stage;
  std::int32_t err;
};

// Everything the child needs, prepared before fork().
struct ChildPlan {
  char* const* argv;
  char* const* envp;
  const char* file;         // argv[0]
  const char* search_path;  // PATH value
  char* path_buf;           // execve's filename; its address is in the filter
  std::size_t path_cap;
  const sock_fprog* prog;
  int stdio[3];
  int report_fd;
  const sigset_t* old_mask;
  const struct sigaction* old_actions;  // parallel to kForwardedSignals
};

// --- child side: async-signal-safe only, no allocation ---------------------

[[noreturn]] void ChildFail(const ChildPlan& plan, Stage stage, int err,
                            int code) {
  ChildFailure f{stage, err};
  // May itself be refused once the filter is in; the exit code still tells.
  ssize_t ignored = write(plan.report_fd, &f, sizeof(f));
  (void)ignored;
  _exit(code);
}

// dir + "/" + file into buf; false if it does not fit.
bool JoinPath(char* buf, std::size_t cap, const char* dir, std::size_t dir_len,
              const char* file) {
  std::size_t file_len = std::strlen(file);
  if (dir_len == 0) {  // an empty PATH entry means the current directory
    dir = ".";
    dir_len = 1;
  }
  if (dir_len + 1 + file_len + 1 > cap) return false;
  std::memcpy(buf, dir, dir_len);
  buf[dir_len] = '/';
  std::memcpy(buf + dir_len + 1, file, file_len + 1);
  return true;
}

// 0 if buf names an executable regular file, else the errno execve would
// most likely give (ENOENT-like: keep searching; EACCES: remember).
int CheckExecutable(const char* path) {
  struct stat st;
  if (stat(path, &st) != 0) return errno;
  if (!S_ISREG(st.st_mode)) return EACCES;  // execve(2) on a directory
  if (access(path, X_OK) != 0) return errno;
  return 0;
}

// execvp's PATH search (posix/execvpe.c), deciding by stat/access instead of
// trying execve, which must wait until the filter is in.
void ResolveProgram(const ChildPlan& plan) {
  const char* file = plan.file;
  if (file[0] == '\0') ChildFail(plan, Stage::kNotFound, ENOENT, kExitNotFound);
  if (std::strchr(file, '/') != nullptr) {
    std::size_t len = std::strlen(file);
    if (len + 1 > plan.path_cap) {
      ChildFail(plan, Stage::kNotFound, ENAMETOOLONG, kExitNotFound);
    }
    std::memcpy(plan.path_buf, file, len + 1);
    int err = CheckExecutable(plan.path_buf);
    if (err == 0) return;
    if (err == ENOENT || err == ENOTDIR || err == ENAMETOOLONG) {
      ChildFail(plan, Stage::kNotFound, err, kExitNotFound);
    }
    ChildFail(plan, Stage::kNotExecutable, err, kExitNotExecutable);
  }
  int denied = 0;
  const char* p = plan.search_path;
  while (true) {
    const char* end = std::strchr(p, ':');
    std::size_t len = end ? static_cast<std::size_t>(end - p) : std::strlen(p);
    if (JoinPath(plan.path_buf, plan.path_cap, p, len, file)) {
      int err = CheckExecutable(plan.path_buf);
      if (err == 0) return;
      // As execvp: EACCES is remembered and the search goes on.
      if (err == EACCES || err == EPERM) denied = err;
    }
    if (!end) break;
    p = end + 1;
  }
  if (denied)
    ChildFail(plan, Stage::kNotExecutable, denied, kExitNotExecutable);
  ChildFail(plan, Stage::kNotFound, ENOENT, kExitNotFound);
}

[[noreturn]] void RunChild(const ChildPlan& plan) {
  for (std::size_t i = 0; i < std::size(kForwardedSignals); ++i) {
    sigaction(kForwardedSignals[i], &plan.old_actions[i], nullptr);
  }
  sigprocmask(SIG_SETMASK, plan.old_mask, nullptr);

  for (int target = 0; target < 3; ++target) {
    int fd = plan.stdio[target];
    if (fd < 0 || fd == target) continue;
    if (dup2(fd, target) < 0) {
      ChildFail(plan, Stage::kRedirect, errno, kExitFilterFailed);
    }
  }

  ResolveProgram(plan);

  // Required to load a filter without CAP_SYS_ADMIN (seccomp(2)); also what
  // libseccomp's seccomp_load() does by default (SCMP_FLTATR_CTL_NNP).
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    ChildFail(plan, Stage::kNoNewPrivs, errno, kExitFilterFailed);
  }
  // The last step before execve (nsjail subproc.cc): from here on, only
  // what the profile allows, plus the launcher's execve exception.
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, plan.prog, 0, 0) != 0) {
    ChildFail(plan, Stage::kSeccomp, errno, kExitFilterFailed);
  }
  execve(plan.path_buf, plan.argv, plan.envp);
  int err = errno;
  ChildFail(plan, Stage::kExecve, err,
            err == ENOENT ? kExitNotFound : kExitNotExecutable);
}

// --- parent side -----------------------------------------------------------

std::string FindPath(const std::vector<std::string>* env) {
  if (env == nullptr) {
    const char* p = getenv("PATH");
    return p ? std::string(p) : std::string(kDefaultPath);
  }
  for (const std::string& e : *env) {
    if (e.starts_with("PATH=")) return e.substr(5);
  }
  return std::string(kDefaultPath);
}

std::string DescribeFailure(const ChildFailure& f, const std::string& program,
                            const std::string& path_value) {
  const char* why = std::strerror(f.err);
  switch (f.stage) {
    case Stage::kNotFound:
      if (program.find('/') != std::string::npos) {
        return fmt::format("{}: not found: {}", program, why);
      }
      return fmt::format("{}: not found in PATH ({})", program, path_value);
    case Stage::kNotExecutable:
      return fmt::format("{}: cannot execute: {}", program, why);
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

Profile WithLauncherExec(const Profile& profile,
                         std::uint64_t filename_address) {
  Action current = profile.ActionFor("execve");
  if (current.kind == Action::Kind::kAllow) return profile;
  Profile out = profile;
  // An unconditional rule for execve would absorb a conditional one in
  // libseccomp (the broader rule wins), so execve leaves such rules and its
  // action comes back as "arg0 != address".
  for (Rule& r : out.rules) {
    if (r.args.empty()) std::erase(r.names, "execve");
  }
  std::erase_if(out.rules, [](const Rule& r) { return r.names.empty(); });
  out.rules.push_back(Rule::Make(
      {"execve"}, Action::Allow(),
      {ArgCondition::Make(0, ArgCondition::Op::kEqual, filename_address)},
      "go2seccomp launcher: its own execve of the program"));
  if (current != profile.default_action) {
    out.rules.push_back(Rule::Make(
        {"execve"}, current,
        {ArgCondition::Make(0, ArgCondition::Op::kNotEqual, filename_address)},
        "the profile's action for execve"));
  }
  return out;
}

Result<int> Launch(const LaunchOptions& options) {
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
  std::string search_path = FindPath(options.env ? &*options.env : nullptr);
  std::vector<char> path_buf(PATH_MAX + 1, '\0');

  Profile effective = WithLauncherExec(
      options.profile, reinterpret_cast<std::uintptr_t>(path_buf.data()));
  G2S_ASSIGN_OR_RETURN(Filter filter,
                       CompileFilter(effective, options.filter_options));
  if (options.verbose) {
    for (const std::string& note : filter.notes()) {
      report(fmt::format("note: {}", note));
    }
  }
  G2S_ASSIGN_OR_RETURN(std::vector<sock_filter> program, ExportBpf(filter));
  if (program.size() > BPF_MAXINSNS) {
    return MakeError(ErrorCode::kUnsupported,
                     "the filter has {} BPF instructions; the kernel takes at "
                     "most {}",
                     program.size(), BPF_MAXINSNS);
  }
  sock_fprog fprog{static_cast<unsigned short>(program.size()), program.data()};

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return MakeError(ErrorCode::kSystem, "pipe2: {}", std::strerror(errno));
  }

  // Forwarding: block the signals across fork() so neither side runs a
  // handler before it is ready, install the forwarder, then unblock in the
  // parent once g_child is set; the child restores both.
  sigset_t forwarded;
  sigemptyset(&forwarded);
  for (int s : kForwardedSignals) sigaddset(&forwarded, s);
  sigset_t old_mask;
  sigprocmask(SIG_BLOCK, &forwarded, &old_mask);
  struct sigaction old_actions[std::size(kForwardedSignals)];
  struct sigaction forward {};
  forward.sa_handler = ForwardSignal;
  forward.sa_flags = SA_RESTART;
  sigemptyset(&forward.sa_mask);
  for (std::size_t i = 0; i < std::size(kForwardedSignals); ++i) {
    sigaction(kForwardedSignals[i], &forward, &old_actions[i]);
  }
  auto restore_signals = [&] {
    g_child.store(0);
    for (std::size_t i = 0; i < std::size(kForwardedSignals); ++i) {
      sigaction(kForwardedSignals[i], &old_actions[i], nullptr);
    }
    sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  };

  ChildPlan plan{
      .argv = argv.data(),
      .envp = options.env ? envp.data() : environ,
      .file = argv[0],
      .search_path = search_path.c_str(),
      .path_buf = path_buf.data(),
      .path_cap = path_buf.size(),
      .prog = &fprog,
      .stdio = {options.stdin_fd, options.stdout_fd, options.stderr_fd},
      .report_fd = pipe_fds[1],
      .old_mask = &old_mask,
      .old_actions = old_actions,
  };

  pid_t pid = fork();
  if (pid == 0) RunChild(plan);
  int fork_errno = errno;
  close(pipe_fds[1]);
  if (pid < 0) {
    close(pipe_fds[0]);
    restore_signals();
    return MakeError(ErrorCode::kSystem, "fork: {}", std::strerror(fork_errno));
  }
  g_child.store(pid);
  sigprocmask(SIG_SETMASK, &old_mask, nullptr);

  ChildFailure failure{};
  std::size_t got = 0;
  while (got < sizeof(failure)) {
    ssize_t n = read(pipe_fds[0], reinterpret_cast<char*>(&failure) + got,
                     sizeof(failure) - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // 0: execve succeeded (CLOEXEC) or the child died
    got += static_cast<std::size_t>(n);
  }
  close(pipe_fds[0]);

  int status = 0;
  pid_t waited;
  do {
    waited = waitpid(pid, &status, 0);
  } while (waited < 0 && errno == EINTR);
  int wait_errno = errno;
  restore_signals();
  if (waited < 0) {
    return MakeError(ErrorCode::kSystem, "waitpid: {}",
                     std::strerror(wait_errno));
  }

  if (got == sizeof(failure)) {
    report(DescribeFailure(failure, options.argv[0], search_path));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    if (sig == SIGSYS) {
      report(fmt::format(
          "{} was killed by SIGSYS: a syscall was blocked by the seccomp "
          "profile (the audit log, type=SECCOMP, names it)",
          options.argv[0]));
    }
    return kExitSignalBase + sig;
  }
  return kExitSignalBase;
}

}  // namespace go2seccomp::runtime
