#include "go2seccomp/disasm/arm.h"

#include <bit>
#include <cstdint>
#include <memory>

#include "go2seccomp/disasm/capstone_oracle.h"

// Section references are to the ARM Architecture Reference Manual, ARMv7-A
// and ARMv7-R edition (DDI 0406C), chapter A5 "ARM Instruction Set
// Encoding", and A8 for the individual instructions.
namespace go2seccomp::disasm {
namespace {

constexpr std::uint32_t Bits(std::uint32_t w, int hi, int lo) {
  return (w >> lo) & ((std::uint32_t{1} << (hi - lo + 1)) - 1);
}
constexpr bool Bit(std::uint32_t w, int b) { return ((w >> b) & 1) != 0; }

constexpr std::uint32_t kCondAlways = 0xe;
constexpr std::uint32_t kCondUnconditional = 0xf;
constexpr std::uint32_t kSpNum = 13;
constexpr std::uint32_t kLrNum = 14;
constexpr std::uint32_t kPcNum = 15;

// R13 is the stack pointer; R15 must be handled by the caller.
constexpr Reg ArmReg(std::uint32_t n) {
  return n == kSpNum ? kSp : static_cast<Reg>(n);
}
Operand RegOp(std::uint32_t n) { return Operand::Register(ArmReg(n), 4); }
Operand MemOp(std::uint32_t base, std::int64_t disp, std::uint8_t size) {
  return Operand::Memory(MemRef{ArmReg(base), kNoReg, 1, disp, false}, size);
}
Operand Imm(std::uint32_t v) { return Operand::Immediate(v, 4); }
// Memory the IR cannot locate: "somewhere, unknown extent". Only for
// addresses that cannot be in the stack frame (the text, via PC).
Operand AnyMemory() {
  MemRef m;
  m.opaque_base = true;
  return Operand::Memory(m, 0);
}
// A store near register `base` at an offset the IR cannot state (a
// subtracted or rotated register offset): everything from base - 2^31 on.
// Not opaque: the analysis must see the base to know the store may hit
// the frame (it ignores stores through an opaque address).
Operand AroundBase(std::uint32_t base) {
  return Operand::Memory(
      MemRef{ArmReg(base), kNoReg, 1, -std::int64_t{0x80000000}, false}, 0);
}

// Reading R15 gives the instruction's address + 8 (A2.3 "ARM core
// registers").
std::uint32_t PcValue(std::uint64_t pc) {
  return static_cast<std::uint32_t>(pc + 8);
}

// Register writes; a write of PC is control flow and handled by callers.
void Clobber(std::uint32_t n, Instruction* out) {
  if (n != kPcNum) out->AddClobber(RegOp(n));
}

// A value read from register n as a source operand.
Operand Source(std::uint32_t n, std::uint64_t pc) {
  return n == kPcNum ? Imm(PcValue(pc)) : RegOp(n);
}

// ARMExpandImm (A5.2.4): an 8-bit value rotated right by twice the 4-bit
// rotation field.
std::uint32_t ExpandImm(std::uint32_t imm12) {
  return std::rotr(Bits(imm12, 7, 0), static_cast<int>(2 * Bits(imm12, 11, 8)));
}

// The flow of an instruction that writes PC with a value from register
// `src` (MOV PC, Rm; ADD PC, Rn, #0; BX Rm): from LR it is a return.
Flow PcWriteFrom(std::uint32_t src) {
  return src == kLrNum ? Flow::kReturn : Flow::kIndirectJump;
}

// --- Data processing and miscellaneous (A5.2) -------------------------

// A5.2.3 (immediate) and the 16-bit immediate moves (A8.8.102 MOVW,
// A8.8.106 MOVT) and hints/MSR immediate (A5.2.11).
void DecodeDataImm(std::uint32_t w, std::uint64_t pc, Instruction* out) {
  const std::uint32_t rd = Bits(w, 15, 12);
  const std::uint32_t rn = Bits(w, 19, 16);
  if ((w & 0x0fb00000) == 0x03000000) {  // MOVW (Bit 22 = 0), MOVT (= 1)
    if (rd == kPcNum) {
      out->flow = Flow::kIndirectJump;  // UNPREDICTABLE
    } else if (Bit(w, 22)) {
      Clobber(rd, out);  // MOVT keeps the low half: not a value we state
    } else {
      out->AddMove(RegOp(rd), Imm((Bits(w, 19, 16) << 12) | Bits(w, 11, 0)));
    }
    return;
  }
  if ((w & 0x0fb00000) == 0x03200000) return;  // MSR (imm), NOP, YIELD, ...
  const std::uint32_t opcode = Bits(w, 24, 21);
  const std::uint32_t value = ExpandImm(Bits(w, 11, 0));
  if (opcode >= 0x8 && opcode <= 0xb) return;  // TST, TEQ, CMP, CMN
  if (rd == kPcNum) {
    // ADD PC, LR, #0 is Go's RET in a frameless leaf (cmd/internal/obj/arm
    // obj5.go: RET -> B (R14), assembled as ADD $0, R14, R15).
    const bool lr0 = (opcode == 0x4 || opcode == 0x2) && value == 0;
    out->flow = lr0 ? PcWriteFrom(rn) : Flow::kIndirectJump;
    return;
  }
  switch (opcode) {
    case 0xd:  // MOV
      out->AddMove(RegOp(rd), Imm(value));
      return;
    case 0xf:  // MVN
      out->AddMove(RegOp(rd), Imm(~value));
      return;
    case 0x4:  // ADD; from PC it is ADR (A8.8.12): Align(PC, 4) + imm
    case 0x2:  // SUB
      if (rn == kPcNum) {
        const std::uint32_t base = PcValue(pc) & ~3u;
        out->AddMove(RegOp(rd),
                     Imm(opcode == 0x4 ? base + value : base - value));
      } else {
        const std::int64_t imm =
            opcode == 0x4 ? std::int64_t{value} : -std::int64_t{value};
        out->AddAddImm(ArmReg(rd), ArmReg(rn), imm, 4);
      }
      return;
    default:
      Clobber(rd, out);
      return;
  }
}

// A5.2.1 data-processing (register) and (register-shifted register).
void DecodeDataReg(std::uint32_t w, std::uint64_t pc, Instruction* out) {
  const std::uint32_t opcode = Bits(w, 24, 21);
  const std::uint32_t rd = Bits(w, 15, 12);
  const std::uint32_t rm = Bits(w, 3, 0);
  if (opcode >= 0x8 && opcode <= 0xb) return;  // TST, TEQ, CMP, CMN
  // MOV Rd, Rm: opcode 1101, no shift (imm5 = 0, type = LSL, bit 4 = 0).
  const bool plain_mov = opcode == 0xd && Bits(w, 11, 4) == 0;
  if (rd == kPcNum) {
    out->flow = plain_mov ? PcWriteFrom(rm) : Flow::kIndirectJump;
    return;
  }
  // AND/ORR/MOV Rd, Rd(, Rd) change nothing: these are the assemblers'
  // NOPs (0x00000000 = ANDEQ R0, R0, R0 pads after Go's calls that never
  // return; MOV R0, R0 is the classic ARM NOP).
  const std::uint32_t rn = Bits(w, 19, 16);
  const bool identity =
      Bits(w, 11, 4) == 0 && rd == rm &&
      (plain_mov || ((opcode == 0x0 || opcode == 0xc) && rn == rd));
  if (identity) return;
  if (plain_mov) {
    out->AddMove(RegOp(rd), Source(rm, pc));
  } else {
    Clobber(rd, out);
  }
}

// A5.2.12 miscellaneous instructions (op1 = 10xx0, op2 = 0xxx).
void DecodeMisc(std::uint32_t w, Instruction* out) {
  const std::uint32_t op = Bits(w, 22, 21);
  const std::uint32_t rd = Bits(w, 15, 12);
  const std::uint32_t rm = Bits(w, 3, 0);
  switch (Bits(w, 6, 4)) {
    case 0:  // MRS writes Rd; MSR (register) only APSR flags at PL0
      if ((op & 1) == 0) Clobber(rd, out);
      return;
    case 1:
      if (op == 1) {  // BX Rm
        out->flow = PcWriteFrom(rm);
      } else if (op == 3) {  // CLZ
        Clobber(rd, out);
      }
      return;
    case 2:  // BXJ: a jump (Jazelle is never entered on Linux)
      out->flow = Flow::kIndirectJump;
      return;
    case 3:  // BLX (register)
      out->flow = Flow::kIndirectCall;
      return;
    case 5:  // QADD, QSUB, QDADD, QDSUB
      Clobber(rd, out);
      return;
    case 6:  // ERET: UNDEFINED at PL0
    case 7:  // BKPT, HVC, SMC: none falls through at PL0
      out->flow = Flow::kHalt;
      return;
    default:  // UNDEFINED encodings (Capstone rejects them)
      return;
  }
}

// Multiplies (A5.2.5, A5.2.7): MUL/MLA/MLS/SMLAxy/... write the field at
// 19:16; UMULL/UMLAL/SMULL/SMLAL/UMAAL/SMLALxy also RdLo at 15:12.
void DecodeMultiply(std::uint32_t w, bool halfword, Instruction* out) {
  const bool long_form =
      halfword ? Bits(w, 22, 21) == 2 : (Bit(w, 23) || Bits(w, 23, 21) == 2);
  Clobber(Bits(w, 19, 16), out);
  if (long_form) Clobber(Bits(w, 15, 12), out);
}

// A5.2.10 synchronization primitives: SWP{B}, LDREX{B,H,D}, STREX{B,H,D}.
void DecodeSync(std::uint32_t w, Instruction* out) {
  const std::uint32_t rn = Bits(w, 19, 16);
  const std::uint32_t rt = Bits(w, 15, 12);
  if (!Bit(w, 23)) {  // SWP, SWPB: Rt gets the old value, [Rn] the new
    Clobber(rt, out);
    out->AddClobber(rn == kPcNum ? AnyMemory()
                                 : MemOp(rn, 0, Bit(w, 22) ? 1 : 4));
    return;
  }
  static constexpr std::uint8_t kSizes[] = {4, 8, 1, 2};  // by bits 22:21
  const std::uint8_t size = kSizes[Bits(w, 22, 21)];
  if (Bit(w, 20)) {  // LDREX*: Rt (and Rt+1 for LDREXD)
    Clobber(rt, out);
    if (size == 8 && rt < kPcNum) Clobber(rt + 1, out);
  } else {  // STREX*: status in Rd (15:12), memory at [Rn]
    Clobber(rt, out);
    out->AddClobber(rn == kPcNum ? AnyMemory() : MemOp(rn, 0, size));
  }
}

// --- Loads and stores -------------------------------------------------

// One single-register access plus its addressing mode, for the word/byte
// (A5.3) and the halfword/doubleword (A5.2.8) forms.
struct Access {
  bool load = false;
  std::uint8_t size = 4;  // bytes accessed per register
  bool pair = false;      // LDRD/STRD: Rt and Rt+1
  bool exact = false;     // a plain word load: Rt gets the word itself
  bool pre = true;        // P: offset applied before the access
  bool writeback = false;
  bool imm_form = true;
  std::int64_t imm = 0;     // signed immediate offset
  std::uint32_t rm = 0;     // register offset
  bool reg_scaled = false;  // Rm can be a MemRef index (added, LSL #0..3)
  std::uint8_t scale = 1;
};

// Reads the literal at `addr` if it lies within `code` (which starts at
// `pc`).
bool ReadLiteral(Bytes code, std::uint64_t pc, std::uint64_t addr,
                 std::uint32_t* value) {
  if (addr < pc || addr - pc + 4 > code.size()) return false;
  *value = LoadLe32(code.data() + (addr - pc));
  return true;
}

void EmitAccess(const Access& a, std::uint32_t w, std::uint64_t pc, Bytes code,
                Instruction* out) {
  const std::uint32_t rn = Bits(w, 19, 16);
  const std::uint32_t rt = Bits(w, 15, 12);
  if (rn == kPcNum) {
    // PC-relative (literal, A8.8.64 LDR (literal)): Align(PC, 4) +- imm.
    // Writeback with PC as the base is UNPREDICTABLE.
    if (!a.imm_form || !a.pre || a.writeback) {
      if (a.load) {
        out->flow = Flow::kIndirectJump;  // may load anything, even PC
        out->clobbers_all_registers = true;
      } else {
        out->AddClobber(AnyMemory());
      }
      return;
    }
    const std::uint64_t addr =
        ((PcValue(pc) & ~3u) + static_cast<std::uint64_t>(a.imm)) & 0xffffffff;
    if (!a.load) {  // a store into the text: it faults, but say so
      out->AddClobber(Operand::Memory(
          MemRef{kPc, kNoReg, 1, static_cast<std::int64_t>(addr), false},
          a.size));
      return;
    }
    out->literal_address = addr;
    out->literal_size = a.pair ? 8 : a.size;
    if (rt == kPcNum) {
      out->flow = Flow::kIndirectJump;
      return;
    }
    std::uint32_t value;
    if (a.exact && !a.pair && ReadLiteral(code, pc, addr, &value)) {
      out->AddMove(RegOp(rt), Imm(value));
    } else if (a.exact && !a.pair) {
      out->AddMove(
          RegOp(rt),
          Operand::Memory(
              MemRef{kPc, kNoReg, 1, static_cast<std::int64_t>(addr), false},
              4));
    } else {
      Clobber(rt, out);
      if (a.pair && rt < kPcNum) Clobber(rt + 1, out);
    }
    return;
  }
  const Reg base = ArmReg(rn);
  // Loads that write their own base with writeback are UNPREDICTABLE.
  const bool rt_is_base = rt == rn || (a.pair && rt + 1 == rn);
  if (a.load && rt == kPcNum) {
    // LDR PC, [SP], #N pops the return address: Go's RET in a function
    // with a frame (`MOVW.P N(R13), R15`, obj5.go; frames above 4 KiB use
    // `MOVW.P (R13)(R11), R15` with the size in R11).
    const bool pop =
        rn == kSpNum && !a.pre && (a.imm_form ? a.imm > 0 : a.reg_scaled);
    out->flow = pop ? Flow::kReturn : Flow::kIndirectJump;
    // A jump may stay in the function (a jump table): its writeback
    // reaches the target. A return leaves, and its writeback with it.
    if (!pop && (!a.pre || a.writeback)) {
      if (a.imm_form) {
        out->AddAddImm(base, base, a.imm, 4);
      } else {
        Clobber(rn, out);
      }
    }
    return;
  }
  // The access address relative to the base at the time of the access.
  MemRef m{base, kNoReg, 1, 0, false};
  if (a.pre && a.imm_form && !a.writeback) m.disp = a.imm;
  if (a.pre && !a.imm_form) {
    if (a.reg_scaled && a.rm != kPcNum) {
      m.index = ArmReg(a.rm);
      m.scale = a.scale;
    } else {
      m.index = a.rm == kPcNum ? kNoReg : ArmReg(a.rm);
      m.opaque_base = true;  // subtracted or rotated index
    }
  }
  if (a.pre && a.writeback && a.imm_form) {
    if (a.load && rt_is_base) {
      Clobber(rn, out);
      Clobber(rt, out);
      if (a.pair) Clobber(rt + 1, out);
      return;
    }
    out->AddAddImm(base, base, a.imm, 4);
  }
  const Operand mem = Operand::Memory(m, a.size);
  MemRef m2 = m;
  m2.disp += 4;
  const Operand mem2 = Operand::Memory(m2, 4);
  if (a.load) {
    if (a.exact && !m.opaque_base && !rt_is_base) {
      out->AddMove(RegOp(rt), mem);
      if (a.pair) out->AddMove(RegOp(rt + 1), mem2);
    } else {
      Clobber(rt, out);
      if (a.pair && rt < kPcNum) Clobber(rt + 1, out);
    }
  } else if (m.opaque_base) {
    out->AddClobber(AroundBase(rn));
  } else if ((a.writeback && rt_is_base) || rt == kPcNum) {
    // (A stored PC is PC+8 or PC+12, IMPLEMENTATION DEFINED.)
    out->AddClobber(Operand::Memory(m, a.pair ? 8 : a.size));
  } else {
    out->AddMove(mem, Operand::Register(ArmReg(rt), a.size));
    if (a.pair) out->AddMove(mem2, RegOp(rt + 1));
  }
  // Post-indexed: the base moves after the access (always written back).
  if (!a.pre || (a.writeback && !a.imm_form)) {
    if (a.imm_form && !(a.load && rt_is_base)) {
      out->AddAddImm(base, base, a.imm, 4);
    } else {
      Clobber(rn, out);
    }
  }
}

// Register offset: Rm, shifted by imm5 of `type` (A8.4.1); U says add or
// subtract. Only an added LSL #0..3 is a MemRef index.
void RegisterOffset(std::uint32_t w, Access* a) {
  a->imm_form = false;
  a->rm = Bits(w, 3, 0);
  const std::uint32_t imm5 = Bits(w, 11, 7);
  a->reg_scaled = Bit(w, 23) && Bits(w, 6, 5) == 0 && imm5 <= 3;
  a->scale = static_cast<std::uint8_t>(1u << (a->reg_scaled ? imm5 : 0));
}

// A5.3: LDR, STR, LDRB, STRB (and the unprivileged LDRT, ... with P=0 W=1).
void DecodeLoadStoreWord(std::uint32_t w, std::uint64_t pc, Bytes code,
                         Instruction* out) {
  Access a;
  a.load = Bit(w, 20);
  a.size = Bit(w, 22) ? 1 : 4;
  a.exact = a.size == 4;
  a.pre = Bit(w, 24);
  a.writeback = a.pre && Bit(w, 21);
  if (Bit(w, 25)) {
    RegisterOffset(w, &a);
  } else {
    a.imm = Bit(w, 23) ? std::int64_t{Bits(w, 11, 0)}
                       : -std::int64_t{Bits(w, 11, 0)};
  }
  EmitAccess(a, w, pc, code, out);
}

// A5.2.8: STRH, LDRH, LDRSB, LDRSH, LDRD, STRD (and their unprivileged
// forms). Returns false for the UNPREDICTABLE register pairs, which are
// decoded as "may write anything" rather than sent to Capstone (it
// rejects them; Go's disassembler decodes them).
bool DecodeLoadStoreExtra(std::uint32_t w, std::uint64_t pc, Bytes code,
                          Instruction* out) {
  Access a;
  const bool l = Bit(w, 20);
  switch (Bits(w, 6, 5)) {
    case 1:  // STRH / LDRH
      a.load = l;
      a.size = 2;
      break;
    case 2:  // LDRD / LDRSB
      a.load = true;
      a.size = l ? 1 : 4;
      a.pair = !l;
      a.exact = !l;
      break;
    default:  // 3: STRD / LDRSH
      a.load = l;
      a.size = l ? 2 : 4;
      a.pair = !l;
      break;
  }
  if (a.pair && (Bits(w, 15, 12) % 2 != 0 || Bits(w, 15, 12) == kLrNum)) {
    // Odd Rt, or Rt2 = PC: UNPREDICTABLE.
    out->clobbers_all_registers = true;
    if (!a.load) out->AddClobber(AnyMemory());
    return false;
  }
  a.pre = Bit(w, 24);
  a.writeback = a.pre && Bit(w, 21);
  if (Bit(w, 22)) {
    const std::int64_t imm8 = (Bits(w, 11, 8) << 4) | Bits(w, 3, 0);
    a.imm = Bit(w, 23) ? imm8 : -imm8;
  } else {
    a.imm_form = false;
    a.rm = Bits(w, 3, 0);
    a.reg_scaled = Bit(w, 23);
  }
  EmitAccess(a, w, pc, code, out);
  return true;
}

// A5.5: LDM/STM in all four addressing modes, incl. PUSH (STMDB SP!) and
// POP (LDMIA SP!). Registers go to ascending addresses in register order.
void DecodeBlock(std::uint32_t w, Instruction* out) {
  const std::uint32_t rn = Bits(w, 19, 16);
  const std::uint32_t list = Bits(w, 15, 0);
  const bool load = Bit(w, 20);
  const bool writeback = Bit(w, 21);
  const int n = std::popcount(list);
  if (Bit(w, 22) || n == 0 || rn == kPcNum) {
    // User-register / exception-return forms (UNPREDICTABLE at PL0), an
    // empty list, PC as the base: give up precision.
    out->clobbers_all_registers = true;
    if (!load) out->AddClobber(AnyMemory());
    if (load && Bit(w, 15)) out->flow = Flow::kIndirectJump;
    return;
  }
  const bool up = Bit(w, 23);
  const bool before = Bit(w, 24);
  // Offset of the lowest address from the base: IA 0, IB 4, DA -4n+4,
  // DB -4n.
  const std::int64_t lowest = up ? (before ? 4 : 0) : -4 * n + (before ? 0 : 4);
  const std::int64_t delta = up ? 4 * n : -4 * n;
  const Reg base = ArmReg(rn);
  if (load && Bit(w, 15)) {
    // POP {..., PC} returns (the pushed LR); anything else jumps, with
    // the other loads and the writeback seen by the target (below).
    if (rn == kSpNum && writeback) {
      out->flow = Flow::kReturn;
      return;
    }
    out->flow = Flow::kIndirectJump;
  }
  const bool base_in_list = Bit(list, static_cast<int>(rn));
  if (!load) {
    if (n + (writeback ? 1 : 0) <= Instruction::kMaxOps) {
      int k = 0;
      for (std::uint32_t r = 0; r < 16; ++r) {
        if (!Bit(list, static_cast<int>(r))) continue;
        const Operand slot = MemOp(rn, lowest + 4 * k++, 4);
        if (r == kPcNum) {
          out->AddClobber(slot);  // PC+8 or PC+12: IMPLEMENTATION DEFINED
        } else {
          out->AddMove(slot, RegOp(r));
        }
      }
    } else {
      out->AddClobber(MemOp(rn, lowest, static_cast<std::uint8_t>(4 * n)));
    }
    if (writeback) out->AddAddImm(base, base, delta, 4);
    return;
  }
  if (n + (writeback ? 1 : 0) > Instruction::kMaxOps) {
    out->clobbers_all_registers = true;
    return;
  }
  // Loads: the base register itself (if listed) last, so the other loads
  // still address from the old base; with writeback it is UNPREDICTABLE.
  // PC is the jump above.
  int k = 0;
  for (std::uint32_t r = 0; r < 16; ++r) {
    if (!Bit(list, static_cast<int>(r))) continue;
    if (r != rn && r != kPcNum) {
      out->AddMove(RegOp(r), MemOp(rn, lowest + 4 * k, 4));
    }
    ++k;
  }
  if (base_in_list) {
    Clobber(rn, out);
  } else if (writeback) {
    out->AddAddImm(base, base, delta, 4);
  }
}

// A5.6: coprocessor instructions; for Go these are VFP (coprocessors 10
// and 11): VLDR/VSTR/VLDM/VSTM/VPUSH/VPOP, VMOV between core and VFP
// registers (MRC/MRRC shapes), VMRS. Also MRC p15 (Go reads the TLS
// register TPIDRURO with it).
void DecodeCoprocessor(std::uint32_t w, std::uint64_t pc, Instruction* out) {
  const std::uint32_t rn = Bits(w, 19, 16);
  const std::uint32_t rt = Bits(w, 15, 12);
  const bool l = Bit(w, 20);
  if (Bits(w, 27, 24) == 0xe) {
    if (Bit(w, 4) && l) Clobber(rt, out);  // MRC (Rt = 15: APSR flags)
    return;                                // CDP, MCR, VFP arithmetic
  }
  if ((w & 0x0fe00000) == 0x0c400000) {  // MCRR (L = 0) / MRRC (L = 1)
    if (l) {
      Clobber(rt, out);
      Clobber(rn, out);  // Rt2
    }
    return;
  }
  // LDC/STC and the VFP loads/stores: P U D W L Rn CRd coproc imm8.
  const bool p = Bit(w, 24);
  const bool u = Bit(w, 23);
  const bool wb = Bit(w, 21);
  const std::uint32_t coproc = Bits(w, 11, 8);
  const bool vfp = coproc == 10 || coproc == 11;
  const std::int64_t off = std::int64_t{Bits(w, 7, 0)} * 4;
  if (rn == kPcNum) {
    if (l && p && !wb) {  // VLDR (literal) / LDC (literal)
      out->literal_address =
          ((PcValue(pc) & ~3u) + static_cast<std::uint64_t>(u ? off : -off)) &
          0xffffffff;
      out->literal_size = vfp && coproc == 11 ? 8 : 4;
    } else if (!l) {
      out->AddClobber(AnyMemory());
    }
    return;
  }
  const Reg base = ArmReg(rn);
  const bool single = p && !wb;  // VLDR/VSTR: one register at Rn +- off
  if (wb && p) out->AddAddImm(base, base, u ? off : -off, 4);
  if (!l) {
    if (single) {
      // VSTR writes one S (4) or D (8) register; other coprocessors an
      // extent they decide.
      out->AddClobber(
          MemOp(rn, u ? off : -off, vfp ? (coproc == 11 ? 8 : 4) : 0));
    } else {
      // Multiple registers: [base, base + off) after any pre-decrement;
      // extents past a byte are "from here on" (size 0).
      const std::uint8_t size =
          vfp && off <= 255 ? static_cast<std::uint8_t>(off) : 0;
      out->AddClobber(MemOp(rn, 0, size));
    }
  }
  if (wb && !p) out->AddAddImm(base, base, u ? off : -off, 4);
}

// A5.7: the unconditional space (cond = 1111).
bool DecodeUnconditional(std::uint32_t w, std::uint64_t pc, Instruction* out,
                         bool* check) {
  const std::uint32_t op1 = Bits(w, 27, 20);
  *check = true;
  if (Bits(w, 27, 25) == 0x5) {  // BLX (immediate): switches to Thumb
    const std::int64_t imm =
        (static_cast<std::int64_t>(static_cast<std::int32_t>(w << 8)) >> 6) |
        (Bit(w, 24) ? 2 : 0);
    out->flow = Flow::kCall;
    out->target = (pc + 8 + static_cast<std::uint64_t>(imm)) & 0xffffffff;
    *check = false;
    return true;
  }
  if (op1 == 0x7f && Bits(w, 7, 4) == 0xf) {
    // Permanently UNDEFINED (A5.7.1); Go's UNDEF is 0xf7fabcfd (obj/arm
    // asm5.go).
    out->flow = Flow::kHalt;
    *check = false;
    return true;
  }
  if ((op1 & 0xf1) == 0x40) {
    // Advanced SIMD element/structure load/store (A7.7): VST* write memory
    // at [Rn]; Rm != 15 writes back Rn.
    const std::uint32_t rn = Bits(w, 19, 16);
    if (!Bit(w, 21)) {
      out->AddClobber(rn == kPcNum ? AnyMemory() : MemOp(rn, 0, 0));
    }
    if (Bits(w, 3, 0) != kPcNum) Clobber(rn, out);
    return true;
  }
  if ((op1 & 0xe0) == 0x80) {  // SRS / RFE: privileged
    out->clobbers_all_registers = true;
    out->AddClobber(AnyMemory());
    return true;
  }
  if ((op1 & 0xe0) == 0xc0 || (op1 & 0xf0) == 0xe0) {
    // LDC2/STC2/MCRR2/MRRC2/CDP2/MCR2/MRC2.
    DecodeCoprocessor(w, pc, out);
    return true;
  }
  // CPS, SETEND, PLD/PLI, barriers, Advanced SIMD data processing: no
  // general register or memory writes.
  return (op1 & 0x80) == 0;
}

// A5.4 media instructions: which field holds the destination.
void DecodeMedia(std::uint32_t w, Instruction* out) {
  const std::uint32_t op1 = Bits(w, 24, 20);
  if (op1 < 0x10 || (op1 & 0x1a) == 0x1a || (op1 & 0x1e) == 0x1c) {
    // Parallel add/sub, packing/unpacking/saturation/reversal (0xxxx);
    // SBFX/UBFX (11x1x), BFC/BFI (1110x): Rd at 15:12.
    Clobber(Bits(w, 15, 12), out);
  } else if (op1 <= 0x18) {
    // Signed multiplies, SDIV/UDIV (10xxx), USAD8/USADA8 (11000): Rd at
    // 19:16; SMLALD/SMLSLD (10100) also RdLo at 15:12.
    Clobber(Bits(w, 19, 16), out);
    if (op1 == 0x14) Clobber(Bits(w, 15, 12), out);
  } else {
    // Unallocated (Capstone decides); both fields to be safe.
    Clobber(Bits(w, 15, 12), out);
    Clobber(Bits(w, 19, 16), out);
  }
}

class ArmDecoder final : public Decoder {
 public:
  void Decode(Bytes code, std::uint64_t address,
              Instruction* out) const override;
};

// A conditional instruction (A8.3) may or may not execute: precise writes
// become "maybe" writes, register arithmetic an unknown value, and its
// control flow gains the fall-through.
void MakeConditional(Instruction* out) {
  for (int i = 0; i < out->num_ops; ++i) {
    MicroOp& op = out->ops[i];
    if (op.kind == OpKind::kMove) {
      op.kind = OpKind::kMoveMaybe;
    } else if (op.kind == OpKind::kAddImm) {
      op = MicroOp{OpKind::kClobber, op.dst, Operand{}, 0};
    }
  }
  switch (out->flow) {
    case Flow::kJump:
      out->flow = Flow::kCondJump;
      break;
    case Flow::kReturn:
    case Flow::kHalt:
      // The taken path leaves the function (or never falls through).
      out->flow = Flow::kNext;
      break;
    default:
      // kCall: a call that may not happen clobbers no more than one that
      // does. kIndirectJump keeps the jump; the fall-through block is then
      // seeded from the states at the function's indirect jumps (this one
      // included) unless a direct branch also reaches it. The ARM jump
      // table idiom `ADDLS PC, PC, Rn, LSL #2; B default; B case0 ...` is
      // covered; Go 1.19 emits no conditional PC writes.
      break;
  }
}

void ArmDecoder::Decode(Bytes code, std::uint64_t address,
                        Instruction* out) const {
  out->Reset(address);
  out->length = 4;
  if (code.size() < 4 || address % 4 != 0) {
    out->flow = Flow::kInvalid;
    return;
  }
  const std::uint32_t w = LoadLe32(code.data());
  const std::uint32_t cond = w >> 28;
  // Whether the decoded form still needs Capstone to confirm that the
  // word is allocated (the precise forms are valid by construction).
  bool check = false;
  bool known = true;
  if (cond == kCondUnconditional) {
    known = DecodeUnconditional(w, address, out, &check);
  } else {
    switch (Bits(w, 27, 25)) {
      case 0:
        if (Bit(w, 4) && Bit(w, 7)) {
          if (Bits(w, 6, 5) == 0) {
            check = true;
            if (Bit(w, 24)) {
              DecodeSync(w, out);
            } else {
              DecodeMultiply(w, /*halfword=*/false, out);
            }
          } else {
            check = DecodeLoadStoreExtra(w, address, code, out);
          }
        } else if ((w & 0x01900000) == 0x01000000) {
          check = true;
          if (Bit(w, 7)) {
            DecodeMultiply(w, /*halfword=*/true, out);
          } else {
            DecodeMisc(w, out);
          }
        } else {
          DecodeDataReg(w, address, out);
        }
        break;
      case 1:
        // (Unallocated hints execute as NOPs, A5.2.11: no check.)
        DecodeDataImm(w, address, out);
        break;
      case 2:
        DecodeLoadStoreWord(w, address, code, out);
        break;
      case 3:
        if (Bit(w, 4)) {
          // Media instructions (A5.4). UDF (A8.8.247) never falls through.
          if (Bits(w, 24, 20) == 0x1f && Bits(w, 7, 5) == 7) {
            out->flow = Flow::kHalt;
            break;
          }
          check = true;
          DecodeMedia(w, out);
        } else {
          DecodeLoadStoreWord(w, address, code, out);
        }
        break;
      case 4:
        DecodeBlock(w, out);
        break;
      case 5: {  // B, BL (A8.8.18, A8.8.25): PC + 8 + imm24 * 4
        const std::int64_t imm =
            static_cast<std::int64_t>(static_cast<std::int32_t>(w << 8)) >> 6;
        out->flow = Bit(w, 24) ? Flow::kCall : Flow::kJump;
        out->target =
            (address + 8 + static_cast<std::uint64_t>(imm)) & 0xffffffff;
        break;
      }
      default:  // 6, 7
        if (Bits(w, 27, 24) == 0xf) {
          // SVC (A8.8.228): the EABI number is in R7, the kernel returns
          // in R0 and preserves the other registers
          // (arch/arm/kernel/entry-common.S). A non-zero immediate is an
          // OABI call on OABI-compatible kernels; the analysis reports it.
          out->flow = Flow::kSyscall;
          out->trap_imm = Bits(w, 23, 0);
          out->AddClobber(RegOp(0));
        } else {
          check = true;
          DecodeCoprocessor(w, address, out);
        }
        break;
    }
  }
  if (check || !known) {
    if (!internal::CapstoneValidArm(code.data(), address)) {
      out->Reset(address);
      out->length = 4;
      out->flow = Flow::kInvalid;
      return;
    }
    if (!known) {
      // Valid, but of a class we do not know.
      out->clobbers_all_registers = true;
      out->AddClobber(AnyMemory());
    }
  }
  if (cond != kCondAlways && cond != kCondUnconditional) MakeConditional(out);
}

}  // namespace

std::unique_ptr<Decoder> MakeArmDecoder() {
  return std::make_unique<ArmDecoder>();
}

}  // namespace go2seccomp::disasm
