// `go2seccomp exec`: run a program under a seccomp profile.
//
//   go2seccomp exec --profile P.json [--errno N] [--] PROG ARGS...
//
// The profile is Docker/OCI JSON (profile/oci_json.h) for this machine's
// architecture; the program runs with the filter installed as the last step
// before its execve (runtime/launch.h, which documents the exit codes:
// the program's own, 128+n when killed by signal n, 127 not found, 126 not
// executable, 125 filter setup failed; 2..7 for go2seccomp's own errors).
#include <fmt/format.h>

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "go2seccomp/base/arch.h"
#include "go2seccomp/base/file_io.h"
#include "go2seccomp/profile/oci_json.h"
#include "go2seccomp/profile/profile.h"
#include "go2seccomp/runtime/launch.h"
#include "tools/go2seccomp/commands.h"

namespace go2seccomp::cli {

struct ExecFlags {
  std::string profile_path;
  bool analyze = false;
  AnalyzeSettings settings;
  std::optional<std::uint32_t> errno_ret;
  bool verbose = false;
  std::vector<std::string> command;  // PROG ARGS...
};

// Runs flags.command under `profile`. The seam for `--analyze`: a profile
// made by analysing PROG comes in here exactly like one read from a file.
int ExecUnderProfile(profile::Profile profile, const ExecFlags& flags) {
  if (flags.errno_ret) {
    profile.default_action = profile::Action::Errno(*flags.errno_ret);
  }
  runtime::LaunchOptions options;
  options.argv = flags.command;
  options.profile = std::move(profile);
  options.verbose = flags.verbose;
  Result<int> code = runtime::Launch(options);
  if (!code) return ReportError(code.error().Wrap("exec"));
  return *code;
}

namespace {

// PROG as execvp would find it (the analysis needs the file).
std::string FindOnPath(const std::string& prog) {
  if (prog.find('/') != std::string::npos) return prog;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/bin:/usr/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + prog;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return prog;
}

int RunExec(const ExecFlags& flags) {
  if (flags.analyze) {
    if (!flags.profile_path.empty()) {
      return ReportError(Error{ErrorCode::kInvalidArgument,
                               "exec: --analyze and --profile exclude each other"});
    }
    AnalyzeSummary summary;
    auto p = AnalyzeToProfile(FindOnPath(flags.command.front()), flags.settings, &summary);
    if (!p) return ReportError(p.error());
    if (flags.verbose) {
      for (const std::string& l : summary.lines) fmt::print(stderr, "go2seccomp: {}\n", l);
    }
    if (flags.settings.strict && summary.findings > 0) {
      fmt::print(stderr, "go2seccomp: {} unresolved site(s); --strict: not running\n",
                 summary.findings);
      return 1;
    }
    return ExecUnderProfile(std::move(*p), flags);
  }
  if (flags.profile_path.empty()) {
    return ReportError(Error{ErrorCode::kInvalidArgument,
                             "exec: --profile FILE or --analyze is required"});
  }
  Result<std::string> text = ReadTextFile(flags.profile_path);
  if (!text) return ReportError(text.error());
  profile::ParseOptions parse_options;
  parse_options.target_arch = HostArch();
  Result<profile::ParsedProfile> parsed =
      profile::ParseOciJson(*text, flags.profile_path, parse_options);
  if (!parsed) return ReportError(parsed.error());
  if (flags.verbose) {
    for (const std::string& note : parsed->notes) {
      fmt::print(stderr, "go2seccomp: note: {}\n", note);
    }
  }
  return ExecUnderProfile(std::move(parsed->profile), flags);
}

}  // namespace

void AddExecCommand(CLI::App& app, Runner* run) {
  auto flags = std::make_shared<ExecFlags>();
  CLI::App* cmd = app.add_subcommand(
      "exec",
      "Run a program under a seccomp profile (the filter is installed just "
      "before the program's execve)");
  cmd->add_option("--profile,-p", flags->profile_path,
                  "Seccomp profile: Docker/OCI JSON, or an OCI config.json "
                  "with linux.seccomp. Rules are taken for this machine's "
                  "architecture; unknown syscalls or actions are errors");
  cmd->add_flag("--analyze", flags->analyze,
                "Analyze PROG (and --with binaries) first and run it under "
                "the resulting profile");
  // Our own launcher needs nothing after the filter but the execve, which
  // it allows itself (runtime/launch.h).
  flags->settings.runtime = "none";
  cmd->add_option("--with", flags->settings.with,
                  "With --analyze: also cover these binaries (programs PROG "
                  "runs). Repeatable.")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--strict", flags->settings.strict,
                "With --analyze: refuse to run if a syscall site is unresolved");
  cmd->add_option("--errno", flags->errno_ret,
                  "Deny with this errno instead of the profile's "
                  "defaultAction (sets defaultAction to SCMP_ACT_ERRNO N; the "
                  "kernel caps errno at 4095)")
      ->check(CLI::Range(0, 4095));
  cmd->add_flag("--verbose,-v", flags->verbose,
                "Print what was left out of the profile or the filter "
                "(other architectures, capability-gated rules, what "
                "libseccomp cannot express)");
  cmd->add_option("command", flags->command,
                  "PROG [ARGS...]: the program (searched on PATH) and its "
                  "arguments; use -- before PROG if it starts with '-'")
      ->required();
  // Everything after PROG belongs to PROG, options included.
  cmd->positionals_at_end();
  cmd->callback([flags, run] { *run = [flags] { return RunExec(*flags); }; });
}

}  // namespace go2seccomp::cli
