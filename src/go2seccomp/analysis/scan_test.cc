// The byte scans against their definitions. The fast paths (the one-pass
// code index, the SSE2 loops of the x86 scans, chunking over threads) must
// find exactly what a naive reading of scan.h finds, on any bytes: a missed
// position would be a syscall site or a reference the analysis never sees.
#include "go2seccomp/analysis/scan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <set>
#include <tuple>
#include <vector>

namespace go2seccomp::analysis {
namespace {

using Hits = std::set<std::pair<std::uint64_t, std::uint64_t>>;

Hits ToSet(const std::vector<BranchHit>& v) {
  Hits s;
  for (const BranchHit& h : v) s.insert({h.site, h.target});
  return s;
}

std::uint32_t Le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

// scan.h's FindCodeReferences for x86-64, read literally: at every
// position, a rip-relative disp32 (any ModRM mod=00 rm=101 before it) for
// each immediate size 0/1/2/4 after it, the 32-bit word as an absolute
// address, and the 64-bit word.
Hits NaiveCodeRefsX86(const Region& r, const std::vector<std::uint64_t>& addrs) {
  const std::set<std::uint64_t> want(addrs.begin(), addrs.end());
  Hits out;
  const std::uint8_t* p = r.bytes.data();
  const std::size_t n = r.bytes.size();
  for (std::size_t i = 0; i + 4 <= n; ++i) {
    const std::uint64_t site = r.vaddr + i;
    const std::uint32_t w = Le32(p + i);
    if (i > 0 && (p[i - 1] & 0xc7) == 0x05) {
      const std::uint64_t after =
          site + 4 + static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(w)));
      for (std::uint64_t k : {0u, 1u, 2u, 4u}) {
        if (want.count(after + k)) out.insert({site, after + k});
      }
    }
    if (want.count(w)) out.insert({site, w});
    if (i + 8 <= n) {
      const std::uint64_t w64 = w | static_cast<std::uint64_t>(Le32(p + i + 4)) << 32;
      if (want.count(w64)) out.insert({site, w64});
    }
  }
  return out;
}

struct Fixture {
  std::vector<std::uint8_t> code;
  Program prog;
  std::vector<std::uint64_t> addrs;
};

// Random code with references to `addrs` planted in every encoding the
// scan knows, at every alignment, and bytes that look like ModRM and
// branch opcodes everywhere.
Fixture MakeFixture(std::uint32_t seed, std::size_t size, std::uint64_t vaddr,
                    std::vector<std::uint64_t> addrs) {
  Fixture f;
  std::mt19937 rng(seed);
  f.code.resize(size);
  // Biased towards the bytes the scans look at.
  const std::uint8_t interesting[] = {0x05, 0x0d, 0x15, 0x3d, 0x0f, 0x05, 0xe8,
                                      0xe9, 0xeb, 0x74, 0xcd, 0x80, 0x00, 0x01};
  for (auto& b : f.code) {
    b = (rng() % 3 == 0) ? interesting[rng() % sizeof(interesting)]
                         : static_cast<std::uint8_t>(rng());
  }
  for (int k = 0; k < 400; ++k) {
    const std::uint64_t a = addrs[rng() % addrs.size()];
    const std::size_t at = 1 + rng() % (size - 16);
    switch (rng() % 3) {
      case 0: {  // rip-relative, immediate of 0/1/2/4 bytes
        const std::uint64_t imm = std::vector<std::uint64_t>{0, 1, 2, 4}[rng() % 4];
        f.code[at - 1] = 0x05 | static_cast<std::uint8_t>((rng() % 8) << 3);
        const auto disp = static_cast<std::uint32_t>(a - (vaddr + at + 4 + imm));
        std::memcpy(&f.code[at], &disp, 4);
        break;
      }
      case 1: {  // absolute 32-bit
        const auto w = static_cast<std::uint32_t>(a);
        std::memcpy(&f.code[at], &w, 4);
        break;
      }
      default:  // 64-bit immediate
        std::memcpy(&f.code[at], &a, 8);
        break;
    }
  }
  f.prog.arch = Arch::kX86_64;
  f.prog.code.push_back(Region{vaddr, Bytes(f.code.data(), f.code.size())});
  std::sort(addrs.begin(), addrs.end());
  addrs.erase(std::unique(addrs.begin(), addrs.end()), addrs.end());
  f.addrs = std::move(addrs);
  return f;
}

