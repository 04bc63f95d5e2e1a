#include "tests/common/process_util.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "go2seccomp/base/arch.h"
#include "go2seccomp/syscalls/table.h"

extern char** environ;

namespace go2seccomp::test_util {

namespace fs = std::filesystem;

bool RunResult::exited_ok() const { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

int RunResult::exit_code() const {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

RunResult RunProgram(const std::vector<std::string>& argv, const fs::path& dir) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out", err = tmp.path() / "err";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!dir.empty()) posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  std::vector<std::string> copy = argv;
  std::vector<char*> args;
  for (std::string& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  RunResult r;
  pid_t pid;
  if (posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ) == 0) {
    while (waitpid(pid, &r.status, 0) < 0 && errno == EINTR) {
    }
  }
  posix_spawn_file_actions_destroy(&actions);
  r.out = ReadFile(out);
  r.err = ReadFile(err);
  return r;
}

bool SeccompAvailable() {
  static const bool available = [] {
    pid_t pid = fork();
    if (pid == 0) {
      sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
      sock_fprog prog{1, &allow};
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(1);
      if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) _exit(1);
      _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }();
  return available;
}

bool StraceAvailable() {
  static const bool works = [] {
    return RunProgram({"strace", "-f", "-qq", "-o", "/dev/null", "true"}).exited_ok();
  }();
  return works;
}

std::set<std::string> StraceOwnSyscalls(const std::vector<std::string>& argv,
                                        const fs::path& workdir) {
  TempDir tmp;
  const fs::path log = tmp.path() / "strace.log";
  std::vector<std::string> cmd = {"strace", "-f", "-qq", "-o", log.string(), "--"};
  cmd.insert(cmd.end(), argv.begin(), argv.end());
  RunProgram(cmd, workdir);
  // "1234  openat(AT_FDCWD, ..." and "1234  <... futex resumed>" (a name
  // already seen); strace spells unknown numbers "syscall_0x1c8". An
  // execve is "execve(...) = 0" when it succeeded.
  const std::regex line(R"(^(\d+)\s+([a-z_0-9]+)\((.*)$)");
  const std::regex resumed(R"(^(\d+)\s+<\.\.\. (execve|execveat) resumed>(.*)$)");
  std::set<std::string> names;
  std::map<std::string, bool> done;  // pid -> exec'd into another program
  std::ifstream in(log);
  std::string text;
  bool first = true;
  while (std::getline(in, text)) {
    std::smatch m;
    if (std::regex_match(text, m, resumed)) {
      // "<... execve resumed>) = 0": the exec of an earlier unfinished line.
      if (m[3].str().find(" = 0") != std::string::npos) {
        if (first) {
          first = false;
        } else {
          done[m[1]] = true;
        }
      }
      continue;
    }
    if (!std::regex_match(text, m, line)) continue;
    const std::string pid = m[1];
    std::string name = m[2];
    if (done[pid]) continue;
    if (name.starts_with("syscall_")) {
      const int nr = static_cast<int>(std::strtol(name.c_str() + 8, nullptr, 0));
      auto known = syscalls::NameOf(HostArch(), nr);
      if (!known) continue;
      name = std::string(*known);
    }
    const bool is_exec = name == "execve" || name == "execveat";
    const bool exec_ok = is_exec && m[3].str().find(" = 0") != std::string::npos;
    if (is_exec && first) {
      // The traced program's own start (made by the launcher), finished on
      // this line or resumed later.
      if (exec_ok) first = false;
      if (exec_ok || m[3].str().find("<unfinished") != std::string::npos) continue;
    }
    names.insert(name);
    if (exec_ok) done[pid] = true;  // what follows is another program
  }
  return names;
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "g2s-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) fs::remove_all(path_, ec);
}

}  // namespace go2seccomp::test_util
