#include "go2seccomp/analysis/scan.h"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace go2seccomp::analysis {
namespace {

bool Has(std::span<const std::uint64_t> sorted, std::uint64_t v) {
  return std::binary_search(sorted.begin(), sorted.end(), v);
}

std::int64_t SignExtend(std::uint64_t v, int bits) {
  const std::uint64_t m = std::uint64_t{1} << (bits - 1);
  return static_cast<std::int64_t>((v ^ m) - m);
}

void ScanX86Syscalls(const Region& r, std::vector<std::uint64_t>* out) {
  const std::uint8_t* p = r.bytes.data();
  const std::size_t n = r.bytes.size();
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const std::uint8_t b = p[i];
    if (b == 0x0f) {
      // 0F 05 SYSCALL, 0F 34 SYSENTER.
      if (p[i + 1] == 0x05 || p[i + 1] == 0x34) out->push_back(r.vaddr + i);
    } else if (b == 0xcd && p[i + 1] == 0x80) {
      out->push_back(r.vaddr + i);  // INT $0x80
    }
  }
}

// arm64 SVC #imm16: 1101 0100 000 imm16 000 01.
void ScanArm64Syscalls(const Region& r, std::vector<std::uint64_t>* out) {
  const std::uint8_t* p = r.bytes.data();
  const std::size_t start = (4 - r.vaddr % 4) % 4;
  for (std::size_t i = start; i + 4 <= r.bytes.size(); i += 4) {
    const std::uint32_t w = LoadLe32(p + i);
    if ((w & 0xffe0001fu) == 0xd4000001u) out->push_back(r.vaddr + i);
  }
}

// arm (A32) SVC/SWI #imm24: cond 1111 imm24.
void ScanArmSyscalls(const Region& r, std::vector<std::uint64_t>* out) {
  const std::uint8_t* p = r.bytes.data();
  const std::size_t start = (4 - r.vaddr % 4) % 4;
  for (std::size_t i = start; i + 4 <= r.bytes.size(); i += 4) {
    const std::uint32_t w = LoadLe32(p + i);
    if ((w & 0x0f000000u) == 0x0f000000u && (w >> 28) != 0xf) {
      out->push_back(r.vaddr + i);
    }
  }
}

void ScanX86Branches(const Region& r, std::span<const std::uint64_t> targets,
                     std::vector<BranchHit>* out) {
  const std::uint8_t* p = r.bytes.data();
  const std::size_t n = r.bytes.size();
  const std::uint64_t lo = targets.front(), hi = targets.back();
  auto check = [&](std::size_t i, std::size_t len, std::int64_t rel) {
    const std::uint64_t t = r.vaddr + i + len + static_cast<std::uint64_t>(rel);
    if (t >= lo && t <= hi && Has(targets, t)) out->push_back({r.vaddr + i, t});
  };
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t b = p[i];
    if (b == 0xe8 || b == 0xe9) {
      if (i + 5 <= n) check(i, 5, static_cast<std::int32_t>(LoadLe32(p + i + 1)));
    } else if (b == 0x0f) {
      if (i + 6 <= n && (p[i + 1] & 0xf0) == 0x80) {
        check(i, 6, static_cast<std::int32_t>(LoadLe32(p + i + 2)));
      }
    } else if (b == 0xeb || (b & 0xf0) == 0x70 || b == 0xe3) {
      if (i + 2 <= n) check(i, 2, static_cast<std::int8_t>(p[i + 1]));
    }
  }
}

void ScanArm64Branches(const Region& r, std::span<const std::uint64_t> targets,
                       std::vector<BranchHit>* out) {
  const std::uint8_t* p = r.bytes.data();
  const std::size_t start = (4 - r.vaddr % 4) % 4;
  const std::uint64_t lo = targets.front(), hi = targets.back();
  for (std::size_t i = start; i + 4 <= r.bytes.size(); i += 4) {
    const std::uint32_t w = LoadLe32(p + i);
    std::int64_t off;
    if ((w & 0x7c000000u) == 0x14000000u) {  // B, BL
      off = SignExtend(w & 0x3ffffff, 26) * 4;
    } else if ((w & 0xff000010u) == 0x54000000u ||  // B.cond
               (w & 0x7e000000u) == 0x34000000u) {  // CBZ, CBNZ
      off = SignExtend((w >> 5) & 0x7ffff, 19) * 4;
    } else if ((w & 0x7e000000u) == 0x36000000u) {  // TBZ, TBNZ
      off = SignExtend((w >> 5) & 0x3fff, 14) * 4;
    } else {
      continue;
    }
    const std::uint64_t t = r.vaddr + i + static_cast<std::uint64_t>(off);
    if (t >= lo && t <= hi && Has(targets, t)) out->push_back({r.vaddr + i, t});
  }
}

