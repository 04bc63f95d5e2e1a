// go2seccomp: seccomp profiles from Go binaries, and running programs under
// them. Every subcommand lives in its own file (commands.h); this file only
// assembles the CLI, runs the chosen command and turns errors into exit
// codes (the one place an Error becomes text).
#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "tools/go2seccomp/commands.h"
#include "tools/go2seccomp/heap.h"
#include "tools/go2seccomp/version.h"

namespace go2seccomp::cli {

int ReportError(const Error& error) {
  std::fprintf(stderr, "go2seccomp: %s\n", error.message.c_str());
  return ExitCodeFor(error.code);
}

}  // namespace go2seccomp::cli

int main(int argc, char** argv) {
  using namespace go2seccomp;
  cli::TuneHeap();
  CLI::App app{
      "go2seccomp: seccomp profiles that allow exactly the syscalls a Go "
      "binary can make, and a launcher that applies them.\n\n"
      "  go2seccomp BINARY PROFILE.json       analyze BINARY, write a Docker/OCI profile\n"
      "  go2seccomp explain BINARY [SYSCALL]  why each syscall is in the profile\n"
      "  go2seccomp diff OLD NEW              what NEW allows that OLD does not\n"
      "  go2seccomp image oci:DIR:TAG -o P    a profile for a container image\n"
      "  go2seccomp exec --profile P -- PROG  run PROG under a profile\n"
      "  go2seccomp trace -o T.json -- PROG   record the syscalls PROG makes\n"
      "  go2seccomp compare --static S.json --observed T.json\n",
      "go2seccomp"};
  app.set_version_flag("--version", std::string(kVersionString));
  app.require_subcommand(0, 1);
  cli::Runner runner;
  cli::AddAnalyzeCommand(app, &runner);
  cli::AddExecCommand(app, &runner);
  cli::AddTraceCommand(app, &runner);
  cli::AddMergeCommand(app, &runner);
  cli::AddCompareCommand(app, &runner);
  cli::AddExplainCommand(app, &runner);
  cli::AddDiffCommand(app, &runner);
  cli::AddImageCommand(app, &runner);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // app.exit prints the message (or --help/--version, code 0); CLI11's own
    // codes (105 validation, 106 required, ...) would collide with exec's
    // 125-127 range, so every usage error is 2 as README "Exit codes" says.
    return app.exit(e) == 0 ? 0 : ExitCodeFor(ErrorCode::kInvalidArgument);
  }
  if (!runner) {
    std::fputs(app.help().c_str(), stderr);
    return 2;
  }
  return runner();
}
