// Fuzzes the x86_64 decoder and its 32-bit sibling (i386), Zydis, in 64-bit and
// (i386) 32-bit mode: Decode() at every byte offset of the input, as the
// analysis' linear sweep and its syscall-byte scan may start anywhere, and
// ToString() of each result; DecodeShape() and Length() must agree with
// Decode(). Seeds: tests/testdata/corpus/x86_64, from
// src/go2seccomp/disasm/testdata/x86_64.txt.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "go2seccomp/disasm/decoder.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace disasm = go2seccomp::disasm;

std::unique_ptr<disasm::Decoder> Make(go2seccomp::Arch arch) {
  auto dec = disasm::MakeDecoder(arch);
  FUZZ_CHECK(dec.has_value());
  return std::move(*dec);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  static const std::unique_ptr<disasm::Decoder> decoders[] = {
      Make(go2seccomp::Arch::kX86_64), Make(go2seccomp::Arch::kI386)};
  const go2seccomp::Bytes code(data, size);
  disasm::Instruction insn;
  for (const auto& dec : decoders) {
    for (std::size_t off = 0; off < size; ++off) {
      dec->Decode(code.subspan(off), 0x401000 + off, &insn);
      // The sweep advances by length: it must be positive, and must not
      // run past the bytes it was given unless the bytes did not decode.
      FUZZ_CHECK(insn.length > 0);
      FUZZ_CHECK(insn.flow == disasm::Flow::kInvalid ||
                 insn.length <= size - off);
      (void)disasm::ToString(insn);
      // The cheaper entry points (the table-driven fast path of
      // x86_fast.h, Zydis without operands) answer exactly as Decode.
      disasm::Instruction shape;
      dec->DecodeShape(code.subspan(off), 0x401000 + off, &shape);
      FUZZ_CHECK(shape.length == insn.length && shape.flow == insn.flow);
      const bool branch = insn.flow == disasm::Flow::kCall ||
                          insn.flow == disasm::Flow::kJump ||
                          insn.flow == disasm::Flow::kCondJump;
      FUZZ_CHECK(!branch || shape.target == insn.target);
      int k = 0;
      for (int i = 0; i < insn.num_ops; ++i) {
        const disasm::MicroOp& op = insn.ops[i];
        if (op.kind != disasm::OpKind::kMove ||
            op.src.kind != disasm::Operand::Kind::kImm) {
          continue;
        }
        FUZZ_CHECK(k < shape.num_ops && shape.ops[k] == op);
        ++k;
      }
      FUZZ_CHECK(k == shape.num_ops);
      FUZZ_CHECK(dec->Length(code.subspan(off), 0x401000 + off) ==
                 (insn.flow == disasm::Flow::kInvalid ? 0u : insn.length));
    }
  }
  return 0;
}
