#include "go2seccomp/elf/eh_frame.h"

#include <algorithm>
#include <map>

namespace go2seccomp::elf {
namespace {

// DW_EH_PE_* (LSB 5.0 table 10-5/10-6).
constexpr std::uint8_t kOmit = 0xff;
constexpr std::uint8_t kAbsptr = 0x00;
constexpr std::uint8_t kUleb128 = 0x01;
constexpr std::uint8_t kUdata2 = 0x02;
constexpr std::uint8_t kUdata4 = 0x03;
constexpr std::uint8_t kUdata8 = 0x04;
constexpr std::uint8_t kSleb128 = 0x09;
constexpr std::uint8_t kSdata2 = 0x0a;
constexpr std::uint8_t kSdata4 = 0x0b;
constexpr std::uint8_t kSdata8 = 0x0c;
constexpr std::uint8_t kPcrel = 0x10;
constexpr std::uint8_t kDatarel = 0x30;
constexpr std::uint8_t kIndirect = 0x80;

class Cursor {
 public:
  Cursor(const ByteReader& r, std::uint64_t off) : r_(r), off_(off) {}
  std::uint64_t off() const { return off_; }
  void Seek(std::uint64_t off) { off_ = off; }

  Result<std::uint64_t> Fixed(int bytes) {
    Result<std::uint64_t> v = bytes == 1   ? Result<std::uint64_t>(r_.U8(off_))
                              : bytes == 2 ? Result<std::uint64_t>(r_.U16(off_))
                              : bytes == 4 ? Result<std::uint64_t>(r_.U32(off_))
                                           : r_.U64(off_);
    if (v) off_ += bytes;
    return v;
  }
  Result<std::uint64_t> Uleb() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      G2S_ASSIGN_OR_RETURN(std::uint8_t b, r_.U8(off_));
      ++off_;
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    return MakeError(ErrorCode::kMalformed, "{}: LEB128 at offset {:#x} is too long", r_.what(),
                     off_);
  }
  Result<std::int64_t> Sleb() {
    std::int64_t v = 0;
    int shift = 0;
    std::uint8_t b = 0;
    do {
      G2S_ASSIGN_OR_RETURN(b, r_.U8(off_));
      ++off_;
      if (shift < 64) v |= static_cast<std::int64_t>(b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    if (shift < 64 && (b & 0x40)) v |= -(std::int64_t{1} << shift);
    return v;
  }
  Result<std::string_view> CString() {
    G2S_ASSIGN_OR_RETURN(std::string_view s, r_.CString(off_, 64));
    off_ += s.size() + 1;
    return s;
  }

  // A pointer in `enc`; `vaddr_of_section` turns offsets into addresses for
  // pc-relative values.
  Result<std::uint64_t> Encoded(std::uint8_t enc, std::uint64_t section_vaddr, int ptr_size) {
    const std::uint64_t here = section_vaddr + off_;
    std::uint64_t v = 0;
    switch (enc & 0x0f) {
      case kAbsptr: {
        G2S_ASSIGN_OR_RETURN(v, Fixed(ptr_size));
        break;
      }
      case kUleb128: {
        G2S_ASSIGN_OR_RETURN(v, Uleb());
        break;
      }
      case kUdata2: {
        G2S_ASSIGN_OR_RETURN(v, Fixed(2));
        break;
      }
      case kUdata4: {
        G2S_ASSIGN_OR_RETURN(v, Fixed(4));
        break;
      }
      case kUdata8: {
        G2S_ASSIGN_OR_RETURN(v, Fixed(8));
        break;
      }
      case kSleb128: {
        G2S_ASSIGN_OR_RETURN(std::int64_t s, Sleb());
        v = static_cast<std::uint64_t>(s);
        break;
      }
      case kSdata2: {
        G2S_ASSIGN_OR_RETURN(std::uint64_t u, Fixed(2));
        v = static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int16_t>(u)));
        break;
      }
      case kSdata4: {
        G2S_ASSIGN_OR_RETURN(std::uint64_t u, Fixed(4));
        v = static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(u)));
        break;
      }
      case kSdata8: {
        G2S_ASSIGN_OR_RETURN(v, Fixed(8));
        break;
      }
      default:
        return MakeError(ErrorCode::kUnsupported,
                         "{}: pointer encoding {:#x} at offset {:#x} is not supported", r_.what(),
                         enc, off_);
    }
    switch (enc & 0x70) {
      case 0:
        break;
      case kPcrel:
        v += here;
        break;
      case kDatarel:
        break;  // relative to the GOT; unused for pc_begin by GCC/LLVM
      default:
        return MakeError(ErrorCode::kUnsupported,
                         "{}: pointer application {:#x} at offset {:#x} is not supported",
                         r_.what(), enc & 0x70, off_);
    }
    if (ptr_size == 4) v &= 0xffffffffu;
    return v;
  }

 private:
  const ByteReader& r_;
  std::uint64_t off_;
};

