// The analysis' view of a binary: code bytes by address, the Go functions
// from pclntab, and the few facts the analysis needs. Built from an ELF file
// by LoadProgram (loader.h); tests can build one by hand.
#ifndef GO2SECCOMP_ANALYSIS_PROGRAM_H_
#define GO2SECCOMP_ANALYSIS_PROGRAM_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "go2seccomp/base/arch.h"
#include "go2seccomp/analysis/value.h"
#include "go2seccomp/base/byte_reader.h"

namespace go2seccomp::analysis {

struct Region {
  std::uint64_t vaddr = 0;
  Bytes bytes;
  bool Contains(std::uint64_t a) const {
    return a >= vaddr && a - vaddr < bytes.size();
  }
};

struct Function {
  std::uint64_t entry = 0;
  std::uint64_t end = 0;
  std::string_view name;
  std::uint32_t args = 0;  // pclntab _func.args: bytes of stack args+results
};

struct SourcePos {
  std::string file;
  int line = 0;
};

struct Program {
  Arch arch = Arch::kX86_64;
  std::vector<Region> code;  // executable, file-backed
  std::vector<Region> data;  // non-executable, file-backed (rodata, data)
  std::vector<Function> funcs;  // sorted by entry, non-overlapping
  // Go's register ABI (ABIInternal with register arguments): amd64 from Go
  // 1.17, arm64 from 1.18 (cmd/compile/abi-internal.md). nullopt when the
  // Go version is unknown. Used only by the name-based fallback rules.
  std::optional<bool> register_abi;
  std::string go_version;  // "go1.19.8" or empty
  // Pointer-sized values the dynamic loader writes at load time (PIE
  // relative relocations): addend by target address, sorted by address.
  // Used to find function addresses stored in data of position-independent
  // binaries.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> relocated_words;
  // File:line for a pc, when known (pclntab).
  std::function<std::optional<SourcePos>(std::uint64_t pc)> line_for;
  // For C code: registers a call to the function entered at `target` may
  // change (see FlowEnv::CalleeClobbers); unset for Go code.
  std::function<std::optional<std::uint64_t>(std::uint64_t target)> callee_clobbers;
  // Wrappers defined elsewhere: a PLT entry (by address) whose target, in
  // another library, takes the syscall number at these locations (glibc's
  // syscall(2): the first argument register). Calls to these entries are
  // evaluated like calls to wrappers of this program.
  std::unordered_map<std::uint64_t, std::vector<EntryLoc>> external_wrappers;
  // For C code: false for functions proven never to return.
  std::function<bool(std::uint64_t target)> may_return;
  // pclntab pcsp: bytes SP is below its entry value at pc, when known.
  std::function<std::optional<std::int64_t>(std::uint64_t pc)> sp_delta_for;

  // Index of the function containing pc.
  std::optional<std::size_t> FuncAt(std::uint64_t pc) const;
  // Index of the function whose entry is exactly `entry`.
  std::optional<std::size_t> FuncWithEntry(std::uint64_t entry) const;
  // Code bytes [addr, addr+size) if inside one code region.
  std::optional<Bytes> CodeAt(std::uint64_t addr, std::uint64_t size) const;
};

}  // namespace go2seccomp::analysis

#endif  // GO2SECCOMP_ANALYSIS_PROGRAM_H_
