// Bounds-checked little-endian reads over an immutable byte span.
//
// Every parser in go2seccomp (ELF, pclntab, buildinfo) reads input through a
// ByteReader, so a lying offset or size turns into an Error naming the region
// and the offset instead of a read past the end. Offsets are 64-bit and every
// `offset + size` is checked for overflow first (as LLVM's ELF.h does with
// `PhOff + HeadersSize < PhOff`).
//
//   ByteReader r(section_bytes, ".gopclntab", section_file_offset);
//   G2S_ASSIGN_OR_RETURN(uint32_t magic, r.U32(0));
//   G2S_ASSIGN_OR_RETURN(Bytes names, r.Sub(off, len));
//
// Errors read "<what>: 8-byte read at offset 0x1c0000 (file offset 0x1c4000)
// is past the end (size 0x1c0004)". Big-endian targets are out of scope.
#ifndef GO2SECCOMP_BASE_BYTE_READER_H_
#define GO2SECCOMP_BASE_BYTE_READER_H_

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "go2seccomp/base/error.h"

namespace go2seccomp {

// Bytes are unsigned char rather than std::byte: the decoders (Zydis,
// Capstone) and the varint/LE helpers all want integer arithmetic on them.
using Bytes = std::span<const std::uint8_t>;

// True if [off, off+len) lies inside a region of `size` bytes, with overflow
// of off+len treated as out of bounds.
constexpr bool InBounds(std::uint64_t off, std::uint64_t len,
                        std::uint64_t size) {
  return off <= size && len <= size - off;
}

// Unchecked little-endian loads; callers must have checked bounds.
inline std::uint16_t LoadLe16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
inline std::uint32_t LoadLe32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);  // hosts are little-endian (x86_64, arm64)
  return v;
}
inline std::uint64_t LoadLe64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

class ByteReader {
 public:
  // `what` names the region in error messages; `base_offset` is where the
  // region starts in the file, so messages can give both offsets.
  ByteReader(Bytes data, std::string what, std::uint64_t base_offset = 0)
      : data_(data), what_(std::move(what)), base_offset_(base_offset) {}

  Bytes data() const { return data_; }
  std::uint64_t size() const { return data_.size(); }
  const std::string& what() const { return what_; }
  std::uint64_t base_offset() const { return base_offset_; }
  bool Contains(std::uint64_t off, std::uint64_t len) const {
    return InBounds(off, len, data_.size());
  }

  Result<std::uint8_t> U8(std::uint64_t off) const;
  Result<std::uint16_t> U16(std::uint64_t off) const;
  Result<std::uint32_t> U32(std::uint64_t off) const;
  Result<std::uint64_t> U64(std::uint64_t off) const;
  // A pointer-sized word: `width` is 4 or 8.
  Result<std::uint64_t> Word(std::uint64_t off, int width) const;
  // [off, off+len) as a sub-span (no copy).
  Result<Bytes> Sub(std::uint64_t off, std::uint64_t len) const;
  // [off, end) as a sub-span.
  Result<Bytes> Tail(std::uint64_t off) const;
  // NUL-terminated string at off, at most max_len bytes before the NUL.
  Result<std::string_view> CString(std::uint64_t off,
                                   std::uint64_t max_len = 1 << 16) const;
  // Unsigned LEB128 varint at *off (Go's encoding/binary Uvarint, as used by
  // pclntab's pc-value tables); advances *off. Rejects values over 32 bits.
  Result<std::uint32_t> Uvarint32(std::uint64_t* off) const;

  // The error for a failed check at `off`, in the common format.
  Error OutOfBounds(std::uint64_t off, std::uint64_t len) const;

 private:
  Bytes data_;
  std::string what_;
  std::uint64_t base_offset_;
};

}  // namespace go2seccomp

#endif  // GO2SECCOMP_BASE_BYTE_READER_H_
