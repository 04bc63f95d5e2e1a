#include "go2seccomp/disasm/x86_64.h"

#include <Zydis/Zydis.h>

#include <cstdint>
#include <memory>

namespace go2seccomp::disasm {
namespace {

constexpr Reg kRcx = 1;
constexpr Reg kRbp = 5;
constexpr Reg kR11 = 11;

// A general register as the IR sees it. The legacy high-byte registers
// (AH, CH, DH, BH) share the index of their 64-bit register; `high8` says
// the byte is bits 8..15, which the IR cannot express, so they are only
// ever clobbered (a 1-byte clobber), never moved.
struct Gpr {
  Reg reg = kNoReg;
  std::uint8_t size = 0;
  bool high8 = false;
};

// False for everything that is not a general register (flags, rip,
// segment, vector, x87, mask, control, debug): those are not in the IR.
bool MapGpr(ZydisRegister r, Gpr* out) {
  switch (r) {
    case ZYDIS_REGISTER_AH:
      *out = Gpr{0, 1, true};
      return true;
    case ZYDIS_REGISTER_CH:
      *out = Gpr{1, 1, true};
      return true;
    case ZYDIS_REGISTER_DH:
      *out = Gpr{2, 1, true};
      return true;
    case ZYDIS_REGISTER_BH:
      *out = Gpr{3, 1, true};
      return true;
    default:
      break;
  }
  std::uint8_t size = 0;
  switch (ZydisRegisterGetClass(r)) {
    case ZYDIS_REGCLASS_GPR8:
      size = 1;
      break;
    case ZYDIS_REGCLASS_GPR16:
      size = 2;
      break;
    case ZYDIS_REGCLASS_GPR32:
      size = 4;
      break;
    case ZYDIS_REGCLASS_GPR64:
      size = 8;
      break;
    default:
      return false;
  }
  // The encoding number of the enclosing 64-bit register (RAX=0 .. R15=15)
  // is our index; RSP (4) is kSp so the analysis can track the stack.
  const ZydisRegister full =
      ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, r);
  const ZyanI8 id = ZydisRegisterGetId(full);
  if (id < 0 || id > 15) return false;
  *out = Gpr{id == 4 ? kSp : static_cast<Reg>(id), size, false};
  return true;
}

// The IR address of a memory operand. RIP-relative becomes base kPc with
// the absolute address in disp. FS/GS segments and 32-bit address
// registers make it opaque_base (see MemRef).
MemRef MapMem(const ZydisDecodedOperandMem& m, std::uint64_t next_pc) {
  MemRef r;
  r.disp = m.disp.value;
  if (m.segment == ZYDIS_REGISTER_FS || m.segment == ZYDIS_REGISTER_GS) {
    r.opaque_base = true;
  }
  if (m.base == ZYDIS_REGISTER_RIP) {
    r.base = kPc;
    r.disp = static_cast<std::int64_t>(
        next_pc + static_cast<std::uint64_t>(m.disp.value));
  } else if (m.base != ZYDIS_REGISTER_NONE) {
    Gpr g;
    if (MapGpr(m.base, &g) && g.size == 8) {
      r.base = g.reg;
    } else {
      r.opaque_base = true;  // EIP, EAX, ... with a 0x67 prefix
      if (MapGpr(m.base, &g)) r.base = g.reg;
    }
  }
  if (m.index != ZYDIS_REGISTER_NONE) {
    Gpr g;
    if (MapGpr(m.index, &g) && g.size == 8) {
      r.index = g.reg;
      r.scale = m.scale == 0 ? 1 : m.scale;
    } else {
      r.opaque_base = true;  // 32-bit index, or a VSIB vector index
    }
  }
  return r;
}

// Operand sizes are in bits in Zydis; memory extents that do not fit a
// byte (XSAVE areas, 512-bit vectors) become 0, "unknown extent".
std::uint8_t MemSize(const ZydisDecodedOperand& op) {
  const unsigned bytes = op.size / 8;
  return bytes == 0 || bytes > 255 ? 0 : static_cast<std::uint8_t>(bytes);
}

// The value an immediate leaves in a destination of `size` bytes. Zydis
// hands out signed immediates already sign-extended to 64 bits, so for a
// 64-bit destination (MOV r/m64, imm32; PUSH imm) this is the sign-extended
// value and for narrower ones the zero-extended low bytes, which is what a
// 4-byte destination then holds in the full register.
std::int64_t ImmFor(const ZydisDecodedOperand& op, std::uint8_t size) {
  std::uint64_t v = op.imm.value.u;
  if (size < 8) v &= (std::uint64_t{1} << (size * 8)) - 1;
  return static_cast<std::int64_t>(v);
}

// An ADD/SUB immediate as a signed addend for `size` bytes of arithmetic.
std::int64_t Addend(const ZydisDecodedOperand& op, std::uint8_t size) {
  const std::int64_t v = op.imm.value.s;
  return size == 4 ? static_cast<std::int32_t>(v) : v;
}

class X86_64Decoder final : public Decoder {
 public:
  X86_64Decoder() {
    // Cannot fail for these constant, valid arguments.
    ZydisDecoderInit(&decoder_, ZYDIS_MACHINE_MODE_LONG_64,
                     ZYDIS_STACK_WIDTH_64);
  }

