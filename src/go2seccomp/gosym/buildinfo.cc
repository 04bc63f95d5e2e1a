#include "go2seccomp/gosym/buildinfo.h"

#include <unordered_set>

#include "go2seccomp/base/byte_reader.h"
#include "go2seccomp/gosym/pclntab.h"  // kFoundByMagicScan

namespace go2seccomp::gosym {
namespace {

// debug/buildinfo: buildInfoMagic, buildInfoAlign, buildInfoSize.
constexpr std::string_view kMagic("\xff Go buildinf:", 14);
constexpr std::uint64_t kAlign = 16;
constexpr std::uint64_t kHeaderSize = 32;
// Flag bits of header byte 15 (cmd/link buildinfo since Go 1.18).
constexpr std::uint8_t kFlagBigEndian = 1;
constexpr std::uint8_t kFlagInline = 2;
// Sanity bound on string lengths read through pointers.
constexpr std::uint64_t kMaxString = 16 << 20;

std::string_view AsString(Bytes b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

struct Blob {
  Bytes data;  // from the magic to the end of its section/segment
  std::uint64_t vaddr;
  std::string_view found_by;
};

// The first 16-byte aligned (by virtual address) magic in data.
std::optional<std::uint64_t> SearchMagic(Bytes data, std::uint64_t vaddr) {
  const std::string_view s = AsString(data);
  for (std::size_t at = s.find(kMagic); at != std::string_view::npos;
       at = s.find(kMagic, at + 1)) {
    if ((vaddr + at) % kAlign == 0) return at;
  }
  return std::nullopt;
}

std::optional<Blob> FindBlob(const elf::ElfFile& elf) {
  if (const elf::Section* s = elf.FindSection(".go.buildinfo");
      s != nullptr && s->type != elf::kShtNobits) {
    if (auto at = SearchMagic(s->data, s->addr)) {
      return Blob{s->data.subspan(*at), s->addr + *at, ".go.buildinfo"};
    }
  }
  // debug/buildinfo searches from the first writable, non-executable
  // PT_LOAD (elfExe.DataStart); we look at every non-executable one,
  // writable ones first.
  for (bool writable : {true, false}) {
    for (const elf::Segment& seg : elf.segments()) {
      if (seg.type != elf::kPtLoad || seg.IsExecutable() ||
          seg.IsWritable() != writable) {
        continue;
      }
      if (auto at = SearchMagic(seg.data, seg.vaddr)) {
        return Blob{seg.data.subspan(*at), seg.vaddr + *at, kFoundByMagicScan};
      }
    }
  }
  return std::nullopt;
}

// A Go string header (data pointer, length) at vaddr, read through the
// segments; the pointer honours PIE relocations.
Result<std::string_view> ReadGoString(const elf::ElfFile& elf,
                                      std::uint64_t vaddr) {
  // A header in the zero-filled tail of a segment (bss) is all zeros: the
  // empty string. Go 1.13-1.17 GOPATH builds leave runtime.modinfo there.
  if (const elf::Segment* seg = elf.FindLoadSegment(vaddr);
      seg != nullptr && vaddr - seg->vaddr >= seg->filesz) {
    return std::string_view();
  }
  G2S_ASSIGN_OR_RETURN(std::uint64_t ptr, elf.ReadPointer(vaddr));
  G2S_ASSIGN_OR_RETURN(Bytes len_word,
                       elf.ReadVirtual(vaddr + elf.ptr_size(), elf.ptr_size()));
  const std::uint64_t len = elf.ptr_size() == 8 ? LoadLe64(len_word.data())
                                                : LoadLe32(len_word.data());
  if (len == 0) return std::string_view();
  if (len > kMaxString) {
    return MakeError(ErrorCode::kMalformed,
                     "Go string header at {:#x}: length {:#x} is implausible",
                     vaddr, len);
  }
  G2S_ASSIGN_OR_RETURN(Bytes data, elf.ReadVirtual(ptr, len));
  return AsString(data);
}

// Go's strconv.Unquote for "..." and `...`; nullopt if s is not a valid
// quoted string.
std::optional<std::string> Unquote(std::string_view s) {
  if (s.size() < 2) return std::nullopt;
  if (s.front() == '`') {
    if (s.back() != '`') return std::nullopt;
    s = s.substr(1, s.size() - 2);
    if (s.find('`') != std::string_view::npos) return std::nullopt;
    std::string out;
    for (char c : s) {
      if (c != '\r') out += c;  // raw strings drop carriage returns
    }
    return out;
  }
  if (s.front() != '"' || s.back() != '"') return std::nullopt;
  s = s.substr(1, s.size() - 2);
  std::string out;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  auto append_utf8 = [&](std::uint32_t r) {
    if (r < 0x80) {
      out += static_cast<char>(r);
    } else if (r < 0x800) {
      out += static_cast<char>(0xc0 | (r >> 6));
      out += static_cast<char>(0x80 | (r & 0x3f));
    } else if (r < 0x10000) {
      out += static_cast<char>(0xe0 | (r >> 12));
      out += static_cast<char>(0x80 | ((r >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (r & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (r >> 18));
      out += static_cast<char>(0x80 | ((r >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((r >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (r & 0x3f));
    }
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"' || c == '\n') return std::nullopt;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= s.size()) return std::nullopt;
    switch (s[i]) {
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      case 'x':
      case 'u':
      case 'U': {
        const std::size_t n = s[i] == 'x' ? 2 : s[i] == 'u' ? 4 : 8;
        if (i + n >= s.size()) return std::nullopt;
        std::uint32_t v = 0;
        for (std::size_t k = 1; k <= n; ++k) {
          const int d = hex(s[i + k]);
          if (d < 0) return std::nullopt;
          v = v * 16 + static_cast<std::uint32_t>(d);
        }
        if (s[i] == 'x') {
          out += static_cast<char>(v);
        } else {
          if (v > 0x10ffff) return std::nullopt;
          append_utf8(v);
        }
        i += n;
        break;
      }
      default:
        if (s[i] >= '0' && s[i] <= '7') {  // \NNN octal
          if (i + 2 >= s.size()) return std::nullopt;
          std::uint32_t v = 0;
          for (std::size_t k = 0; k < 3; ++k) {
            const char d = s[i + k];
            if (d < '0' || d > '7') return std::nullopt;
            v = v * 8 + static_cast<std::uint32_t>(d - '0');
          }
          if (v > 255) return std::nullopt;
          out += static_cast<char>(v);
          i += 2;
          break;
        }
        return std::nullopt;
    }
  }
  return out;
}

std::string UnquoteOrKeep(std::string_view s) {
  if (!s.empty() && (s.front() == '"' || s.front() == '`')) {
    if (auto u = Unquote(s)) return *u;
  }
  return std::string(s);
}

std::vector<std::string_view> SplitTabs(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    const std::size_t tab = s.find('\t');
    out.push_back(s.substr(0, tab));
    if (tab == std::string_view::npos) break;
    s.remove_prefix(tab + 1);
  }
  return out;
}

std::optional<Module> ParseModLine(std::string_view rest) {
  const auto f = SplitTabs(rest);
  if (f.size() != 2 && f.size() != 3) return std::nullopt;
  Module m;
  m.path = std::string(f[0]);
  m.version = std::string(f[1]);
  if (f.size() == 3) m.sum = std::string(f[2]);
  return m;
}

bool IsVersionByte(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z') || c == '_' || c == '.' || c == '/' || c == '-';
}

}  // namespace

std::optional<std::string_view> BuildInfo::Setting(std::string_view key) const {
  for (const auto& [k, v] : settings) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

void ParseModInfo(std::string_view modinfo, BuildInfo* out) {
  // Line kinds of runtime/debug.ParseBuildInfo (Go 1.18, mod.go).
  Module* last = nullptr;
  while (!modinfo.empty()) {
    const std::size_t nl = modinfo.find('\n');
    const std::string_view line = modinfo.substr(0, nl);
    modinfo.remove_prefix(nl == std::string_view::npos ? modinfo.size()
                                                       : nl + 1);
    if (line.starts_with("path\t")) {
      out->path = std::string(line.substr(5));
    } else if (line.starts_with("mod\t")) {
      if (auto m = ParseModLine(line.substr(4))) {
        out->main = std::move(*m);
        last = &out->main;
      }
    } else if (line.starts_with("dep\t")) {
      if (auto m = ParseModLine(line.substr(4))) {
        out->deps.push_back(std::move(*m));
        last = &out->deps.back();
      }
    } else if (line.starts_with("=>\t")) {
      const auto f = SplitTabs(line.substr(3));
      if (last != nullptr && (f.size() == 2 || f.size() == 3)) {
        last->replace = ModuleVersion{std::string(f[0]), std::string(f[1]),
                                      f.size() == 3 ? std::string(f[2]) : ""};
      }
    } else if (line.starts_with("build\t")) {
      std::string_view kv = line.substr(6);
      std::string key;
      std::string_view raw_value;
      if (!kv.empty() && (kv[0] == '"' || kv[0] == '`')) {
        // A quoted key: find its closing quote (strconv.QuotedPrefix).
        std::size_t end = 1;
        while (end < kv.size() && kv[end] != kv[0]) {
          end += (kv[0] == '"' && kv[end] == '\\') ? 2 : 1;
        }
        if (end >= kv.size()) continue;
        auto k = Unquote(kv.substr(0, end + 1));
        if (!k) continue;
        key = std::move(*k);
        kv.remove_prefix(end + 1);
        if (kv.empty() || kv[0] != '=') continue;
        raw_value = kv.substr(1);
      } else {
        const std::size_t eq = kv.find('=');
        if (eq == std::string_view::npos || eq == 0) continue;
        key = std::string(kv.substr(0, eq));
        raw_value = kv.substr(eq + 1);
      }
      out->settings.emplace_back(std::move(key), UnquoteOrKeep(raw_value));
    }
  }
}

Result<std::optional<BuildInfo>> ParseBuildInfo(const elf::ElfFile& elf) {
  const std::optional<Blob> blob = FindBlob(elf);
  if (!blob) return std::optional<BuildInfo>();
  auto fail = [&](std::string_view what) {
    return MakeError(ErrorCode::kMalformed, "Go buildinfo ({}) at {:#x}: {}",
                     blob->found_by, blob->vaddr, what);
  };
  if (blob->data.size() < kHeaderSize) {
    return fail(fmt::format("truncated header: {} bytes, need {}",
                            blob->data.size(), kHeaderSize));
  }
  const int ptr_size = blob->data[14];
  const std::uint8_t flags = blob->data[15];
  if (ptr_size != 4 && ptr_size != 8) {
    return fail(fmt::format("pointer size {} is not 4 or 8", ptr_size));
  }
  std::string_view version, mod;
  if ((flags & kFlagInline) != 0) {
    // Go 1.18+: two uvarint-length-prefixed strings after the header
    // (debug/buildinfo decodeString).
    const ByteReader r(blob->data, "Go buildinfo");
    std::uint64_t pos = kHeaderSize;
    for (std::string_view* out : {&version, &mod}) {
      auto len = r.Uvarint32(&pos);
      if (!len) return fail(len.error().message);
      auto bytes = r.Sub(pos, *len);
      if (!bytes) {
        return fail(
            fmt::format("string of length {:#x} at header offset "
                        "{:#x} runs past the end ({:#x} bytes)",
                        *len, pos, blob->data.size()));
      }
      *out = AsString(*bytes);
      pos += *len;
    }
  } else {
    if ((flags & kFlagBigEndian) != 0) {
      return MakeError(ErrorCode::kUnsupported,
                       "Go buildinfo at {:#x}: big-endian build info (flags "
                       "{:#x}) is not supported",
                       blob->vaddr, flags);
    }
    if (flags != 0) return fail(fmt::format("unknown flags {:#x}", flags));
    if (ptr_size != elf.ptr_size()) {
      return fail(fmt::format("pointer size {} does not match the ELF class",
                              ptr_size));
    }
    // Before Go 1.18: pointers to the runtime.buildVersion and
    // runtime.modinfo string headers.
    std::string_view* outs[] = {&version, &mod};
    for (int i = 0; i < 2; ++i) {
      const std::uint64_t at = blob->vaddr + 16 + i * ptr_size;
      auto hdr = elf.ReadPointer(at);
      if (!hdr) return fail(hdr.error().message);
      auto s = ReadGoString(elf, *hdr);
      if (!s) {
        return fail(fmt::format("{} string: {}", i == 0 ? "version" : "modinfo",
                                s.error().message));
      }
      *outs[i] = *s;
    }
  }
  if (version.empty()) return fail("empty Go version");
  BuildInfo bi;
  bi.go_version = std::string(version);
  bi.found_by = blob->found_by;
  // Strip the 16-byte sentinels around modinfo (debug/buildinfo
  // readRawBuildInfo).
  if (mod.size() >= 33 && mod[mod.size() - 17] == '\n') {
    ParseModInfo(mod.substr(16, mod.size() - 32), &bi);
  }
  return std::optional<BuildInfo>(std::move(bi));
}

std::optional<GoVersion> FindGoVersionString(const elf::ElfFile& elf) {
  // 1. The symbol: a Go string header in the data segment.
  if (auto sym = elf.FindSymbol("runtime.buildVersion"); sym && *sym) {
    if (auto s = ReadGoString(elf, (*sym)->value)) {
      if (auto v = GoVersion::Parse(*s)) return v;
    }
  }
  // 2. Candidate "go1." strings in loaded data (any PT_LOAD: GNU ld may put
  // .rodata in the executable segment)...
  constexpr std::string_view kPrefix = "go1.";
  std::unordered_set<std::uint64_t> candidates;
  std::vector<std::pair<std::uint64_t, std::string_view>> delimited;
  for (const elf::Segment& seg : elf.segments()) {
    if (seg.type != elf::kPtLoad) continue;
    const std::string_view s = AsString(seg.data);
    for (std::size_t at = s.find(kPrefix); at != std::string_view::npos;
         at = s.find(kPrefix, at + 1)) {
      if (candidates.size() > 100000) break;
      candidates.insert(seg.vaddr + at);
      if (at == 0 || !IsVersionByte(s[at - 1])) {
        delimited.emplace_back(seg.vaddr + at, s.substr(at, 64));
      }
    }
  }
  if (candidates.empty()) return std::nullopt;
  // ...preferring one a (pointer, length) string header points at: that is
  // runtime.buildVersion's value (the linker sets it with -X-like addstrdata),
  // and the length tells where the string ends even when the next string's
  // bytes follow without a separator.
  const int p = elf.ptr_size();
  for (const elf::Segment& seg : elf.segments()) {
    if (seg.type != elf::kPtLoad || seg.IsExecutable()) continue;
    const std::uint64_t skew = (p - seg.vaddr % p) % p;
    for (std::uint64_t off = skew; off + 2 * p <= seg.data.size(); off += p) {
      const std::uint8_t* w = seg.data.data() + off;
      std::uint64_t ptr = p == 8 ? LoadLe64(w) : LoadLe32(w);
      const std::uint64_t len = p == 8 ? LoadLe64(w + 8) : LoadLe32(w + 4);
      if (len < 5 || len > 64) continue;
      if (ptr == 0 && elf.type() == elf::kEtDyn) {
        auto r = elf.ReadPointer(seg.vaddr + off);
        if (r) ptr = *r;
      }
      if (!candidates.contains(ptr)) continue;
      auto bytes = elf.ReadVirtual(ptr, len);
      if (!bytes) continue;
      if (auto v = GoVersion::Parse(AsString(*bytes))) return v;
    }
  }
  // 3. A token that nothing else can be glued to.
  for (const auto& [vaddr, text] : delimited) {
    if (auto v = GoVersion::Parse(text)) return v;
  }
  return std::nullopt;
}

std::optional<GoVersion> DetectGoVersion(const elf::ElfFile& elf) {
  if (auto bi = ParseBuildInfo(elf); bi && *bi) {
    if (auto v = (*bi)->version()) return v;
  }
  return FindGoVersionString(elf);
}

}  // namespace go2seccomp::gosym
