#include "go2seccomp/analysis/scan.h"

#include <algorithm>
#include <array>
#include <optional>
#include <cstring>
#include <string_view>

#include "go2seccomp/base/parallel.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace go2seccomp::analysis {
namespace {

bool Has(std::span<const std::uint64_t> sorted, std::uint64_t v) {
  return std::binary_search(sorted.begin(), sorted.end(), v);
}

std::int64_t SignExtend(std::uint64_t v, int bits) {
  const std::uint64_t m = std::uint64_t{1} << (bits - 1);
  return static_cast<std::int64_t>((v ^ m) - m);
}

// Which byte values start something the x86 index cares about.
enum : std::uint8_t { kX86None, kX86Rel32, kX86Escape, kX86Rel8, kX86Int };
constexpr std::array<std::uint8_t, 256> MakeX86Table() {
  std::array<std::uint8_t, 256> t{};
  t[0xe8] = t[0xe9] = kX86Rel32;
  t[0x0f] = kX86Escape;
  t[0xeb] = t[0xe3] = kX86Rel8;
  for (int b = 0x70; b <= 0x7f; ++b) t[b] = kX86Rel8;
  t[0xcd] = kX86Int;
  return t;
}
constexpr std::array<std::uint8_t, 256> kX86Table = MakeX86Table();

// Function entries as one bitmap per code region (regions may lie far
// apart: one bitmap over the whole span could need terabytes for a
// crafted or unusual ELF -- found by the pipeline fuzzer), one bit per
// 16-byte slot: compilers align function entries to 16 bytes (Go's
// linker to 32 on amd64), so a bit per byte would be an eighth of the text
// size in memory for nothing. Entries off that grid, or outside every
// region, are kept in a sorted list.
class EntrySet {
 public:
  explicit EntrySet(const Program& p) {
    for (const Region& r : p.code) {
      regions_.push_back(Bits{r.vaddr, r.vaddr + r.bytes.size(), {}});
    }
    std::sort(regions_.begin(), regions_.end(),
              [](const Bits& x, const Bits& y) { return x.lo < y.lo; });
    for (Bits& b : regions_) b.words.assign((b.hi - b.lo) / (64 * kSlot) + 1, 0);
    for (const Function& f : p.funcs) Add(f.entry);
    // PLT entries standing for wrappers in other libraries.
    for (const auto& [entry, locs] : p.external_wrappers) Add(entry);
    std::sort(others_.begin(), others_.end());
    for (std::uint64_t a : others_) {
      const auto low = static_cast<std::uint8_t>(a);
      if (std::find(odd_.begin(), odd_.begin() + num_odd_, low) != odd_.begin() + num_odd_) continue;
      if (num_odd_ == kMaxOdd) {
        // Too many to test one by one: one alignment for all entries.
        for (std::uint64_t b : others_) grid_bits_ |= b;
        num_odd_ = 0;
        break;
      }
      odd_[num_odd_++] = low;
    }
  }
  // A branch target t can be an entry only if t & AlignMask() == 0 or t's
  // low byte is one of OddLowBytes(). AlignMask is the largest power of
  // two (at most 256) dividing every entry on the 16-byte grid (every
  // entry, when more than kMaxOdd low bytes lie off it), minus one:
  // Go's linker aligns amd64 functions to 32 bytes
  // (cmd/link/internal/amd64 funcAlign), which rules out 31 of 32 random
  // rel8/rel32 displacements before any lookup. The few entries off that
  // grid are tested by their low byte: a cgo binary's C code has gcc's
  // split-off `.cold` parts at any address (x_cgo_munmap.cold), and one
  // of them must not take the filter away from all the others.
  std::uint8_t AlignMask() const {
    const std::uint64_t bits = grid_bits_ | 256;
    return static_cast<std::uint8_t>((bits & (~bits + 1)) - 1);
  }
  static constexpr std::size_t kMaxOdd = 4;
  std::span<const std::uint8_t> OddLowBytes() const { return {odd_.data(), num_odd_}; }
  bool Has(std::uint64_t a) const {
    if (a % kSlot == 0) {
      if (const Bits* b = Find(a)) {
        const std::uint64_t slot = (a - b->lo) / kSlot;
        return (b->words[slot / 64] >> (slot % 64)) & 1;
      }
    }
    return !others_.empty() && std::binary_search(others_.begin(), others_.end(), a);
  }