  void Decode(Bytes code, std::uint64_t address,
              Instruction* out) const override;

 private:
  ZydisDecoder decoder_;  // read-only after construction: Decode is const
};

// The source operand of a data move, if the IR can state its value
// precisely: a full (not high-byte) GPR, an immediate, or memory with a
// known base. Everything else (segment registers, AH, FS:-relative loads)
// makes the destination a Clobber instead.
bool SourceOperand(const ZydisDecodedOperand& op, std::uint8_t dst_size,
                   std::uint64_t next_pc, Operand* out) {
  switch (op.type) {
    case ZYDIS_OPERAND_TYPE_REGISTER: {
      Gpr g;
      if (!MapGpr(op.reg.value, &g) || g.high8) return false;
      *out = Operand::Register(g.reg, g.size);
      return true;
    }
    case ZYDIS_OPERAND_TYPE_IMMEDIATE:
      *out = Operand::Immediate(ImmFor(op, dst_size), dst_size);
      return true;
    case ZYDIS_OPERAND_TYPE_MEMORY: {
      const MemRef m = MapMem(op.mem, next_pc);
      if (m.opaque_base) return false;
      *out = Operand::Memory(m, MemSize(op));
      return true;
    }
    default:
      return false;
  }
}

// Writes `src` (or, when !src_known, an unknown value) to the destination
// operand. Destinations the IR can only clobber (AH..BH, opaque memory) get
// a Clobber; non-GPR registers are not in the IR and get nothing.
void WriteDest(const ZydisDecodedOperand& dst, std::uint64_t next_pc,
               bool src_known, const Operand& src, bool maybe,
               Instruction* out) {
  Operand d;
  bool precise = src_known;
  if (dst.type == ZYDIS_OPERAND_TYPE_REGISTER) {
    Gpr g;
    if (!MapGpr(dst.reg.value, &g)) return;
    d = Operand::Register(g.reg, g.size);
    precise = precise && !g.high8;
  } else if (dst.type == ZYDIS_OPERAND_TYPE_MEMORY) {
    const MemRef m = MapMem(dst.mem, next_pc);
    d = Operand::Memory(m, MemSize(dst));
    precise = precise && !m.opaque_base;
  } else {
    return;
  }
  if (!precise) {
    out->AddClobber(d);
  } else if (maybe) {
    out->AddMoveMaybe(d, src);
  } else {
    out->AddMove(d, src);
  }
}

// Everything without a precise model: every written GPR and memory
// operand, visible or not (MUL's RDX:RAX, CPUID's four registers, REP
// MOVS's RSI/RDI/RCX, XCHG's two operands, AND RSP,$-16's RSP ...).
void ClobberWrites(const ZydisDecodedInstruction& zi,
                   const ZydisDecodedOperand* ops, std::uint64_t next_pc,
                   Instruction* out) {
  const bool rep =
      (zi.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE |
                        ZYDIS_ATTRIB_HAS_REPNE)) != 0;
  // Memory first, then registers by index: a canonical order that does not
  // depend on how a Zydis release orders hidden operands.
  for (int i = 0; i < zi.operand_count; ++i) {
    const ZydisDecodedOperand& op = ops[i];
    if ((op.actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) != 0 &&
        op.type == ZYDIS_OPERAND_TYPE_MEMORY &&
        op.mem.type == ZYDIS_MEMOP_TYPE_MEM) {
      // A REP string instruction writes RCX elements from [RDI] on.
      out->AddClobber(
          Operand::Memory(MapMem(op.mem, next_pc), rep ? 0 : MemSize(op)));
    }
  }
  // Written GPRs as (index, size); at most one entry per register.
  std::uint8_t size_of[kNumTrackedRegs] = {};
  for (int i = 0; i < zi.operand_count; ++i) {
    const ZydisDecodedOperand& op = ops[i];
    Gpr g;
    if ((op.actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) != 0 &&
        op.type == ZYDIS_OPERAND_TYPE_REGISTER && MapGpr(op.reg.value, &g) &&
        g.size > size_of[g.reg]) {
      size_of[g.reg] = g.size;
    }
  }
  for (Reg r = 0; r < kNumTrackedRegs; ++r) {
    if (size_of[r] != 0) out->AddClobber(Operand::Register(r, size_of[r]));
  }
}

