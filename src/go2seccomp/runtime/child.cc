#include "go2seccomp/runtime/child.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "go2seccomp/runtime/launch.h"  // kExitFilterFailed

namespace go2seccomp::runtime {
namespace {

// The child being run; read by the signal handler. Lock-free atomics are
// async-signal-safe.
std::atomic<pid_t> g_forward_to{0};
static_assert(std::atomic<pid_t>::is_always_lock_free);

void ForwardSignal(int sig) {
  pid_t pid = g_forward_to.load();
  if (pid > 0) kill(pid, sig);
}

}  // namespace

SignalForwarding::SignalForwarding() {
  sigset_t forwarded;
  sigemptyset(&forwarded);
  for (int s : kForwardedSignals) sigaddset(&forwarded, s);
  sigprocmask(SIG_BLOCK, &forwarded, &old_mask_);
  struct sigaction forward {};
  forward.sa_handler = ForwardSignal;
  forward.sa_flags = SA_RESTART;
  sigemptyset(&forward.sa_mask);
  for (std::size_t i = 0; i < std::size(kForwardedSignals); ++i) {
    sigaction(kForwardedSignals[i], &forward, &old_actions_[i]);
  }
}

void SignalForwarding::Start(pid_t pid) {
  g_forward_to.store(pid);
  sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
}

void SignalForwarding::Stop() { g_forward_to.store(0); }

void SignalForwarding::Restore() {
  if (restored_) return;
  restored_ = true;
  Stop();
  for (std::size_t i = 0; i < std::size(kForwardedSignals); ++i) {
    sigaction(kForwardedSignals[i], &old_actions_[i], nullptr);
  }
  sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
}

void SignalForwarding::RestoreInChild() const {
  for (std::size_t i = 0; i < std::size(kForwardedSignals); ++i) {
    sigaction(kForwardedSignals[i], &old_actions_[i], nullptr);
  }
  sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
}

FailurePipe::~FailurePipe() {
  CloseWriteEnd();
  CloseReadEnd();
}

Result<void> FailurePipe::Open() {
  if (pipe2(fds_, O_CLOEXEC) != 0) {
    return MakeError(ErrorCode::kSystem, "pipe2: {}", std::strerror(errno));
  }
  return {};
}

void FailurePipe::CloseWriteEnd() {
  if (fds_[1] >= 0) close(fds_[1]);
  fds_[1] = -1;
}

void FailurePipe::CloseReadEnd() {
  if (fds_[0] >= 0) close(fds_[0]);
  fds_[0] = -1;
}

bool FailurePipe::Read(bool block) {
  while (got_ < sizeof(failure_)) {
    ssize_t n = read(fds_[0], reinterpret_cast<char*>(&failure_) + got_,
                     sizeof(failure_) - got_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN && !block) return true;
    if (n <= 0) return false;
    got_ += static_cast<std::size_t>(n);
  }
  return false;
}

std::optional<ChildFailure> FailurePipe::failure() const {
  if (got_ != sizeof(failure_)) return std::nullopt;
  return failure_;
}

void ChildFail(int report_fd, ChildStage stage, int err, int exit_code) {
  ChildFailure f{stage, err};
  // May itself be refused once a filter is in; the exit code still tells.
  ssize_t ignored = write(report_fd, &f, sizeof(f));
  (void)ignored;
  _exit(exit_code);
}

void RedirectStdio(const int (&stdio)[3], int report_fd) {
  for (int target = 0; target < 3; ++target) {
    int fd = stdio[target];
    if (fd < 0 || fd == target) continue;
    if (dup2(fd, target) < 0) {
      ChildFail(report_fd, ChildStage::kRedirect, errno, kExitFilterFailed);
    }
  }
}

ExecVectors::ExecVectors(const std::vector<std::string>& argv,
                         const std::optional<std::vector<std::string>>& env)
    : argv_strings_(argv), env_strings_(env) {
  for (std::string& s : argv_strings_) argv_.push_back(s.data());
  argv_.push_back(nullptr);
  if (env_strings_) {
    for (std::string& s : *env_strings_) envp_.push_back(s.data());
    envp_.push_back(nullptr);
  }
}

char* const* ExecVectors::envp() const {
  return env_strings_ ? envp_.data() : environ;
}

}  // namespace go2seccomp::runtime
