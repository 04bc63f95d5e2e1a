#include "go2seccomp/disasm/x86_64.h"

#include <Zydis/Zydis.h>

#include <cstdint>
#include <memory>

#include "go2seccomp/disasm/x86_fast.h"

namespace go2seccomp::disasm {
namespace {

constexpr Reg kRcx = 1;
constexpr Reg kRbp = 5;
constexpr Reg kR11 = 11;

// What differs between the two x86 modes we decode. In 32-bit protected
// mode (GOARCH=386) the general registers EAX..EDI keep the indices of
// their 64-bit counterparts (EAX=0 .. EDI=7, ESP=kSp) at size 4, and
// addresses, stack slots and the stack pointer are 4 bytes wide.
struct X86Mode {
  ZydisMachineMode machine;
  ZydisStackWidth stack_width;
  std::uint8_t ptr_size;  // address size, stack slot size, SP size
  bool is_64;
};

constexpr X86Mode kLong64{ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64, 8,
                          true};
constexpr X86Mode kLegacy32{ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32,
                            4, false};

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
// the absolute address in disp. FS/GS segments and address registers
// narrower than the mode's (a 0x67 prefix) make it opaque_base (see
// MemRef). In 32-bit mode an absolute address (no base, no index) is
// zero-extended: Zydis sign-extends disp32, but 0x80000000+ are addresses.
MemRef MapMem(const ZydisDecodedOperandMem& m, std::uint64_t next_pc,
              const X86Mode& mode) {
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
    if (MapGpr(m.base, &g) && g.size == mode.ptr_size) {
      r.base = g.reg;
    } else {
      r.opaque_base = true;  // EIP, EAX, BX, ... with a 0x67 prefix
      if (MapGpr(m.base, &g)) r.base = g.reg;
    }
  }
  if (m.index != ZYDIS_REGISTER_NONE) {
    Gpr g;
    if (MapGpr(m.index, &g) && g.size == mode.ptr_size) {
      r.index = g.reg;
      r.scale = m.scale == 0 ? 1 : m.scale;
    } else {
      r.opaque_base = true;  // narrower index, or a VSIB vector index
    }
  }
  if (!mode.is_64 && m.base == ZYDIS_REGISTER_NONE &&
      m.index == ZYDIS_REGISTER_NONE) {
    r.disp &= 0xffffffff;
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

class X86Decoder final : public Decoder {
 public:
  explicit X86Decoder(const X86Mode& mode) : mode_(mode) {
    // Cannot fail for these constant, valid arguments.
    ZydisDecoderInit(&decoder_, mode.machine, mode.stack_width);
  }

  void Decode(Bytes code, std::uint64_t address,
              Instruction* out) const override;

  void DecodeShape(Bytes code, std::uint64_t address,
                   Instruction* out) const override;

  std::size_t Length(Bytes code, std::uint64_t address) const override {
    FastX86 fast;
    if (mode_.is_64 && FastDecodeX86_64(code.data(), code.size(), address, &fast)) {
      return fast.length;
    }
    // Without a context Zydis decodes the instruction but not its operands
    // (Zydis 4, ZydisDecoderDecodeInstruction): the length at a fraction
    // of the cost.
    ZydisDecodedInstruction insn;
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&decoder_, nullptr, code.data(),
                                                    code.size(), &insn))) {
      return 0;
    }
    return insn.length;
  }

 private:
  // Zydis's decode of the instruction itself (operands come later, from
  // `ctx`); on failure *out is the kInvalid instruction Decode promises.
  // *out is reset to `address` either way.
  bool DecodeInstruction(Bytes code, std::uint64_t address, ZydisDecoderContext* ctx,
                         ZydisDecodedInstruction* zi, Instruction* out) const;
  // The IR of a decoded instruction (Decode after ZydisDecoderDecodeInstruction).
  void Model(const ZydisDecodedInstruction& zi, const ZydisDecoderContext& ctx,
             std::uint64_t address, Instruction* out) const;

  const X86Mode mode_;
  ZydisDecoder decoder_;  // read-only after construction: Decode is const
};