 private:
  static constexpr std::uint64_t kSlot = 16;
  struct Bits {
    std::uint64_t lo, hi;
    std::vector<std::uint64_t> words;
  };
  const Bits* Find(std::uint64_t a) const {
    // Almost always one or two regions: a linear look is the fastest.
    for (const Bits& b : regions_) {
      if (a >= b.lo && a < b.hi) return &b;
    }
    return nullptr;
  }
  void Add(std::uint64_t a) {
    Bits* b = a % kSlot == 0 ? const_cast<Bits*>(Find(a)) : nullptr;
    if (b != nullptr) {
      grid_bits_ |= a;
      const std::uint64_t slot = (a - b->lo) / kSlot;
      b->words[slot / 64] |= std::uint64_t{1} << (slot % 64);
    } else {
      others_.push_back(a);
    }
  }
  std::vector<Bits> regions_;
  std::vector<std::uint64_t> others_;
  std::uint64_t grid_bits_ = 0;  // the entries AlignMask covers, ORed together
  std::array<std::uint8_t, kMaxOdd> odd_{};  // distinct low bytes of others_
  std::size_t num_odd_ = 0;
};

struct IndexChunk {
  const Region* region;
  std::size_t begin, end;  // start positions within the region
};

// The code in 1 MB chunks: the units the byte scans hand to threads (and
// the span ChunkBranches' 20-bit site offsets cover).
constexpr std::size_t kChunk = 1 << 20;
std::vector<IndexChunk> CodeChunks(const Program& program) {
  std::vector<IndexChunk> chunks;
  for (const Region& r : program.code) {
    for (std::size_t b = 0; b < r.bytes.size(); b += kChunk) {
      chunks.push_back({&r, b, std::min(r.bytes.size(), b + kChunk)});
    }
  }
  return chunks;
}

// One position of the x86 index: what byte p[i] may start.
inline void IndexX86At(const Region& r, std::size_t i, const EntrySet& entries,
                       std::vector<std::uint64_t>* sys, CodeIndex::ChunkBranches* hits) {
  const std::uint8_t* p = r.bytes.data();
  const std::size_t n = r.bytes.size();
  // A direct branch of `len` bytes ending in displacement `rel`.
  auto branch = [&](std::size_t len, std::int64_t rel) {
    const std::uint64_t t = r.vaddr + i + len + static_cast<std::uint64_t>(rel);
    if (entries.Has(t)) hits->Add(r.vaddr + i, t);
  };
  switch (kX86Table[p[i]]) {
    case kX86None:
      break;
    case kX86Rel32:
      if (i + 5 <= n) branch(5, static_cast<std::int32_t>(LoadLe32(p + i + 1)));
      break;
    case kX86Escape:
      if (i + 1 < n) {
        const std::uint8_t b = p[i + 1];
        if (b == 0x05 || b == 0x34) {
          sys->push_back(r.vaddr + i);  // SYSCALL, SYSENTER
        } else if ((b & 0xf0) == 0x80 && i + 6 <= n) {
          branch(6, static_cast<std::int32_t>(LoadLe32(p + i + 2)));
        }
      }
      break;
    case kX86Rel8:
      if (i + 2 <= n) branch(2, static_cast<std::int8_t>(p[i + 1]));
      break;
    case kX86Int:
      if (i + 1 < n && p[i + 1] == 0x80) sys->push_back(r.vaddr + i);
      break;
  }
}

void IndexX86(const IndexChunk& c, const EntrySet& entries, std::vector<std::uint64_t>* sys,
              CodeIndex::ChunkBranches* hits) {
  const Region& r = *c.region;
  const std::uint8_t* p = r.bytes.data();
  std::size_t i = c.begin;
#if defined(__SSE2__)
  // 16 positions at a time, visiting only those where IndexX86At can find
  // something: a syscall-entry opcode pair, or a branch opcode whose
  // target may be an entry (EntrySet::AlignMask, OddLowBytes). The target's
  // low byte is the position's low byte plus the instruction length plus
  // the displacement's low byte, so byte arithmetic decides alignment
  // without decoding the displacement. (Without the alignment test about
  // one position in eight would be visited: the 7x Jcc opcodes alone are a
  // sixteenth of all byte values.) SSE2 is part of the x86-64 baseline;
  // other hosts take the byte loop below.
  const __m128i align = _mm_set1_epi8(static_cast<char>(entries.AlignMask()));
  const __m128i zero = _mm_setzero_si128();
  const __m128i k0f = _mm_set1_epi8(0x0f), ke8 = _mm_set1_epi8(static_cast<char>(0xe8)),
                kfe = _mm_set1_epi8(static_cast<char>(0xfe)),
                keb = _mm_set1_epi8(static_cast<char>(0xeb)),
                ke3 = _mm_set1_epi8(static_cast<char>(0xe3)),
                kcd = _mm_set1_epi8(static_cast<char>(0xcd)),
                k80 = _mm_set1_epi8(static_cast<char>(0x80)),
                kf0 = _mm_set1_epi8(static_cast<char>(0xf0)), k70 = _mm_set1_epi8(0x70),
                k05 = _mm_set1_epi8(0x05), k34 = _mm_set1_epi8(0x34), k2 = _mm_set1_epi8(2),
                k5 = _mm_set1_epi8(5), k6 = _mm_set1_epi8(6), k16 = _mm_set1_epi8(16);
  // Lane k: the low byte of the address r.vaddr + i + k.
  __m128i pos = _mm_add_epi8(_mm_set1_epi8(static_cast<char>(r.vaddr + i)),
                             _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  const std::span<const std::uint8_t> odd = entries.OddLowBytes();
  __m128i oddv[EntrySet::kMaxOdd];
  for (std::size_t k = 0; k < odd.size(); ++k) oddv[k] = _mm_set1_epi8(static_cast<char>(odd[k]));
  // The target's low byte t = pos + len + low byte of the displacement:
  // t & mask == 0, or t one of the odd entries' low bytes.
  auto aligned = [&](__m128i disp, __m128i len) {
    const __m128i t = _mm_add_epi8(_mm_add_epi8(pos, len), disp);
    __m128i ok = _mm_cmpeq_epi8(_mm_and_si128(t, align), zero);
    for (std::size_t k = 0; k < odd.size(); ++k) ok = _mm_or_si128(ok, _mm_cmpeq_epi8(t, oddv[k]));
    return ok;
  };
  for (; i + 16 <= c.end && i + 18 <= r.bytes.size(); i += 16, pos = _mm_add_epi8(pos, k16)) {
    const __m128i v0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i v1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 1));
    const __m128i v2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 2));
    // E8/E9 rel32 (disp low byte at +1), EB/E3/7x rel8 (at +1), 0F 8x
    // rel32 (at +2); 0F 05, 0F 34, CD 80.
    const __m128i rel32 = _mm_and_si128(_mm_cmpeq_epi8(_mm_and_si128(v0, kfe), ke8), aligned(v1, k5));
    const __m128i rel8_op = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v0, keb), _mm_cmpeq_epi8(v0, ke3)),
        _mm_cmpeq_epi8(_mm_and_si128(v0, kf0), k70));
    const __m128i rel8 = _mm_and_si128(rel8_op, aligned(v1, k2));
    const __m128i escaped = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v1, k05), _mm_cmpeq_epi8(v1, k34)),
        _mm_and_si128(_mm_cmpeq_epi8(_mm_and_si128(v1, kf0), k80), aligned(v2, k6)));
    const __m128i escape = _mm_and_si128(_mm_cmpeq_epi8(v0, k0f), escaped);
    const __m128i int80 = _mm_and_si128(_mm_cmpeq_epi8(v0, kcd), _mm_cmpeq_epi8(v1, k80));
    const __m128i m = _mm_or_si128(_mm_or_si128(rel32, rel8), _mm_or_si128(escape, int80));
    for (auto bits = static_cast<unsigned>(_mm_movemask_epi8(m)); bits != 0; bits &= bits - 1) {
      IndexX86At(r, i + static_cast<std::size_t>(__builtin_ctz(bits)), entries, sys, hits);
    }
  }
