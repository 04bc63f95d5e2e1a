// Finds every syscall a Go program can make, from its machine code.
//
//   G2S_ASSIGN_OR_RETURN(LoadedBinary bin, LoadedBinary::Open(path));  // loader.h
//   Report r = Analyze(bin.program(), {});
//   for (const auto& [nr, uses] : r.uses) ...                  // resolved
//   for (const Finding& f : r.findings) ...                     // not resolved
//
// How (DEVELOPERS.md "Facts you will need"):
//  1. A byte scan finds the functions that contain a syscall instruction
//     (SYSCALL, SVC #0, INT $0x80, SWI #0). Only those are decoded: a
//     function without the instruction's bytes cannot contain it.
//  2. Each is analysed by the data flow in function_flow.h. A site whose
//     number is a constant is resolved. A site whose number is the
//     function's own argument (a register under Go >= 1.17's ABIInternal, a
//     stack word under ABI0) makes the function a *wrapper* of that argument.
//  3. Direct calls and jumps to wrappers are found by a second byte scan
//     (rel32/rel8 and arm64 imm26/imm19/imm14 branches whose target is a
//     wrapper entry); their functions are analysed the same way, and may
//     become wrappers in turn (Go 1.19: syscall.Syscall -> RawSyscall6 ->
//     runtime/internal/syscall.Syscall6; x/sys/unix tail-jumps). Repeat to a
//     fixpoint.
//  4. Anything not resolved is a Finding with its function and file:line.
//     Known Go wrapper names are only a fallback (Options::name_rules).
#ifndef GO2SECCOMP_ANALYSIS_ANALYZER_H_
#define GO2SECCOMP_ANALYSIS_ANALYZER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "go2seccomp/analysis/program.h"
#include "go2seccomp/analysis/value.h"

namespace go2seccomp::analysis {

struct Options {
  // Use known Go function names where the data flow alone cannot decide
  // (see name_rules.cc). On by default; off to see the raw data flow.
  bool name_rules = true;
  // Worker threads for decoding and per-function analysis; 0 = hardware.
  int threads = 0;
  // Follow these syscall arguments (syscall number, argument index) from
  // their sites through the functions that pass them on, for argument
  // filters (`--args`). Empty: no argument tracking (the default, cheaper).
  std::set<std::pair<int, int>> tracked_args;
};

// The values one tracked syscall argument can take over all the sites that
// make the syscall; nullopt when some site passes something not constant.
using ArgValueSet = std::optional<std::set<std::uint64_t>>;

// How a syscall number was established.
enum class Resolution : std::uint8_t {
  kConstantAtSyscall,   // MOVL $n, AX; SYSCALL in the same function
  kConstantToWrapper,   // a constant passed to a wrapper (any depth)
  kVdsoFallback,        // the vDSO function the Go runtime calls may fall
                        // back to the real syscall
};

struct SyscallUse {
  std::uint64_t pc = 0;       // the SYSCALL, or the call to the wrapper
  std::uint32_t func = 0;     // index into Program::funcs (kVdsoFallback: unused)
  Resolution how = Resolution::kConstantAtSyscall;
  std::uint32_t callee = 0;   // wrapper function index (kConstantToWrapper)
  std::string detail;         // kVdsoFallback: the vDSO symbol
};

struct Finding {
  enum class Kind : std::uint8_t {
    kUnresolvedNumber,     // the number is not a constant we can see
    kUnknownNumber,        // a constant that is not a syscall of this arch
    kForeignSyscall,       // INT $0x80 / SYSENTER in x86-64 code
    kBadTrap,              // SVC/SWI with a non-zero immediate
    kWrapperAddressTaken,  // a wrapper used as a function value
    kOutsideGoFunctions,   // a syscall instruction outside pclntab's functions
    kUndecodable,          // syscall bytes inside code we could not decode
  };
  Kind kind;
  std::uint64_t pc = 0;
  std::optional<std::uint32_t> func;
  std::string detail;
};

const char* FindingKindName(Finding::Kind kind);

// Where a wrapper hands its number on: a syscall instruction in it, or a
// call/jump to another wrapper. Following these from a SyscallUse's callee
// gives the wrapper chain (`explain`).
struct WrapperEdge {
  std::uint64_t pc = 0;
  bool raw = false;            // the syscall instruction itself
  std::uint32_t callee = 0;    // next wrapper (when !raw)
};

struct WrapperInfo {
  std::uint32_t func = 0;
  std::vector<EntryLoc> locs;
  bool from_name_rule = false;
  std::vector<WrapperEdge> edges;
};

struct Stats {
  std::size_t functions = 0;           // in pclntab
  std::size_t functions_analyzed = 0;  // decoded + data flow
  std::size_t instructions = 0;        // decoded
  std::size_t syscall_sites = 0;
  std::size_t wrapper_call_sites = 0;
  int rounds = 0;
  // Wall time of the phases (for --stats and bench/): the byte index of
  // the code, the wrapper fixpoint (decode + data flow), and the rest
  // (read-only globals, findings).
  double index_ms = 0, fixpoint_ms = 0, finalize_ms = 0;
};

struct Report {
  Arch arch = Arch::kX86_64;
  std::map<int, std::vector<SyscallUse>> uses;  // syscall number -> uses
  std::vector<Finding> findings;
  std::vector<WrapperInfo> wrappers;
  // With Options::tracked_args: for each tracked (syscall, index) that the
  // program uses, the constants every site passes (see ArgValueSet).
  std::map<std::pair<int, int>, ArgValueSet> arg_values;
  Stats stats;

  std::set<int> Numbers() const;
};

Report Analyze(const Program& program, const Options& options);

}  // namespace go2seccomp::analysis

#endif  // GO2SECCOMP_ANALYSIS_ANALYZER_H_
