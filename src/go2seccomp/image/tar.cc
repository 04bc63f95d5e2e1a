// Tar headers per POSIX.1-2017 pax (ustar header layout, `x`/`g` extended
// headers) and GNU tar's 'L'/'K' long-name members, which is what Go's
// archive/tar (docker, buildkit, umoci), GNU tar and libarchive write.
#include "go2seccomp/image/tar.h"

#include <algorithm>
#include <charconv>
#include <optional>

namespace go2seccomp::image {
namespace {

constexpr std::uint64_t kBlock = 512;

// ustar header fields: offset, length.
struct Field {
  std::size_t off, len;
};
constexpr Field kName{0, 100}, kMode{100, 8}, kSize{124, 12}, kChksum{148, 8},
    kTypeflag{156, 1}, kLinkname{157, 100}, kMagic{257, 6}, kPrefix{345, 155};

std::string_view Text(Bytes block, Field f) {
  const char* p = reinterpret_cast<const char*>(block.data()) + f.off;
  return std::string_view(p, std::find(p, p + f.len, '\0') - p);
}

// A numeric field: octal digits (space/NUL padded), or GNU's base-256 form
// (high bit of the first byte set) for sizes of 8 GiB and more.
std::optional<std::uint64_t> Number(Bytes block, Field f) {
  const std::uint8_t* p = block.data() + f.off;
  if (p[0] & 0x80) {
    if (p[0] & 0x40) return std::nullopt;  // negative
    std::uint64_t v = p[0] & 0x3f;
    for (std::size_t i = 1; i < f.len; ++i) {
      if (v >> 56) return std::nullopt;  // overflows 64 bits
      v = (v << 8) | p[i];
    }
    return v;
  }
  std::size_t i = 0;
  while (i < f.len && (p[i] == ' ' || p[i] == '\0')) ++i;
  std::uint64_t v = 0;
  bool digits = false;
  for (; i < f.len && p[i] >= '0' && p[i] <= '7'; ++i) {
    if (v >> 61) return std::nullopt;
    v = v * 8 + (p[i] - '0');
    digits = true;
  }
  for (; i < f.len; ++i) {
    if (p[i] != ' ' && p[i] != '\0') return std::nullopt;
  }
  if (!digits) return 0;
  return v;
}

bool ChecksumOk(Bytes block) {
  const auto want = Number(block, kChksum);
  if (!want) return false;
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kBlock; ++i) {
    sum += (i >= kChksum.off && i < kChksum.off + kChksum.len) ? ' ' : block[i];
  }
  return sum == *want;
}

bool AllZero(Bytes block) {
  return std::all_of(block.begin(), block.end(),
                     [](std::uint8_t b) { return b == 0; });
}

// Overrides from pax extended headers ('x' for the next member) and GNU
// long-name members, applied to the next real member.
struct Pending {
  std::optional<std::string> path, link;
  std::optional<std::uint64_t> size;
};

// pax records: "LEN KEY=VALUE\n", LEN counting the whole record.
Result<void> ParsePax(Bytes data, std::uint64_t offset, std::string_view what,
                      Pending* pending) {
  std::string_view text(reinterpret_cast<const char*>(data.data()),
                        data.size());
  while (!text.empty()) {
    const std::size_t space = text.find(' ');
    std::uint64_t len = 0;
    if (space == std::string_view::npos ||
        std::from_chars(text.data(), text.data() + space, len).ec !=
            std::errc() ||
        len <= space + 1 || len > text.size() || text[len - 1] != '\n') {
      return MakeError(ErrorCode::kMalformed,
                       "{}: pax header at offset {:#x}: bad record", what,
                       offset);
    }
    const std::string_view record = text.substr(space + 1, len - space - 2);
    text.remove_prefix(len);
    const std::size_t eq = record.find('=');
    if (eq == std::string_view::npos) {
      return MakeError(ErrorCode::kMalformed,
                       "{}: pax header at offset {:#x}: record without '='",
                       what, offset);
    }
    const std::string_view key = record.substr(0, eq);
    const std::string_view value = record.substr(eq + 1);
    if (key == "path") {
      pending->path = std::string(value);
    } else if (key == "linkpath") {
      pending->link = std::string(value);
    } else if (key == "size") {
      std::uint64_t v = 0;
      if (std::from_chars(value.data(), value.data() + value.size(), v).ec !=
          std::errc()) {
        return MakeError(ErrorCode::kMalformed,
                         "{}: pax header at offset {:#x}: bad size \"{}\"",
                         what, offset, value);
      }
      pending->size = v;
    } else if (key.starts_with("GNU.sparse.")) {
      return MakeError(ErrorCode::kUnsupported,
                       "{}: pax header at offset {:#x}: GNU sparse member "
                       "({}); sparse files are "
                       "not supported in image layers",
                       what, offset, key);
    }
  }
  return {};
}

std::optional<TarType> MemberType(char flag) {
  switch (flag) {
    case '0':
    case '\0':
    case '7':
      return TarType::kFile;
    case '1':
      return TarType::kHardLink;
    case '2':
      return TarType::kSymlink;
    case '3':
      return TarType::kCharDevice;
    case '4':
      return TarType::kBlockDevice;
    case '5':
      return TarType::kDirectory;
    case '6':
      return TarType::kFifo;
    default:
      return std::nullopt;
  }
}

// A NUL-terminated name from a GNU 'L'/'K' member's data.
std::string DataString(Bytes data) {
  std::string_view s(reinterpret_cast<const char*>(data.data()), data.size());
  return std::string(s.substr(0, s.find('\0')));
}

}  // namespace