#endif
  for (; i < c.end; ++i) {
    if (kX86Table[p[i]] != kX86None) IndexX86At(r, i, entries, sys, hits);
  }
}

void IndexWords(const Program& prog, const IndexChunk& c, const EntrySet& entries,
                std::vector<std::uint64_t>* sys, CodeIndex::ChunkBranches* hits) {
  const Region& r = *c.region;
  const std::uint8_t* p = r.bytes.data();
  std::size_t i = c.begin + (4 - (r.vaddr + c.begin) % 4) % 4;
  for (; i + 4 <= r.bytes.size() && i < c.end; i += 4) {
    const std::uint32_t w = LoadLe32(p + i);
    const std::uint64_t pc = r.vaddr + i;
    std::int64_t off;
    if (prog.arch == Arch::kArm64) {
      if ((w & 0xffe0001fu) == 0xd4000001u) {
        sys->push_back(pc);
        continue;
      }
      if ((w & 0x7c000000u) == 0x14000000u) {
        off = SignExtend(w & 0x3ffffff, 26) * 4;
      } else if ((w & 0xff000010u) == 0x54000000u || (w & 0x7e000000u) == 0x34000000u) {
        off = SignExtend((w >> 5) & 0x7ffff, 19) * 4;
      } else if ((w & 0x7e000000u) == 0x36000000u) {
        off = SignExtend((w >> 5) & 0x3fff, 14) * 4;
      } else {
        continue;
      }
    } else {  // arm
      if ((w & 0x0f000000u) == 0x0f000000u && (w >> 28) != 0xf) {
        sys->push_back(pc);
        continue;
      }
      if ((w & 0x0e000000u) != 0x0a000000u) continue;
      off = SignExtend(w & 0xffffff, 24) * 4 + 8;
    }
    const std::uint64_t t = pc + static_cast<std::uint64_t>(off);
    if (entries.Has(t)) hits->Add(pc, t);
  }
}

}  // namespace

