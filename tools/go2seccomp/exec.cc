// `go2seccomp exec`: run a program under a seccomp profile.
//
//   go2seccomp exec --profile P.json [--errno N] [--] PROG ARGS...
//   go2seccomp exec --audit --profile P.json -- PROG ARGS...
//
// The profile is Docker/OCI JSON (profile/oci_json.h) for this machine's
// architecture; the program runs with the filter installed as the last step
// before its execve (runtime/launch.h, which documents the exit codes:
// the program's own, 128+n when killed by signal n, 127 not found, 126 not
// executable, 125 filter setup failed; 2..7 for go2seccomp's own errors).
//
// Denials (runtime/supervisor.h):
//   - By default the launcher supervises the profile's errno and
//     kill-process verdicts (seccomp USER_NOTIF: only denied calls leave the
//     kernel). When the program exits non-zero or is killed and something
//     was denied, one line per denied syscall says what, how often, which
//     thread and -- for Go binaries -- which function and file:line made
//     the call (symbolize.h). --no-supervise leaves every answer to the
//     kernel (then a SIGSYS death is all the launcher can see).
//   - --audit: every call the profile would deny is reported once, as it
//     happens, and then runs: the program is not broken by the profile.
//   - Trap and kill-thread verdicts always stay with the kernel; a program
//     that dies of them gets a hint to re-run with --audit.
#include <fmt/format.h>
#include <signal.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "go2seccomp/base/arch.h"
#include "go2seccomp/base/file_io.h"
#include "go2seccomp/generate/symbolize.h"
#include "go2seccomp/profile/deny_actions.h"
#include "go2seccomp/profile/oci_json.h"
#include "go2seccomp/profile/profile.h"
#include "go2seccomp/runtime/launch.h"
#include "go2seccomp/runtime/path_search.h"
#include "go2seccomp/runtime/supervisor.h"
#include "tools/go2seccomp/commands.h"

