// Forward data flow over one function: which values reach each syscall
// instruction's number register and each call to a known wrapper.
//
//   FlowConfig cfg = FlowConfigFor(Arch::kX86_64);
//   FunctionFlow flow = AnalyzeInstructions(insns, entry, end, cfg, env);
//   for (const SiteValue& s : flow.sites) ...   // s.nr: {Const 0x102} etc.
//
// The function's instructions come from a linear sweep of [entry, end) (Go
// does not put data in amd64 text; arm64 literal pools are skipped by the
// caller). Blocks are split at branch targets; the state (registers and
// entry-SP-relative stack slots, see value.h) is propagated to a fixpoint.
//
// Soundness rules, each a place where a cheaper rule would silently
// produce a wrong constant:
//  - a call clobbers every register but SP and the frame pointer (Go's
//    ABIInternal has no callee-saved argument registers, Go 1.17
//    cmd/compile/abi-internal.md), and the callee's argument area: an ABI0
//    callee may write results and even its arguments there;
//  - a stack address passed to a callee (a non-escaping &local) lets it
//    write into our frame: every slot at or above that address is dropped;
//  - a store through an unknown SP drops every slot (ANDQ $~15, SP ...);
//  - blocks reached only from an indirect jump (jump tables, Go >= 1.19)
//    start from the join of the states at the function's indirect jumps;
//    blocks with no known predecessor at all start from Top.
#ifndef GO2SECCOMP_ANALYSIS_FUNCTION_FLOW_H_
#define GO2SECCOMP_ANALYSIS_FUNCTION_FLOW_H_

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "go2seccomp/analysis/value.h"
#include "go2seccomp/base/arch.h"
#include "go2seccomp/disasm/instruction.h"