CodeIndex CodeIndex::Build(const Program& program, int threads) {
  CodeIndex index;
  if (program.code.empty()) return index;
  const EntrySet entries(program);
  const std::vector<IndexChunk> chunks = CodeChunks(program);
  const bool x86 = program.arch == Arch::kX86_64 || program.arch == Arch::kI386;
  std::vector<std::vector<std::uint64_t>> sys(chunks.size());
  std::vector<ChunkBranches> hits(chunks.size());
  for (std::size_t k = 0; k < chunks.size(); ++k) {
    hits[k].base = chunks[k].region->vaddr + chunks[k].begin;
  }
  ParallelFor(
      chunks.size(), threads,
      [&](std::size_t k, int) {
        if (x86) {
          IndexX86(chunks[k], entries, &sys[k], &hits[k]);
        } else {
          IndexWords(program, chunks[k], entries, &sys[k], &hits[k]);
        }
      },
      /*serial_below=*/2);
  for (std::size_t k = 0; k < chunks.size(); ++k) {
    index.syscalls_.insert(index.syscalls_.end(), sys[k].begin(), sys[k].end());
    hits[k].packed.shrink_to_fit();
  }
  // Chunks are in address order, so both are sorted by address.
  index.branches_ = std::move(hits);
  return index;
}

std::size_t CodeIndex::branch_count() const {
  std::size_t n = 0;
  for (const ChunkBranches& chunk : branches_) n += chunk.packed.size();
  return n;
}

namespace {
constexpr int kSiteBits = 20;
static_assert(kChunk == std::size_t{1} << kSiteBits, "a site offset covers one chunk");
// A packed branch's site offset from its chunk's base.
std::uint64_t SiteOffset(std::uint64_t w) { return w & ((std::uint64_t{1} << kSiteBits) - 1); }
}  // namespace

// The site lies in the chunk (under 1 MB = 2^20 from its base) and every
// branch the index records is pc-relative with a reach far below 2^43
// bytes (x86 rel32, arm64 imm26 * 4, arm imm24 * 4), so both fit.
void CodeIndex::ChunkBranches::Add(std::uint64_t site, std::uint64_t target) {
  const std::uint64_t delta = (target - site) & ((std::uint64_t{1} << (64 - kSiteBits)) - 1);
  packed.push_back((site - base) | delta << kSiteBits);
}