void ScanArmBranches(const Region& r, std::span<const std::uint64_t> targets,
                     std::vector<BranchHit>* out) {
  const std::uint8_t* p = r.bytes.data();
  const std::size_t start = (4 - r.vaddr % 4) % 4;
  for (std::size_t i = start; i + 4 <= r.bytes.size(); i += 4) {
    const std::uint32_t w = LoadLe32(p + i);
    if ((w & 0x0e000000u) != 0x0a000000u) continue;  // B, BL, BLX imm
    const std::int64_t off = SignExtend(w & 0xffffff, 24) * 4;
    const std::uint64_t t = r.vaddr + i + 8 + static_cast<std::uint64_t>(off);
    if (Has(targets, t)) out->push_back({r.vaddr + i, t});
  }
}

}  // namespace

std::vector<std::uint64_t> FindSyscallCandidates(const Program& program) {
  std::vector<std::uint64_t> out;
  for (const Region& r : program.code) {
    switch (program.arch) {
      case Arch::kX86_64:
      case Arch::kI386:
        ScanX86Syscalls(r, &out);
        break;
      case Arch::kArm64:
        ScanArm64Syscalls(r, &out);
        break;
      case Arch::kArm:
        ScanArmSyscalls(r, &out);
        break;
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<BranchHit> FindBranchesTo(const Program& program,
                                      std::span<const std::uint64_t> targets) {
  std::vector<BranchHit> out;
  if (targets.empty()) return out;
  for (const Region& r : program.code) {
    switch (program.arch) {
      case Arch::kX86_64:
      case Arch::kI386:
        ScanX86Branches(r, targets, &out);
        break;
      case Arch::kArm64:
        ScanArm64Branches(r, targets, &out);
        break;
      case Arch::kArm:
        ScanArmBranches(r, targets, &out);
        break;
    }
  }
  std::sort(out.begin(), out.end(),
            [](const BranchHit& a, const BranchHit& b) { return a.site < b.site; });
  return out;
}

std::vector<BranchHit> FindAddressReferences(
    const Program& program, std::span<const std::uint64_t> targets) {
  std::vector<BranchHit> out;
  if (targets.empty()) return out;
  const int word = GetArchInfo(program.arch).ptr_size;
  for (const Region& r : program.data) {
    const std::uint8_t* p = r.bytes.data();
    const std::size_t start = (word - r.vaddr % word) % word;
    for (std::size_t i = start; i + word <= r.bytes.size(); i += word) {
      const std::uint64_t v = word == 8 ? LoadLe64(p + i) : LoadLe32(p + i);
      if (Has(targets, v)) out.push_back({r.vaddr + i, v});
    }
  }
  for (const auto& [where, value] : program.relocated_words) {
    if (Has(targets, value)) out.push_back({where, value});
  }
  return out;
}

std::vector<std::uint64_t> FindCodeReferences(const Program& program,
                                              std::span<const std::uint64_t> addrs) {
  std::vector<std::uint64_t> out;
  if (addrs.empty()) return out;
  const std::uint64_t lo = addrs.front(), hi = addrs.back();
  auto near = [&](std::uint64_t t) { return t + 8 >= lo && t <= hi + 8; };
  for (const Region& r : program.code) {
    const std::uint8_t* p = r.bytes.data();
    const std::size_t n = r.bytes.size();
    if (program.arch == Arch::kX86_64 || program.arch == Arch::kI386) {
      for (std::size_t i = 0; i + 4 <= n; ++i) {
        const std::uint32_t w = LoadLe32(p + i);
        // rip-relative: target = end of instruction + disp; the instruction
        // ends 0, 1, 2 or 4 bytes after the displacement (its immediate).
        const std::uint64_t after = r.vaddr + i + 4 + static_cast<std::uint64_t>(
                                                          static_cast<std::int64_t>(
                                                              static_cast<std::int32_t>(w)));
        bool hit = false;
        if (near(after)) {
          for (std::uint64_t k : {0u, 1u, 2u, 4u}) {
            if (Has(addrs, after + k)) hit = true;
          }
        }
        if (w >= lo && w <= hi && Has(addrs, w)) hit = true;  // absolute disp32 / imm32
        if (!hit && i + 8 <= n) {
          const std::uint64_t q = LoadLe64(p + i);
          if (q >= lo && q <= hi && Has(addrs, q)) hit = true;
        }
        if (hit) out.push_back(r.vaddr + i);
      }
    } else {
      const std::size_t start = (4 - r.vaddr % 4) % 4;
      for (std::size_t i = start; i + 4 <= n; i += 4) {
        const std::uint32_t w = LoadLe32(p + i);
        const std::uint64_t pc = r.vaddr + i;
        bool hit = false;
        if (program.arch == Arch::kArm64 && (w & 0x9f000000u) == 0x90000000u) {  // ADRP
          const std::uint64_t imm = ((w >> 29) & 3) | (((w >> 5) & 0x7ffff) << 2);
          const std::uint64_t page =
              (pc & ~std::uint64_t{0xfff}) +
              static_cast<std::uint64_t>(SignExtend(imm, 21) * 4096);
          auto it = std::lower_bound(addrs.begin(), addrs.end(), page);
          hit = it != addrs.end() && (*it & ~std::uint64_t{0xfff}) == page;
        }
        if (Has(addrs, w)) hit = true;  // literal pool word (32-bit)
        if (!hit && i + 8 <= n && Has(addrs, LoadLe64(p + i))) hit = true;
        if (hit) out.push_back(pc);
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
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

}  // namespace go2seccomp::analysis
