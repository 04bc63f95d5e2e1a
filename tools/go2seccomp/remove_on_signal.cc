#include "tools/go2seccomp/remove_on_signal.h"

#include <pthread.h>
#include <unistd.h>

#include <system_error>
#include <utility>

namespace go2seccomp::cli {

RemoveOnSignal::RemoveOnSignal(std::filesystem::path dir)
    : dir_(std::move(dir)) {
  sigemptyset(&signals_);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&signals_, sig);
  pthread_sigmask(SIG_BLOCK, &signals_, &old_mask_);
  waiter_ = std::thread([this] { Wait(); });
}

RemoveOnSignal::~RemoveOnSignal() {
  // Wake the waiter with one of its own signals; done_ tells it the
  // command finished and the tree's owner removes it.
  done_.store(true);
  pthread_kill(waiter_.native_handle(), SIGTERM);
  waiter_.join();
  // A signal that came in meanwhile is still pending in this thread and is
  // delivered (default action) as soon as the mask is restored; the tree
  // is then already gone or is removed by its owner's destructor first.
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

void RemoveOnSignal::Wait() {
  siginfo_t info{};
  const int sig = sigwaitinfo(&signals_, &info);
  if (sig < 0) return;
  // The destructor's wake-up (a tgkill from this process) ends the wait;
  // any other signal, even one racing with the end of the command, is a
  // real one and is honoured. (glibc's sigwaitinfo reports a tgkill as
  // SI_USER, not the kernel's SI_TKILL: sigtimedwait.c rewrites it.)
  const bool own = info.si_pid == getpid() &&
                   (info.si_code == SI_TKILL || info.si_code == SI_USER);
  if (done_.load() && own) return;
  // Other threads may still be creating files in the tree while it is
  // removed: remove_all then fails on a directory that gained an entry
  // (ENOTEMPTY), so try again; once a directory is gone, nothing can be
  // created in it (the unpacker works from directory fds: ENOENT).
  for (int attempt = 0; attempt < 20; ++attempt) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);  // lstat()s: never follows links
    if (!std::filesystem::exists(std::filesystem::symlink_status(dir_, ec)))
      break;
  }
  signal(sig, SIG_DFL);
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, sig);
  pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
  raise(sig);
}

}  // namespace go2seccomp::cli
