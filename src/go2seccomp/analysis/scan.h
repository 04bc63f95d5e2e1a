// Byte scans that decide which code must be decoded at all.
//
// They are the reason go2seccomp does not decode whole binaries: an
// instruction has fixed bytes (SYSCALL is 0F 05; a rel32 CALL is E8 followed
// by target - next), so code without those bytes provably contains no such
// instruction. The scans over-approximate (the bytes may sit inside another
// instruction); decoding then settles each candidate.
#ifndef GO2SECCOMP_ANALYSIS_SCAN_H_
#define GO2SECCOMP_ANALYSIS_SCAN_H_

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "go2seccomp/analysis/program.h"

namespace go2seccomp::analysis {

struct BranchHit {
  std::uint64_t site;
  std::uint64_t target;
};

// One pass over all code that finds the syscall-instruction candidates and
// every direct call/jump whose target is a function entry, indexed by
// target: the wrapper fixpoint then looks callers up instead of scanning
// the code again each round. Built on `threads` threads (chunks of code).
// Candidates: where SYSCALL, INT $0x80 or SYSENTER may start on x86; SVC
// #imm on arm64 (word-aligned); SWI/SVC on arm. Branches: x86 E8/E9
// rel32, 0F 8x rel32, EB/7x/E3 rel8; arm64 B/BL imm26, B.cond/CBZ/CBNZ
// imm19, TBZ/TBNZ imm14; arm B/BL imm24.
class CodeIndex {
 public:
  // The branches found in one 1 MB chunk of code, 8 bytes each.
  struct ChunkBranches {
    std::uint64_t base = 0;             // the chunk's first address
    std::vector<std::uint64_t> packed;  // site - base : 20 | target - site : 44
    void Add(std::uint64_t site, std::uint64_t target);
    BranchHit At(std::size_t k) const;
  };

  static CodeIndex Build(const Program& program, int threads);

  const std::vector<std::uint64_t>& syscall_candidates() const { return syscalls_; }
  // Direct branches to any of `targets` (function entries), sorted by site.
  std::vector<BranchHit> BranchesTo(std::span<const std::uint64_t> targets) const;
  // Direct branches whose site lies in [lo, hi) (one function's code),
  // sorted by site.
  std::vector<BranchHit> BranchesFrom(std::uint64_t lo, std::uint64_t hi) const;
  std::size_t branch_count() const;

 private:
  std::vector<std::uint64_t> syscalls_;
  // Every branch into a function entry, by site: one list per 1 MB chunk
  // of code as the scan threads left them (concatenating them would double
  // the index's peak memory, which is most of the heap on big binaries).
  std::vector<ChunkBranches> branches_;
};

// Pointer-sized words in data regions (and relocated words of PIEs) whose
// value is in `targets` (sorted): functions used as values (funcval, method
// tables).
std::vector<BranchHit> FindAddressReferences(
    const Program& program, std::span<const std::uint64_t> targets);

// Code addresses that may hold an instruction referring to one of `addrs`
// (sorted): x86 rip-relative disp32 for every immediate size that can follow
// it, absolute disp32/imm32/imm64; arm64 ADRP of the page and literal
// words; arm literal words. Over-approximate: (code position, address)
// pairs in address order of the code.
std::vector<BranchHit> FindCodeReferences(const Program& program,
                                          std::span<const std::uint64_t> addrs, int threads = 1);

// NUL-terminated strings in data regions equal to one of `names`.
std::vector<std::string> FindStrings(const Program& program,
                                     std::span<const std::string_view> names);

// Absolute paths under the usual program directories (/bin, /sbin,
// /usr/bin, /usr/sbin, /usr/local/bin, /usr/local/sbin, /usr/libexec) named
// in data regions: the programs a binary may execute when it passes a
// constant path (exec.Command("/bin/true")). Go packs string literals end
// to end without terminators, so each result is the longest run of
// file-name bytes after the directory; the caller matches prefixes of it
// against a file system. Sorted, unique.
std::vector<std::string> FindProgramPaths(const Program& program);

}  // namespace go2seccomp::analysis

#endif  // GO2SECCOMP_ANALYSIS_SCAN_H_
