// The CLI's subcommands: each lives in its own file and registers itself on
// the CLI11 app. main.cc calls every Add*Command, parses, and runs the chosen
// subcommand's callback; a callback returns the process exit code and
// reports errors through ReportError (the one place Error becomes text).
#ifndef GO2SECCOMP_TOOLS_COMMANDS_H_
#define GO2SECCOMP_TOOLS_COMMANDS_H_

#include <CLI/CLI.hpp>

#include <cerrno>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "go2seccomp/base/error.h"
#include "go2seccomp/generate.h"
#include "go2seccomp/profile/profile.h"

namespace go2seccomp::cli {

using generate::OutputFormat;
using generate::OutputFormatList;
using generate::OutputFormatNames;
using generate::RenderProfile;

// Set by a subcommand's parse callback; main() runs it after parsing.
using Runner = std::function<int()>;

// Prints "go2seccomp: <message>" to stderr and returns the exit code for
// the error's code (base/error.h ExitCodeFor).
int ReportError(const Error& error);

// The largest errno a seccomp errno action returns as such: the kernel
// clamps SECCOMP_RET_DATA to MAX_ERRNO (include/linux/err.h).
inline constexpr int kMaxErrno = 4095;

// `--errno N` with the range every subcommand shares, 1..kMaxErrno: 0
// would make a denied call return success without running.
template <class T>
CLI::Option* AddErrnoOption(CLI::App* cmd, T* value,
                            const std::string& description) {
  return cmd->add_option("--errno", *value, description)
      ->check(CLI::Range(1, kMaxErrno));
}

// What `analyze` (and explain, diff, image, `exec --analyze`) take besides
// the binary: the flags of generate::Generator (MakeGenerator).
struct AnalyzeSettings {
  std::vector<std::string> with;  // more binaries to cover (children)
  bool strict = false;
  bool quiet = false;
  bool stats = false;
  bool no_name_rules = false;
  int errno_ret = EPERM;
  // Container runtime whose own post-filter syscalls the profile must allow
  // (profile/runtime_presets.h): "docker" (= runc), "runc", "crun", "none".
  std::string runtime = "docker";
  // Root filesystem in which the interpreter and DT_NEEDED libraries of a
  // dynamically linked binary are looked up (a container image's rootfs).
  std::string root = "/";
  // What the profile does with everything it does not allow
  // (profile/deny_actions.h): errno (with errno_ret), kill-process,
  // kill-thread, trap, log.
  std::string default_action = "errno";
  // Deny clone3 with ENOSYS rather than the default action when it is not
  // allowed (glibc then falls back to clone).
  bool unknown_enosys = false;
  // Argument filters where the code proves the values (--args).
  bool args = false;
  // The shared-library analysis cache (analysis/native_cache.h): --cache-dir
  // (default $XDG_CACHE_HOME/go2seccomp), --no-cache.
  std::string cache_dir;
  bool no_cache = false;
  // --follow-exec: the programs a binary names by constant path that exist
  // are analysed and covered too, transitively (instead of the "may
  // execute ...; cover each with --with" line).
  bool follow_exec = false;
  // Where a program named by path (as the binary sees it) is, as a file to
  // analyse; nullopt if it is not there or not executable. Unset: under
  // `root` on this machine. `image` resolves inside the image's tree.
  std::function<std::optional<std::string>(const std::string&)> find_program;
};

// The generator for `binary` with these flags (settings.cc).
generate::Generator MakeGenerator(const std::string& binary, const AnalyzeSettings& settings);
// Runs it and prints its findings ("PATH: finding: ...", stderr), with
// `hide_prefix` (a temporary tree) taken out of the paths.
Result<generate::Generated> Generate(const std::string& binary, const AnalyzeSettings& settings,
                                     std::string_view hide_prefix = {});
void PrintFindings(const generate::Generated& g, std::string_view hide_prefix = {});
// Erases every occurrence of `prefix` in `*line` (none if it is empty).
void HidePrefix(std::string* line, std::string_view prefix);
// What was analysed, one line per fact (and the phases with --stats).
std::vector<std::string> SummaryLines(const generate::Generated& g,
                                      const AnalyzeSettings& settings);
// --strict, the one place: true, having said "N unresolved site(s);
// --strict: <consequence>", when it is set and there are findings.
bool StrictRefuses(const AnalyzeSettings& settings, const generate::Generated& g,
                   std::string_view consequence);

// `analyze A B C -o DIR/` (batch.cc): one profile per binary in `dir`, on
// every core; exit code 1 if any binary failed.
int RunBatch(const std::vector<std::string>& binaries, const std::string& dir,
             const AnalyzeSettings& settings, generate::OutputFormat format);

// The analysis options (--with, --strict, --runtime, --args, ...) on `cmd`.
void AddAnalysisOptions(CLI::App* cmd, AnalyzeSettings* settings);
// What the profile does with the rest: --errno, --default-action,
// --unknown-enosys.
void AddActionOptions(CLI::App* cmd, AnalyzeSettings* settings);
// Both (analyze, explain, diff, image).
void AddSettingsOptions(CLI::App* cmd, AnalyzeSettings* settings);

void AddAnalyzeCommand(CLI::App& app, Runner* run);  // analyze.cc (and the classic BIN OUT form)
void AddExecCommand(CLI::App& app, Runner* run);     // exec.cc
void AddTraceCommand(CLI::App& app, Runner* run);    // trace.cc
void AddMergeCommand(CLI::App& app, Runner* run);    // merge.cc
void AddCompareCommand(CLI::App& app, Runner* run);  // merge.cc
void AddExplainCommand(CLI::App& app, Runner* run);  // explain.cc
void AddDiffCommand(CLI::App& app, Runner* run);     // diff.cc
void AddImageCommand(CLI::App& app, Runner* run);    // image.cc

}  // namespace go2seccomp::cli

#endif  // GO2SECCOMP_TOOLS_COMMANDS_H_
