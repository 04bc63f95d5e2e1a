#include "go2seccomp/disasm/arm64.h"

#include <cstdint>
#include <memory>

#include "go2seccomp/disasm/capstone_oracle.h"

namespace go2seccomp::disasm {
namespace {

// Field extraction, with the ARM ARM's bit numbering: Bits(w, 4, 0) is Rd.
constexpr std::uint32_t Bits(std::uint32_t w, int hi, int lo) {
  return (w >> lo) & ((std::uint32_t{1} << (hi - lo + 1)) - 1);
}
constexpr bool Bit(std::uint32_t w, int b) { return ((w >> b) & 1) != 0; }

constexpr std::int64_t SignExtend(std::uint64_t v, int bits) {
  const std::uint64_t m = std::uint64_t{1} << (bits - 1);
  v &= (m << 1) - 1;
  return static_cast<std::int64_t>((v ^ m) - m);
}

// Register number 31 names XZR/WZR or SP/WSP depending on the field; the
// ARM ARM says which per encoding ("<Xd|SP>" vs "<Xd>").
constexpr Reg ZrReg(std::uint32_t n) {
  return n == 31 ? kZero : static_cast<Reg>(n);
}
constexpr Reg SpReg(std::uint32_t n) {
  return n == 31 ? kSp : static_cast<Reg>(n);
}

Operand RegOp(Reg r, std::uint8_t size) { return Operand::Register(r, size); }

Operand MemOp(Reg base, std::int64_t disp, std::uint8_t size) {
  return Operand::Memory(MemRef{base, kNoReg, 1, disp, false}, size);
}

// A store to memory the IR cannot locate (an encoding class we only know
// coarsely): "somewhere, unknown extent".
Operand AnyMemory() {
  MemRef m;
  m.opaque_base = true;
  return Operand::Memory(m, 0);
}

// A register write; writes to XZR are discarded and so produce no op.
void ClobberReg(Reg r, std::uint8_t size, Instruction* out) {
  if (r != kZero) out->AddClobber(RegOp(r, size));
}
void MoveToReg(Reg r, std::uint8_t size, const Operand& src, Instruction* out) {
  if (r != kZero) out->AddMove(RegOp(r, size), src);
}

// DecodeBitMasks() from the ARM ARM (shared/functions/bitmasks), for the
// logical-immediate encodings. False for the reserved combinations.
bool DecodeBitMasks(std::uint32_t n, std::uint32_t imms, std::uint32_t immr,
                    int datasize, std::uint64_t* out) {
  const std::uint32_t combined = (n << 6) | (~imms & 0x3f);
  if (combined == 0) return false;
  int len = 31 - __builtin_clz(combined);
  if (len < 1) return false;
  const std::uint32_t levels = (1u << len) - 1;
  if ((imms & levels) == levels) return false;
  const std::uint32_t s = imms & levels;
  const std::uint32_t r = immr & levels;
  const int esize = 1 << len;
  if (esize > datasize) return false;
  const std::uint64_t emask =
      esize == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << esize) - 1;
  const std::uint64_t welem = (std::uint64_t{1} << (s + 1)) - 1;  // s < 63
  std::uint64_t elem =
      r == 0 ? welem : ((welem >> r) | (welem << (esize - r))) & emask;
  std::uint64_t v = 0;
  for (int i = 0; i < datasize; i += esize) v |= elem << i;
  *out = datasize == 64 ? v : v & 0xffffffffu;
  return true;
}

// --- Precisely modeled encodings -------------------------------------
// Each returns false without touching *out when `w` is not its form (or an
// unallocated variant of it), so Decode can try the next one.

bool DecodeBranch(std::uint32_t w, std::uint64_t pc, Instruction* out) {
  if ((w & 0x7c000000) == 0x14000000) {  // B, BL
    out->flow = Bit(w, 31) ? Flow::kCall : Flow::kJump;
    out->target =
        pc + static_cast<std::uint64_t>(SignExtend(Bits(w, 25, 0), 26) * 4);
    return true;
  }
  if ((w & 0xff000010) == 0x54000000) {  // B.cond
    out->flow = Flow::kCondJump;
    out->target =
        pc + static_cast<std::uint64_t>(SignExtend(Bits(w, 23, 5), 19) * 4);
    return true;
  }
  if ((w & 0x7e000000) == 0x34000000) {  // CBZ, CBNZ
    out->flow = Flow::kCondJump;
    out->target =
        pc + static_cast<std::uint64_t>(SignExtend(Bits(w, 23, 5), 19) * 4);
    return true;
  }
  if ((w & 0x7e000000) == 0x36000000) {  // TBZ, TBNZ
    out->flow = Flow::kCondJump;
    out->target =
        pc + static_cast<std::uint64_t>(SignExtend(Bits(w, 18, 5), 14) * 4);
    return true;
  }
  if ((w & 0xfe000000) == 0xd6000000) {  // unconditional branch (register)
    const std::uint32_t opc = Bits(w, 24, 21);
    if (Bits(w, 20, 16) != 0x1f) return false;
    switch (opc) {
      case 0:  // BR (and the v8.3 BRAA* forms)
        out->flow = Flow::kIndirectJump;
        return true;
      case 1:  // BLR, BLRAA*: the link register is the call's business
        out->flow = Flow::kIndirectCall;
        return true;
      case 2:  // RET, RETAA*
        out->flow = Flow::kReturn;
        return true;
      case 4:  // ERET, DRPS: not executable at EL0
      case 5:
        out->flow = Flow::kHalt;
        return true;
      default:
        return false;
    }
  }
  if ((w & 0xff000000) == 0xd4000000) {  // exception generation
    const std::uint32_t opc = Bits(w, 23, 21);
    const std::uint32_t ll = Bits(w, 1, 0);
    if (opc == 0 && ll == 1 && Bits(w, 4, 2) == 0) {
      // SVC #imm: the kernel returns the result in X0 and preserves the
      // other registers (arch/arm64/kernel/entry.S).
      out->flow = Flow::kSyscall;
      out->trap_imm = Bits(w, 20, 5);
      out->AddClobber(RegOp(0, 8));
      return true;
    }
    // BRK, HLT; HVC/SMC/DCPSn are UNDEFINED at EL0. None falls through.
    out->flow = Flow::kHalt;
    return true;
  }
  if ((w & 0xffc00000) == 0xd5000000) {
    // System: hints, barriers, MSR/MRS, SYS/SYSL. The whole class is
    // decided here, without Capstone, which does not know newer system
    // registers and PSTATE fields (it rejects `msr S0_3_C4_C1_2, xzr`,
    // an SME SMSTOP-style write, found in a Go 1.24 cgo binary). L=1
    // (MRS, SYSL, TSTART, TTEST) writes Rt; L=0 writes no general
    // register. An unallocated encoding here is UNDEFINED (SIGILL), so
    // treating it as falling through only adds paths.
    if (Bit(w, 21)) {
      ClobberReg(ZrReg(Bits(w, 4, 0)), 8, out);
    } else if (Bits(w, 20, 19) == 1 && Bits(w, 15, 8) == 0x74) {
      // SYS with CRn=7, CRm=4: DC ZVA/GVA/GZVA write a block of zeros
      // (or tags) at [Xt]; Go's memclr uses DC ZVA. The block size comes
      // from DCZID_EL0, so the extent is unknown.
      const std::uint32_t rt = Bits(w, 4, 0);
      out->AddClobber(rt == 31 ? AnyMemory()
                               : MemOp(static_cast<Reg>(rt), 0, 0));
    }
    return true;
  }
  if ((w & 0xffff0000) == 0x00000000) {  // UDF #imm16 (also zero padding)
    out->flow = Flow::kHalt;
    return true;
  }
  return false;
}

bool DecodeDataImm(std::uint32_t w, std::uint64_t pc, Instruction* out) {
  const bool sf = Bit(w, 31);
  const std::uint8_t size = sf ? 8 : 4;
  const std::uint32_t rd = Bits(w, 4, 0);
  const std::uint32_t rn = Bits(w, 9, 5);
  if ((w & 0x1f000000) == 0x10000000) {  // ADR, ADRP
    const std::int64_t imm =
        SignExtend((Bits(w, 23, 5) << 2) | Bits(w, 30, 29), 21);
    const std::uint64_t value = Bit(w, 31)
                                    ? (pc & ~std::uint64_t{0xfff}) +
                                          static_cast<std::uint64_t>(imm * 4096)
                                    : pc + static_cast<std::uint64_t>(imm);
    MoveToReg(ZrReg(rd), 8,
              Operand::Immediate(static_cast<std::int64_t>(value), 8), out);
    return true;
  }
  if ((w & 0x1f800000) == 0x11000000) {  // ADD/ADDS/SUB/SUBS (immediate)
    std::int64_t imm = Bits(w, 21, 10);
    if (Bit(w, 22)) imm <<= 12;
    if (Bit(w, 30)) imm = -imm;
    // Without S, Rd may be SP ("MOV SP, R20" is ADD SP, X20, #0); with S,
    // Rd 31 is ZR: CMP/CMN write only flags.
    const Reg dst = Bit(w, 29) ? ZrReg(rd) : SpReg(rd);
    if (dst != kZero) out->AddAddImm(dst, SpReg(rn), imm, size);
    return true;
  }
  if ((w & 0x1f800000) == 0x12800000) {  // MOVN, MOVZ, MOVK
    const std::uint32_t opc = Bits(w, 30, 29);
    const std::uint32_t hw = Bits(w, 22, 21);
    if (opc == 1 || (!sf && hw >= 2)) return false;  // unallocated
    if (opc == 3) {
      // MOVK keeps the other 48 (16) bits: not a value the IR can state.
      ClobberReg(ZrReg(rd), size, out);
      return true;
    }
    std::uint64_t v = std::uint64_t{Bits(w, 20, 5)} << (hw * 16);
    if (opc == 0) v = ~v;  // MOVN
    if (!sf) v &= 0xffffffffu;
    MoveToReg(ZrReg(rd), size,
              Operand::Immediate(static_cast<std::int64_t>(v), size), out);
    return true;
  }
  if ((w & 0x7f800000) == 0x32000000 && rn == 31) {  // ORR Rd|SP, ZR, #imm
    std::uint64_t v;
    if (!sf && Bit(w, 22)) return false;  // N=1 is unallocated for W
    if (!DecodeBitMasks(Bit(w, 22), Bits(w, 15, 10), Bits(w, 21, 16),
                        sf ? 64 : 32, &v)) {
      return false;
    }
    out->AddMove(RegOp(SpReg(rd), size),
                 Operand::Immediate(static_cast<std::int64_t>(v), size));
    return true;
  }
  return false;
}

bool DecodeDataReg(std::uint32_t w, Instruction* out) {
  const std::uint8_t size = Bit(w, 31) ? 8 : 4;
  const Reg rd = ZrReg(Bits(w, 4, 0));
  const Reg rn = ZrReg(Bits(w, 9, 5));
  const Reg rm = ZrReg(Bits(w, 20, 16));
  // ORR Rd, ZR, Rm with no shift: MOV (register).
  if ((w & 0x7fe0ffe0) == 0x2a0003e0) {
    MoveToReg(rd, size, RegOp(rm, size), out);
    return true;
  }
  // CSEL Rd, Rn, Rm, cond: Rd = cond ? Rn : Rm. As ops: Rd <- Rn, then
  // maybe Rd <- Rm, ordered so no source is overwritten before it is read.
  if ((w & 0x7fe00c00) == 0x1a800000) {
    if (rd == kZero) return true;
    if (rn == rm) {
      out->AddMove(RegOp(rd, size), RegOp(rn, size));
    } else if (rd == rm) {
      out->AddMoveMaybe(RegOp(rd, size), RegOp(rn, size));
    } else if (rd == rn) {
      out->AddMoveMaybe(RegOp(rd, size), RegOp(rm, size));
    } else {
      out->AddMove(RegOp(rd, size), RegOp(rn, size));
      out->AddMoveMaybe(RegOp(rd, size), RegOp(rm, size));
    }
    return true;
  }
  return false;
}

// Loads and stores of one general or SIMD&FP register.
struct Access {
  bool valid = false;
  bool vector = false;  // SIMD&FP register: not in the IR
  bool load = false;
  bool prefetch = false;   // PRFM/PRFUM: no register write
  bool exact = false;      // LDR W/X: a plain, non-extending load
  std::uint8_t bytes = 0;  // memory access size
  std::uint8_t reg_size = 0;
};

Access ClassifyAccess(std::uint32_t size, bool v, std::uint32_t opc) {
  Access a;
  a.vector = v;
  if (v) {
    if ((opc & 2) != 0 && size != 0) return a;  // unallocated
    a.bytes = (opc & 2) != 0 ? 16 : static_cast<std::uint8_t>(1u << size);
    a.load = (opc & 1) != 0;
    a.valid = true;
    return a;
  }
  a.bytes = static_cast<std::uint8_t>(1u << size);
  switch (opc) {
    case 0:  // STR/STRB/STRH
      break;
    case 1:  // LDR/LDRB/LDRH, zero-extending into W (X for size 3)
      a.load = true;
      a.reg_size = size == 3 ? 8 : 4;
      a.exact = size >= 2;
      break;
    case 2:  // LDRSB/LDRSH/LDRSW into X; size 3 is PRFM
      a.load = true;
      a.prefetch = size == 3;
      a.reg_size = 8;
      break;
    case 3:  // LDRSB/LDRSH into W
      if (size >= 2) return a;
      a.load = true;
      a.reg_size = 4;
      break;
  }
  a.valid = true;
  return a;
}

// Emits the data movement of a single-register access at `mem`.
void EmitAccess(const Access& a, std::uint32_t rt, const Operand& mem,
                Instruction* out) {
  const bool opaque = mem.mem.opaque_base;
  if (a.prefetch) return;
  if (a.vector) {
    if (!a.load) out->AddClobber(mem);  // vector registers are not tracked
    return;
  }
  if (a.load) {
    if (a.exact && !opaque) {
      MoveToReg(ZrReg(rt), a.reg_size, mem, out);
    } else {
      ClobberReg(ZrReg(rt), a.reg_size, out);
    }
    return;
  }
  if (opaque) {
    out->AddClobber(mem);
  } else {
    out->AddMove(mem, RegOp(ZrReg(rt), a.bytes));
  }
}

bool DecodeLoadStore(std::uint32_t w, std::uint64_t pc, Instruction* out) {
  const std::uint32_t rt = Bits(w, 4, 0);
  const std::uint32_t rn = Bits(w, 9, 5);
  const Reg base = SpReg(rn);
  const bool v = Bit(w, 26);

  if ((w & 0x3b000000) == 0x18000000) {  // LDR (literal), LDRSW, PRFM
    const std::uint32_t opc = Bits(w, 31, 30);
    const std::uint64_t addr =
        pc + static_cast<std::uint64_t>(SignExtend(Bits(w, 23, 5), 19) * 4);
    if (v) {
      if (opc == 3) return false;
      out->literal_address = addr;
      out->literal_size = static_cast<std::uint8_t>(4u << opc);
      return true;
    }
    if (opc == 3) return true;  // PRFM (literal)
    out->literal_address = addr;
    out->literal_size = opc == 0 ? 4 : opc == 1 ? 8 : 4;
    if (opc == 2) {
      ClobberReg(ZrReg(rt), 8, out);  // LDRSW: sign-extends
    } else {
      // The literal pool is in the read-only text: a load from a fixed
      // address the analysis can read from the image.
      MoveToReg(ZrReg(rt), out->literal_size,
                Operand::Memory(MemRef{kPc, kNoReg, 1,
                                       static_cast<std::int64_t>(addr), false},
                                out->literal_size),
                out);
    }
    return true;
  }

  if ((w & 0x3a000000) == 0x28000000) {  // LDP/STP/LDNP/STNP/LDPSW
    const std::uint32_t opc = Bits(w, 31, 30);
    const std::uint32_t mode = Bits(w, 24, 23);  // 0 NP, 1 post, 2 off, 3 pre
    const bool load = Bit(w, 22);
    const std::uint32_t rt2 = Bits(w, 14, 10);
    std::uint8_t bytes;
    bool exact = true;
    if (v) {
      if (opc == 3) return false;
      bytes = static_cast<std::uint8_t>(4u << opc);
    } else if (opc == 0) {
      bytes = 4;
    } else if (opc == 2) {
      bytes = 8;
    } else if (opc == 1 && load && mode != 0) {
      bytes = 4;  // LDPSW
      exact = false;
    } else {
      return false;  // STGP (MTE) and unallocated: the catch-all
    }
    if (load && rt == rt2) return false;  // CONSTRAINED UNPREDICTABLE
    const std::int64_t disp = SignExtend(Bits(w, 21, 15), 7) * bytes;
    const bool pre = mode == 3;
    const bool post = mode == 1;
    if (pre) out->AddAddImm(base, base, disp);
    const std::int64_t off = pre || post ? 0 : disp;
    const Operand m1 = MemOp(base, off, bytes);
    const Operand m2 = MemOp(base, off + bytes, bytes);
    const std::uint8_t reg_size = exact ? bytes : 8;
    if (v) {
      if (!load) out->AddClobber(MemOp(base, off, 2 * bytes));
    } else if (!load) {
      out->AddMove(m1, RegOp(ZrReg(rt), bytes));
      out->AddMove(m2, RegOp(ZrReg(rt2), bytes));
    } else if (!exact) {
      ClobberReg(ZrReg(rt), reg_size, out);
      ClobberReg(ZrReg(rt2), reg_size, out);
    } else if (ZrReg(rt) == base) {
      // LDP X0, X1, [X0]: load the second register first so the address
      // of the second load still uses the old base.
      MoveToReg(ZrReg(rt2), bytes, m2, out);
      MoveToReg(ZrReg(rt), bytes, m1, out);
    } else {
      MoveToReg(ZrReg(rt), bytes, m1, out);
      MoveToReg(ZrReg(rt2), bytes, m2, out);
    }
    if (post) out->AddAddImm(base, base, disp);
    return true;
  }

  const std::uint32_t size = Bits(w, 31, 30);
  const std::uint32_t opc = Bits(w, 23, 22);
  if ((w & 0x3b000000) == 0x39000000) {  // unsigned offset
    const Access a = ClassifyAccess(size, v, opc);
    if (!a.valid) return false;
    const std::int64_t disp = std::int64_t{Bits(w, 21, 10)} * a.bytes;
    EmitAccess(a, rt, MemOp(base, disp, a.bytes), out);
    return true;
  }
  if ((w & 0x3b200000) == 0x38000000) {  // imm9: unscaled, post, unpriv, pre
    const Access a = ClassifyAccess(size, v, opc);
    if (!a.valid) return false;
    const std::uint32_t mode = Bits(w, 11, 10);
    const std::int64_t imm = SignExtend(Bits(w, 20, 12), 9);
    if (mode != 0 && a.prefetch) return false;  // only PRFUM exists
    if (mode == 2 && a.vector) return false;    // no unprivileged SIMD&FP
    if (mode == 1 || mode == 3) {
      if (mode == 3) out->AddAddImm(base, base, imm);
      EmitAccess(a, rt, MemOp(base, 0, a.bytes), out);
      if (mode == 1) out->AddAddImm(base, base, imm);
    } else {
      EmitAccess(a, rt, MemOp(base, imm, a.bytes), out);
    }
    return true;
  }
  if ((w & 0x3b200c00) == 0x38200800) {  // register offset
    const Access a = ClassifyAccess(size, v, opc);
    const std::uint32_t option = Bits(w, 15, 13);
    if (!a.valid || (option & 2) == 0) return false;
    MemRef m{base, kNoReg, 1, 0, false};
    const std::uint32_t rm = Bits(w, 20, 16);
    if ((option & 3) == 3) {  // LSL/UXTX, SXTX: a 64-bit index
      if (rm != 31) {
        m.index = static_cast<Reg>(rm);
        m.scale = Bit(w, 12) ? a.bytes : 1;
      }
    } else {
      // UXTW/SXTW extend a W index: not expressible in a MemRef.
      m.index = ZrReg(rm);
      m.opaque_base = true;
    }
    EmitAccess(a, rt, Operand::Memory(m, a.bytes), out);
    return true;
  }
  return false;
}

// --- The sound catch-all ----------------------------------------------
// Registers (and memory) written by a valid instruction outside the
// modeled subset, derived from its encoding class (ARM ARM, "A64
// instruction set encoding"). Unknown classes clobber everything.
void ClobberByClass(std::uint32_t w, Instruction* out) {
  const std::uint32_t op0 = Bits(w, 28, 25);
  const std::uint8_t sf_size = Bit(w, 31) ? 8 : 4;
  const std::uint32_t rd = Bits(w, 4, 0);
  const std::uint32_t rn = Bits(w, 9, 5);

  if ((op0 & 0xe) == 0x8) {  // data processing, immediate
    switch (Bits(w, 25, 23)) {
      case 3:  // ADDG/SUBG (MTE): Rd may be SP
        ClobberReg(SpReg(rd), 8, out);
        return;
      case 4:  // logical immediate: ANDS writes ZR-form Rd, the rest SP-form
        ClobberReg(Bits(w, 30, 29) == 3 ? ZrReg(rd) : SpReg(rd), sf_size, out);
        return;
      default:  // move wide (MOVK), bitfield, extract; ADR/ADD are modeled
        ClobberReg(ZrReg(rd), sf_size, out);
        return;
    }
  }
  if ((op0 & 0xe) == 0xa) {  // branches, exception generation, system
    // Not expected: DecodeBranch models the whole group.
    out->clobbers_all_registers = true;
    return;
  }
  if ((op0 & 0x5) == 0x4) {  // loads and stores
    const Reg base = SpReg(rn);
    const std::uint32_t rt = rd;
    const std::uint32_t rs = Bits(w, 20, 16);
    const std::uint32_t rt2 = Bits(w, 14, 10);
    if ((w & 0x3f000000) == 0x08000000) {
      // Exclusive / ordered / compare-and-swap, by o2 (23) L (22) o1 (21).
      const bool pair_size = Bit(w, 31);  // STXP/LDXP vs CASP by size
      switch (Bits(w, 23, 21)) {
        case 0:  // STXR/STLXR: status in Ws
          ClobberReg(ZrReg(rs), 4, out);
          out->AddClobber(
              MemOp(base, 0, static_cast<std::uint8_t>(1u << Bits(w, 31, 30))));
          return;
        case 1:  // STXP/STLXP, or CASP/CASPL (size 0x)
          if (pair_size) {
            ClobberReg(ZrReg(rs), 4, out);
          } else {
            ClobberReg(ZrReg(rs), 8, out);
            ClobberReg(ZrReg(rs + 1), 8, out);
          }
          out->AddClobber(MemOp(base, 0, 0));
          return;
        case 2:  // LDXR/LDAXR
        case 6:  // LDAR/LDLAR
          ClobberReg(ZrReg(rt), 8, out);
          return;
        case 3:  // LDXP/LDAXP, or CASPA/CASPAL (size 0x)
          if (pair_size) {
            ClobberReg(ZrReg(rt), 8, out);
            ClobberReg(ZrReg(rt2), 8, out);
          } else {
            ClobberReg(ZrReg(rs), 8, out);
            ClobberReg(ZrReg(rs + 1), 8, out);
            out->AddClobber(MemOp(base, 0, 0));
          }
          return;
        case 4:  // STLR/STLLR
          out->AddClobber(
              MemOp(base, 0, static_cast<std::uint8_t>(1u << Bits(w, 31, 30))));
          return;
        default:  // 5, 7: CAS/CASA/CASL/CASAL write Rs and memory
          ClobberReg(ZrReg(rs), 8, out);
          out->AddClobber(
              MemOp(base, 0, static_cast<std::uint8_t>(1u << Bits(w, 31, 30))));
          return;
      }
    }
    if ((w & 0xbf000000) == 0x0c000000 || (w & 0xbf000000) == 0x0d000000) {
      // SIMD structure loads/stores (LD1..LD4, ST1..ST4, LDnR): vector
      // registers only, plus the post-index writeback of Rn (bit 23).
      if (!Bit(w, 22)) out->AddClobber(MemOp(base, 0, 0));
      if (Bit(w, 23)) ClobberReg(base, 8, out);
      return;
    }
    if ((w & 0x3b200c00) == 0x38200000 && !Bit(w, 26)) {
      // LSE atomics (LDADD, LDCLR, LDEOR, LDSET, LD[SU]MAX/MIN, SWP,
      // LDAPR): old value to Rt, memory at [Rn] updated.
      ClobberReg(ZrReg(rt), 8, out);
      if (Bits(w, 15, 12) != 0xc) {  // LDAPR only reads
        out->AddClobber(
            MemOp(base, 0, static_cast<std::uint8_t>(1u << Bits(w, 31, 30))));
      }
      return;
    }
    if ((w & 0x3b200400) == 0x38200400) {  // LDRAA/LDRAB (PAC)
      ClobberReg(ZrReg(rt), 8, out);
      if (Bit(w, 11)) ClobberReg(base, 8, out);
      return;
    }
    if ((w & 0x3f200c00) == 0x19000000) {  // LDAPUR*/STLUR* (RCpc)
      if (Bits(w, 23, 22) == 0) {
        out->AddClobber(MemOp(base, SignExtend(Bits(w, 20, 12), 9), 0));
      } else {
        ClobberReg(ZrReg(rt), 8, out);
      }
      return;
    }
    // Memory tagging and anything newer we do not classify.
    ClobberReg(ZrReg(rt), 8, out);
    ClobberReg(base, 8, out);
    out->AddClobber(AnyMemory());
    out->clobbers_all_registers = true;
    return;
  }
  if ((op0 & 0x7) == 0x5) {  // data processing, register
    if (!Bit(w, 28)) {
      if (Bit(w, 24) && Bit(w, 21) && !Bit(w, 29)) {
        // ADD/SUB (extended register) without S: Rd may be SP.
        ClobberReg(SpReg(rd), sf_size, out);
      } else {
        ClobberReg(ZrReg(rd), sf_size, out);  // logical/add-sub shifted
      }
      return;
    }
    switch (Bits(w, 24, 21)) {
      case 0x0:  // ADC/SBC(S); RMIF/SETF (op3 != 0) write only flags
        if (Bits(w, 15, 10) == 0) ClobberReg(ZrReg(rd), sf_size, out);
        return;
      case 0x2:  // CCMP/CCMN: flags only
        return;
      case 0x4:  // CSINC/CSINV/CSNEG (CSEL is modeled)
      case 0x6:  // data processing 1/2 source
        ClobberReg(ZrReg(rd), sf_size, out);
        return;
      default:
        if (Bit(w, 24)) {  // data processing 3 source
          ClobberReg(ZrReg(rd), sf_size, out);
          return;
        }
        out->clobbers_all_registers = true;
        return;
    }
  }
  if ((op0 & 0x7) == 0x7) {  // SIMD & floating point
    if ((w & 0x5f200000) == 0x1e200000 && Bits(w, 15, 10) == 0 && !Bit(w, 30)) {
      // FP <-> integer conversion: FCVT*, FMOV to general, FJCVTZS write
      // Rd as a general register; SCVTF/UCVTF/FMOV to FP (opcode 010,
      // 011, 111) write a vector register.
      const std::uint32_t opcode = Bits(w, 18, 16);
      if (opcode != 2 && opcode != 3 && opcode != 7) {
        ClobberReg(ZrReg(rd), sf_size, out);
      }
      return;
    }
    if ((w & 0x5f200000) == 0x1e000000 && !Bit(w, 30)) {
      // FP <-> fixed-point: FCVTZS/FCVTZU (opcode 000/001) to general.
      if (Bits(w, 18, 17) == 0) ClobberReg(ZrReg(rd), sf_size, out);
      return;
    }
    if ((w & 0xbfe08400) == 0x0e000400) {
      // Advanced SIMD copy with op=0: SMOV (imm4 0101) / UMOV (0111) to
      // general; the other forms (DUP, INS) write vector registers.
      const std::uint32_t imm4 = Bits(w, 14, 11);
      if (imm4 == 5 || imm4 == 7)
        ClobberReg(ZrReg(rd), Bit(w, 30) ? 8 : 4, out);
      return;
    }
    return;  // every other SIMD&FP instruction writes only vector/flags
  }
  // Reserved, SME, SVE: Capstone 4 decodes none of these; be safe anyway.
  out->AddClobber(AnyMemory());
  out->clobbers_all_registers = true;
}

// ARMv8.1+ load/store encodings Capstone 4.0.2 does not decode but Go
// emits: the runtime's atomics use LSE (LDADDAL, SWPAL, CASAL, LDCLRALB,
// LDORALB ...) when the CPU has them (runtime/internal/atomic/
// atomic_arm64.s, behind internal/cpu.ARM64.HasATOMICS). Recognized from
// the ARM ARM encoding tables so they never come out as kInvalid.
bool IsNewerLoadStore(std::uint32_t w) {
  if ((w & 0x3f200c00) == 0x38200000) {
    // Atomic memory operations: size 111 0 00 A R 1 Rs o3 opc 00 Rn Rt.
    const bool o3 = Bit(w, 15);
    const std::uint32_t opc = Bits(w, 14, 12);
    if (!o3) return true;       // LDADD .. LDUMIN
    if (opc == 0) return true;  // SWP
    return opc == 4 && Bit(w, 23) && !Bit(w, 22) &&
           Bits(w, 20, 16) == 31;  // LDAPR (v8.3)
  }
  if ((w & 0x3fa07c00) == 0x08a07c00) return true;  // CAS{A,L,AL}{B,H,}
  if ((w & 0xbfa07c00) == 0x08207c00) {             // CASP{A,L,AL}
    return Bits(w, 4, 0) % 2 == 0 && Bits(w, 20, 16) % 2 == 0;
  }
  return false;
}

class Arm64Decoder final : public Decoder {
 public:
  void Decode(Bytes code, std::uint64_t address,
              Instruction* out) const override {
    out->Reset(address);
    out->length = 4;
    if (code.size() < 4) {
      out->flow = Flow::kInvalid;
      return;
    }
    const std::uint32_t w = LoadLe32(code.data());
    const std::uint32_t op0 = Bits(w, 28, 25);
    bool done = false;
    if ((op0 & 0xe) == 0xa || op0 == 0) {
      done = DecodeBranch(w, address, out);
    } else if ((op0 & 0xe) == 0x8) {
      done = DecodeDataImm(w, address, out);
    } else if ((op0 & 0x7) == 0x5) {
      done = DecodeDataReg(w, out);
    } else if ((op0 & 0x5) == 0x4) {
      done = DecodeLoadStore(w, address, out);
    }
    if (done) return;
    if (!IsNewerLoadStore(w) &&
        !internal::CapstoneValidArm64(code.data(), address)) {
      out->flow = Flow::kInvalid;
      return;
    }
    ClobberByClass(w, out);
  }
};

}  // namespace

std::unique_ptr<Decoder> MakeArm64Decoder() {
  return std::make_unique<Arm64Decoder>();
}

}  // namespace go2seccomp::disasm