BranchHit CodeIndex::ChunkBranches::At(std::size_t k) const {
  const std::uint64_t w = packed[k];
  const std::uint64_t site = base + SiteOffset(w);
  const std::uint64_t delta = static_cast<std::uint64_t>(SignExtend(w >> kSiteBits, 64 - kSiteBits));
  return BranchHit{site, site + delta};
}

std::vector<BranchHit> CodeIndex::BranchesTo(std::span<const std::uint64_t> targets) const {
  // A few targets per round against all branches: a linear pass is cheaper
  // than sorting the index by target once.
  std::vector<BranchHit> out;
  if (targets.empty()) return out;
  std::vector<std::uint64_t> sorted(targets.begin(), targets.end());
  std::sort(sorted.begin(), sorted.end());
  const std::uint64_t lo = sorted.front(), hi = sorted.back();
  for (const ChunkBranches& chunk : branches_) {
    for (std::size_t k = 0; k < chunk.packed.size(); ++k) {
      const BranchHit h = chunk.At(k);
      if (h.target >= lo && h.target <= hi &&
          std::binary_search(sorted.begin(), sorted.end(), h.target)) {
        out.push_back(h);
      }
    }
  }
  return out;
}

std::vector<BranchHit> CodeIndex::BranchesFrom(std::uint64_t lo, std::uint64_t hi) const {
  std::vector<BranchHit> out;
  // Chunks are in address order and each chunk's branches in site order
  // (Build): a binary search finds the first site at or above lo.
  auto chunk = std::partition_point(branches_.begin(), branches_.end(),
                                    [&](const ChunkBranches& c) { return c.base + kChunk <= lo; });
  for (; chunk != branches_.end() && chunk->base < hi; ++chunk) {
    const std::uint64_t from = lo > chunk->base ? lo - chunk->base : 0;
    auto first = std::partition_point(chunk->packed.begin(), chunk->packed.end(), [&](std::uint64_t w) {
      return SiteOffset(w) < from;
    });
    for (auto k = static_cast<std::size_t>(first - chunk->packed.begin()); k < chunk->packed.size();
         ++k) {
      const BranchHit h = chunk->At(k);
      if (h.site >= hi) break;
      out.push_back(h);
    }
  }
  return out;
}

std::vector<BranchHit> FindAddressReferences(
    const Program& program, std::span<const std::uint64_t> targets) {
  std::vector<BranchHit> out;
  if (targets.empty()) return out;
  const int word = GetArchInfo(program.arch).ptr_size;
  // One subtraction rules out almost every word before the binary search
  // (targets is sorted): data is tens of MB in a big binary.
  const std::uint64_t lo = targets.front(), span = targets.back() - lo;
  for (const Region& r : program.data) {
    const std::uint8_t* p = r.bytes.data();
    const std::size_t start = (word - r.vaddr % word) % word;
    for (std::size_t i = start; i + word <= r.bytes.size(); i += word) {
      const std::uint64_t v = word == 8 ? LoadLe64(p + i) : LoadLe32(p + i);
      if (v - lo <= span && Has(targets, v)) out.push_back({r.vaddr + i, v});
    }
  }
  for (const auto& [where, value] : program.relocated_words) {
    if (Has(targets, value)) out.push_back({where, value});
  }
  return out;
}

