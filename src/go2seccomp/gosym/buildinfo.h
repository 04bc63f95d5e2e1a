// The build information the Go linker leaves in a binary (what
// `go version -m BIN` prints): the Go release, the main package and module,
// dependencies and, since Go 1.18, the build settings (GOARCH, CGO_ENABLED,
// -buildmode, -ldflags, ...).
//
//   G2S_ASSIGN_OR_RETURN(std::optional<gosym::BuildInfo> bi,
//                        gosym::ParseBuildInfo(elf));
//   if (bi) {
//     bi->go_version                     // "go1.19.8"
//     bi->Setting("CGO_ENABLED")         // "0" (Go 1.18+ only)
//   }
//   std::optional<gosym::GoVersion> v = gosym::DetectGoVersion(elf);
//
// Format (golang/go src/debug/buildinfo/buildinfo.go, cmd/link
// internal/ld/data.go buildinfo): a 32-byte header at a 16-byte aligned
// address, in the .go.buildinfo section or near the start of the data
// segment: the 14-byte magic "\xff Go buildinf:", the pointer size, a flags
// byte (bit 0 big-endian, bit 1 "strings inline"). Before Go 1.18 two
// pointers to Go string headers (runtime.buildVersion, runtime.modinfo)
// follow; since Go 1.18 the two strings follow the header inline, each
// prefixed by its uvarint length. modinfo is framed by two 16-byte
// sentinels (cmd/go/internal/modload infoStart/infoEnd) and parsed like
// runtime/debug.ParseBuildInfo.
//
// Limits: little-endian only (big-endian -> kUnsupported). Binaries whose
// build info was removed (some release pipelines strip .go.buildinfo) have
// none; FindGoVersionString() then recovers the version alone.
#ifndef GO2SECCOMP_GOSYM_BUILDINFO_H_
#define GO2SECCOMP_GOSYM_BUILDINFO_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "go2seccomp/base/error.h"
#include "go2seccomp/elf/elf_file.h"
#include "go2seccomp/gosym/go_version.h"

namespace go2seccomp::gosym {

struct ModuleVersion {
  std::string path;
  std::string version;
  std::string sum;
};

struct Module {
  std::string path;
  std::string version;
  std::string sum;
  std::optional<ModuleVersion> replace;  // from a "=>" line
};

struct BuildInfo {
  std::string go_version;  // "go1.19.8" as stored (may carry " X:exp")
  std::string path;        // main package path ("path" line)
  Module main;             // "mod" line
  std::vector<Module> deps;
  // "build" lines in order: {"-buildmode", "exe"}, {"GOARCH", "amd64"}, ...
  std::vector<std::pair<std::string, std::string>> settings;
  // ".go.buildinfo" or kFoundByMagicScan (pclntab.h).
  std::string_view found_by;

  std::optional<GoVersion> version() const {
    return GoVersion::Parse(go_version);
  }
  // The value of the first setting named `key`.
  std::optional<std::string_view> Setting(std::string_view key) const;
};

// nullopt if the binary has no build info (no .go.buildinfo section and no
// magic in its data segments); an Error if it has one that is malformed.
Result<std::optional<BuildInfo>> ParseBuildInfo(const elf::ElfFile& elf);

// Fills path/main/deps/settings from modinfo text (without the sentinels).
// Lenient like runtime/debug.ParseBuildInfo's callers need: unknown lines are
// skipped, a value that does not unquote is kept as written.
void ParseModInfo(std::string_view modinfo, BuildInfo* out);

// The runtime.buildVersion string, for binaries without build info: through
// the runtime.buildVersion symbol when present, else the "go1.N..." string in
// loaded data that a (pointer, length) string header in the non-executable
// segments points at, else a "go1.N..." token delimited on both sides by bytes
// that cannot be part of it.
std::optional<GoVersion> FindGoVersionString(const elf::ElfFile& elf);

// Build info's version if readable, else FindGoVersionString().
std::optional<GoVersion> DetectGoVersion(const elf::ElfFile& elf);

}  // namespace go2seccomp::gosym

#endif  // GO2SECCOMP_GOSYM_BUILDINFO_H_