// The source operand of a data move, if the IR can state its value
// precisely: a full (not high-byte) GPR, an immediate, or memory with a
// known base. Everything else (segment registers, AH, FS:-relative loads)
// makes the destination a Clobber instead.
bool SourceOperand(const ZydisDecodedOperand& op, std::uint8_t dst_size,
                   std::uint64_t next_pc, const X86Mode& mode, Operand* out) {
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
      const MemRef m = MapMem(op.mem, next_pc, mode);
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
               const X86Mode& mode, bool src_known, const Operand& src,
               bool maybe, Instruction* out) {
  Operand d;
  bool precise = src_known;
  if (dst.type == ZYDIS_OPERAND_TYPE_REGISTER) {
    Gpr g;
    if (!MapGpr(dst.reg.value, &g)) return;
    d = Operand::Register(g.reg, g.size);
    precise = precise && !g.high8;
  } else if (dst.type == ZYDIS_OPERAND_TYPE_MEMORY) {
    const MemRef m = MapMem(dst.mem, next_pc, mode);
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
                   const X86Mode& mode, Instruction* out) {
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
      out->AddClobber(Operand::Memory(MapMem(op.mem, next_pc, mode),
                                      rep ? 0 : MemSize(op)));
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
               const X86Mode& mode, Instruction* out) {
  const ZydisDecodedOperand& op0 = ops[0];
  const ZydisDecodedOperand& op1 = ops[1];
  const int nvis = zi.operand_count_visible;
  const std::uint8_t sp_size = mode.ptr_size;
  const auto is_sp = [](const ZydisDecodedOperand& op) {
    Gpr g;
    return op.type == ZYDIS_OPERAND_TYPE_REGISTER && MapGpr(op.reg.value, &g) &&
           g.reg == kSp;
  };
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
      const bool known = SourceOperand(op1, dst_size, next_pc, mode, &src);
      WriteDest(op0, next_pc, mode, known, src, /*maybe=*/false, out);
      return true;
    }
    case ZYDIS_MNEMONIC_LEA: {
      Gpr dst;
      if (nvis != 2 || !IsReg(op0) || !MapGpr(op0.reg.value, &dst)) {
        return false;
      }
      const ZydisDecodedOperandMem& m = op1.mem;
      // LEA computes base+disp (no index, the mode's address size)
      // exactly; a 4-byte destination keeps the low half, like AddImm at
      // size 4.
      if ((dst.size == 4 || dst.size == 8) &&
          zi.address_width == mode.ptr_size * 8 &&
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
        if (MapGpr(m.base, &base) && base.size == mode.ptr_size) {
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
        WriteDest(op0, next_pc, mode, true, Operand::Immediate(0, dst.size),
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
    case ZYDIS_MNEMONIC_OR: {
      // OR r, imm (4/8 bytes: zero-extending): flag sets built from
      // constants, such as runtime.clone's ORQ $CLONE_SETTLS, DI.
      if (nvis != 2 || !IsReg(op0) || op1.type != ZYDIS_OPERAND_TYPE_IMMEDIATE) return false;
      Gpr dst;
      if (!MapGpr(op0.reg.value, &dst) || dst.high8 || (dst.size != 4 && dst.size != 8)) {
        return false;
      }
      out->AddOrImm(dst.reg, dst.reg, Addend(op1, dst.size), dst.size);
      return true;
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
      if (is_sp(op0)) {
        // PUSH RSP stores the value from before the decrement.
        out->AddMove(
            Operand::Memory(MemRef{kSp, kNoReg, 1, -size, false}, size),
            Operand::Register(kSp, sp_size));
        out->AddAddImm(kSp, kSp, -size, sp_size);
        return true;
      }
      if (op0.type == ZYDIS_OPERAND_TYPE_MEMORY) {
        // The source address is computed before RSP moves: rebase it on
        // the decremented RSP.
        MemRef m = MapMem(op0.mem, next_pc, mode);
        if (m.base == kSp) m.disp += size;
        if (!m.opaque_base) {
          src = Operand::Memory(m, size);
          known = true;
        }
      } else {
        known = SourceOperand(op0, size, next_pc, mode, &src);
      }
      out->AddAddImm(kSp, kSp, -size, sp_size);
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
      out->AddAddImm(kSp, kSp, -size, sp_size);
      out->AddClobber(Operand::Memory(MemRef{kSp, kNoReg, 1, 0, false}, size));
      return true;
    }
    case ZYDIS_MNEMONIC_PUSHA:
    case ZYDIS_MNEMONIC_PUSHAD: {
      // 32-bit mode only: eight registers below ESP (Intel SDM, PUSHA).
      const std::uint8_t size = zi.operand_width / 8;
      out->AddAddImm(kSp, kSp, -8 * size, sp_size);
      out->AddClobber(
          Operand::Memory(MemRef{kSp, kNoReg, 1, 0, false}, 8 * size));
      return true;
    }
    case ZYDIS_MNEMONIC_POP: {
      const std::uint8_t size = zi.operand_width / 8;
      const Operand top =
          Operand::Memory(MemRef{kSp, kNoReg, 1, 0, false}, size);
      if (IsReg(op0)) {
        Gpr g;
        if (!MapGpr(op0.reg.value, &g)) {  // POP FS/GS
          out->AddAddImm(kSp, kSp, size, sp_size);
          return true;
        }
        if (g.reg == kSp) {
          // POP RSP loads RSP from the old top; the increment is lost.
          out->AddMove(Operand::Register(kSp, sp_size), top);
          return true;
        }
        out->AddMove(Operand::Register(g.reg, g.size), top);
        out->AddAddImm(kSp, kSp, size, sp_size);
        return true;
      }
      // POP m: the destination address uses the incremented RSP (Intel
      // SDM, POP), i.e. the current RSP + size, and we move before adding.
      MemRef m = MapMem(op0.mem, next_pc, mode);
      if (m.base == kSp) m.disp += size;
      if (m.opaque_base) {
        out->AddClobber(Operand::Memory(m, size));
      } else {
        out->AddMove(Operand::Memory(m, size), top);
      }
      out->AddAddImm(kSp, kSp, size, sp_size);
      return true;
    }
    case ZYDIS_MNEMONIC_POPF:
    case ZYDIS_MNEMONIC_POPFD:
    case ZYDIS_MNEMONIC_POPFQ:
      out->AddAddImm(kSp, kSp, zi.operand_width / 8, sp_size);
      return true;
    case ZYDIS_MNEMONIC_POPA:
    case ZYDIS_MNEMONIC_POPAD:
      // Seven registers and ESP: more than the op list holds (Go's
      // runtime·clone, runtime/sys_linux_386.s, brackets calls with it).
      out->clobbers_all_registers = true;
      return true;
    case ZYDIS_MNEMONIC_LEAVE: {
      // RSP <- RBP; RBP <- [RSP]; RSP += 8.
      const std::uint8_t size = zi.operand_width / 8;
      out->AddMove(Operand::Register(kSp, sp_size),
                   Operand::Register(kRbp, sp_size));
      out->AddMove(Operand::Register(kRbp, size),
                   Operand::Memory(MemRef{kSp, kNoReg, 1, 0, false}, size));
      out->AddAddImm(kSp, kSp, size, sp_size);
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
        op1, static_cast<std::uint8_t>(op0.size / 8), next_pc, mode, &src);
    WriteDest(op0, next_pc, mode, known, src, /*maybe=*/true, out);
    return true;
  }
  return false;
}

// `CALL *%gs:0x10` in 32-bit code: the system call entry glibc's i386
// syscall stubs use. glibc keeps the vDSO's __kernel_vsyscall (AT_SYSINFO)
// at that offset of its TCB, and it enters the kernel by the fastest
// available means. Go 1.19 uses INT $0x80 and keeps `CALL 0x10(GS)` only
// as a commented-out INVOKE_SYSCALL alternative (runtime/sys_linux_386.s,
// golang.org/cl/19833); it is decoded here so 32-bit C code and other
// toolchains' binaries get their sites too.
bool IsVsyscallCall(const ZydisDecodedInstruction& zi,
                    const ZydisDecodedOperand* ops) {
  if (zi.operand_count_visible != 1) return false;
  const ZydisDecodedOperand& op = ops[0];
  return op.type == ZYDIS_OPERAND_TYPE_MEMORY &&
         op.mem.segment == ZYDIS_REGISTER_GS &&
         op.mem.base == ZYDIS_REGISTER_NONE &&
         op.mem.index == ZYDIS_REGISTER_NONE && op.mem.disp.value == 0x10;
}

bool X86Decoder::DecodeInstruction(Bytes code, std::uint64_t address,
                                   ZydisDecoderContext* ctx,
                                   ZydisDecodedInstruction* zi,
                                   Instruction* out) const {
  out->Reset(address);
  if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&decoder_, ctx, code.data(),
                                                  code.size(), zi))) {
    out->flow = Flow::kInvalid;
    out->length = 1;
    return false;
  }
  return true;
}

