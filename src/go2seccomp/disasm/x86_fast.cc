#include "go2seccomp/disasm/x86_fast.h"

#include <array>

namespace go2seccomp::disasm {
namespace {

// Facts per opcode, one table per opcode map. An opcode left at 0 is not
// known here (invalid in 64-bit mode, rare, or with semantics the fast
// path does not model) and goes to Zydis.
enum : std::uint8_t {
  // Mandatory-prefix classes the opcode is valid with (two-byte map only;
  // the one-byte map has no mandatory prefixes and uses kAny).
  kNp = 1,   // no 66/F2/F3
  kP66 = 2,  // 66
  kPF3 = 4,  // F3
  kPF2 = 8,  // F2
  kAny = kNp | kP66 | kPF3 | kPF2,
  kModrm = 0x10,    // a ModRM byte (with SIB and displacement) follows
  kImm8 = 0x20,     // an 8-bit immediate follows
  kImmZ = 0x40,     // 16-bit with an operand-size prefix, else 32-bit
  kSpecial = 0x80,  // more checks (or a flow) in the switch below
};

constexpr std::array<std::uint8_t, 256> OneByteMap() {
  std::array<std::uint8_t, 256> t{};
  // 00-3F: ADD OR ADC SBB AND SUB XOR CMP in their six forms. (x6/x7,
  // xE/xF are segment pushes/pops, BCD adjusts and escapes: invalid in
  // 64-bit mode or prefixes, left at 0.)
  for (int row = 0; row < 8; ++row) {
    const int b = row * 8;
    for (int k = 0; k < 4; ++k) t[b + k] = kAny | kModrm;
    t[b + 4] = kAny | kImm8;
    t[b + 5] = kAny | kImmZ;
  }
  // SUB/XOR r,r is the zeroing idiom (a Move of 0).
  for (int b : {0x28, 0x29, 0x2a, 0x2b, 0x30, 0x31, 0x32, 0x33}) {
    t[b] = kAny | kModrm | kSpecial;
  }
  for (int b = 0x50; b <= 0x5f; ++b) t[b] = kAny;  // PUSH/POP r
  t[0x63] = kAny | kModrm;                         // MOVSXD
  t[0x69] = kAny | kModrm | kImmZ;                 // IMUL r, r/m, imm
  t[0x6b] = kAny | kModrm | kImm8;
  for (int b = 0x70; b <= 0x7f; ++b) t[b] = kAny | kSpecial;  // Jcc rel8
  t[0x80] = kAny | kModrm | kImm8;
  t[0x81] = kAny | kModrm | kImmZ;
  t[0x83] = kAny | kModrm | kImm8;
  for (int b = 0x84; b <= 0x8b; ++b) t[b] = kAny | kModrm;  // TEST XCHG MOV
  t[0x8d] = kAny | kModrm | kSpecial;                       // LEA
  t[0x8f] = kAny | kModrm | kSpecial;                       // POP r/m (/0)
  for (int b = 0x90; b <= 0x99; ++b) t[b] = kAny;  // XCHG/NOP, CBW, CWD
  for (int b = 0x9b; b <= 0x9f; ++b) t[b] = kAny;  // WAIT PUSHF POPF SAHF LAHF
  for (int b : {0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf}) {
    t[b] = kAny;  // string instructions
  }
  t[0xa8] = kAny | kImm8;
  t[0xa9] = kAny | kImmZ;
  for (int b = 0xb0; b <= 0xbf; ++b) t[b] = kAny | kSpecial;  // MOV r, imm
  t[0xc0] = t[0xc1] = kAny | kModrm | kImm8 | kSpecial;       // shifts
  t[0xc2] = t[0xc3] = kAny | kSpecial;                        // RET
  t[0xc7] = kAny | kModrm | kImmZ | kSpecial;                 // MOV r/m, imm
  t[0xc9] = kAny;                                             // LEAVE
  t[0xcc] = kAny | kSpecial;                                  // INT3
  for (int b = 0xd0; b <= 0xd3; ++b) t[b] = kAny | kModrm | kSpecial;
  t[0xe8] = t[0xe9] = t[0xeb] = kAny | kSpecial;   // CALL, JMP
  t[0xf4] = kAny | kSpecial;                       // HLT
  t[0xf5] = kAny;                                  // CMC
  t[0xf6] = t[0xf7] = kAny | kModrm | kSpecial;    // TEST/NOT/NEG/MUL/DIV
  for (int b = 0xf8; b <= 0xfd; ++b) t[b] = kAny;  // CLC..STD
  t[0xfe] = t[0xff] = kAny | kModrm | kSpecial;
  return t;
}

constexpr std::array<std::uint8_t, 256> TwoByteMap() {  // 0F xx
  std::array<std::uint8_t, 256> t{};
  t[0x05] = kNp | kSpecial;           // SYSCALL
  t[0x0b] = kNp | kSpecial;           // UD2
  t[0x10] = t[0x11] = kAny | kModrm;  // MOVUPS/MOVUPD/MOVSS/MOVSD
  t[0x14] = t[0x15] = kNp | kP66 | kModrm;
  t[0x1e] = kPF3 | kModrm | kSpecial;        // ENDBR64/ENDBR32 only
  t[0x1f] = kNp | kP66 | kModrm | kSpecial;  // NOP r/m (/0 only)
  t[0x28] = t[0x29] = t[0x2e] = t[0x2f] = kNp | kP66 | kModrm;
  t[0x2a] = t[0x2c] = t[0x2d] = kPF3 | kPF2 | kModrm;  // CVT(T)SI/SS/SD
  for (int b = 0x40; b <= 0x4f; ++b) t[b] = kNp | kP66 | kModrm;  // CMOVcc
  for (int b : {0x51, 0x58, 0x59, 0x5a, 0x5c, 0x5d, 0x5e, 0x5f}) {
    t[b] = kAny | kModrm;
  }
  for (int b = 0x54; b <= 0x57; ++b) t[b] = kNp | kP66 | kModrm;
  t[0x5b] = kNp | kP66 | kPF3 | kModrm;
  for (int b = 0x60; b <= 0x6b; ++b) t[b] = kNp | kP66 | kModrm;
  t[0x6c] = t[0x6d] = kP66 | kModrm;
  t[0x6e] = kNp | kP66 | kModrm;
  t[0x6f] = t[0x7e] = t[0x7f] = kNp | kP66 | kPF3 | kModrm;
  t[0x70] = kAny | kModrm | kImm8;
  for (int b = 0x74; b <= 0x76; ++b) t[b] = kNp | kP66 | kModrm;
  for (int b = 0x80; b <= 0x8f; ++b) t[b] = kNp | kSpecial;  // Jcc rel32
  for (int b = 0x90; b <= 0x9f; ++b) t[b] = kNp | kModrm;    // SETcc
  t[0xa2] = kNp;                                             // CPUID
  for (int b : {0xa3, 0xa5, 0xab, 0xad, 0xaf, 0xb0, 0xb1, 0xb3, 0xb6, 0xb7,
                0xbb, 0xbe, 0xbf, 0xc0, 0xc1}) {
    t[b] = kNp | kP66 | kModrm;  // BT*, SHLD/SHRD cl, IMUL, CMPXCHG, MOVZX...
  }
  t[0xa4] = t[0xac] = kNp | kP66 | kModrm | kImm8;   // SHLD/SHRD imm
  t[0xba] = kNp | kP66 | kModrm | kImm8 | kSpecial;  // BT* imm (/4-/7)
  t[0xbc] = t[0xbd] = kNp | kP66 | kPF3 | kModrm;    // BSF/BSR, TZCNT/LZCNT
  t[0xc2] = kAny | kModrm | kImm8;                   // CMPPS..CMPSD
  t[0xc6] = kNp | kP66 | kModrm | kImm8;             // SHUFPS/PD
  for (int b = 0xc8; b <= 0xcf; ++b) t[b] = kNp;     // BSWAP
  // SSE2 integer operations with a 66 prefix.
  for (int b :
       {0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd8, 0xd9, 0xda, 0xdb, 0xdc,
        0xdd, 0xde, 0xdf, 0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe8, 0xe9,
        0xea, 0xeb, 0xec, 0xed, 0xee, 0xef, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5,
        0xf6, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe}) {
    t[b] = kP66 | kModrm;
  }
  t[0xe6] = kP66 | kPF3 | kPF2 | kModrm;  // CVT(T)PD2DQ, CVTDQ2PD
  return t;
}

constexpr std::array<std::uint8_t, 256> kOneByte = OneByteMap();
constexpr std::array<std::uint8_t, 256> kTwoByte = TwoByteMap();

std::int64_t Sext8(std::uint8_t v) { return static_cast<std::int8_t>(v); }
std::int64_t Sext32(const std::uint8_t* p) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(p[0]) |
                                   static_cast<std::uint32_t>(p[1]) << 8 |
                                   static_cast<std::uint32_t>(p[2]) << 16 |
                                   static_cast<std::uint32_t>(p[3]) << 24);
}
std::uint64_t LoadLe(const std::uint8_t* p, int bytes) {
  std::uint64_t v = 0;
  for (int k = bytes - 1; k >= 0; --k) v = v << 8 | p[k];
  return v;
}

