// RemoveOnSignal: while alive, SIGINT, SIGTERM, SIGHUP and SIGQUIT remove a
// directory tree before the process dies of the signal, so Ctrl-C, `kill`
// or a closed terminal during `go2seccomp image` does not leave the
// unpacked image behind in $TMPDIR.
//
// The signals are blocked in every thread (construct it before any thread
// is started: threads inherit the mask) and taken by one thread with
// sigwait(), which removes the tree in ordinary code: removing a tree is
// not async-signal-safe, so it cannot happen in a handler. The thread then
// restores the default action and re-raises the signal, so the exit status
// still says which signal ended the process (a shell prints "Interrupted").
// Signal dispositions belong to the program, not the library: this lives
// in the CLI.
#ifndef GO2SECCOMP_TOOLS_GO2SECCOMP_REMOVE_ON_SIGNAL_H_
#define GO2SECCOMP_TOOLS_GO2SECCOMP_REMOVE_ON_SIGNAL_H_

#include <signal.h>

#include <atomic>
#include <filesystem>
#include <thread>

namespace go2seccomp::cli {

class RemoveOnSignal {
 public:
  explicit RemoveOnSignal(std::filesystem::path dir);
  ~RemoveOnSignal();
  RemoveOnSignal(const RemoveOnSignal&) = delete;
  RemoveOnSignal& operator=(const RemoveOnSignal&) = delete;

 private:
  void Wait();

  std::filesystem::path dir_;
  sigset_t signals_;
  sigset_t old_mask_;
  std::atomic<bool> done_{false};
  std::thread waiter_;
};

}  // namespace go2seccomp::cli

#endif  // GO2SECCOMP_TOOLS_GO2SECCOMP_REMOVE_ON_SIGNAL_H_
