#include "go2seccomp/runtime/qemu_trace.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "go2seccomp/base/file_io.h"
#include "go2seccomp/runtime/path_search.h"

extern char** environ;

namespace go2seccomp::runtime {
namespace {

bool IsExecutableFile(const std::string& path) {
  return ExecutableError(path) == 0;
}

// A log file that disappears with the trace (and if we crash: it lives in
// TMPDIR under a random name).
Result<std::string> MakeLogPath() {
  const char* tmp = std::getenv("TMPDIR");
  std::string path =
      fmt::format("{}/go2seccomp-qemu-XXXXXX", tmp != nullptr ? tmp : "/tmp");
  const int fd = ::mkstemp(path.data());
  if (fd < 0) {
    return MakeError(ErrorCode::kIo, "cannot create a qemu log file {}: {}",
                     path, std::strerror(errno));
  }
  ::close(fd);
  return path;
}

// Spawns qemu and waits for it; its exit status as a shell sees it.
Result<int> RunQemu(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (const int e =
          ::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ);
      e != 0) {
    return MakeError(ErrorCode::kSystem, "cannot start {}: {}", args[0],
                     std::strerror(e));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return MakeError(ErrorCode::kSystem, "waitpid({}): {}", pid,
                       std::strerror(errno));
    }
  }
  // qemu exits with the guest's status; a guest killed by a signal makes
  // qemu kill itself with that signal (linux-user/signal.c
  // dump_core_and_abort), so the shell's 128 + n carries over.
  if (WIFSIGNALED(status)) return kExitSignalBase + WTERMSIG(status);
  return WEXITSTATUS(status);
}

}  // namespace

std::optional<std::string> DefaultQemuName(Arch guest) {
  switch (guest) {
    case Arch::kArm64:
      return "qemu-aarch64";
    case Arch::kArm:
      return "qemu-arm";
    case Arch::kI386:
      return "qemu-i386";
    case Arch::kX86_64:
      return "qemu-x86_64";
  }
  return std::nullopt;
}

std::string DefaultQemuSysroot(Arch guest) {
  switch (guest) {
    case Arch::kArm64:
      return "/usr/aarch64-linux-gnu";
    case Arch::kArm:
      return "/usr/arm-linux-gnueabihf";
    case Arch::kI386:
      return "/usr/i686-linux-gnu";
    case Arch::kX86_64:
      return "/";
  }
  return "/";
}

Result<QemuTraceResult> TraceUnderQemu(const QemuTraceOptions& options) {
  if (options.argv.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "no program to run");
  }
  QemuTraceResult out;
  const std::string qemu_name =
      options.qemu.empty() ? DefaultQemuName(options.guest).value_or("")
                           : options.qemu;
  // qemu opens its PROG argument as a path; it does not search PATH
  // itself, so both are searched here.
  out.qemu = FindOnPath(qemu_name).value_or("");
  if (out.qemu.empty() || !IsExecutableFile(out.qemu)) {
    return MakeError(ErrorCode::kNotFound,
                     "{} is not installed (no executable {} on PATH), so "
                     "this {} program cannot run here: install Debian's "
                     "qemu-user (apt-get install qemu-user) or pass --qemu "
                     "PATH",
                     qemu_name, qemu_name, GetArchInfo(options.guest).name);
  }
  const std::string prog = FindOnPath(options.argv[0]).value_or("");
  if (prog.empty() || !IsExecutableFile(prog)) {
    const bool exists = !prog.empty() && ::access(prog.c_str(), F_OK) == 0;
    out.exit_code = exists ? kExitNotExecutable : kExitNotFound;
    out.failure = fmt::format("{}: {}", options.argv[0],
                              exists ? "not executable" : "not found");
    return out;
  }
  G2S_ASSIGN_OR_RETURN(const std::string log_path, MakeLogPath());
  std::vector<std::string> args = {out.qemu, "-d", "strace", "-D", log_path};
  const std::string sysroot = options.sysroot.empty()
                                  ? DefaultQemuSysroot(options.guest)
                                  : options.sysroot;
  struct stat st {};
  if (::stat(sysroot.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    args.insert(args.end(), {"-L", sysroot});
  }
  args.push_back(prog);
  args.insert(args.end(), options.argv.begin() + 1, options.argv.end());
  Result<int> code = RunQemu(args);
  Result<std::string> text =
      code ? ReadTextFile(log_path) : Result<std::string>(std::string());
  if (!code || !text) {
    ::unlink(log_path.c_str());
    return tl::unexpected(!code ? code.error() : text.error());
  }
  out.started = true;
  out.exit_code = *code;
  Result<QemuStraceLog> parsed = ParseQemuStraceLog(*text, options.guest);
  if (!parsed) {
    // Kept for the user to look at: the message names it and the offset.
    return tl::unexpected(
        parsed.error().Wrap(fmt::format("qemu log {} (kept)", log_path)));
  }
  ::unlink(log_path.c_str());
  out.log = *std::move(parsed);
  return out;
}

}  // namespace go2seccomp::runtime
