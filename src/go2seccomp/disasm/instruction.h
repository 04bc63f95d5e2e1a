// Our small instruction IR: what the syscall analysis needs to know about one
// machine instruction, independent of the architecture and of the decoder
// library behind it (Zydis for x86-64; an own A64 decoder with Capstone as
// validity oracle for arm64).
//
// An Instruction is its control flow (Flow + branch target) plus up to
// kMaxOps micro-operations describing its effect on registers and memory,
// executed in order:
//
//   MOVL $0x102, AX    -> flow kNext, ops: [Move(AX:4 <- imm 0x102)]
//   MOVQ AX, 0x8(SP)   -> ops: [Move(mem[SP+8]:8 <- AX:8)]
//   PUSHQ BP           -> ops: [AddImm(SP <- SP + -8),
//                               Move(mem[SP+0]:8 <- BP)]
//   STP (R29, R30), -16(RSP)! (pre-index)
//                      -> ops: [AddImm(SP <- SP + -16), Move(mem[SP+0] <- R29),
//                               Move(mem[SP+8] <- R30)]
//   SYSCALL            -> flow kSyscall,
//                         ops: [Clobber(AX), Clobber(CX), Clobber(R11)]
//   CALL runtime.foo   -> flow kCall, target; no ops (the analysis models
//                         the return-address push and the clobbers)
//   anything else      -> Clobber of every register/memory it writes
//
// The contract that keeps the analysis sound: every register or memory
// location an instruction may write appears in `ops` (as a precise Move /
// AddImm / MoveMaybe, or as a Clobber), except for the effects of
// call/jump/return flows, which the analysis models itself. If a decoder
// cannot list them all it sets clobbers_all_registers.
#ifndef GO2SECCOMP_DISASM_INSTRUCTION_H_
#define GO2SECCOMP_DISASM_INSTRUCTION_H_

#include <array>
#include <cstdint>
#include <string>

namespace go2seccomp::disasm {

// Registers in one arch-neutral index space.
//   x86-64: general registers by encoding number (AX=0 CX=1 DX=2 BX=3 BP=5
//           SI=6 DI=7 R8..R15 = 8..15); RSP is kSp, never 4.
//   arm64:  X0..X30 = 0..30 (W registers map to the same index, size 4);
//           SP is kSp, XZR/WZR is kZero.
//   i386/arm (32-bit) use the same scheme with their own numbering.
using Reg = std::uint8_t;
inline constexpr Reg kNoReg = 0xff;
inline constexpr Reg kSp = 32;    // the stack pointer
inline constexpr Reg kZero = 33;  // reads as 0, writes discarded (arm64 XZR)
inline constexpr Reg kPc = 34;    // pc-relative addressing base
inline constexpr Reg kNumTrackedRegs = 35;

struct MemRef {
  // kPc for rip/pc-relative; disp is then the absolute address.
  Reg base = kNoReg;
  Reg index = kNoReg;
  std::uint8_t scale = 1;
  std::int64_t disp = 0;
  // The address has a part the IR cannot name, so it is unknown: an FS/GS
  // segment base (x86-64 TLS, e.g. Go's `MOVQ FS:-8, R14` that loads g) or a
  // 32-bit address-size register. base/index/disp are then informative only;
  // a write through it may go anywhere, a read gives an unknown value.
  bool opaque_base = false;
  bool operator==(const MemRef&) const = default;
};

struct Operand {
  enum class Kind : std::uint8_t { kNone, kReg, kImm, kMem };
  Kind kind = Kind::kNone;
  // Bytes accessed: 1, 2, 4, 8 (16+ for vectors). A memory operand of size 0
  // has an extent the IR does not know (x86 REP STOS/MOVS write RCX
  // elements; XSAVE/FXSAVE areas); treat it as "from this address onwards".
  std::uint8_t size = 0;
  Reg reg = kNoReg;      // kReg
  std::int64_t imm = 0;  // kImm (already sign/zero-extended to the dst size)
  MemRef mem;            // kMem