// The IR index of general register `n` (0-15): RSP is kSp.
Reg GprIndex(unsigned n) { return n == 4 ? kSp : static_cast<Reg>(n); }

}  // namespace

bool FastDecodeX86_64(const std::uint8_t* p, std::size_t n,
                      std::uint64_t address, FastX86* out) {
  // An instruction is at most 15 bytes (Intel SDM 2.3.11); Zydis rejects
  // longer ones, and so do we by running out of bytes.
  const std::size_t limit = n < 15 ? n : 15;
  std::size_t i = 0;
  bool opsize = false, rep = false, repne = false;
  for (; i < limit; ++i) {
    const std::uint8_t b = p[i];
    if (b == 0x66) {
      opsize = true;
    } else if (b == 0xf3) {
      rep = true;
    } else if (b == 0xf2) {
      repne = true;
    } else if (b == 0x2e || b == 0x36 || b == 0x3e || b == 0x26 || b == 0x64 ||
               b == 0x65) {
      // Segment overrides (FS/GS for TLS; CS/DS as branch hints and CET's
      // NOTRACK) change no length or flow.
    } else if (b == 0x67 || b == 0xf0) {
      return false;  // address size (32-bit addresses), LOCK
    } else {
      break;
    }
  }
  std::uint8_t rex = 0;
  if (i < limit && (p[i] & 0xf0) == 0x40) rex = p[i++];
  if (i >= limit) return false;
  const bool rex_w = (rex & 8) != 0;
  const unsigned rex_r = (rex >> 2) & 1, rex_b = rex & 1;

  std::uint8_t op = p[i++];
  std::uint8_t facts;
  bool two_byte = false;
  if (op == 0x0f) {
    if (i >= limit) return false;
    op = p[i++];
    two_byte = true;
    facts = kTwoByte[op];
    // The mandatory prefix picks the instruction in this map; mixtures
    // (66 with F2/F3, F2 with F3) are left to Zydis.
    if ((rep && repne) || (opsize && (rep || repne))) return false;
    const std::uint8_t cls = repne ? kPF2 : rep ? kPF3 : opsize ? kP66 : kNp;
    if ((facts & cls) == 0) return false;
  } else {
    facts = kOneByte[op];
    if (facts == 0) return false;
  }

  // ModRM, SIB and displacement.
  std::uint8_t modrm = 0, sib = 0;
  std::size_t disp_at = 0, disp_len = 0;
  if (facts & kModrm) {
    if (i >= limit) return false;
    modrm = p[i++];
    const unsigned mod = modrm >> 6, rm = modrm & 7;
    if (mod != 3) {
      if (rm == 4) {
        if (i >= limit) return false;
        sib = p[i++];
        if (mod == 0 && (sib & 7) == 5) disp_len = 4;
      }
      if (mod == 0 && rm == 5) disp_len = 4;  // RIP-relative
      if (mod == 1) disp_len = 1;
      if (mod == 2) disp_len = 4;
    }
    disp_at = i;
    i += disp_len;
  }
  const unsigned mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;
  std::size_t imm_len = 0;
  if (facts & kImm8) imm_len = 1;
  if (facts & kImmZ) imm_len = opsize && !rex_w ? 2 : 4;

  out->flow = Flow::kNext;
  out->target = 0;
  out->has_move = false;
  const auto move = [out](unsigned r, std::uint8_t size, std::int64_t imm) {
    out->has_move = true;
    out->move_reg = GprIndex(r);
    out->move_size = size;
    out->move_imm = imm;
  };
  // Branches: 66 would make them 16-bit on some CPUs (and is rare).
  const auto rel = [&](std::size_t len, Flow flow) {
    if (opsize) return false;
    imm_len = len;
    if (i + len > limit) return false;
    out->flow = flow;
    const std::int64_t d = len == 1 ? Sext8(p[i]) : Sext32(p + i);
    out->target = address + i + len + static_cast<std::uint64_t>(d);
    return true;
  };

  if (facts & kSpecial) {
    if (two_byte) {
      switch (op) {
        case 0x05:
          out->flow = Flow::kSyscall;
          break;
        case 0x0b:
          out->flow = Flow::kHalt;
          break;
        case 0x1e:  // F3 0F 1E FA/FB: ENDBR64/32 (CET)
          if (modrm != 0xfa && modrm != 0xfb) return false;
          break;
        case 0x1f:
          if (reg != 0) return false;
          break;
        case 0xba:
          if (reg < 4) return false;
          break;
        default:  // 0x80-0x8f
          if (!rel(4, Flow::kCondJump)) return false;
          break;
      }
    } else {
      switch (op) {
        case 0x28:
        case 0x2a:
        case 0x30:
        case 0x32:
          // Byte forms: the same-register idiom on AH..BH is not a Move.
          if (mod == 3 && (reg | rex_r << 3) == (rm | rex_b << 3)) return false;
          break;
        case 0x29:
        case 0x2b:
        case 0x31:
        case 0x33:
          if (mod == 3 && (reg | rex_r << 3) == (rm | rex_b << 3)) {
            move(reg | rex_r << 3, rex_w ? 8 : opsize ? 2 : 4, 0);
          }
          break;
        case 0x8d: {  // LEA
          if (mod == 3) return false;
          if (mod == 0 && rm == 4 && (sib & 7) == 5) return false;  // [disp32]
          const std::uint8_t size = rex_w ? 8 : opsize ? 2 : 4;
          if (mod == 0 && rm == 5 && size != 2) {
            if (disp_at + 4 > limit) return false;
            std::uint64_t v = address + disp_at + 4 +
                              static_cast<std::uint64_t>(Sext32(p + disp_at));
            if (size == 4) v &= 0xffffffffu;
            move(reg | rex_r << 3, size, static_cast<std::int64_t>(v));
          }
          break;
        }
        case 0x8f:
        case 0xfe:
          if (reg > (op == 0xfe ? 1u : 0u)) return false;
          break;
        case 0xc0:
        case 0xc1:
        case 0xd0:
        case 0xd1:
        case 0xd2:
        case 0xd3:
          if (reg == 6) return false;  // the undocumented SAL alias
          break;
        case 0xc2:
        case 0xc3:
          if (opsize) return false;
          if (op == 0xc2) imm_len = 2;
          out->flow = Flow::kReturn;
          break;
        case 0xc7:  // MOV r/m, imm (/0); a store of an immediate to memory
                    // is a Move too, with an address we leave to Zydis.
          if (reg != 0 || mod != 3) return false;
          if (i + imm_len > limit) return false;
          if (rex_w) {
            move(rm | rex_b << 3, 8, Sext32(p + i));
          } else if (opsize) {
            move(rm | rex_b << 3, 2,
                 static_cast<std::int64_t>(LoadLe(p + i, 2)));
          } else {
            move(rm | rex_b << 3, 4,
                 static_cast<std::int64_t>(LoadLe(p + i, 4)));
          }
          break;
        case 0xcc:
        case 0xf4:
          out->flow = Flow::kHalt;
          break;
        case 0xe8:
          if (!rel(4, Flow::kCall)) return false;
          break;
        case 0xe9:
          if (!rel(4, Flow::kJump)) return false;
          break;
        case 0xeb:
          if (!rel(1, Flow::kJump)) return false;
          break;
        case 0xf6:
        case 0xf7:
          if (reg == 1) return false;  // the undocumented TEST alias
          if (reg == 0) imm_len = op == 0xf6 ? 1 : (opsize && !rex_w ? 2 : 4);
          break;
        case 0xff:
          if (reg == 3 || reg == 5 || reg == 7) return false;  // far, invalid
          if (reg == 2 || reg == 4) {
            if (opsize) return false;
            out->flow = reg == 2 ? Flow::kIndirectCall : Flow::kIndirectJump;
          }
          break;
        default:
          if (op >= 0x70 && op <= 0x7f) {
            if (!rel(1, Flow::kCondJump)) return false;
          } else if (op >= 0xb0 && op <= 0xb7) {  // MOV r8, imm8
            imm_len = 1;
            if (i + 1 > limit) return false;
            // Without REX, 4-7 are AH..BH, which the IR only clobbers.
            if (rex != 0 || (op & 7) < 4) {
              move((op & 7) | rex_b << 3, 1, p[i]);
            }
          } else {  // 0xb8-0xbf: MOV r, imm16/32/64
            const std::uint8_t size = rex_w ? 8 : opsize ? 2 : 4;
            imm_len = size;
            if (i + size > limit) return false;
            move((op & 7) | rex_b << 3, size,
                 static_cast<std::int64_t>(LoadLe(p + i, size)));
          }
          break;
      }
    }
  }
  const std::size_t len = i + imm_len;
  if (len > limit) return false;
  out->length = static_cast<std::uint8_t>(len);
  return true;
}

}  // namespace go2seccomp::disasm
