// The decoder tests' reference oracles: locating .text in an ELF file
// without src/go2seccomp/elf (the decoder tests must not depend on it), and
// parsing the listings of `go tool objdump` and binutils `objdump -d`, the
// independent references our decoders are checked against (run with
// test_util::RunCommand, tests/common/process_util.h; fixtures, the corpus
// and other generic helpers are in go2seccomp::test_support,
// tests/common/).
#ifndef GO2SECCOMP_DISASM_TEST_UTIL_H_
#define GO2SECCOMP_DISASM_TEST_UTIL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "go2seccomp/disasm/instruction.h"

namespace go2seccomp::disasm::test {

struct Section {
  std::uint64_t addr = 0;
  std::vector<std::uint8_t> bytes;
};

// The named section of an ELF32 or ELF64 little-endian file; nullopt if the
// file cannot be read, is not ELF LE, or has no such section.
std::optional<Section> ReadElfSection(const std::string& path,
                                      const std::string& name);

// One instruction of a reference listing.
struct RefInsn {
  std::uint64_t addr = 0;
  std::uint32_t len = 0;
  std::string text;  // the disassembly, e.g. "CALL runtime.entersyscall(SB)"
  std::string func;  // enclosing function (go tool objdump only)
};

struct RefListing {
  std::vector<RefInsn> insns;
  std::map<std::string, std::uint64_t> func_addr;  // TEXT name -> entry
};

// `go tool objdump` output: "TEXT name(SB) file" headers and
// "  file:line\t0xaddr\t\thexbytes\t\tTEXT" lines.
RefListing ParseGoObjdump(const std::string& text);
// `objdump -d --insn-width=16` (binutils) and `llvm-objdump -d` output:
// "  401000:\t49 3b ...\tcmp ..." / "   11000: 90 0b 40 f9 \tldr\tx16, ...".
RefListing ParseGnuObjdump(const std::string& text);

// For the Capstone cross-checks of the fixed-width decoders (arm64, arm):

// Every distinct 4-byte word of the .text sections of `paths`, with one
// address it occurs at; empty if a file has no readable .text.
std::map<std::uint32_t, std::uint64_t> UniqueWords(const std::vector<std::string>& paths);

// The registers an instruction writes in our IR: its ops' register
// destinations, plus the link register for calls (the analysis models that
// write, the IR does not list it).
std::set<std::uint8_t> OurWrites(const Instruction& insn, std::uint8_t link_register);

// Disagreements of one kind, by mnemonic: how many, and one example.
struct Mismatch {
  int count = 0;
  std::string example;
};

}  // namespace go2seccomp::disasm::test

#endif  // GO2SECCOMP_DISASM_TEST_UTIL_H_
