// Function ranges from .eh_frame: every FDE covers one function's code.
//
// Stripped C libraries (Debian's libc.so.6, ld.so) have no .symtab, and
// .dynsym lists only exported functions, but the unwind tables cover every
// function that can appear in a backtrace -- in glibc, all of them. That is
// how go2seccomp finds the functions of C code it analyses.
//
//   G2S_ASSIGN_OR_RETURN(auto ranges, ParseEhFrame(section_bytes, section_vaddr, 8));
//   for (const FunctionRange& r : ranges) ...   // [r.begin, r.end)
//
// Reads the LSB format (Linux Standard Base 5.0, "Exception Frames"): CIEs
// with a "z" augmentation give the FDE pointer encoding ('R'); FDEs give
// pc_begin/pc_range in that encoding. Only the encodings used by GCC and
// LLVM (absptr, udata/sdata 2/4/8, pcrel and datarel applications) are
// accepted; anything else is kUnsupported. A zero terminator ends the table.
#ifndef GO2SECCOMP_ELF_EH_FRAME_H_
#define GO2SECCOMP_ELF_EH_FRAME_H_

#include <cstdint>
#include <vector>

#include "go2seccomp/base/byte_reader.h"
#include "go2seccomp/base/error.h"

namespace go2seccomp::elf {

struct FunctionRange {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
};

// `data` is the .eh_frame section, mapped at `vaddr`; `ptr_size` is 4 or 8.
// Ranges are returned sorted by begin, empty ones dropped.
Result<std::vector<FunctionRange>> ParseEhFrame(Bytes data, std::uint64_t vaddr,
                                                int ptr_size);

}  // namespace go2seccomp::elf

#endif  // GO2SECCOMP_ELF_EH_FRAME_H_