namespace go2seccomp::analysis {

inline constexpr int kMaxSyscallArgs = 6;
using ArgValues = std::array<Value, kMaxSyscallArgs>;

// What a function hands on to syscalls, in terms of its own entry state
// (analyzer.cc builds these; only with argument tracking, `--args`).
struct CallSummary {
  // When the function is a wrapper (its syscall number comes from its
  // argument): the arguments it passes with that number.
  ArgValues passthrough_args;
  // Syscalls with a constant number whose tracked arguments come from this
  // function's own arguments (syscall.Socket(domain, ...) makes socket with
  // its first argument): those are resolved at its callers.
  std::vector<std::pair<int, ArgValues>> fixed;
};

struct FlowConfig {
  Arch arch = Arch::kX86_64;
  disasm::Reg nr_reg = 0;     // syscall number register (AX, X8, R7)
  int call_push = 8;          // bytes a CALL pushes
  int first_arg_offset = 8;   // ABI0 first argument, from entry SP
  int ptr_size = 8;
  disasm::Reg frame_reg = 5;  // frame pointer, preserved across calls (BP, R29)
  // The assembler's scratch register (arm64 REGTMP = R27,
  // cmd/internal/obj/arm64): Go's assembler materialises a global's address
  // there only within one load/store expansion (ADRP; ADD; LDR), so an
  // address in it is not an escape. kNoReg where there is none.
  disasm::Reg asm_temp_reg = disasm::kNoReg;
  // Debugging aid: print every instruction with the number register, SP
  // and the slots after it to stderr (final pass only). Set by the analyzer
  // for the function named by $G2S_TRACE_FUNC.
  bool trace = false;
  // Record GlobalEffects (stores to constant addresses, constants that may
  // be addresses) for the read-only-global check.
  bool audit_globals = false;
  // Record the syscall arguments at each site (SiteValue::args), for
  // argument filters; the registers the kernel takes them in.
  bool track_args = false;
  std::array<disasm::Reg, kMaxSyscallArgs> arg_regs{};
};

FlowConfig FlowConfigFor(Arch arch);

// What the flow of one function needs to know about other functions.
class FlowEnv {
 public:
  virtual ~FlowEnv() = default;
  // The locations where the function entered at `target` takes a syscall
  // number, if it is a (known) wrapper; empty otherwise.
  virtual std::span<const EntryLoc> WrapperLocs(std::uint64_t target) const = 0;
  // Bytes of stack arguments+results of the function entered at `target`
  // (pclntab _func.args), if `target` is a function entry.
  virtual std::optional<std::uint32_t> ArgsSize(std::uint64_t target) const = 0;
  // How far SP is below its entry value at `pc`, as the compiler recorded
  // it (pclntab pcsp), if known. Used to drop fall-through edges after calls
  // that never return (runtime.panicIndex, runtime.throw): the code after
  // them belongs to another path, usually the morestack call that runs
  // with the entry SP.
  virtual std::optional<std::int64_t> SpDeltaAt(std::uint64_t /*pc*/) const {
    return std::nullopt;
  }
  // The registers (bit i = register i) a call to `target` may change, if
  // known. Go's ABIs preserve nothing but SP and the frame pointer, so Go
  // code answers nullopt (everything is clobbered); for C code this is what
  // the callee and its callees write, which matters because GCC's
  // interprocedural register allocation (-fipa-ra) keeps values in
  // call-clobbered registers across calls to functions that don't touch
  // them (glibc's ld.so does this with the futex number).
  virtual std::optional<std::uint64_t> CalleeClobbers(std::uint64_t /*target*/) const {
    return std::nullopt;
  }
  // False only for a function proven never to return (no RET, no indirect
  // or tail jump that could lead to one: __libc_fatal, abort): the code
  // after a call to it belongs to another path.
  virtual bool MayReturn(std::uint64_t /*target*/) const { return true; }
  // With argument tracking: what the function entered at `target` passes
  // on to syscalls; nullptr if nothing.
  virtual const CallSummary* ArgSummary(std::uint64_t /*target*/) const { return nullptr; }
};

struct SiteValue {
  enum class Kind : std::uint8_t {
    kSyscall,         // the arch's syscall instruction; nr = number register
    kWrapperCall,     // call/jump to a wrapper; nr = joined wrapper locations
    kForeignSyscall,  // INT $0x80 / SYSENTER in 64-bit code
    kBadTrap,         // SVC/SWI with a non-zero immediate
    kUndecodable,     // bytes inside the function that do not decode
    kMisalignedBranch,  // a branch into the middle of a decoded instruction
    kArgsCall,        // call to a function whose CallSummary::fixed makes
                      // syscall `nr` with arguments from this call
  };
  std::uint64_t pc = 0;
  Kind kind = Kind::kSyscall;
  std::uint64_t callee = 0;  // kWrapperCall, kArgsCall
  bool tail = false;         // kWrapperCall through a jump
  Value nr;
  ArgValues args;  // FlowConfig::track_args only; Top otherwise
};

// What a function does to memory at constant addresses, for deciding
// whether a global variable is ever written (analyzer.cc).
struct GlobalEffect {
  enum class Kind : std::uint8_t {
    kStore,    // a write to [addr, addr+size); size 0: from addr on
    kAddress,  // the constant addr appears in a register or is stored:
               // the address may be used to write through later
  };
  Kind kind;
  std::uint64_t pc;
  std::uint64_t addr;
  std::uint32_t size;
  // kStore: the value written (32-bit Linux sets internal/syscall/unix.
  // FcntlSyscall = SYS_FCNTL64 in an init function, fcntl_linux_32bit.go).
  Value value = Value::Top();
};

struct FunctionFlow {
  std::vector<SiteValue> sites;
  std::vector<GlobalEffect> global_effects;  // with FlowConfig::audit_globals
  int num_blocks = 0;
  bool hit_iteration_cap = false;
};

// `insns` must be sorted by address, cover [entry, end) without gaps except
// skipped literal data, and start at `entry`.
FunctionFlow AnalyzeInstructions(std::span<const disasm::Instruction> insns,
                                 std::uint64_t entry, std::uint64_t end,
                                 const FlowConfig& config, const FlowEnv& env);

}  // namespace go2seccomp::analysis

#endif  // GO2SECCOMP_ANALYSIS_FUNCTION_FLOW_H_
