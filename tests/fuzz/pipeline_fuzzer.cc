// Fuzzes the whole analysis on hostile binaries: analysis::LoadedBinary::
// FromBytes (ELF, pclntab, build info, code and data regions) then
// analysis::Analyze, which runs the x86-64/arm64 decoders over the
// functions and the data flow, wrapper fixpoint and global resolution on
// what they produce, then renders the findings. Seeds:
// tests/testdata/corpus/pipeline, tiny hand-made Go-shaped ELFs (a few
// functions with syscall sites, a wrapper and a pclntab); the replay test
// adds the Go fixtures. One thread, so a run is deterministic.
#include <cstddef>
#include <cstdint>
#include <string>

#include "go2seccomp/analysis/analyzer.h"
#include "go2seccomp/analysis/loader.h"
#include "go2seccomp/analysis/report.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  namespace analysis = go2seccomp::analysis;
  auto bin = analysis::LoadedBinary::FromBytes(go2seccomp::Bytes(data, size),
                                               "fuzz-input");
  if (!bin) return 0;
  (void)bin->GoVersionString();
  analysis::Options options;
  options.threads = 1;
  const analysis::Report report = analysis::Analyze(bin->program(), options);
  (void)analysis::SyscallNames(report);
  for (const analysis::Finding& f : report.findings) {
    (void)analysis::FormatFinding(f, bin->program());
  }
  return 0;
}