class CodeRefsTest : public ::testing::TestWithParam<std::tuple<std::uint32_t, int>> {};

TEST_P(CodeRefsTest, MatchesTheNaiveDefinition) {
  const auto [seed, threads] = GetParam();
  // Sizes straddle the 1 MiB chunks and the 16-byte SIMD blocks; address
  // sets: close together (one 32-bit window), spread over the upper half
  // boundary, near the code (rip-relative only), and many.
  const std::uint64_t vaddr = 0x401000 + seed % 7;
  const std::vector<std::vector<std::uint64_t>> sets = {
      {0x158f6e0, 0x158f6e8, 0x16bf500},
      {0xfffff000, 0x100000010},
      {vaddr + 0x40, vaddr + 0x1234, 0x7fffffff},
      // More than the few-address byte filter takes (CodeRefsFewX86): the
      // range test over one 32-bit window.
      {0x158f6e0, 0x158f6e8, 0x158f701, 0x158f7f3, 0x1590002, 0x15a0000, 0x15a0107, 0x15b0010,
       0x15c0203, 0x15d0004, 0x16bf500},
  };
  for (std::size_t size : {std::size_t{4}, std::size_t{19}, std::size_t{4099},
                           std::size_t{(1u << 20) + 37}}) {
    for (const auto& set : sets) {
      SCOPED_TRACE(testing::Message() << "size " << size << " first addr " << std::hex << set[0]);
      Fixture f = MakeFixture(seed, std::max<std::size_t>(size, 32), vaddr, set);
      f.code.resize(size);
      f.prog.code[0].bytes = Bytes(f.code.data(), f.code.size());
      const Hits want = NaiveCodeRefsX86(f.prog.code[0], f.addrs);
      const Hits got = ToSet(FindCodeReferences(f.prog, f.addrs, threads));
      EXPECT_EQ(got, want);
      if (size > 4096) {
        EXPECT_FALSE(want.empty());  // the planted ones
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, CodeRefsTest,
                         ::testing::Combine(::testing::Values(1u, 2u, 3u), ::testing::Values(1, 2)));

// scan.h's CodeIndex for x86, read literally: at every position, the
// syscall-entry instructions (0F 05, 0F 34, CD 80) and direct branches
// (E8/E9 rel32, 0F 8x rel32, EB/7x/E3 rel8) into one of `entries`.
std::vector<std::uint64_t> NaiveSyscallsX86(const Region& r) {
  std::vector<std::uint64_t> out;
  const std::uint8_t* p = r.bytes.data();
  for (std::size_t i = 0; i + 1 < r.bytes.size(); ++i) {
    if ((p[i] == 0x0f && (p[i + 1] == 0x05 || p[i + 1] == 0x34)) ||
        (p[i] == 0xcd && p[i + 1] == 0x80)) {
      out.push_back(r.vaddr + i);
    }
  }
  return out;
}

Hits NaiveBranchesX86(const Region& r, const std::vector<std::uint64_t>& entries) {
  const std::set<std::uint64_t> want(entries.begin(), entries.end());
  Hits out;
  const std::uint8_t* p = r.bytes.data();
  const std::size_t n = r.bytes.size();
  auto check = [&](std::size_t i, std::size_t len, std::int64_t rel) {
    const std::uint64_t t = r.vaddr + i + len + static_cast<std::uint64_t>(rel);
    if (want.count(t)) out.insert({r.vaddr + i, t});
  };
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t b = p[i];
    if ((b == 0xe8 || b == 0xe9) && i + 5 <= n) {
      check(i, 5, static_cast<std::int32_t>(Le32(p + i + 1)));
    } else if (b == 0x0f && i + 6 <= n && (p[i + 1] & 0xf0) == 0x80) {
      check(i, 6, static_cast<std::int32_t>(Le32(p + i + 2)));
    } else if ((b == 0xeb || (b & 0xf0) == 0x70 || b == 0xe3) && i + 2 <= n) {
      check(i, 2, static_cast<std::int8_t>(p[i + 1]));
    }
  }
  return out;
}

// Plants direct branches to `entries` in f's code: CALL/JMP rel32, Jcc
// rel32 and, where the entry is within reach, JMP/Jcc rel8.
void PlantBranches(Fixture* f, const std::vector<std::uint64_t>& entries, std::mt19937* rng) {
  const std::uint64_t vaddr = f->prog.code[0].vaddr;
  for (int k = 0; k < 3000; ++k) {
    const std::uint64_t t = entries[(*rng)() % entries.size()];
    const std::size_t at = (*rng)() % (f->code.size() - 8);
    auto rel32 = [&](std::size_t len) {
      const auto d = static_cast<std::uint32_t>(t - (vaddr + at + len));
      std::memcpy(&f->code[at + len - 4], &d, 4);
    };
    switch ((*rng)() % 4) {
      case 0:
        f->code[at] = (*rng)() % 2 ? 0xe8 : 0xe9;
        rel32(5);
        break;
      case 1:
        f->code[at] = 0x0f;
        f->code[at + 1] = static_cast<std::uint8_t>(0x80 | (*rng)() % 16);
        rel32(6);
        break;
      default: {  // rel8: an entry close after or before the position
        const std::int64_t d = static_cast<std::int64_t>(t) - static_cast<std::int64_t>(vaddr + at + 2);
        if (d < -128 || d > 127) break;
        const std::uint8_t ops[] = {0xeb, 0xe3, 0x70, 0x75, 0x7f};
        f->code[at] = ops[(*rng)() % sizeof(ops)];
        f->code[at + 1] = static_cast<std::uint8_t>(d);
        break;
      }
    }
  }
}

// The one-pass index (SSE2 on x86-64, chunked over threads) against the
// naive definitions, with function entries on no common grid (some odd)
// and on 16-, 32- and 64-byte grids (where the SIMD loop skips branches
// whose target is off the grid: EntrySet::AlignMask), on a grid but for a
// few (tested by their low bytes: EntrySet::OddLowBytes) or more than a
// few, code at odd and aligned addresses.
TEST(CodeIndexTest, AgreesWithTheNaiveDefinitions) {
  struct Grid {
    std::uint64_t align;
    std::size_t off_grid;  // entries added at odd addresses
  };
  for (const Grid grid : {Grid{1, 0}, Grid{16, 0}, Grid{32, 0}, Grid{64, 0}, Grid{32, 3},
                          Grid{16, 6}}) {  // 6: more than the 4 tested one by one
    const std::uint64_t align = grid.align;
    for (const std::uint64_t vaddr : {std::uint64_t{0x401003}, std::uint64_t{0x401000}}) {
      SCOPED_TRACE(testing::Message() << "align " << align << " off grid " << grid.off_grid
                                      << " vaddr " << std::hex << vaddr);
      const auto seed = static_cast<std::uint32_t>(align + vaddr + grid.off_grid);
      Fixture f = MakeFixture(seed, (1u << 20) + 4133, vaddr, {0x500000});
      std::mt19937 rng(seed);
      std::vector<std::uint64_t> entries;
      for (std::uint64_t a = (vaddr + align - 1) / align * align; a < vaddr + f.code.size();
           a += (16 + rng() % 100 + align - 1) / align * align) {
        entries.push_back(a);
      }
      // gcc's `.cold` parts: entries 2 bytes after an aligned one, each
      // with its own low byte.
      std::vector<std::uint64_t> odd;
      for (std::size_t k = 0; k < grid.off_grid; ++k) {
        odd.push_back(entries[100 + 211 * k] + 2 + 2 * k);
      }
      PlantBranches(&f, entries, &rng);
      if (!odd.empty()) PlantBranches(&f, odd, &rng);
      entries.insert(entries.end(), odd.begin(), odd.end());
      std::sort(entries.begin(), entries.end());
      for (std::size_t k = 0; k < entries.size(); ++k) {
        const std::uint64_t end = k + 1 < entries.size() ? entries[k + 1] : vaddr + f.code.size();
        f.prog.funcs.push_back(Function{entries[k], end, "f", 0});
      }
      const Hits want = NaiveBranchesX86(f.prog.code[0], entries);
      EXPECT_GT(want.size(), 2000u);
      for (int threads : {1, 2}) {
        const CodeIndex index = CodeIndex::Build(f.prog, threads);
        EXPECT_EQ(index.syscall_candidates(), NaiveSyscallsX86(f.prog.code[0]));
        EXPECT_EQ(ToSet(index.BranchesTo(entries)), want);
        EXPECT_FALSE(index.syscall_candidates().empty());
      }
    }
  }
}

// Code regions far apart (a crafted ELF: one executable segment at 0x1000,
// one near the top of the address space) must not make the index allocate
// for the whole span between them (found by the pipeline fuzzer:
// tests/testdata/corpus/pipeline/crash-entry-bitmap-span).
TEST(CodeIndexTest, RegionsFarApart) {
  // CALL rel32 to the next instruction, SYSCALL: in both regions.
  const std::vector<std::uint8_t> code = {0xe8, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x05};
  Program prog;
  prog.arch = Arch::kX86_64;
  const std::uint64_t far = 0xfffffffffff00000;
  prog.code.push_back(Region{0x1000, Bytes(code.data(), code.size())});
  prog.code.push_back(Region{far, Bytes(code.data(), code.size())});
  prog.funcs.push_back(Function{0x1000, 0x1000 + code.size(), "a", 0});
  prog.funcs.push_back(Function{0x1005, 0x1000 + code.size(), "b", 0});
  prog.funcs.push_back(Function{far + 5, far + code.size(), "c", 0});
  const CodeIndex index = CodeIndex::Build(prog, 2);
  EXPECT_EQ(index.syscall_candidates(), (std::vector<std::uint64_t>{0x1005, far + 5}));
  const std::vector<std::uint64_t> targets = {0x1005, far + 5};
  EXPECT_EQ(ToSet(index.BranchesTo(targets)), (Hits{{0x1000, 0x1005}, {far, far + 5}}));
}

// Go string literals run together: each path is the longest run of
// file-name bytes (the caller tries its prefixes); paths inside longer
// ones are not programs.
TEST(FindProgramPathsTest, RunsOfNameBytesAfterProgramDirectories) {
  const std::string data =
      std::string("\x01/bin/truehello ") + "GOROOT/bin/go" + "(/usr/bin/env)" +
      "/usr/local/sbin/x+y_z-1.2" + " /bin/" + " /etc/passwd" + " /usr/libexec/helper" +
      "\xff/bin/true" + " xyz/sbin/init";
  Program prog;
  prog.data.push_back(
      Region{0x1000, Bytes(reinterpret_cast<const std::uint8_t*>(data.data()), data.size())});
  EXPECT_EQ(FindProgramPaths(prog),
            (std::vector<std::string>{"/bin/true", "/bin/truehello", "/usr/bin/env",
                                      "/usr/libexec/helper", "/usr/local/sbin/x+y_z-1.2"}));
}

}  // namespace
}  // namespace go2seccomp::analysis