bool IsReg(const ZydisDecodedOperand& op) {
  return op.type == ZYDIS_OPERAND_TYPE_REGISTER;
}

// Returns true if the instruction was fully modeled by one of the precise
// rules; false sends it to ClobberWrites.
bool ModelData(const ZydisDecodedInstruction& zi,
               const ZydisDecodedOperand* ops, std::uint64_t next_pc,
               Instruction* out) {
  const ZydisDecodedOperand& op0 = ops[0];
  const ZydisDecodedOperand& op1 = ops[1];
  const int nvis = zi.operand_count_visible;
  switch (zi.mnemonic) {
    case ZYDIS_MNEMONIC_MOV: {
      // Moves to/from segment, control and debug registers fall through
      // to the generic rule (which ignores those registers).
      if (nvis != 2) return false;
      if (IsReg(op0)) {
        Gpr g;
        if (!MapGpr(op0.reg.value, &g)) return false;
      }
      Operand src;
      const std::uint8_t dst_size = static_cast<std::uint8_t>(op0.size / 8);
      const bool known = SourceOperand(op1, dst_size, next_pc, &src);
      WriteDest(op0, next_pc, known, src, /*maybe=*/false, out);
      return true;
    }
    case ZYDIS_MNEMONIC_LEA: {
      Gpr dst;
      if (nvis != 2 || !IsReg(op0) || !MapGpr(op0.reg.value, &dst)) {
        return false;
      }
      const ZydisDecodedOperandMem& m = op1.mem;
      // LEA computes base+disp (no index, 64-bit address size) exactly;
      // a 4-byte destination keeps the low half, like AddImm at size 4.
      if ((dst.size == 4 || dst.size == 8) && zi.address_width == 64 &&
          m.index == ZYDIS_REGISTER_NONE) {
        if (m.base == ZYDIS_REGISTER_RIP) {
          std::uint64_t v = next_pc + static_cast<std::uint64_t>(m.disp.value);
          if (dst.size == 4) v &= 0xffffffffu;
          out->AddMove(
              Operand::Register(dst.reg, dst.size),
              Operand::Immediate(static_cast<std::int64_t>(v), dst.size));
          return true;
        }
        if (m.base == ZYDIS_REGISTER_NONE) {  // LEA r, [disp32]: a constant
          std::uint64_t v = static_cast<std::uint64_t>(m.disp.value);
          if (dst.size == 4) v &= 0xffffffffu;
          out->AddMove(
              Operand::Register(dst.reg, dst.size),
              Operand::Immediate(static_cast<std::int64_t>(v), dst.size));
          return true;
        }
        Gpr base;
        if (MapGpr(m.base, &base) && base.size == 8) {
          out->AddAddImm(dst.reg, base.reg, m.disp.value, dst.size);
          return true;
        }
      }
      out->AddClobber(Operand::Register(dst.reg, dst.size));
      return true;
    }
    case ZYDIS_MNEMONIC_XOR:
    case ZYDIS_MNEMONIC_SUB:
    case ZYDIS_MNEMONIC_ADD: {
      if (nvis != 2 || !IsReg(op0)) return false;
      Gpr dst;
      if (!MapGpr(op0.reg.value, &dst)) return false;
      // XOR r,r / SUB r,r: Go's (and every compiler's) zeroing idiom.
      if (zi.mnemonic != ZYDIS_MNEMONIC_ADD && IsReg(op1) &&
          op1.reg.value == op0.reg.value) {
        WriteDest(op0, next_pc, true, Operand::Immediate(0, dst.size),
                  /*maybe=*/false, out);
        return true;
      }
      // ADD/SUB r, imm: the stack-frame and counter adjustments. Only 4-
      // and 8-byte destinations have exact (zero-extending) semantics.
      if (zi.mnemonic != ZYDIS_MNEMONIC_XOR &&
          op1.type == ZYDIS_OPERAND_TYPE_IMMEDIATE && !dst.high8 &&
          (dst.size == 4 || dst.size == 8)) {
        std::int64_t imm = Addend(op1, dst.size);
        if (zi.mnemonic == ZYDIS_MNEMONIC_SUB) {
          imm = static_cast<std::int64_t>(std::uint64_t{0} -
                                          static_cast<std::uint64_t>(imm));
        }
        out->AddAddImm(dst.reg, dst.reg, imm, dst.size);
        return true;
      }
      return false;
    }
    case ZYDIS_MNEMONIC_INC:
    case ZYDIS_MNEMONIC_DEC: {
      Gpr dst;
      if (!IsReg(op0) || !MapGpr(op0.reg.value, &dst) ||
          (dst.size != 4 && dst.size != 8)) {
        return false;
      }
      out->AddAddImm(dst.reg, dst.reg,
                     zi.mnemonic == ZYDIS_MNEMONIC_INC ? 1 : -1, dst.size);
      return true;
    }
    case ZYDIS_MNEMONIC_PUSH: {
      const std::uint8_t size = zi.operand_width / 8;
      Operand src;
      bool known = false;
      if (IsReg(op0) && op0.reg.value == ZYDIS_REGISTER_RSP) {
        // PUSH RSP stores the value from before the decrement.
        out->AddMove(
            Operand::Memory(MemRef{kSp, kNoReg, 1, -size, false}, size),
            Operand::Register(kSp, 8));
        out->AddAddImm(kSp, kSp, -size);
        return true;
      }
      if (op0.type == ZYDIS_OPERAND_TYPE_MEMORY) {
        // The source address is computed before RSP moves: rebase it on
        // the decremented RSP.
        MemRef m = MapMem(op0.mem, next_pc);
        if (m.base == kSp) m.disp += size;
        if (!m.opaque_base) {
          src = Operand::Memory(m, size);
          known = true;
        }
      } else {
        known = SourceOperand(op0, size, next_pc, &src);
      }
      out->AddAddImm(kSp, kSp, -size);
      const Operand slot =
          Operand::Memory(MemRef{kSp, kNoReg, 1, 0, false}, size);
      if (known) {
        out->AddMove(slot, src);
      } else {
        out->AddClobber(slot);  // PUSH FS/GS
      }
      return true;
    }
    case ZYDIS_MNEMONIC_PUSHF:
    case ZYDIS_MNEMONIC_PUSHFD:
    case ZYDIS_MNEMONIC_PUSHFQ: {
      const std::uint8_t size = zi.operand_width / 8;
      out->AddAddImm(kSp, kSp, -size);
      out->AddClobber(Operand::Memory(MemRef{kSp, kNoReg, 1, 0, false}, size));
      return true;
    }
    case ZYDIS_MNEMONIC_POP: {
      const std::uint8_t size = zi.operand_width / 8;
      const Operand top =
          Operand::Memory(MemRef{kSp, kNoReg, 1, 0, false}, size);
      if (IsReg(op0)) {
        Gpr g;
        if (!MapGpr(op0.reg.value, &g)) {  // POP FS/GS
          out->AddAddImm(kSp, kSp, size);
          return true;
        }
        if (g.reg == kSp) {
          // POP RSP loads RSP from the old top; the increment is lost.
          out->AddMove(Operand::Register(kSp, 8), top);
          return true;
        }
        out->AddMove(Operand::Register(g.reg, g.size), top);
        out->AddAddImm(kSp, kSp, size);
        return true;
      }
      // POP m: the destination address uses the incremented RSP (Intel
      // SDM, POP), i.e. the current RSP + size, and we move before adding.
      MemRef m = MapMem(op0.mem, next_pc);
      if (m.base == kSp) m.disp += size;
      if (m.opaque_base) {
        out->AddClobber(Operand::Memory(m, size));
      } else {
        out->AddMove(Operand::Memory(m, size), top);
      }
      out->AddAddImm(kSp, kSp, size);
      return true;
    }
    case ZYDIS_MNEMONIC_POPF:
    case ZYDIS_MNEMONIC_POPFD:
    case ZYDIS_MNEMONIC_POPFQ:
      out->AddAddImm(kSp, kSp, zi.operand_width / 8);
      return true;
    case ZYDIS_MNEMONIC_LEAVE: {
      // RSP <- RBP; RBP <- [RSP]; RSP += 8.
      const std::uint8_t size = zi.operand_width / 8;
      out->AddMove(Operand::Register(kSp, 8), Operand::Register(kRbp, 8));
      out->AddMove(Operand::Register(kRbp, size),
                   Operand::Memory(MemRef{kSp, kNoReg, 1, 0, false}, size));
      out->AddAddImm(kSp, kSp, size);
      return true;
    }
    default:
      break;
  }
  if (zi.meta.category == ZYDIS_CATEGORY_CMOV && nvis == 2) {
    // CMOVcc r32 zero-extends even when the condition is false; MoveMaybe
    // at size 4 carries exactly that (see OpKind::kMove).
    Operand src;
    const bool known = SourceOperand(
        op1, static_cast<std::uint8_t>(op0.size / 8), next_pc, &src);
    WriteDest(op0, next_pc, known, src, /*maybe=*/true, out);
    return true;
  }
  return false;
}

