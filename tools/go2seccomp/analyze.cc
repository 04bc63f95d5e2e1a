// `go2seccomp BINARY PROFILE` (the classic form) and `go2seccomp analyze`:
// analyze a Go binary and write a seccomp profile (Docker/OCI JSON unless
// --format says otherwise, generate/render.h). The profile comes from
// generate::Generator (settings.cc makes it from the flags); this file
// parses flags, prints and picks the exit code.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "go2seccomp/base/file_io.h"
#include "go2seccomp/profile/renderers.h"
#include "tools/go2seccomp/commands.h"

namespace go2seccomp::cli {
namespace {

namespace fs = std::filesystem;

struct AnalyzeFlags {
  std::string binary;
  std::vector<std::string> binaries;  // `analyze A B C -o DIR/` (batch.cc)
  std::string output;
  AnalyzeSettings settings;
  OutputFormat format = OutputFormat::kOci;
  std::string name;             // --name (spo metadata.name)
  bool runtime_given = false;   // --runtime on the command line
};

// --format and --name, on both forms.
void AddFormatOptions(CLI::App* cmd, AnalyzeFlags* f) {
  cmd->add_option(
         "--format", f->format,
         "Output format: oci (Docker/OCI profile JSON, the default), oci-linux "
         "(the linux.seccomp block of an OCI config.json, for runc/crun), spo "
         "(Kubernetes Security Profiles Operator SeccompProfile YAML), systemd "
         "(a unit drop-in with SystemCallFilter=; implies --runtime none "
         "unless "
         "given), bpf (the compiled seccomp BPF program, raw sock_filter "
         "array), bpf-text (the same program as readable text)")
      // The names as a plain list in --help, like the other choices (the
      // transformer's own description prints the map both ways).
      ->type_name("TEXT")
      ->transform(CLI::CheckedTransformer(OutputFormatNames(), CLI::ignore_case)
                      .description(OutputFormatList()));
  cmd->add_option("--name", f->name,
                  "metadata.name of the spo SeccompProfile (default: the binary's file "
                  "name, made a valid Kubernetes name)");
}

}  // namespace

void AddAnalyzeCommand(CLI::App& app, Runner* run) {
  // Both forms share the flags; the classic one has them on the app itself.
  static AnalyzeFlags classic;
  static AnalyzeFlags sub;
  app.add_option("binary", classic.binary, "Go binary to analyze (classic form)");
  app.add_option("profile", classic.output,
                 "Where to write the profile (classic form; - for stdout)");
  AddSettingsOptions(&app, &classic.settings);
  AddFormatOptions(&app, &classic);

  CLI::App* cmd = app.add_subcommand(
      "analyze",
      "Analyze a Go binary and write a seccomp profile (Docker/OCI JSON, or --format).");
  cmd->add_option("binary", sub.binaries,
                  "Go binaries to analyze (several, or -o ending in /: one profile each in "
                  "that directory, analysed on every core)")
      ->required();
  cmd->add_option("-o,--output", sub.output,
                  "Where to write the profile (- for stdout), or the directory (DIR/) for "
                  "several binaries")
      ->default_val("-");
  AddSettingsOptions(cmd, &sub.settings);
  AddFormatOptions(cmd, &sub);

  auto runner = [](AnalyzeFlags f) -> int {
    std::vector<std::string> lines;
    // systemd execs the program right after installing the filter: there is
    // no container runtime whose syscalls the profile would need.
    if (f.format == OutputFormat::kSystemd && !f.runtime_given) {
      f.settings.runtime = "none";
      lines.push_back("note: --format systemd: using --runtime none");
    }
    auto g = Generate(f.binary, f.settings);
    if (!g) return ReportError(g.error());
    const bool to_stdout = f.output == "-";
    if (!f.settings.quiet) {
      for (const std::string& l : SummaryLines(*g, f.settings)) lines.push_back(l);
      for (const std::string& l : lines) {
        std::fprintf(to_stdout ? stderr : stdout, "%s\n", l.c_str());
      }
    }
    if (StrictRefuses(f.settings, *g, "no profile written")) return 1;
    const std::string name =
        f.name.empty() ? profile::SpoObjectName(fs::path(f.binary).filename().string()) : f.name;
    auto rendered = RenderProfile(g->profile, f.format, name);
    if (!rendered) return ReportError(rendered.error().Wrap(f.binary));
    for (const std::string& note : rendered->notes) {
      std::fprintf(stderr, "go2seccomp: note: %s\n", note.c_str());
    }
    if (auto w = WriteFileAtomically(f.output, rendered->content); !w) {
      return ReportError(w.error());
    }
    if (!f.settings.quiet && !to_stdout) {
      std::printf("Saved seccomp profile at %s\n", f.output.c_str());
    }
    return 0;
  };
  cmd->callback([cmd, run, runner] {
    sub.runtime_given = cmd->count("--runtime") > 0;
    if (sub.binaries.size() > 1 || sub.output.ends_with('/')) {
      *run = [] {
        if (sub.output == "-") {
          std::fprintf(stderr, "go2seccomp: several binaries need -o DIR/\n");
          return 2;
        }
        return RunBatch(sub.binaries, sub.output, sub.settings, sub.format);
      };
      return;
    }
    sub.binary = sub.binaries.front();
    *run = [runner] { return runner(sub); };
  });
  app.callback([&app, run, runner] {
    if (!app.get_subcommands().empty()) return;
    classic.runtime_given = app.count("--runtime") > 0;
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