namespace go2seccomp::cli {

struct ExecFlags {
  std::string profile_path;
  bool analyze = false;
  AnalyzeSettings settings;
  std::optional<std::uint32_t> errno_ret;
  std::optional<std::string> default_action;
  bool unknown_enosys = false;
  bool audit = false;
  bool no_supervise = false;
  bool verbose = false;
  std::vector<std::string> command;  // PROG ARGS...
};

namespace {

void Say(const std::string& line) {
  std::fprintf(stderr, "go2seccomp: %s\n", line.c_str());
}

// "getppid (nr 110) [SCMP_ACT_ERRNO(1)], 3 calls: thread 1234 in main.main
// (/src/x/main.go:12)"
std::string DescribeDenial(const runtime::Denial& d,
                           generate::Symbolizer& symbols, bool with_count) {
  std::string count;
  if (with_count) {
    count = fmt::format(", {} call{}", d.count, d.count == 1 ? "" : "s");
  }
  std::string arch;
  if (d.arch != HostArch()) arch = fmt::format(" {}", GetArchInfo(d.arch).name);
  return fmt::format("{}{} (nr {}) [{}]{}: thread {} {}", d.name, arch, d.nr,
                     profile::ToString(d.action), count, d.tid,
                     symbols.Where(d));
}

}  // namespace

// Runs flags.command under `profile`. The seam for `--analyze`: a profile
// made by analysing PROG comes in here exactly like one read from a file.
int ExecUnderProfile(profile::Profile profile, const ExecFlags& flags) {
  if (flags.default_action) {
    std::optional<profile::Action> a = profile::DenyActionFromName(
        *flags.default_action, flags.errno_ret.value_or(EPERM));
    if (!a) {
      return ReportError(Error{
          ErrorCode::kInvalidArgument,
          "exec: unknown --default-action \"" + *flags.default_action + "\""});
    }
    profile.default_action = *a;
  } else if (flags.errno_ret) {
    profile.default_action = profile::Action::Errno(*flags.errno_ret);
  }
  const bool kernel_only = runtime::LeavesDenialsToKernel(profile);
  generate::Symbolizer symbols;
  runtime::LaunchOptions options;
  options.argv = flags.command;
  options.profile = std::move(profile);
  options.verbose = flags.verbose;
  options.unknown_enosys = flags.unknown_enosys;
  options.denials = flags.audit          ? runtime::DenialHandling::kAudit
                    : flags.no_supervise ? runtime::DenialHandling::kKernel
                                         : runtime::DenialHandling::kSupervised;
  if (flags.audit) {
    options.on_denial = [&](const runtime::Denial& d) {
      Say("audit: would deny " + DescribeDenial(d, symbols, false));
      if (flags.verbose) {
        if (std::string via = symbols.Via(d); !via.empty()) {
          Say("audit:   via " + via);
        }
      }
    };
  }
  Result<runtime::LaunchResult> r = runtime::LaunchProgram(options);
  if (!r) return ReportError(r.error().Wrap("exec"));
  const std::string& prog = flags.command.front();
  if (flags.audit) {
    std::uint64_t calls = 0;
    for (const runtime::Denial& d : r->denials) calls += d.count;
    if (r->denials.empty()) {
      Say("audit: the profile would have denied nothing");
    } else {
      std::string names;
      for (const runtime::Denial& d : r->denials) {
        names +=
            fmt::format("{}{} x{}", names.empty() ? "" : ", ", d.name, d.count);
      }
      Say(fmt::format(
          "audit: the profile would have denied {} syscall{} ({} call{}): {}",
          r->denials.size(), r->denials.size() == 1 ? "" : "s", calls,
          calls == 1 ? "" : "s", names));
    }
    return r->exit_code;
  }
  const bool failed = r->exit_code != 0;
  if (!r->denials.empty() && (failed || flags.verbose)) {
    Say(fmt::format("{} {}; the profile denied:", prog,
                    r->exit_code > runtime::kExitSignalBase
                        ? fmt::format("ended with status {}", r->exit_code)
                        : fmt::format("exited with status {}", r->exit_code)));
    for (const runtime::Denial& d : r->denials) {
      Say("  " + DescribeDenial(d, symbols, true));
      if (flags.verbose) {
        if (std::string via = symbols.Via(d); !via.empty()) {
          Say("    via " + via);
        }
      }
    }
  } else if ((r->exit_code == runtime::kExitSignalBase + SIGSYS &&
              !r->killed_by) ||
             (failed && kernel_only && r->supervised &&
              r->exit_code != runtime::kExitNotFound &&
              r->exit_code != runtime::kExitNotExecutable &&
              r->exit_code != runtime::kExitFilterFailed)) {
    // The kernel answered (trap, kill-thread, or no supervision): nothing
    // was recorded, but the profile may be why. (A Go program that gets
    // SIGSYS from a trap prints its own traceback and exits with 2.)
    Say(fmt::format(
        "{} {} with status {}; the kernel answered the profile's trap or kill "
        "actions, so the launcher cannot name the syscall: `go2seccomp exec "
        "--audit` lists every syscall the profile denies",
        prog, r->exit_code > runtime::kExitSignalBase ? "ended" : "exited",
        r->exit_code));
  }
  return r->exit_code;
}

namespace {

int RunExec(const ExecFlags& flags) {
  if (flags.analyze) {
    if (!flags.profile_path.empty()) {
      return ReportError(
          Error{ErrorCode::kInvalidArgument,
                "exec: --analyze and --profile exclude each other"});
    }
    auto g = Generate(runtime::FindOnPath(flags.command.front())
                          .value_or(flags.command.front()),
                      flags.settings);
    if (!g) return ReportError(g.error());
    if ((flags.verbose || flags.settings.stats) && !flags.settings.quiet) {
      for (const std::string& l : SummaryLines(*g, flags.settings)) {
        fmt::print(stderr, "go2seccomp: {}\n", l);
      }
    }
    if (StrictRefuses(flags.settings, *g, "not running")) return 1;
    return ExecUnderProfile(std::move(g->profile), flags);
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
  // With --analyze, every option `analyze` takes (the profile's own deny
  // action comes from --errno/--default-action below, as for --profile).
  AddAnalysisOptions(cmd, &flags->settings);
  AddErrnoOption(cmd, &flags->errno_ret,
                 "Deny with this errno instead of the profile's "
                 "defaultAction (sets defaultAction to SCMP_ACT_ERRNO N)");
  cmd->add_option("--default-action", flags->default_action,
                  "Replace the profile's defaultAction: errno (with --errno, "
                  "default EPERM), kill-process, kill-thread, trap or log")
      ->check(CLI::IsMember(
          {"errno", "kill-process", "kill-thread", "trap", "log"}));
  cmd->add_flag("--unknown-enosys", flags->unknown_enosys,
                "Deny with ENOSYS (\"not implemented\") instead of the default "
                "action: clone3 when the profile does not allow it (glibc "
                "then creates threads with clone), and every syscall newer "
                "than go2seccomp's table (Linux 6.12)");
  CLI::Option* audit = cmd->add_flag(
      "--audit", flags->audit,
      "Do not enforce: report every syscall the profile would deny "
      "(once each, with thread and, for Go binaries, function and "
      "file:line) and let it run");
  cmd->add_flag("--no-supervise", flags->no_supervise,
                "Let the kernel alone answer denied syscalls (by default the "
                "launcher answers errno and kill-process denials itself "
                "through seccomp user notification, to say which syscall "
                "failed)")
      ->excludes(audit);
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
