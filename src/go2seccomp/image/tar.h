// A bounds-checked reader of tar archives (POSIX ustar, pax extended
// headers, GNU long names) over a byte span: what container image layers
// and `docker save` archives are. Zero-copy: every entry's data is a
// sub-span of the archive.
//
//   G2S_ASSIGN_OR_RETURN(std::vector<TarEntry> entries,
//                        ParseTar(layer_bytes, "layer 2
//                        (blobs/sha256/ab12...)"));
//   for (const TarEntry& e : entries) ... e.path, e.type, e.data ...
//
// Errors name the archive and the header's offset: "layer 2: header at
// offset 0x400: checksum 0o1234 does not match 0o4321". Paths are returned
// as written (normalising and refusing `..` is tree.h's job); GNU sparse
// members (type 'S', pax GNU.sparse.*) are kUnsupported: images do not use
// them and they would expand to more than the archive holds.
#ifndef GO2SECCOMP_IMAGE_TAR_H_
#define GO2SECCOMP_IMAGE_TAR_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "go2seccomp/base/byte_reader.h"
#include "go2seccomp/base/error.h"

namespace go2seccomp::image {

enum class TarType {
  kFile,         // '0', '\0', '7' (contiguous)
  kHardLink,     // '1'
  kSymlink,      // '2'
  kCharDevice,   // '3'
  kBlockDevice,  // '4'
  kDirectory,    // '5'
  kFifo,         // '6'
};

std::string_view TarTypeName(TarType type);

struct TarEntry {
  std::string path;  // as in the archive (pax `path` / GNU 'L' applied)
  TarType type = TarType::kFile;
  std::uint32_t mode = 0;    // permission bits (and setuid/setgid/sticky)
  std::uint64_t size = 0;    // data size (regular files)
  std::string link;          // symlink target, or the hard link's target path
  Bytes data;                // the member's contents (regular files)
  std::uint64_t offset = 0;  // offset of the entry's (first) header
};

// Every member of `archive` in order. `what` names the archive in errors.
// The end is two zero blocks, one zero block, or the end of the data.
Result<std::vector<TarEntry>> ParseTar(Bytes archive, std::string_view what);

// True if `bytes` look like a tar archive (a ustar magic at 257, or a
// valid v7 header checksum in the first block).
bool LooksLikeTar(Bytes bytes);

}  // namespace go2seccomp::image

#endif  // GO2SECCOMP_IMAGE_TAR_H_