void X86_64Decoder::Decode(Bytes code, std::uint64_t address,
                           Instruction* out) const {
  out->Reset(address);
  ZydisDecoderContext ctx;
  ZydisDecodedInstruction zi;
  if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&decoder_, &ctx, code.data(),
                                                  code.size(), &zi))) {
    out->flow = Flow::kInvalid;
    out->length = 1;
    return;
  }
  out->length = zi.length;
  const std::uint64_t next_pc = address + zi.length;
  const auto rel_target = [&zi, next_pc] {
    return next_pc + static_cast<std::uint64_t>(zi.raw.imm[0].value.s);
  };

  // Control flow needs no operand decoding (the raw immediate is enough),
  // which keeps the common CALL/Jcc/RET path cheap.
  switch (zi.mnemonic) {
    case ZYDIS_MNEMONIC_CALL:
      if (zi.raw.imm[0].is_relative) {
        out->flow = Flow::kCall;
        out->target = rel_target();
      } else {
        out->flow = Flow::kIndirectCall;
      }
      return;
    case ZYDIS_MNEMONIC_JMP:
      if (zi.raw.imm[0].is_relative) {
        out->flow = Flow::kJump;
        out->target = rel_target();
      } else {
        out->flow = Flow::kIndirectJump;
      }
      return;
    case ZYDIS_MNEMONIC_SYSCALL:
      // The kernel returns in RAX; the CPU saves RIP in RCX and RFLAGS in
      // R11 (Intel SDM, SYSCALL).
      out->flow = Flow::kSyscall;
      out->AddClobber(Operand::Register(0, 8));
      out->AddClobber(Operand::Register(kRcx, 8));
      out->AddClobber(Operand::Register(kR11, 8));
      return;
    case ZYDIS_MNEMONIC_INT:
      if (zi.raw.imm[0].value.u == 0x80) {
        // The i386 entry from 64-bit code: result in EAX, and the compat
        // entry returns R8-R11 zeroed (arch/x86/entry/entry_64_compat.S).
        out->flow = Flow::kForeignSyscall;
        out->trap_imm = 0x80;
        out->AddClobber(Operand::Register(0, 8));
        for (Reg r = 8; r <= 11; ++r) out->AddClobber(Operand::Register(r, 8));
      } else {
        out->flow = Flow::kHalt;  // other vectors fault in user mode
      }
      return;
    case ZYDIS_MNEMONIC_SYSENTER:
      // Returns through the vDSO with ECX/EDX and R8-R11 changed: more than
      // the op list holds, and never resolved anyway.
      out->flow = Flow::kForeignSyscall;
      out->clobbers_all_registers = true;
      return;
    case ZYDIS_MNEMONIC_INT1:
    case ZYDIS_MNEMONIC_INT3:
    case ZYDIS_MNEMONIC_INTO:
    case ZYDIS_MNEMONIC_UD0:
    case ZYDIS_MNEMONIC_UD1:
    case ZYDIS_MNEMONIC_UD2:
    case ZYDIS_MNEMONIC_HLT:
      out->flow = Flow::kHalt;
      return;
    default:
      break;
  }
  switch (zi.meta.category) {
    case ZYDIS_CATEGORY_COND_BR:
      // Jcc, JRCXZ and LOOPcc; the LOOPs also decrement RCX.
      out->flow = Flow::kCondJump;
      out->target = rel_target();
      if (zi.mnemonic == ZYDIS_MNEMONIC_LOOP ||
          zi.mnemonic == ZYDIS_MNEMONIC_LOOPE ||
          zi.mnemonic == ZYDIS_MNEMONIC_LOOPNE) {
        out->AddClobber(Operand::Register(kRcx, 8));
      }
      return;
    case ZYDIS_CATEGORY_RET:  // RET, RET imm16, far RET
      out->flow = Flow::kReturn;
      return;
    default:
      break;
  }
  if (zi.mnemonic == ZYDIS_MNEMONIC_IRET ||
      zi.mnemonic == ZYDIS_MNEMONIC_IRETD ||
      zi.mnemonic == ZYDIS_MNEMONIC_IRETQ ||
      zi.mnemonic == ZYDIS_MNEMONIC_SYSRET ||
      zi.mnemonic == ZYDIS_MNEMONIC_SYSEXIT) {
    out->flow = Flow::kReturn;
    return;
  }

  ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
  if (!ZYAN_SUCCESS(ZydisDecoderDecodeOperands(&decoder_, &ctx, &zi, ops,
                                               zi.operand_count))) {
    // Not expected for an instruction that decoded; stay sound.
    out->clobbers_all_registers = true;
    return;
  }
  if (!ModelData(zi, ops, next_pc, out)) ClobberWrites(zi, ops, next_pc, out);
}

}  // namespace

std::unique_ptr<Decoder> MakeX86_64Decoder() {
  return std::make_unique<X86_64Decoder>();
}

}  // namespace go2seccomp::disasm