  static Operand Register(Reg r, std::uint8_t size) {
    Operand o;
    o.kind = Kind::kReg;
    o.reg = r;
    o.size = size;
    return o;
  }
  static Operand Immediate(std::int64_t v, std::uint8_t size) {
    Operand o;
    o.kind = Kind::kImm;
    o.imm = v;
    o.size = size;
    return o;
  }
  static Operand Memory(MemRef m, std::uint8_t size) {
    Operand o;
    o.kind = Kind::kMem;
    o.mem = m;
    o.size = size;
    return o;
  }
  bool operator==(const Operand&) const = default;
};

enum class OpKind : std::uint8_t {
  // dst <- src. dst is a register or memory; src a register, immediate or
  // memory. A 4-byte register destination zero-extends (x86-64 32-bit ops,
  // arm64 W registers); a 1- or 2-byte register destination merges with the
  // old value (the analysis treats that as unknown).
  kMove,
  // dst <- src | dst: the destination may or may not take src's value
  // (CMOVcc; one half of CSEL). The analysis joins both.
  kMoveMaybe,
  // dst(reg) <- src(reg) + imm (ADD/SUB with an immediate, LEA base+disp,
  // SP adjustment by PUSH/POP/pre-/post-index writeback).
  kAddImm,
  // dst (register or memory) gets a value the IR does not describe.
  kClobber,
  // dst(reg) <- src(reg) | imm (OR with an immediate: Go's runtime.clone
  // adds CLONE_SETTLS to its flags argument this way).
  kOrImm,
};

struct MicroOp {
  OpKind kind = OpKind::kClobber;
  Operand dst;
  Operand src;
  std::int64_t imm = 0;  // kAddImm, kOrImm
  bool operator==(const MicroOp&) const = default;
};

enum class Flow : std::uint8_t {
  kNext,            // falls through to the next instruction
  kJump,            // unconditional direct jump to `target`
  kCondJump,        // direct jump to `target` or fall through
  kIndirectJump,    // jump through a register/memory (jump tables, tail calls)
  kCall,            // direct call to `target`, returns to the next instruction
  kIndirectCall,    // call through a register/memory
  kReturn,          // RET
  kSyscall,         // the arch's system call instruction: SYSCALL (x86-64),
                    // SVC #0 (arm64), INT $0x80 (i386), SWI/SVC #0 (arm)
  kForeignSyscall,  // a system call entry of another ABI: INT $0x80 or
                    // SYSENTER in x86-64 code reach the i386 table; the
                    // numbers differ, so it is reported, never resolved
                    // against the native table
  kHalt,            // never falls through: UD2, HLT, INT3, BRK, UDF
  kInvalid,         // bytes that do not decode
};

struct Instruction {
  static constexpr int kMaxOps = 6;

  std::uint64_t address = 0;
  // Bytes; never 0 once decoded (kInvalid: 1 on x86, 4 on arm64).
  std::uint8_t length = 0;
  Flow flow = Flow::kNext;
  std::uint64_t target = 0;  // kJump, kCondJump, kCall
  // SVC/SWI immediate or INT vector, for kSyscall / kForeignSyscall.
  std::uint32_t trap_imm = 0;
  // Address of data this instruction reads pc-relatively (arm64 LDR
  // literal); 0 if none. Lets the linear sweep skip literal pools.
  std::uint64_t literal_address = 0;
  std::uint8_t literal_size = 0;
  // Set when the instruction writes more state than `ops` can list.
  bool clobbers_all_registers = false;
  std::uint8_t num_ops = 0;
  std::array<MicroOp, kMaxOps> ops{};

  // Back to a fresh kNext instruction at `addr` with no ops. The op slots
  // past num_ops are left as they are (never read): not rewriting the
  // ~500-byte array keeps a decoder's hot loop cheap.
  void Reset(std::uint64_t addr) {
    address = addr;
    length = 0;
    flow = Flow::kNext;
    target = 0;
    trap_imm = 0;
    literal_address = 0;
    literal_size = 0;
    clobbers_all_registers = false;
    num_ops = 0;
  }

  // Appends an op; on overflow sets clobbers_all_registers instead.
  void AddOp(const MicroOp& op) {
    if (num_ops < kMaxOps) {
      ops[num_ops++] = op;
    } else {
      clobbers_all_registers = true;
    }
  }
  void AddMove(const Operand& dst, const Operand& src) {
    AddOp(MicroOp{OpKind::kMove, dst, src, 0});
  }
  void AddMoveMaybe(const Operand& dst, const Operand& src) {
    AddOp(MicroOp{OpKind::kMoveMaybe, dst, src, 0});
  }
  void AddAddImm(Reg dst, Reg src, std::int64_t imm, std::uint8_t size = 8) {
    AddOp(MicroOp{OpKind::kAddImm, Operand::Register(dst, size),
                  Operand::Register(src, size), imm});
  }
  void AddOrImm(Reg dst, Reg src, std::int64_t imm, std::uint8_t size = 8) {
    AddOp(MicroOp{OpKind::kOrImm, Operand::Register(dst, size),
                  Operand::Register(src, size), imm});
  }
  void AddClobber(const Operand& dst) {
    AddOp(MicroOp{OpKind::kClobber, dst, Operand{}, 0});
  }
};

// One-line rendering used by the decoder table tests and debug output, e.g.
// "mov r0:4 <- #0x102", "add sp <- sp + -0x18", "call 0x401000" or
// "syscall; clobber r0:8 r1:8 r11:8". Stable: tests compare it verbatim.
// Registers print arch-neutrally as r<n>:<size>, sp, zero, pc (with ":4"
// for a 4-byte sp/zero); memory as [base+index*scale+disp]:size, with the
// absolute address for pc-relative ([0x4c1000]:8) and a leading "?" when
// opaque_base is set ([?-0x8]:8); immediates as #0x102 / #-0x8. The flow
// comes first when it is not kNext ("jcc 0x4011b9", "call*",
// "foreign-syscall #0x80"), consecutive clobbers share one "clobber"; an
// instruction without ops and flow prints "nop".
std::string ToString(const Instruction& insn);
std::string ToString(const Operand& op);
const char* FlowName(Flow flow);

}  // namespace go2seccomp::disasm

#endif  // GO2SECCOMP_DISASM_INSTRUCTION_H_
