// Fuzzes the x86_64 decoder (Zydis): Decode() at every byte offset of the
// input, as the analysis' linear sweep and its syscall-byte scan may start
// anywhere, and ToString() of each result. Seeds:
// tests/testdata/corpus/x86_64, from src/go2seccomp/disasm/testdata/x86_64.txt.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "go2seccomp/disasm/decoder.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  namespace disasm = go2seccomp::disasm;
  static const std::unique_ptr<disasm::Decoder> dec =
      std::move(*disasm::MakeDecoder(go2seccomp::Arch::kX86_64));
  const go2seccomp::Bytes code(data, size);
  disasm::Instruction insn;
  for (std::size_t off = 0; off < size; ++off) {
    dec->Decode(code.subspan(off), 0x401000 + off, &insn);
    // The sweep advances by length: it must be positive and must not run
    // past the bytes it was given.
    FUZZ_CHECK(insn.length > 0);
    FUZZ_CHECK(insn.flow == disasm::Flow::kInvalid ||
               insn.length <= size - off);
    (void)disasm::ToString(insn);
  }
  return 0;
}