namespace {

#if defined(__SSE2__)
// FindCodeReferences' x86 SIMD loop for a handful of addresses (what
// ResolveGlobals asks: the one to three variables that hold syscall
// numbers). Every check `at` makes needs low bytes to match: an absolute
// word or 64-bit immediate equals an address, so its first two bytes are
// the address's low two bytes; a rip-relative target (position + 4 + disp
// + k, k in {0, 1, 2, 4}) equals one, so the position's low byte + 4 + the
// displacement's first byte lies in [a - 4, a] (mod 256) for an address a.
// Those byte tests rule out all but a few positions in a thousand, where a
// range test on the addresses' whole span would pass most rip-relative
// operands into the binary's data. Returns false (and does nothing) for
// more addresses than is worth it; else runs `at` at every position of
// [*i, c.end) that can match, up to where the loop's loads stop, and
// advances *i there.
template <typename At>
bool CodeRefsFewX86(const Region& r, const IndexChunk& c, std::span<const std::uint64_t> addrs,
                    bool rip, const At& at, std::size_t* i) {
  constexpr std::size_t kMax = 8;
  // Distinct low 16 bits of a (absolute: both bytes must match) and low
  // bytes of a - 4 (the rip window's start).
  std::uint16_t direct[kMax];
  std::uint8_t window[kMax];
  std::size_t nd = 0, nw = 0;
  auto add = [](auto* to, std::size_t* n, auto v) {
    if (std::find(to, to + *n, v) != to + *n) return true;
    if (*n == kMax) return false;
    to[(*n)++] = v;
    return true;
  };
  for (std::uint64_t a : addrs) {
    if (!add(direct, &nd, static_cast<std::uint16_t>(a)) ||
        !add(window, &nw, static_cast<std::uint8_t>(a - 4))) {
      return false;
    }
  }
  __m128i d0[kMax], d1[kMax], wv[kMax];
  for (std::size_t k = 0; k < nd; ++k) {
    d0[k] = _mm_set1_epi8(static_cast<char>(direct[k] & 0xff));
    d1[k] = _mm_set1_epi8(static_cast<char>(direct[k] >> 8));
  }
  for (std::size_t k = 0; k < nw; ++k) wv[k] = _mm_set1_epi8(static_cast<char>(window[k]));
  const std::uint8_t* p = r.bytes.data();
  const std::size_t n = r.bytes.size();
  const __m128i kc7 = _mm_set1_epi8(static_cast<char>(0xc7)), k05 = _mm_set1_epi8(0x05),
                k4 = _mm_set1_epi8(4), k16 = _mm_set1_epi8(16), zero = _mm_setzero_si128();
  // Lane k: the low byte of r.vaddr + *i + k + 4 (the end of a disp32
  // starting there).
  __m128i pos = _mm_add_epi8(_mm_set1_epi8(static_cast<char>(r.vaddr + *i + 4)),
                             _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  std::size_t j = *i;
  for (; j + 16 <= c.end && j + 19 <= n; j += 16, pos = _mm_add_epi8(pos, k16)) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + j));
    const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + j + 1));
    __m128i m = zero;
    for (std::size_t k = 0; k < nd; ++k) {
      m = _mm_or_si128(m, _mm_and_si128(_mm_cmpeq_epi8(v, d0[k]), _mm_cmpeq_epi8(next, d1[k])));
    }
    if (rip) {
      // t - (a - 4) <= 4 (unsigned bytes): saturating 4 off leaves zero.
      const __m128i t = _mm_add_epi8(v, pos);
      __m128i near = zero;
      for (std::size_t k = 0; k < nw; ++k) {
        near = _mm_or_si128(
            near, _mm_cmpeq_epi8(_mm_subs_epu8(_mm_sub_epi8(t, wv[k]), k4), zero));
      }
      const __m128i modrm = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + j - 1));
      m = _mm_or_si128(m, _mm_and_si128(near, _mm_cmpeq_epi8(_mm_and_si128(modrm, kc7), k05)));
    }
    for (auto bits = static_cast<unsigned>(_mm_movemask_epi8(m)); bits != 0; bits &= bits - 1) {
      at(j + static_cast<std::size_t>(__builtin_ctz(bits)));
    }
  }
  *i = j;
  return true;
}
#endif

