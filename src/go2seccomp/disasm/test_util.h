// Test helpers for the decoder tests: locating .text in an ELF file
// without src/go2seccomp/elf (written in parallel; the tests must not
// depend on it), running an external disassembler, and parsing the
// listings of `go tool objdump` and binutils `objdump -d`, the independent
// references our decoders are checked against.
#ifndef GO2SECCOMP_DISASM_TEST_UTIL_H_
#define GO2SECCOMP_DISASM_TEST_UTIL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace go2seccomp::disasm::test {

struct Section {
  std::uint64_t addr = 0;
  std::vector<std::uint8_t> bytes;
};

// The named section of an ELF32 or ELF64 little-endian file; nullopt if the
// file cannot be read, is not ELF LE, or has no such section.
std::optional<Section> ReadElfSection(const std::string& path,
                                      const std::string& name);

// Runs `cmd` through the shell; its stdout, or nullopt if it failed.
std::optional<std::string> RunCommand(const std::string& cmd);

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

// "go" on PATH, or the value of $G2S_GO.
std::string GoTool();

}  // namespace go2seccomp::disasm::test

#endif  // GO2SECCOMP_DISASM_TEST_UTIL_H_
