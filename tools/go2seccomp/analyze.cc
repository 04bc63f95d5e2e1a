// `go2seccomp BINARY PROFILE` (the classic form) and `go2seccomp analyze`:
// analyze a Go binary and write a Docker/OCI seccomp profile.
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "go2seccomp/analysis/analyzer.h"
#include "go2seccomp/analysis/loader.h"
#include "go2seccomp/analysis/report.h"
#include "go2seccomp/base/file_io.h"
#include "go2seccomp/profile/builder.h"
#include "go2seccomp/profile/groups.h"
#include "go2seccomp/profile/oci_json.h"
#include "go2seccomp/profile/runtime_presets.h"
#include "go2seccomp/syscalls/table.h"
#include "tools/go2seccomp/commands.h"

namespace go2seccomp::cli {
namespace {

struct AnalyzeFlags {
  std::string binary;
  std::string output;
  AnalyzeSettings settings;
};

}  // namespace

void AddSettingsOptions(CLI::App* cmd, AnalyzeSettings* s) {
  cmd->add_option("--with", s->with,
                  "Also cover these binaries (programs BINARY runs: seccomp "
                  "filters survive execve, so the profile must allow what "
                  "they do too). Repeatable.")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--strict", s->strict,
                "Fail (exit 1, no profile written) if any syscall site could "
                "not be resolved.");
  cmd->add_flag("-q,--quiet", s->quiet, "Print nothing but errors and findings.");
  cmd->add_flag("--stats", s->stats, "Print analysis statistics and timings.");
  cmd->add_option("--errno", s->errno_ret,
                  "Errno returned for syscalls the profile does not allow "
                  "(default EPERM = 1).")
      ->check(CLI::Range(1, 4095));
  cmd->add_option("--runtime", s->runtime,
                  "Also allow what this container runtime does between loading "
                  "the filter and exec'ing the program (measured presets: "
                  "docker = runc, runc, crun; none for `go2seccomp exec` or "
                  "systemd). Default: docker.")
      ->check(CLI::IsMember({"docker", "runc", "crun", "none"}));
  cmd->add_flag("--no-name-rules", s->no_name_rules,
                "Do not use known Go function names where data flow cannot "
                "follow the number (see ARCHITECTURE.md); for debugging.");
}

Result<profile::Profile> AnalyzeToProfile(const std::string& binary,
                                          const AnalyzeSettings& s,
                                          AnalyzeSummary* summary) {
  std::vector<std::string> paths = {binary};
  paths.insert(paths.end(), s.with.begin(), s.with.end());
  std::optional<Arch> arch;
  std::vector<std::string> names;
  analysis::Options options;
  options.name_rules = !s.no_name_rules;
  for (const std::string& path : paths) {
    const auto t0 = std::chrono::steady_clock::now();
    G2S_ASSIGN_OR_RETURN(analysis::LoadedBinary bin, analysis::LoadedBinary::Open(path));
    const analysis::Program& prog = bin.program();
    if (arch && *arch != prog.arch) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "{}: is {}, but {} is {}; one profile covers one architecture",
                       path, GetArchInfo(prog.arch).name, paths.front(),
                       GetArchInfo(*arch).name);
    }
    arch = prog.arch;
    const analysis::Report report = analysis::Analyze(prog, options);
    const double ms = std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - t0)
                          .count();
    for (const analysis::Finding& f : report.findings) {
      std::fprintf(stderr, "%s: finding: %s\n", path.c_str(),
                   analysis::FormatFinding(f, prog).c_str());
    }
    auto n = analysis::SyscallNames(report);
    // A program with an interpreter runs ld.so under the filter before its
    // own first instruction. ld.so is not analysed yet: its start-up set is
    // added from a measured group, and we say so.
    if (auto interp = bin.elf().Interpreter()) {
      std::vector<const profile::SyscallGroup*> groups = {&profile::DynamicLoaderStartup()};
      auto needed = bin.elf().Needed();
      if (needed && !needed->empty()) groups.push_back(&profile::DynamicLoaderLibraries());
      for (const profile::SyscallGroup* g : groups) {
        for (std::string_view name : g->NamesFor(prog.arch)) n.emplace_back(name);
      }
      if (summary) {
        summary->lines.push_back(fmt::format(
            "{}: note: interpreter {} is not analysed; added {}{} (measured with glibc 2.36)",
            path, *interp, groups[0]->name, groups.size() > 1 ? " and dynamic-loader-libraries" : ""));
      }
    }
    if (summary) {
      summary->findings += report.findings.size();
      summary->lines.push_back(fmt::format(
          "{}: {} ({}), {} functions: {} syscalls, {} findings", path,
          bin.GoVersionString(), GetArchInfo(prog.arch).go_arch, prog.funcs.size(),
          n.size(), report.findings.size()));
      if (s.stats) {
        const auto& st = report.stats;
        summary->lines.push_back(fmt::format(
            "  {:.1f} ms; analysed {} functions ({} instructions) in {} rounds; "
            "{} syscall sites, {} wrapper call sites, {} wrappers",
            ms, st.functions_analyzed, st.instructions, st.rounds, st.syscall_sites,
            st.wrapper_call_sites, report.wrappers.size()));
      }
    }
    names.insert(names.end(), n.begin(), n.end());
  }
  auto runtime = profile::ContainerRuntimeFromName(s.runtime);
  if (!runtime) {
    return MakeError(ErrorCode::kInvalidArgument, "unknown --runtime \"{}\"", s.runtime);
  }
  if (!profile::RuntimePresetAvailable(*runtime, *arch)) {
    return MakeError(ErrorCode::kUnsupported,
                     "no measured {} preset for {}; use --runtime none and add what the "
                     "runtime needs by hand",
                     s.runtime, GetArchInfo(*arch).name);
  }
  for (const profile::PresetEntry& e : profile::RuntimePreset(*runtime, *arch)) {
    names.emplace_back(e.name);
  }
  profile::ProfileBuilder b;
  b.DefaultAction(profile::Action::Errno(static_cast<std::uint32_t>(s.errno_ret)))
      .Arches({*arch})
      .Allow(profile::AlwaysAllowed())
      .Allow(std::span<const std::string>(names));
  return b.Build();
}

