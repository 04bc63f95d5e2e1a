// A program with named modes for the tracer's live tests (trace_test.cc),
// sandbox2 testcases/policy.cc style: each mode exercises one thing the
// tracer must follow. Built static, so the syscalls do not depend on the
// dynamic loader.
//
//   trace_helper exit3          exits with 3
//   trace_helper exec-exit3     execve(self, "exit3"): exec in the main thread
//   trace_helper thread-exec    a second thread execs self "exit3" (the
//                               kernel gives it the leader's thread id)
//   trace_helper thread-getcpu  a second thread calls getcpu and
//                               sched_getaffinity; the main thread does not
//   trace_helper fork-exec      fork; the child execs self "exit3"; exits
//                               with the child's exit code
//   trace_helper sigkill        kill(getpid(), SIGKILL)
//   trace_helper signal         SIGUSR1 to itself; exits 0 only if the
//                               handler ran (the tracer re-injected it)
//   trace_helper group-stop     stops itself (SIGSTOP); a child checks that
//                               it stays stopped, then sends SIGCONT
//   trace_helper int80          i386 getpid through `int $0x80` (x86_64)
//   trace_helper fixed          a fixed, timing-free set of syscalls
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

const char* g_self = nullptr;

void Print(const char* s) {
  ssize_t ignored = write(1, s, std::strlen(s));
  (void)ignored;
}

[[noreturn]] void ExecSelf(const char* mode) {
  char* const argv[] = {const_cast<char*>(g_self), const_cast<char*>(mode),
                        nullptr};
  execve("/proc/self/exe", argv, environ);
  _exit(100);
}

void* ExecThread(void*) { ExecSelf("exit3"); }

void* GetcpuThread(void*) {
  unsigned cpu = 0;
  unsigned node = 0;
  syscall(SYS_getcpu, &cpu, &node, nullptr);
  cpu_set_t set;
  syscall(SYS_sched_getaffinity, 0, sizeof(set), &set);
  return nullptr;
}

volatile sig_atomic_t g_handled = 0;
void OnUsr1(int) { g_handled = 1; }

// 't' (tracing stop) or 'T' (stopped): the state field of /proc/PID/stat.
char ProcessState(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return '?';
  char buf[512];
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0) return '?';
  buf[n] = '\0';
  const char* paren = std::strrchr(buf, ')');
  return paren && paren[1] == ' ' ? paren[2] : '?';
}

int GroupStop() {
  pid_t parent = getpid();
  pid_t child = fork();
  if (child == 0) {
    // Wait until the parent is stopped, then check it stays stopped.
    bool stopped = false;
    for (int i = 0; i < 300 && !stopped; ++i) {
      usleep(10000);
      char s = ProcessState(parent);
      stopped = s == 't' || s == 'T';
    }
    usleep(200000);
    char s = ProcessState(parent);
    bool still = s == 't' || s == 'T';
    kill(parent, SIGCONT);
    _exit(stopped && still ? 0 : 1);
  }
  kill(getpid(), SIGSTOP);
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

}  // namespace

int main(int argc, char** argv) {
  g_self = argv[0];
  const char* mode = argc > 1 ? argv[1] : "";
  auto is = [&](const char* m) { return std::strcmp(mode, m) == 0; };
  if (is("exit3")) return 3;
  if (is("exec-exit3")) ExecSelf("exit3");
  if (is("thread-exec")) {
    pthread_t t;
    pthread_create(&t, nullptr, ExecThread, nullptr);
    pthread_join(t, nullptr);  // never returns: the exec replaces us
    return 101;
  }
  if (is("thread-getcpu")) {
    pthread_t t;
    pthread_create(&t, nullptr, GetcpuThread, nullptr);
    pthread_join(t, nullptr);
    return 0;
  }
  if (is("fork-exec")) {
    pid_t pid = fork();
    if (pid == 0) ExecSelf("exit3");
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 102;
  }
  if (is("sigkill")) {
    kill(getpid(), SIGKILL);
    return 103;
  }
  if (is("signal")) {
    signal(SIGUSR1, OnUsr1);
    kill(getpid(), SIGUSR1);
    return g_handled ? 0 : 104;
  }
  if (is("group-stop")) return GroupStop();
  if (is("int80")) {
#if defined(__x86_64__)
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
    return r > 0 ? 0 : 105;
#else
    return 106;
#endif
  }
  if (is("fixed")) {
    syscall(SYS_getppid);
    syscall(SYS_getuid);
    int fd = open("/dev/null", O_WRONLY);
    Print("fixed\n");
    close(fd);
    return 0;
  }
  Print("unknown mode\n");
  return 2;
}
