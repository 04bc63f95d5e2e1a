// `go2seccomp analyze A B C ... -o DIR/`: one profile per binary, the
// binaries analysed on every core at once (one per worker; each analysis
// is the same as `analyze A -o DIR/A.json`), the library cache shared on
// disk, so ld.so and libc are analysed at most once per batch and machine.
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "go2seccomp/base/file_io.h"
#include "go2seccomp/base/parallel.h"
#include "go2seccomp/profile/renderers.h"
#include "tools/go2seccomp/commands.h"
#include "tools/go2seccomp/heap.h"

namespace go2seccomp::cli {
namespace {

namespace fs = std::filesystem;
using RenderedOutput = generate::RenderedProfile;

// DIR/<file name><ext>; a file name seen before gets -2, -3, ... so two
// binaries called `go` (from two Go releases) do not overwrite each other.
std::vector<std::string> OutputPaths(const std::vector<std::string>& binaries,
                                     const std::string& dir, OutputFormat f) {
  std::map<std::string, int> seen;
  std::vector<std::string> out;
  for (const std::string& b : binaries) {
    const std::string name = fs::path(b).filename().string();
    const int n = ++seen[name];
    out.push_back(
        (fs::path(dir) / (n == 1 ? name : fmt::format("{}-{}", name, n)))
            .string() +
        std::string(generate::FileExtension(f)));
  }
  return out;
}

}  // namespace

int RunBatch(const std::vector<std::string>& binaries, const std::string& dir,
             const AnalyzeSettings& settings, OutputFormat format) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    return ReportError(Error{
        ErrorCode::kIo, fmt::format("{}: cannot create output directory: {}",
                                    dir, ec.message())});
  }
  const std::vector<std::string> outputs = OutputPaths(binaries, dir, format);
  // (The largest binary decides: the range only grows.)
  for (const std::string& b : binaries) AdviseHugePagesForFile(b);
  std::mutex print_mu;
  std::atomic<int> failed{0};
  const auto start = std::chrono::steady_clock::now();
  ParallelFor(
      binaries.size(), HardwareThreads(),
      [&](std::size_t i, int) {
        Result<generate::Generated> g = MakeGenerator(binaries[i], settings).Run();
        Result<RenderedOutput> rendered = RenderedOutput{};
        if (g) {
          const std::string name =
              profile::SpoObjectName(fs::path(binaries[i]).filename().string());
          auto r = RenderProfile(g->profile, format, name);
          rendered = r ? Result<RenderedOutput>(std::move(*r))
                       : Unexpected(r.error().Wrap(binaries[i]));
        }
        const std::lock_guard<std::mutex> lock(print_mu);
        if (!g) {
          ReportError(g.error());
          ++failed;
          std::fflush(stdout);
          return;
        }
        PrintFindings(*g);
        if (!settings.quiet) {
          for (const std::string& l : SummaryLines(*g, settings)) std::printf("%s\n", l.c_str());
        }
        bool saved = false;
        if (StrictRefuses(settings, *g, fmt::format("no profile written for {}", binaries[i]))) {
          // StrictRefuses said why.
        } else if (!rendered) {
          ReportError(rendered.error());
        } else if (auto w = WriteFileAtomically(outputs[i], rendered->content); !w) {
          ReportError(w.error());
        } else {
          saved = true;
        }
        if (!saved) {
          ++failed;
        } else if (!settings.quiet) {
          std::printf("Saved seccomp profile at %s\n", outputs[i].c_str());
        }
        std::fflush(stdout);
      },
      /*serial_below=*/2);
  const double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (!settings.quiet || settings.stats) {
    std::printf(
        "%zu binaries (%d failed) in %.2f s on %d threads: %.1f binaries/s\n",
        binaries.size(), failed.load(), s, HardwareThreads(),
        static_cast<double>(binaries.size()) / (s > 0 ? s : 1e-9));
  }
  return failed > 0 ? 1 : 0;
}

}  // namespace go2seccomp::cli