void AddAnalyzeCommand(CLI::App& app, Runner* run) {
  // Both forms share the flags; the classic one has them on the app itself.
  static AnalyzeFlags classic;
  static AnalyzeFlags sub;
  app.add_option("binary", classic.binary, "Go binary to analyze (classic form)");
  app.add_option("profile", classic.output,
                 "Where to write the profile (classic form; - for stdout)");
  AddSettingsOptions(&app, &classic.settings);

  CLI::App* cmd = app.add_subcommand(
      "analyze", "Analyze a Go binary and write a Docker/OCI seccomp profile.");
  cmd->add_option("binary", sub.binary, "Go binary to analyze")->required();
  cmd->add_option("-o,--output", sub.output, "Where to write the profile (- for stdout)")
      ->default_val("-");
  AddSettingsOptions(cmd, &sub.settings);

  auto runner = [](const AnalyzeFlags& f) -> int {
    AnalyzeSummary summary;
    auto p = AnalyzeToProfile(f.binary, f.settings, &summary);
    if (!p) return ReportError(p.error());
    const bool to_stdout = f.output == "-";
    if (!f.settings.quiet) {
      for (const std::string& l : summary.lines) {
        std::fprintf(to_stdout ? stderr : stdout, "%s\n", l.c_str());
      }
    }
    if (f.settings.strict && summary.findings > 0) {
      std::fprintf(stderr,
                   "go2seccomp: %zu unresolved site(s); --strict: no profile written\n",
                   summary.findings);
      return 1;
    }
    if (auto w = WriteFileAtomically(f.output, profile::ToOciJson(*p)); !w) {
      return ReportError(w.error());
    }
    if (!f.settings.quiet && !to_stdout) {
      std::printf("Saved seccomp profile at %s\n", f.output.c_str());
    }
    return 0;
  };
  cmd->callback([run, runner] { *run = [runner] { return runner(sub); }; });
  app.callback([&app, run, runner] {
    if (!app.get_subcommands().empty()) return;
    if (classic.binary.empty()) return;  // main prints help
    if (classic.output.empty()) {
      *run = [] {
        std::fprintf(stderr, "usage: go2seccomp /path/to/binary /path/to/profile.json\n");
        return 2;
      };
      return;
    }
    *run = [runner] { return runner(classic); };
  });
}

}  // namespace go2seccomp::cli
