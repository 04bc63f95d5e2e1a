// `go2seccomp merge` and `go2seccomp compare`: the two operations that put
// static (analyze) and observed (trace) profiles side by side.
//
//   go2seccomp merge A.json B.json [...] [-o OUT.json]
//       the union of what the profiles allow (profile::Merge), with the
//       first one's default action; OUT "-" (the default) is stdout.
//   go2seccomp compare --static S.json --observed T.json [--json] [-v]
//       the syscalls T allows (observed) that S does not: must be none for
//       a sound static profile (exit 0; 1 if any). Those S allows only
//       under argument conditions are listed apart (a trace records no
//       arguments). The syscalls S allows that T does not are counted for
//       information (listed with -v). "Allowed" is profile::AllowanceOf's.
// Both read profiles with ParseOciJson, for this machine's architecture.
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "go2seccomp/base/arch.h"
#include "go2seccomp/base/file_io.h"
#include "go2seccomp/profile/oci_json.h"
#include "go2seccomp/runtime/trace.h"
#include "tools/go2seccomp/commands.h"

namespace go2seccomp::cli {
namespace {

Result<profile::Profile> ReadProfile(const std::string& path, bool verbose) {
  G2S_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path));
  profile::ParseOptions options;
  options.target_arch = HostArch();
  G2S_ASSIGN_OR_RETURN(profile::ParsedProfile parsed,
                       profile::ParseOciJson(text, path, options));
  if (verbose) {
    for (const std::string& note : parsed.notes) {
      fmt::print(stderr, "go2seccomp: note: {}: {}\n", path, note);
    }
  }
  return std::move(parsed.profile);
}

struct MergeFlags {
  std::vector<std::string> inputs;
  std::string output = "-";
  bool verbose = false;
};

int RunMerge(const MergeFlags& flags) {
  std::vector<profile::Profile> profiles;
  for (const std::string& path : flags.inputs) {
    Result<profile::Profile> p = ReadProfile(path, flags.verbose);
    if (!p) return ReportError(p.error());
    profiles.push_back(std::move(*p));
  }
  Result<profile::Profile> merged = runtime::MergeProfiles(profiles);
  if (!merged) return ReportError(merged.error().Wrap("merge"));
  if (auto w = WriteFileAtomically(flags.output, profile::ToOciJson(*merged));
      !w) {
    return ReportError(w.error());
  }
  return 0;
}

struct CompareFlags {
  std::string static_path;
  std::string observed_path;
  bool json = false;
  bool verbose = false;
};

std::string RenderText(const std::vector<runtime::ArchComparison>& result,
                       const CompareFlags& flags) {
  std::string out;
  for (const runtime::ArchComparison& c : result) {
    const std::string_view arch = GetArchInfo(c.arch).name;
    if (!c.static_has_arch) {
      out += fmt::format(
          "{}: {} does not list this architecture: all {} observed syscalls "
          "would get its bad-arch action\n",
          arch, flags.static_path, c.observed_not_allowed.size());
    } else if (c.observed_not_allowed.empty()) {
      out += fmt::format(
          "{}: every observed syscall is allowed by {} ({} allowed but not "
          "observed)\n",
          arch, flags.static_path, c.allowed_not_observed.size());
    } else {
      out += fmt::format(
          "{}: {} observed syscall{} not allowed by {} ({} allowed but not "
          "observed):\n",
          arch, c.observed_not_allowed.size(),
          c.observed_not_allowed.size() == 1 ? "" : "s", flags.static_path,
          c.allowed_not_observed.size());
    }
    for (const std::string& name : c.observed_not_allowed) {
      out += fmt::format("  missing  {}\n", name);
    }
    // A trace has no arguments to hold against argument conditions.
    for (const std::string& name : c.observed_allowed_if) {
      out += fmt::format("  args     {} (allowed for some arguments only)\n",
                         name);
    }
    if (flags.verbose) {
      for (const std::string& name : c.allowed_not_observed) {
        out += fmt::format("  unused   {}\n", name);
      }
    }
  }
  return out;
}

std::string RenderJson(const std::vector<runtime::ArchComparison>& result) {
  nlohmann::json j;
  j["covered"] = runtime::IsCovered(result);
  nlohmann::json arches = nlohmann::json::array();
  for (const runtime::ArchComparison& c : result) {
    arches.push_back({
        {"arch", std::string(GetArchInfo(c.arch).name)},
        {"static_has_arch", c.static_has_arch},
        {"observed_not_allowed", c.observed_not_allowed},
        {"observed_allowed_if", c.observed_allowed_if},
        {"allowed_not_observed", c.allowed_not_observed},
    });
  }
  j["arches"] = std::move(arches);
  return j.dump(4) + "\n";
}

int RunCompare(const CompareFlags& flags) {
  Result<profile::Profile> static_profile =
      ReadProfile(flags.static_path, flags.verbose);
  if (!static_profile) return ReportError(static_profile.error());
  Result<profile::Profile> observed =
      ReadProfile(flags.observed_path, flags.verbose);
  if (!observed) return ReportError(observed.error());
  const std::vector<runtime::ArchComparison> result =
      runtime::CompareProfiles(*static_profile, *observed);
  const std::string text =
      flags.json ? RenderJson(result) : RenderText(result, flags);
  std::fputs(text.c_str(), stdout);
  return runtime::IsCovered(result) ? 0 : 1;
}

}  // namespace

void AddMergeCommand(CLI::App& app, Runner* run) {
  auto flags = std::make_shared<MergeFlags>();
  CLI::App* cmd = app.add_subcommand(
      "merge",
      "Merge profiles: allow what any of them allows (e.g. the static "
      "profile and a traced one, or the profiles of a program and of the "
      "programs it runs); the default action is the first profile's");
  cmd->add_option("profiles", flags->inputs, "Profiles to merge (OCI JSON)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", flags->output,
                  "Where to write the merged profile (- for stdout)")
      ->default_val("-");
  cmd->add_flag("-v,--verbose", flags->verbose,
                "Print what was left out when reading the profiles");
  cmd->callback([flags, run] { *run = [flags] { return RunMerge(*flags); }; });
}

void AddCompareCommand(CLI::App& app, Runner* run) {
  auto flags = std::make_shared<CompareFlags>();
  CLI::App* cmd = app.add_subcommand(
      "compare",
      "Check a static profile against an observed one (go2seccomp trace): "
      "lists the observed syscalls the static profile does not allow and "
      "exits 1 if there are any");
  cmd->add_option("--static", flags->static_path,
                  "The profile to check (e.g. from go2seccomp analyze)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--observed", flags->observed_path,
                  "The observed profile (from go2seccomp trace -o)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_flag("--json", flags->json,
                "Print the result as JSON: {covered, arches: [{arch, "
                "static_has_arch, observed_not_allowed, observed_allowed_if "
                "(allowed for some arguments only), allowed_not_observed}]}");
  cmd->add_flag("-v,--verbose", flags->verbose,
                "Also list the syscalls allowed but not observed, and what "
                "was left out when reading the profiles");
  cmd->callback(
      [flags, run] { *run = [flags] { return RunCompare(*flags); }; });
}

}  // namespace go2seccomp::cli
