#include "go2seccomp/base/byte_reader.h"

namespace go2seccomp {

Error ByteReader::OutOfBounds(std::uint64_t off, std::uint64_t len) const {
  return Error{ErrorCode::kMalformed,
               fmt::format("{}: {}-byte read at offset {:#x} (file offset "
                           "{:#x}) is past the end (size {:#x})",
                           what_, len, off, base_offset_ + off, data_.size())};
}

Result<std::uint8_t> ByteReader::U8(std::uint64_t off) const {
  if (!Contains(off, 1)) return Unexpected(OutOfBounds(off, 1));
  return data_[off];
}

Result<std::uint16_t> ByteReader::U16(std::uint64_t off) const {
  if (!Contains(off, 2)) return Unexpected(OutOfBounds(off, 2));
  return LoadLe16(data_.data() + off);
}

Result<std::uint32_t> ByteReader::U32(std::uint64_t off) const {
  if (!Contains(off, 4)) return Unexpected(OutOfBounds(off, 4));
  return LoadLe32(data_.data() + off);
}

Result<std::uint64_t> ByteReader::U64(std::uint64_t off) const {
  if (!Contains(off, 8)) return Unexpected(OutOfBounds(off, 8));
  return LoadLe64(data_.data() + off);
}

Result<std::uint64_t> ByteReader::Word(std::uint64_t off, int width) const {
  if (width == 8) return U64(off);
  G2S_ASSIGN_OR_RETURN(std::uint32_t v, U32(off));
  return v;
}

Result<Bytes> ByteReader::Sub(std::uint64_t off, std::uint64_t len) const {
  if (!Contains(off, len)) return Unexpected(OutOfBounds(off, len));
  return data_.subspan(off, len);
}

Result<Bytes> ByteReader::Tail(std::uint64_t off) const {
  if (off > data_.size()) return Unexpected(OutOfBounds(off, 0));
  return data_.subspan(off);
}

Result<std::string_view> ByteReader::CString(std::uint64_t off,
                                             std::uint64_t max_len) const {
  if (off >= data_.size()) return Unexpected(OutOfBounds(off, 1));
  const std::uint64_t avail = data_.size() - off;
  const std::uint64_t scan = avail < max_len + 1 ? avail : max_len + 1;
  const void* nul = std::memchr(data_.data() + off, 0, scan);
  if (nul == nullptr) {
    return MakeError(ErrorCode::kMalformed,
                     "{}: string at offset {:#x} (file offset {:#x}) has no "
                     "terminating NUL within {} bytes",
                     what_, off, base_offset_ + off, scan);
  }
  const auto len = static_cast<const std::uint8_t*>(nul) - (data_.data() + off);
  return std::string_view(reinterpret_cast<const char*>(data_.data() + off),
                          static_cast<std::size_t>(len));
}

Result<std::uint32_t> ByteReader::Uvarint32(std::uint64_t* off) const {
  std::uint64_t v = 0;
  const std::uint64_t start = *off;
  for (int shift = 0; shift < 35; shift += 7) {
    if (*off >= data_.size()) return Unexpected(OutOfBounds(*off, 1));
    const std::uint8_t b = data_[(*off)++];
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      if (v > 0xffffffffu) break;
      return static_cast<std::uint32_t>(v);
    }
  }
  return MakeError(ErrorCode::kMalformed,
                   "{}: varint at offset {:#x} (file offset {:#x}) overflows "
                   "32 bits",
                   what_, start, base_offset_ + start);
}

}  // namespace go2seccomp
