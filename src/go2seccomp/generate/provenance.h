// Why each syscall is in a profile go2seccomp builds: the pieces
// Generated (generator.h) keeps next to the profile, and the words for them.
//
//   for (const SiteRef& s : g.UsesOf("mkdirat")) {      // sites in the code
//     std::string why = DescribeUse(g.binaries[s.binary], *s.use, nr);
//   }
//   for (const NameSource& s : g.SourcesOf("execve")) ...  // preset, group
#ifndef GO2SECCOMP_GENERATE_PROVENANCE_H_
#define GO2SECCOMP_GENERATE_PROVENANCE_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "go2seccomp/analysis/analyzer.h"
#include "go2seccomp/analysis/loader.h"
#include "go2seccomp/base/error.h"
#include "go2seccomp/profile/profile.h"

namespace go2seccomp::generate {

// One analysed input: the binary, or one of --with.
struct AnalyzedBinary {
  std::string path;
  analysis::LoadedBinary bin;
  analysis::Report report;
};

// A reason for a name that is not a site in Go code.
struct NameSource {
  enum class Kind : std::uint8_t {
    kAlwaysAllowed,  // profile::AlwaysAllowed()
    kRuntimePreset,  // profile::RuntimePreset() of --runtime
    kLoaderGroup,    // profile::DynamicLoader*() for a binary with PT_INTERP
    kNativeCode,     // a C function of ld.so or a DT_NEEDED library
                     // (analysis/native.h)
  };
  Kind kind = Kind::kAlwaysAllowed;
  std::string origin;  // "always-allowed", "runtime preset docker",
                       // "dynamic-loader-startup"
  std::string reason;  // the group member's or preset entry's reason
  std::string binary;  // kLoaderGroup: the binary that has the interpreter
};

std::string_view NameSourceKindName(
    NameSource::Kind kind);  // "always-allowed", ...

// A use of a syscall in one of the binaries.
struct SiteRef {
  std::size_t binary = 0;  // index into Generated::binaries
  const analysis::SyscallUse* use = nullptr;
};

// One hop of a wrapper chain: a wrapper function the number is handed to, or
// the syscall instruction that finally uses it.
struct ChainHop {
  std::uint64_t pc =
      0;  // where the hop is entered (call site, or the syscall instruction)
  bool raw = false;        // the syscall instruction
  std::uint32_t func = 0;  // the wrapper (when !raw)
  // A wrapper known by name (analysis/name_rules.h): the number travels on
  // through runtime state the data flow does not follow.
  bool by_name_rule = false;
};

// The paths from the wrapper `callee` (called at `pc`) to syscall
// instructions, following WrapperInfo.edges; at most `max_paths`.
std::vector<std::vector<ChainHop>> WrapperChains(const analysis::Report& report,
                                                 std::uint32_t callee,
                                                 std::uint64_t pc,
                                                 std::size_t max_paths = 8);

// "syscall.Syscall -> syscall.RawSyscall6 -> runtime/internal/syscall.Syscall6
// -> SYSCALL at 0x4026e0"
std::string FormatChain(const std::vector<ChainHop>& chain,
                        const analysis::Program& program);

// "syscall.Mkdirat (/usr/lib/go-1.19/src/syscall/zsyscall_linux_amd64.go:80)
// at 0x47b24f: constant 0x102 passed to syscall.Syscall -> ... -> SYSCALL at
// 0x4026e0"; vDSO fallbacks have no site and say so.
std::string DescribeUse(const AnalyzedBinary& binary,
                        const analysis::SyscallUse& use, int nr);

// "constant-at-syscall", "constant-to-wrapper", "vdso-fallback".
std::string_view ResolutionName(analysis::Resolution how);

}  // namespace go2seccomp::generate

#endif  // GO2SECCOMP_GENERATE_PROVENANCE_H_