void X86Decoder::Decode(Bytes code, std::uint64_t address,
                        Instruction* out) const {
  ZydisDecoderContext ctx;
  ZydisDecodedInstruction zi;
  if (DecodeInstruction(code, address, &ctx, &zi, out)) {
    Model(zi, ctx, address, out);
  }
}

void X86Decoder::Model(const ZydisDecodedInstruction& zi,
                       const ZydisDecoderContext& ctx, std::uint64_t address,
                       Instruction* out) const {
  out->length = zi.length;
  const std::uint64_t next_pc = address + zi.length;
  // 32-bit code wraps around at 4 GiB.
  const std::uint64_t addr_mask =
      mode_.is_64 ? ~std::uint64_t{0} : std::uint64_t{0xffffffff};
  const auto rel_target = [&zi, next_pc, addr_mask] {
    return (next_pc + static_cast<std::uint64_t>(zi.raw.imm[0].value.s)) &
           addr_mask;
  };

  // Control flow needs no operand decoding (the raw immediate is enough),
  // which keeps the common CALL/Jcc/RET path cheap.
  switch (zi.mnemonic) {
    case ZYDIS_MNEMONIC_CALL:
      if (zi.raw.imm[0].is_relative) {
        out->flow = Flow::kCall;
        out->target = rel_target();
        return;
      }
      out->flow = Flow::kIndirectCall;
      if (!mode_.is_64 && (zi.attributes & ZYDIS_ATTRIB_HAS_SEGMENT_GS) != 0) {
        ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
        if (ZYAN_SUCCESS(ZydisDecoderDecodeOperands(
                &decoder_, &ctx, &zi, ops, zi.operand_count_visible)) &&
            IsVsyscallCall(zi, ops)) {
          // The number is in EAX as for INT $0x80; __kernel_vsyscall
          // returns the result in EAX and preserves the other registers
          // (arch/x86/entry/vdso/vdso32/system_call.S). The return address
          // and its saved ECX/EDX/EBP go below ESP.
          out->flow = Flow::kSyscall;
          out->AddClobber(Operand::Register(0, 4));
          out->AddClobber(
              Operand::Memory(MemRef{kSp, kNoReg, 1, -0x40, false}, 0x40));
        }
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
      if (!mode_.is_64) {
        // #UD on Intel; on AMD, 32-bit code under a 64-bit kernel enters
        // the compat (i386) table with a register convention of its own
        // (arch/x86/entry/entry_64_compat.S, entry_SYSCALL_compat).
        out->flow = Flow::kSyscall;
        out->clobbers_all_registers = true;
        return;
      }
      // The kernel returns in RAX; the CPU saves RIP in RCX and RFLAGS in
      // R11 (Intel SDM, SYSCALL).
      out->flow = Flow::kSyscall;
      out->AddClobber(Operand::Register(0, 8));
      out->AddClobber(Operand::Register(kRcx, 8));
      out->AddClobber(Operand::Register(kR11, 8));
      return;
    case ZYDIS_MNEMONIC_INT:
      if (zi.raw.imm[0].value.u == 0x80) {
        out->trap_imm = 0x80;
        if (!mode_.is_64) {
          // The native i386 entry (Go's INVOKE_SYSCALL since Go 1.6,
          // runtime/sys_linux_386.s): number in EAX, result in EAX, every
          // other register preserved (arch/x86/entry/entry_32.S).
          out->flow = Flow::kSyscall;
          out->AddClobber(Operand::Register(0, 4));
          return;
        }
        // The i386 entry from 64-bit code: result in EAX, and the compat
        // entry returns R8-R11 zeroed (arch/x86/entry/entry_64_compat.S).
        out->flow = Flow::kForeignSyscall;
        out->AddClobber(Operand::Register(0, 8));
        for (Reg r = 8; r <= 11; ++r) out->AddClobber(Operand::Register(r, 8));
      } else {
        out->flow = Flow::kHalt;  // other vectors fault in user mode
      }
      return;
    case ZYDIS_MNEMONIC_SYSENTER:
      // Returns through the vDSO with ECX/EDX (and, from 64-bit code,
      // R8-R11) changed: more than the op list holds. Native on i386, but
      // only usable from __kernel_vsyscall, which knows the return path.
      out->flow = mode_.is_64 ? Flow::kForeignSyscall : Flow::kSyscall;
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
      // Jcc, JRCXZ/JECXZ and LOOPcc; the LOOPs also decrement RCX/ECX.
      out->flow = Flow::kCondJump;
      out->target = rel_target();
      if (zi.mnemonic == ZYDIS_MNEMONIC_LOOP ||
          zi.mnemonic == ZYDIS_MNEMONIC_LOOPE ||
          zi.mnemonic == ZYDIS_MNEMONIC_LOOPNE) {
        out->AddClobber(Operand::Register(kRcx, mode_.ptr_size));
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
  if (!ModelData(zi, ops, next_pc, mode_, out)) {
    ClobberWrites(zi, ops, next_pc, mode_, out);
  }
}

// Whether Decode may give this instruction a flow other than kNext or a
// Move of an immediate: the mnemonics and categories Decode and ModelData
// treat that way. Everything else only clobbers or moves registers.
bool MayBranchOrMoveImmediate(const ZydisDecodedInstruction& zi) {
  switch (zi.meta.category) {
    case ZYDIS_CATEGORY_COND_BR:
    case ZYDIS_CATEGORY_UNCOND_BR:
    case ZYDIS_CATEGORY_CALL:
    case ZYDIS_CATEGORY_RET:
    case ZYDIS_CATEGORY_SYSCALL:
    case ZYDIS_CATEGORY_SYSRET:
    case ZYDIS_CATEGORY_INTERRUPT:
    case ZYDIS_CATEGORY_SYSTEM:
      return true;
    default:
      break;
  }
  switch (zi.mnemonic) {
    case ZYDIS_MNEMONIC_MOV:
    case ZYDIS_MNEMONIC_LEA:
    case ZYDIS_MNEMONIC_XOR:
    case ZYDIS_MNEMONIC_SUB:
    case ZYDIS_MNEMONIC_PUSH:
    case ZYDIS_MNEMONIC_CALL:
    case ZYDIS_MNEMONIC_JMP:
    case ZYDIS_MNEMONIC_SYSCALL:
    case ZYDIS_MNEMONIC_SYSENTER:
    case ZYDIS_MNEMONIC_SYSEXIT:
    case ZYDIS_MNEMONIC_SYSRET:
    case ZYDIS_MNEMONIC_INT:
    case ZYDIS_MNEMONIC_INT1:
    case ZYDIS_MNEMONIC_INT3:
    case ZYDIS_MNEMONIC_INTO:
    case ZYDIS_MNEMONIC_IRET:
    case ZYDIS_MNEMONIC_IRETD:
    case ZYDIS_MNEMONIC_IRETQ:
    case ZYDIS_MNEMONIC_UD0:
    case ZYDIS_MNEMONIC_UD1:
    case ZYDIS_MNEMONIC_UD2:
    case ZYDIS_MNEMONIC_HLT:
      return true;
    default:
      return false;
  }
}

void X86Decoder::DecodeShape(Bytes code, std::uint64_t address,
                             Instruction* out) const {
  FastX86 fast;
  if (mode_.is_64 && FastDecodeX86_64(code.data(), code.size(), address, &fast)) {
    out->Reset(address);
    out->length = fast.length;
    out->flow = fast.flow;
    out->target = fast.target;
    if (fast.has_move) {
      out->AddMove(Operand::Register(fast.move_reg, fast.move_size),
                   Operand::Immediate(fast.move_imm, fast.move_size));
    }
    return;
  }
  ZydisDecoderContext ctx;
  ZydisDecodedInstruction zi;
  if (!DecodeInstruction(code, address, &ctx, &zi, out)) return;
  if (!MayBranchOrMoveImmediate(zi)) {
    // Vector, string, BMI, x87 ... instructions: their operands, the
    // costly half of Zydis's work, cannot change the shape.
    out->length = zi.length;
    return;
  }
  // Keep only the Moves of an immediate, so the answer is the same
  // whichever path gave it.
  Model(zi, ctx, address, out);
  int kept = 0;
  for (int k = 0; k < out->num_ops; ++k) {
    const MicroOp& op = out->ops[k];
    if (op.kind == OpKind::kMove && op.src.kind == Operand::Kind::kImm) {
      out->ops[kept++] = op;
    }
  }
  out->num_ops = static_cast<std::uint8_t>(kept);
  out->clobbers_all_registers = false;
}

}  // namespace

std::unique_ptr<Decoder> MakeX86_64Decoder() {
  return std::make_unique<X86Decoder>(kLong64);
}

std::unique_ptr<Decoder> MakeI386Decoder() {
  return std::make_unique<X86Decoder>(kLegacy32);
}

}  // namespace go2seccomp::disasm