void CodeRefsChunk(const Program& program, const IndexChunk& c,
                   std::span<const std::uint64_t> addrs, std::vector<BranchHit>* out) {
  const std::uint64_t lo = addrs.front(), hi = addrs.back();
  const Region& r = *c.region;
  const std::uint8_t* p = r.bytes.data();
  const std::size_t n = r.bytes.size();
  auto check = [&](std::uint64_t site, std::uint64_t v) {
    if (v >= lo && v <= hi && Has(addrs, v)) out->push_back({site, v});
  };
  if (program.arch == Arch::kX86_64 || program.arch == Arch::kI386) {
    const bool rip = program.arch == Arch::kX86_64;
    const std::uint64_t upper = lo >> 32;
    const bool same_upper = upper == (hi >> 32);
    const auto lo32 = static_cast<std::uint32_t>(lo);
    const auto span32 = static_cast<std::uint32_t>(hi - lo);
    // Every check for the position i (the scalar definition; the SIMD
    // loop below only skips positions where none can fire).
    auto at = [&](std::size_t i) {
      const std::uint32_t w = LoadLe32(p + i);
      // rip-relative (64-bit mode only): ModRM mod=00 rm=101 and the disp32
      // right after it -- no SIB byte can come between (Intel SDM vol. 2,
      // 2.2.1.6), so a position not preceded by such a ModRM byte holds no
      // rip-relative displacement. Target = end of instruction + disp; the
      // instruction ends 0, 1, 2 or 4 bytes after the displacement (its
      // immediate).
      if (rip && i > 0 && (p[i - 1] & 0xc7) == 0x05) {
        const std::uint64_t after =
            r.vaddr + i + 4 +
            static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(w)));
        if (after + 4 >= lo && after <= hi) {
          for (std::uint64_t k : {0u, 1u, 2u, 4u}) check(r.vaddr + i, after + k);
        }
      }
      // Absolute disp32 / imm32, and a 64-bit immediate. When lo and hi
      // share their upper 32 bits, a 64-bit value in range has those upper
      // bits and its low half in [lo32, hi32]; a zero-extended 32-bit one
      // needs them to be zero. One subtraction rules out almost every
      // position before either full check.
      if (same_upper) {
        if (static_cast<std::uint32_t>(w - lo32) <= span32) {
          if (upper == 0) check(r.vaddr + i, w);
          if (i + 8 <= n) check(r.vaddr + i, LoadLe64(p + i));
        }
      } else {
        check(r.vaddr + i, w);
        if (i + 8 <= n) check(r.vaddr + i, LoadLe64(p + i));
      }
    };
    std::size_t i = c.begin;
#if defined(__SSE2__)
    if (i == 0 && i < c.end && i + 4 <= n) at(i++);  // the loops read p[i - 1]
    // More addresses: 16 positions at a time, a position needs the scalar
    // checks only if a rip-relative ModRM byte precedes it or the 32-bit
    // word there lies in [lo32, hi32] (which the 64-bit check needs too).
    // Words at positions i+k+4j come from four unaligned loads at i+k; the
    // unsigned range test is a signed compare after flipping the sign bit
    // (SSE2 has no unsigned one).
    if (!CodeRefsFewX86(r, c, addrs, rip, at, &i) && same_upper) {
      const __m128i sign = _mm_set1_epi32(static_cast<int>(0x80000000u));
      const __m128i vlo = _mm_set1_epi32(static_cast<int>(lo32));
      const __m128i vmax = _mm_set1_epi32(static_cast<int>(span32 ^ 0x80000000u));
      const __m128i kc7 = _mm_set1_epi8(static_cast<char>(0xc7)), k05 = _mm_set1_epi8(0x05);
      for (; i + 16 <= c.end && i + 19 <= n; i += 16) {
        unsigned mask = 0;
        for (int k = 0; k < 4; ++k) {
          const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + k));
          const __m128i d = _mm_xor_si128(_mm_sub_epi32(v, vlo), sign);
          const __m128i out_of_range = _mm_cmpgt_epi32(d, vmax);
          const auto in = static_cast<unsigned>(~_mm_movemask_ps(_mm_castsi128_ps(out_of_range)) & 0xf);
          // Lane j is position k + 4j.
          for (unsigned b = in; b != 0; b &= b - 1) {
            mask |= 1u << (k + 4 * __builtin_ctz(b));
          }
        }
        if (rip) {
          const __m128i m = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i - 1));
          mask |= static_cast<unsigned>(
              _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(m, kc7), k05)));
        }
        for (; mask != 0; mask &= mask - 1) at(i + static_cast<std::size_t>(__builtin_ctz(mask)));
      }
    }