struct Cie {
  std::uint8_t fde_encoding = kAbsptr;
};

}  // namespace

Result<std::vector<FunctionRange>> ParseEhFrame(Bytes data, std::uint64_t vaddr, int ptr_size) {
  ByteReader r(data, ".eh_frame");
  std::vector<FunctionRange> out;
  std::map<std::uint64_t, Cie> cies;  // by offset
  std::uint64_t off = 0;
  while (off + 4 <= data.size()) {
    Cursor c(r, off);
    G2S_ASSIGN_OR_RETURN(std::uint64_t length, c.Fixed(4));
    if (length == 0) break;  // terminator
    bool wide = false;
    if (length == 0xffffffffu) {
      G2S_ASSIGN_OR_RETURN(length, c.Fixed(8));
      wide = true;
    }
    const std::uint64_t body = c.off();
    if (!InBounds(body, length, data.size())) {
      return MakeError(ErrorCode::kMalformed,
                       ".eh_frame: record at offset {:#x} has length {:#x} past the end (size "
                       "{:#x})",
                       off, length, data.size());
    }
    const std::uint64_t next = body + length;
    G2S_ASSIGN_OR_RETURN(std::uint64_t id, c.Fixed(wide ? 8 : 4));
    if (id == 0) {
      // CIE: version, augmentation, code/data alignment, return register,
      // then (with "z") the augmentation data that gives 'R'.
      Cie cie;
      G2S_ASSIGN_OR_RETURN(std::uint64_t version, c.Fixed(1));
      G2S_ASSIGN_OR_RETURN(std::string_view aug, c.CString());
      if (aug.find("eh") != std::string_view::npos) {
        G2S_TRY(c.Fixed(ptr_size));  // old GCC eh_ptr
      }
      G2S_TRY(c.Uleb());
      G2S_TRY(c.Sleb());
      if (version == 1) {
        G2S_TRY(c.Fixed(1));
      } else {
        G2S_TRY(c.Uleb());
      }
      if (!aug.empty() && aug[0] == 'z') {
        G2S_ASSIGN_OR_RETURN(std::uint64_t aug_len, c.Uleb());
        const std::uint64_t aug_end = c.off() + aug_len;
        for (char ch : aug.substr(1)) {
          if (ch == 'R') {
            G2S_ASSIGN_OR_RETURN(std::uint64_t e, c.Fixed(1));
            cie.fde_encoding = static_cast<std::uint8_t>(e);
          } else if (ch == 'P') {
            G2S_ASSIGN_OR_RETURN(std::uint64_t e, c.Fixed(1));
            G2S_TRY(c.Encoded(static_cast<std::uint8_t>(e) & ~kIndirect, vaddr, ptr_size));
          } else if (ch == 'L') {
            G2S_TRY(c.Fixed(1));
          } else if (ch == 'S' || ch == 'B' || ch == 'G') {
            // signal frame / AArch64 BTI / MTE: no data
          } else {
            break;  // unknown augmentation: the length lets us skip it
          }
        }
        c.Seek(aug_end);
      }
      cies[off] = cie;
    } else {
      // FDE: id is the distance back to its CIE from the id field itself.
      const std::uint64_t id_pos = body;
      if (id > id_pos) {
        return MakeError(ErrorCode::kMalformed,
                         ".eh_frame: FDE at offset {:#x} points before the section (CIE "
                         "pointer {:#x})",
                         off, id);
      }
      auto it = cies.find(id_pos - id);
      if (it == cies.end()) {
        return MakeError(ErrorCode::kMalformed,
                         ".eh_frame: FDE at offset {:#x} names no CIE (at offset {:#x})", off,
                         id_pos - id);
      }
      const std::uint8_t enc = it->second.fde_encoding;
      if (enc != kOmit) {
        G2S_ASSIGN_OR_RETURN(std::uint64_t begin, c.Encoded(enc, vaddr, ptr_size));
        // pc_range uses the format of the encoding without its application.
        G2S_ASSIGN_OR_RETURN(std::uint64_t range, c.Encoded(enc & 0x0f, vaddr, ptr_size));
        // A range that wraps past 2^64 (a negative sdata pc_range) is
        // dropped like an empty one (found by elf_fuzzer).
        if (range > 0 && begin != 0 && begin + range > begin) {
          out.push_back({begin, begin + range});
        }
      }
    }
    off = next;
  }
  std::sort(out.begin(), out.end(),
            [](const FunctionRange& a, const FunctionRange& b) { return a.begin < b.begin; });
  return out;
}

}  // namespace go2seccomp::elf
