// go2seccomp: seccomp profiles from Go binaries, and running programs under
// them. Every subcommand lives in its own file (commands.h); this file only
// assembles the CLI, runs the chosen command and turns errors into exit
// codes (the one place an Error becomes text).
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "tools/go2seccomp/commands.h"
#include "tools/go2seccomp/version.h"

namespace go2seccomp::cli {

int ReportError(const Error& error) {
  std::fprintf(stderr, "go2seccomp: %s\n", error.message.c_str());
  return ExitCodeFor(error.code);
}

}  // namespace go2seccomp::cli

namespace {

// Where the analysis's time goes on a VM is page faults: the flow analysis
// and the code index allocate and free a few MB per binary, and glibc's
// defaults give each large vector fresh mmap(2)ed pages (the dynamic mmap
// threshold, mallopt(3)) and hand freed heap back (M_TRIM_THRESHOLD), so
// the states of each function analysed fault in again, one 4 KB page at a
// time (cmd/go: ~2000 faults, a third of the run on a paravirtualised
// guest). So: one arena, large blocks from the heap, the heap kept and
// grown in 64 MB steps, and that range advised for transparent huge pages
// (what glibc's glibc.malloc.hugetlb=1 tunable does, which only the
// environment can set): one fault per 2 MB where the kernel allows THP
// ("madvise" or "always" in /sys/kernel/mm/transparent_hugepage/enabled);
// untouched parts stay unbacked. Exec'ed programs are not affected.
void TuneMalloc() {
  // One malloc arena for all threads: the analysis threads' short-lived
  // vectors otherwise leave each thread a partly used heap of its own,
  // ~10% of the peak (peak RSS: Debian's go 26 -> 24 MB, dockerd 127 -> 116
  // MB), for no measurable speed.
  mallopt(M_ARENA_MAX, 1);
  constexpr int kMiB = 1 << 20;
  mallopt(M_MMAP_THRESHOLD, 32 * kMiB);  // glibc's maximum on 64-bit
  mallopt(M_TRIM_THRESHOLD, 1024 * kMiB);
  mallopt(M_TOP_PAD, 64 * kMiB);
  // Grow the heap now (by the request plus M_TOP_PAD) and advise that range.
  char* const before = static_cast<char*>(sbrk(0));
  // (volatile: a malloc the compiler sees freed unused may be elided.)
  void* volatile grow = std::malloc(kMiB);
  char* const after = static_cast<char*>(sbrk(0));
  const auto head = reinterpret_cast<std::uintptr_t>(grow);
  std::free(grow);
  constexpr std::uintptr_t kHuge = 2 * kMiB;
  // The heap above `grow` has been written (the top chunk's header), and a
  // 2 MB range with a 4 KB page in it cannot get a huge page on fault.
  const auto lo = (head + kMiB + 64 + kHuge - 1) & ~(kHuge - 1);
  const auto hi = reinterpret_cast<std::uintptr_t>(after) & ~(kHuge - 1);
  if (before == reinterpret_cast<char*>(-1) || head == 0 || hi <= lo + kHuge) return;
  if (madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE) != 0) return;
  // Only whole aligned 2 MB pages can be huge: the heap's unaligned head
  // (from where `grow` began up to lo) is held by one block that is never
  // touched (so never backed), and later allocations start at lo.
  if (lo > head + 4096) {
    [[maybe_unused]] static void* volatile hold = nullptr;
    hold = std::malloc(lo - head - 64);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace go2seccomp;
  TuneMalloc();
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