#endif
    for (; i < c.end && i + 4 <= n; ++i) at(i);
    return;
  }
  std::size_t i = c.begin + (4 - (r.vaddr + c.begin) % 4) % 4;
  for (; i < c.end && i + 4 <= n; i += 4) {
    const std::uint32_t w = LoadLe32(p + i);
    const std::uint64_t pc = r.vaddr + i;
    if (program.arch == Arch::kArm64 && (w & 0x9f000000u) == 0x90000000u) {  // ADRP
      const std::uint64_t imm = ((w >> 29) & 3) | (((w >> 5) & 0x7ffff) << 2);
      const std::uint64_t page =
          (pc & ~std::uint64_t{0xfff}) + static_cast<std::uint64_t>(SignExtend(imm, 21) * 4096);
      if (page + 0x1000 > lo && page <= hi) {
        // Go's assembler expands a global access into ADRP R27 (REGTMP)
        // plus one ADD/LDR/STR with an immediate on R27
        // (cmd/internal/obj/arm64): that second instruction names the exact
        // address, so a page shared with other variables is not a
        // reference. Anything else stays a (conservative) reference.
        const unsigned rd = w & 31;
        std::optional<std::uint64_t> exact;
        if (rd == 27 && i + 8 <= n) {
          const std::uint32_t w2 = LoadLe32(p + i + 4);
          const unsigned rn = (w2 >> 5) & 31;
          if (rn == 27 && (w2 & 0x7f800000u) == 0x11000000u) {  // ADD (immediate)
            const std::uint64_t imm12 = (w2 >> 10) & 0xfff;
            exact = page + (((w2 >> 22) & 1) ? imm12 << 12 : imm12);
          } else if (rn == 27 && (w2 & 0x3b000000u) == 0x39000000u) {  // LDR/STR (unsigned imm)
            const unsigned size = w2 >> 30;
            const bool vector = (w2 >> 26) & 1;
            const unsigned scale = vector && ((w2 >> 23) & 1) ? 4 : size;
            exact = page + (static_cast<std::uint64_t>((w2 >> 10) & 0xfff) << scale);
          }
        }
        for (auto it = std::lower_bound(addrs.begin(), addrs.end(), page);
             it != addrs.end() && (*it & ~std::uint64_t{0xfff}) == page; ++it) {
          // An access of up to 16 bytes at *exact may overlap the variable.
          if (!exact || (*exact + 16 > *it && *exact < *it + 8)) out->push_back({pc, *it});
        }
      }
    }
    check(pc, w);  // literal pool word (32-bit)
    if (i + 8 <= n) check(pc, LoadLe64(p + i));
  }
}

}  // namespace

std::vector<BranchHit> FindCodeReferences(const Program& program,
                                          std::span<const std::uint64_t> addrs, int threads) {
  std::vector<BranchHit> out;
  if (addrs.empty()) return out;
  const std::vector<IndexChunk> chunks = CodeChunks(program);
  std::vector<std::vector<BranchHit>> parts(chunks.size());
  ParallelFor(
      chunks.size(), threads,
      [&](std::size_t k, int) { CodeRefsChunk(program, chunks[k], addrs, &parts[k]); },
      /*serial_below=*/2);
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

std::vector<std::string> FindStrings(const Program& program,
                                     std::span<const std::string_view> names) {
  std::vector<std::string> out;
  for (std::string_view name : names) {
    for (const Region& r : program.data) {
      const std::string_view hay(reinterpret_cast<const char*>(r.bytes.data()),
                                 r.bytes.size());
      if (hay.find(name) != std::string_view::npos) {
        out.emplace_back(name);
        break;
      }
    }
  }
  return out;
}

std::vector<std::string> FindProgramPaths(const Program& program) {
  static constexpr std::string_view kDirs[] = {
      "/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/local/bin/", "/usr/local/sbin/",
      "/usr/libexec/"};
  auto name_byte = [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '_' || ch == '-' || ch == '+';
  };
  std::vector<std::string> out;
  for (const Region& r : program.data) {
    const std::string_view hay(reinterpret_cast<const char*>(r.bytes.data()), r.bytes.size());
    for (std::size_t at = hay.find('/'); at != std::string_view::npos; at = hay.find('/', at + 1)) {
      // A path inside a longer one ("$GOROOT/bin/go", "a/usr/bin/x") is
      // relative to something else, not a program of the system.
      if (at > 0 && (name_byte(hay[at - 1]) || hay[at - 1] == '/')) continue;
      for (std::string_view dir : kDirs) {
        if (hay.compare(at, dir.size(), dir) != 0) continue;
        // ("/usr/bin/x" is not also read as "/bin/x": the scan goes on
        // after the name.)
        std::size_t end = at + dir.size();
        while (end < hay.size() && name_byte(hay[end])) ++end;
        if (end > at + dir.size()) out.emplace_back(hay.substr(at, end - at));
        at = end - 1;
        break;
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace go2seccomp::analysis
