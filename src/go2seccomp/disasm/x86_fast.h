// A table-driven decoder for the shape of the common x86-64 encodings:
// length, control flow, branch target and the one immediate a register
// takes, at a few nanoseconds an instruction instead of Zydis's ~100-150 on
// these machines. It is the fast path of X86Decoder::DecodeShape and
// ::Length, which the call graph of C libraries (analysis/native.cc) and the
// length-only sweeps run over megabytes of code.
//
//   FastX86 f;
//   if (!FastDecodeX86_64(p, n, pc, &f)) { /* ask Zydis */ }
//
// It answers only for encodings it knows exactly (no LOCK, VEX/EVEX, x87,
// far or system instructions, immediates stored to memory, ...) and says
// "don't know" for the rest; where it answers, the answer is Zydis's length
// and validity and X86Decoder::Decode's flow, target and Moves of an
// immediate. x86_fast_test holds it to that on millions of random
// instructions and on the code of real binaries.
#ifndef GO2SECCOMP_DISASM_X86_FAST_H_
#define GO2SECCOMP_DISASM_X86_FAST_H_

#include <cstddef>
#include <cstdint>

#include "go2seccomp/disasm/instruction.h"

namespace go2seccomp::disasm {

struct FastX86 {
  std::uint8_t length = 0;
  Flow flow = Flow::kNext;
  std::uint64_t target = 0;  // kJump, kCondJump, kCall
  // The Move of an immediate into a register Decode would give (MOV r,imm;
  // LEA r,[rip+d]; the XOR/SUB r,r zeroing idiom), if any.
  bool has_move = false;
  Reg move_reg = kNoReg;
  std::uint8_t move_size = 0;
  std::int64_t move_imm = 0;
};

// Decodes the 64-bit-mode instruction at p[0, n), which lives at `address`.
// False: not an encoding this decoder knows for certain (including invalid
// bytes and instructions cut off by n); *out is then unspecified.
bool FastDecodeX86_64(const std::uint8_t* p, std::size_t n,
                      std::uint64_t address, FastX86* out);

}  // namespace go2seccomp::disasm

#endif  // GO2SECCOMP_DISASM_X86_FAST_H_
