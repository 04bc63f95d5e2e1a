// Decoders from machine code bytes to the IR in instruction.h.
//
//   G2S_ASSIGN_OR_RETURN(auto dec, disasm::MakeDecoder(Arch::kX86_64));
//   disasm::Instruction insn;
//   for (uint64_t off = 0; off < code.size(); off += insn.length)
//     dec->Decode(code.subspan(off), text_addr + off, &insn);
//
// A decoder is configured once and is then stateless: Decode() is const,
// allocation-free and safe to call from several threads at once. (The arm64
// decoder opens one Capstone handle per thread on that thread's first
// Decode(); later calls do not allocate.)
#ifndef GO2SECCOMP_DISASM_DECODER_H_
#define GO2SECCOMP_DISASM_DECODER_H_

#include <memory>

#include "go2seccomp/base/arch.h"
#include "go2seccomp/base/byte_reader.h"
#include "go2seccomp/base/error.h"
#include "go2seccomp/disasm/instruction.h"

namespace go2seccomp::disasm {

class Decoder {
 public:
  virtual ~Decoder() = default;
  // Decodes the instruction at the start of `code`, which lives at virtual
  // address `address`. Always fills *out; bytes that do not form an
  // instruction (or run past the end of `code`) give Flow::kInvalid with
  // length 1 (x86) or 4 (fixed-width ISAs), so a linear sweep can go on.
  virtual void Decode(Bytes code, std::uint64_t address,
                      Instruction* out) const = 0;
  // The length of the instruction at the start of `code`, or 0 where
  // Decode would give Flow::kInvalid: instruction boundaries for a linear
  // sweep without building the IR. The default decodes fully.
  // Decode for a call graph: length, flow, target and trap_imm exactly as
  // Decode gives them, and of the ops at least every Move of an immediate
  // (where a graph looks for the addresses of functions); the other ops and
  // clobbers_all_registers may be left out. The x86-64 decoder leaves them
  // out, which lets it answer most instructions from its table-driven fast
  // path (x86_fast.h) without Zydis. The default decodes fully.
  virtual void DecodeShape(Bytes code, std::uint64_t address,
                           Instruction* out) const {
    Decode(code, address, out);
  }
  virtual std::size_t Length(Bytes code, std::uint64_t address) const {
    Instruction insn;
    Decode(code, address, &insn);
    return insn.flow == Flow::kInvalid ? 0 : insn.length;
  }
};

// kUnsupported for an arch without a decoder.
Result<std::unique_ptr<Decoder>> MakeDecoder(Arch arch);

}  // namespace go2seccomp::disasm

#endif  // GO2SECCOMP_DISASM_DECODER_H_