std::string_view TarTypeName(TarType type) {
  switch (type) {
    case TarType::kFile:
      return "regular file";
    case TarType::kHardLink:
      return "hard link";
    case TarType::kSymlink:
      return "symbolic link";
    case TarType::kCharDevice:
      return "character device";
    case TarType::kBlockDevice:
      return "block device";
    case TarType::kDirectory:
      return "directory";
    case TarType::kFifo:
      return "fifo";
  }
  return "?";
}

bool LooksLikeTar(Bytes bytes) {
  if (bytes.size() < kBlock) return false;
  const Bytes block = bytes.first(kBlock);
  return Text(block, kMagic).starts_with("ustar") ||
         (!AllZero(block) && ChecksumOk(block));
}

Result<std::vector<TarEntry>> ParseTar(Bytes archive, std::string_view what) {
  std::vector<TarEntry> entries;
  Pending pending;
  std::uint64_t pending_offset = 0;
  bool have_pending = false;
  std::uint64_t off = 0;
  while (off < archive.size()) {
    if (!InBounds(off, kBlock, archive.size())) {
      return MakeError(ErrorCode::kMalformed,
                       "{}: truncated header at offset {:#x} ({} bytes left, a "
                       "header is 512)",
                       what, off, archive.size() - off);
    }
    const Bytes block = archive.subspan(off, kBlock);
    if (AllZero(block)) break;  // end of archive
    if (!ChecksumOk(block)) {
      return MakeError(ErrorCode::kMalformed,
                       "{}: header at offset {:#x}: bad checksum", what, off);
    }
    const auto header_size = Number(block, kSize);
    if (!header_size) {
      return MakeError(ErrorCode::kMalformed,
                       "{}: header at offset {:#x}: bad size field", what, off);
    }
    const char flag = static_cast<char>(block[kTypeflag.off]);
    const std::uint64_t size =
        pending.size && flag != 'x' && flag != 'g' && flag != 'L' && flag != 'K'
            ? *pending.size
            : *header_size;
    const std::uint64_t data_off = off + kBlock;
    if (!InBounds(data_off, size, archive.size())) {
      return MakeError(ErrorCode::kMalformed,
                       "{}: member at offset {:#x} (\"{}\"): {} bytes of data "
                       "past the end of the "
                       "archive (size {:#x})",
                       what, off, Text(block, kName), size, archive.size());
    }
    const Bytes data = archive.subspan(data_off, size);
    // Next header: data rounded up to whole blocks (cannot overflow: size
    // fits in the archive).
    const std::uint64_t next = data_off + (size + kBlock - 1) / kBlock * kBlock;
    if (!have_pending) pending_offset = off;
    switch (flag) {
      case 'x':
        G2S_TRY(ParsePax(data, off, what, &pending));
        have_pending = true;
        off = next;
        continue;
      case 'g':  // global pax header: only mtime/charset-like keys in practice
        off = next;
        continue;
      case 'L':
        pending.path = DataString(data);
        have_pending = true;
        off = next;
        continue;
      case 'K':
        pending.link = DataString(data);
        have_pending = true;
        off = next;
        continue;
      case 'S':
        return MakeError(ErrorCode::kUnsupported,
                         "{}: member at offset {:#x} (\"{}\"): GNU sparse "
                         "member; sparse files are "
                         "not supported in image layers",
                         what, off, Text(block, kName));
      default:
        break;
    }
    const std::optional<TarType> type = MemberType(flag);
    if (!type) {
      return MakeError(ErrorCode::kUnsupported,
                       "{}: member at offset {:#x} (\"{}\"): unknown type '{}'",
                       what, off, Text(block, kName), flag);
    }
    TarEntry e;
    e.offset = pending_offset;
    e.type = *type;
    e.mode =
        static_cast<std::uint32_t>(Number(block, kMode).value_or(0) & 07777);
    if (pending.path) {
      e.path = *pending.path;
    } else {
      const std::string_view prefix = Text(block, kMagic).starts_with("ustar")
                                          ? Text(block, kPrefix)
                                          : std::string_view();
      e.path = prefix.empty() ? std::string(Text(block, kName))
                              : std::string(prefix) + "/" +
                                    std::string(Text(block, kName));
    }
    e.link = pending.link ? *pending.link : std::string(Text(block, kLinkname));
    if (e.type == TarType::kFile) {
      e.size = size;
      e.data = data;
    }
    if (e.path.empty()) {
      return MakeError(ErrorCode::kMalformed,
                       "{}: member at offset {:#x}: empty name", what, off);
    }
    entries.push_back(std::move(e));
    pending = Pending{};
    have_pending = false;
    off = next;
  }
  if (have_pending) {
    return MakeError(
        ErrorCode::kMalformed,
        "{}: extended header at offset {:#x} without a member after it", what,
        pending_offset);
  }
  return entries;
}

}  // namespace go2seccomp::image
