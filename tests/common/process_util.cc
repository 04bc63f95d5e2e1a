#include "tests/common/process_util.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <regex>

#include "go2seccomp/base/arch.h"
#include "go2seccomp/syscalls/table.h"
#include "tests/common/files.h"

extern char** environ;

namespace go2seccomp::test_util {

namespace fs = std::filesystem;

bool RunResult::exited_ok() const {
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int RunResult::exit_code() const {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

int Spawn(const std::vector<std::string>& argv, const SpawnOptions& options) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!options.stdin_path.empty()) {
    posix_spawn_file_actions_addopen(&actions, 0, options.stdin_path.c_str(),
                                     O_RDONLY, 0);
  }
  if (!options.stdout_path.empty()) {
    posix_spawn_file_actions_addopen(&actions, 1, options.stdout_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }
  if (!options.stderr_path.empty()) {
    posix_spawn_file_actions_addopen(&actions, 2, options.stderr_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }
  if (!options.dir.empty())
    posix_spawn_file_actions_addchdir_np(&actions, options.dir.c_str());
  std::vector<std::string> copy = argv;
  std::vector<char*> args;
  for (std::string& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid;
  const int rc =
      posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

RunResult RunProgram(const std::vector<std::string>& argv,
                     const fs::path& dir) {
  TempDir tmp;
  const fs::path out = tmp.path() / "out", err = tmp.path() / "err";
  RunResult r;
  SpawnOptions options;
  options.stdin_path = "/dev/null";
  options.stdout_path = out;
  options.stderr_path = err;
  options.dir = dir;
  r.status = Spawn(argv, options);
  r.out = ReadFile(out);
  r.err = ReadFile(err);
  return r;
}

RunResult RunCli(std::string_view cli, std::vector<std::string> args) {
  args.insert(args.begin(), std::string(cli));
  return RunProgram(args);
}

CommandOutput RunCommand(const std::string& command, const std::string* input) {
  CommandOutput result;
  std::string cmd = command + " 2>/dev/null";
  std::optional<TempDir> tmp;
  if (input != nullptr) {
    tmp.emplace();
    const fs::path input_path = tmp->path() / "stdin";
    if (!WriteFile(input_path, *input)) return result;
    cmd += " < '" + input_path.string() + "'";
  }
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe != nullptr) {
    char buf[1 << 16];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0)
      result.out.append(buf, n);
    const int status = pclose(pipe);
    result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  return result;
}

std::string GoTool() {
  const char* g = std::getenv("G2S_GO");
  return g != nullptr ? g : "go";
}

bool SeccompAvailable() {
  static const bool available = [] {
    pid_t pid = fork();
    if (pid == 0) {
      sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
      sock_fprog prog{1, &allow};
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(1);
      if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0)
        _exit(1);
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
    return RunProgram({"strace", "-f", "-qq", "-o", "/dev/null", "true"})
        .exited_ok();
  }();
  return works;
}

namespace {

// strace's "syscall_0x1c8" as our table's name for the host arch.
std::optional<std::string> NameOfUnknown(const std::string& name,
                                         bool keep_unknown) {
  const int nr = static_cast<int>(std::strtol(name.c_str() + 8, nullptr, 0));
  if (auto known = syscalls::NameOf(HostArch(), nr)) return std::string(*known);
  if (keep_unknown) return fmt::format("nr:{}", nr);
  return std::nullopt;
}

}  // namespace

std::set<std::string> StraceOwnSyscalls(const std::vector<std::string>& argv,
                                        const fs::path& workdir) {
  TempDir tmp;
  const fs::path log = tmp.path() / "strace.log";
  std::vector<std::string> cmd = {"strace", "-f",         "-qq",
                                  "-o",     log.string(), "--"};
  cmd.insert(cmd.end(), argv.begin(), argv.end());
  RunProgram(cmd, workdir);
  // "1234  openat(AT_FDCWD, ..." and "1234  <... futex resumed>" (a name
  // already seen); strace spells unknown numbers "syscall_0x1c8". An
  // execve is "execve(...) = 0" when it succeeded.
  const std::regex line(R"(^(\d+)\s+([a-z_0-9]+)\((.*)$)");
  const std::regex resumed(
      R"(^(\d+)\s+<\.\.\. (execve|execveat) resumed>(.*)$)");
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
      auto known = NameOfUnknown(name, /*keep_unknown=*/false);
      if (!known) continue;
      name = *known;
    }
    const bool is_exec = name == "execve" || name == "execveat";
    const bool exec_ok =
        is_exec && m[3].str().find(" = 0") != std::string::npos;
    if (is_exec && first) {
      // The traced program's own start (made by the launcher), finished on
      // this line or resumed later.
      if (exec_ok) first = false;
      if (exec_ok || m[3].str().find("<unfinished") != std::string::npos)
        continue;
    }
    names.insert(name);
    if (exec_ok) done[pid] = true;  // what follows is another program
  }
  return names;
}

StraceRun StraceAllSyscalls(const std::vector<std::string>& argv,
                            const fs::path& dir, bool keep_unknown) {
  const fs::path log = dir / "strace.log";
  std::vector<std::string> cmd = {"strace", "-f",         "-qq",
                                  "-o",     log.string(), "--"};
  cmd.insert(cmd.end(), argv.begin(), argv.end());
  StraceRun run;
  SpawnOptions options;
  options.stdout_path = dir / "trace.out";
  options.stderr_path = dir / "trace.err";
  run.status = Spawn(cmd, options);
  if (run.status == -1) return run;
  // "1234  openat(AT_FDCWD, ..." ; "<... futex resumed>" lines repeat a
  // name already seen.
  const std::regex line(R"(^(?:\d+\s+)?([a-z_0-9]+)\()");
  std::ifstream in(log);
  std::string text;
  bool first_execve = true;
  while (std::getline(in, text)) {
    std::smatch m;
    if (!std::regex_search(text, m, line)) continue;
    std::string name = m[1];
    if (name.starts_with("syscall_")) {
      auto known = NameOfUnknown(name, keep_unknown);
      if (!known) continue;
      name = *known;
    }
    if (name == "execve" && first_execve) {
      first_execve = false;  // the traced program's own start
      continue;
    }
    run.names.insert(name);
  }
  return run;
}

}  // namespace go2seccomp::test_util
