// A persistent cache of shared-library analyses: every dynamically linked
// program on a system maps the same ld.so and libc, so what the C analysis
// (native.h) needs from each library is stored once per library content and
// reused by later runs.
//
//   LibraryCache cache(DefaultLibraryCacheDir());   // ~/.cache/go2seccomp
//   std::string id = ContentId(elf, file.bytes());  // build-id + size
//   if (auto s = cache.Load(arch, /*is_interp=*/false, id)) { ... }
//   cache.Store(summary);  // temp file + rename(2): readers never see half
//
// What is cached (ImageSummary) is exactly what AnalyzeNativeDependencies
// reads after building and analysing an image: functions, the call graph
// (calls, PLT calls, function addresses taken in code, indirect calls),
// exports, roots, the PLT map, and the analysis report's uses, findings and
// wrappers. The file is the key's owner only if every part of the key
// matches: format version, the go2seccomp build (ToolId: its own build-id,
// so a rebuilt analysis never reuses an old one's answers), arch, whether
// the image is the interpreter (its entry is a root), and the content id.
// An image's report also depends on what its PLT calls bind to (the wrappers
// of the libraries it imports from: libcap's calls to libc's syscall()), so
// the entry records a fingerprint of those external wrappers; a different
// set (another libc under --root) is a miss for the report.
//
// Entries are validated on read (magic, version, checksum, every count and
// index bounds-checked); anything wrong is a miss, never trusted.
#ifndef GO2SECCOMP_ANALYSIS_NATIVE_CACHE_H_
#define GO2SECCOMP_ANALYSIS_NATIVE_CACHE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "go2seccomp/analysis/analyzer.h"
#include "go2seccomp/base/arch.h"
#include "go2seccomp/base/byte_reader.h"
#include "go2seccomp/base/error.h"
#include "go2seccomp/elf/elf_file.h"

namespace go2seccomp::analysis {

// Bump when ImageSummary or what it means changes.
inline constexpr std::uint32_t kLibraryCacheFormat = 2;

struct CachedFunction {
  std::uint64_t entry = 0, end = 0;
  std::string name;
  bool operator==(const CachedFunction&) const = default;
};

struct CachedPltTarget {
  std::uint64_t entry = 0;                // PLT entry address
  std::string symbol;                     // imported name, or empty
  std::optional<std::uint64_t> resolver;  // IFUNC resolver (IRELATIVE)
  bool operator==(const CachedPltTarget&) const = default;
};

struct ImageSummary {
  // The key.
  Arch arch = Arch::kX86_64;
  bool is_interp = false;
  std::string content_id;
  std::string tool_id;
  // WrappersFingerprint of the external wrappers `report` was computed with.
  std::uint64_t wrappers_in = 0;
  // The call graph, per function (indices into funcs; plt_calls index plt).
  std::vector<CachedFunction> funcs;  // sorted by entry, non-overlapping
  std::vector<std::vector<std::uint32_t>> calls, plt_calls, takes;
  std::vector<bool> indirect;
  std::vector<CachedPltTarget> plt;  // sorted by entry
  std::vector<std::uint32_t> address_taken;
  std::vector<std::uint32_t> freeres_taken;
  std::vector<std::pair<std::uint32_t, std::uint64_t>> stored_at;  // function, data address
  std::vector<std::pair<std::string, std::uint32_t>> exports;
  std::vector<std::string> ifunc_exports;
  std::vector<std::uint64_t> roots;
  // Of the report: uses, findings, wrappers (the rest is not read later).
  Report report;
};

// The library's content: its NT_GNU_BUILD_ID note and size ("b<hex>-<size>"),
// else a 64-bit hash of every byte ("h<hex>-<size>"; ~0.3 ms per MB). Never
// the path: the same path holds another file after an upgrade.
std::string ContentId(const elf::ElfFile& ef, Bytes file);

// The running go2seccomp's own build-id (empty if it has none: then only
// kLibraryCacheFormat tells builds apart).
const std::string& ToolId();

// A hash of a Program::external_wrappers map (order-independent).
std::uint64_t WrappersFingerprint(
    const std::unordered_map<std::uint64_t, std::vector<EntryLoc>>& wrappers);

// A 64-bit non-cryptographic hash (content ids without build-id, entry
// checksums).
std::uint64_t Hash64(Bytes data);

std::string SerializeImageSummary(const ImageSummary& s);
// kMalformed for anything that is not a complete, self-consistent entry of
// this format version.
Result<ImageSummary> ParseImageSummary(Bytes data);

// $XDG_CACHE_HOME/go2seccomp, else $HOME/.cache/go2seccomp; empty if
// neither is set.
std::string DefaultLibraryCacheDir();

// Entries are files DIR/libs/<arch>-<i|l>-<content id>. Concurrent
// processes are safe: each writes its own temporary file in that directory
// and renames it into place, so an entry is whole or absent.
class LibraryCache {
 public:
  explicit LibraryCache(std::string dir) : dir_(std::move(dir)) {}

  // The entry if present, valid and matching the key (this tool build,
  // arch, interp, content); nullopt otherwise.
  std::optional<ImageSummary> Load(Arch arch, bool is_interp,
                                   const std::string& content_id) const;
  // Writes the entry (best effort: a read-only cache is no error).
  bool Store(const ImageSummary& s) const;
  std::string PathFor(Arch arch, bool is_interp,
                      const std::string& content_id) const;

 private:
  std::string dir_;
};

}  // namespace go2seccomp::analysis

#endif  // GO2SECCOMP_ANALYSIS_NATIVE_CACHE_H_
