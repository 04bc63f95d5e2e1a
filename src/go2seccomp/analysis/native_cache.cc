#include "go2seccomp/analysis/native_cache.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <limits>

#include "go2seccomp/base/file_io.h"

namespace go2seccomp::analysis {
namespace {

constexpr char kMagic[8] = {'G', '2', 'S', 'L', 'I', 'B', '\n', '\0'};
// magic, format, payload size, payload checksum.
constexpr std::size_t kHeaderSize = 8 + 4 + 8 + 8;
constexpr std::uint32_t kNtGnuBuildId = 3;
constexpr std::uint32_t kPtNote = 4;

std::string Hex(Bytes b) {
  std::string s;
  for (std::uint8_t c : b) s += fmt::format("{:02x}", c);
  return s;
}

// The NT_GNU_BUILD_ID descriptor in a run of ELF notes (namesz, descsz,
// type, name padded to 4, desc padded to 4).
std::optional<Bytes> FindBuildId(Bytes notes) {
  ByteReader r(notes, "notes");
  std::uint64_t off = 0;
  while (r.Contains(off, 12)) {
    const std::uint32_t namesz = *r.U32(off), descsz = *r.U32(off + 4),
                        type = *r.U32(off + 8);
    const std::uint64_t name_at = off + 12;
    const std::uint64_t desc_at =
        name_at + ((std::uint64_t{namesz} + 3) & ~std::uint64_t{3});
    auto name = r.Sub(name_at, namesz);
    auto desc = r.Sub(desc_at, descsz);
    if (!name || !desc) return std::nullopt;
    if (type == kNtGnuBuildId && namesz == 4 &&
        std::equal(name->begin(), name->end(), "GNU") && descsz > 0) {
      return *desc;
    }
    off = desc_at + ((std::uint64_t{descsz} + 3) & ~std::uint64_t{3});
  }
  return std::nullopt;
}

constexpr std::uint64_t kMul1 = 0x9e3779b97f4a7c15ull,
                        kMul2 = 0xbf58476d1ce4e5b9ull;

std::uint64_t Mix(std::uint64_t x) {
  x ^= x >> 31;
  x *= kMul2;
  x ^= x >> 29;
  return x;
}

// Little-endian writer of the entry payload.
class Writer {
 public:
  void U8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U32(std::uint32_t v) {
    out_.append(reinterpret_cast<const char*>(&v), 4);
  }
  void U64(std::uint64_t v) {
    out_.append(reinterpret_cast<const char*>(&v), 8);
  }
  void Str(std::string_view s) {
    U32(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
  }
  void Indices(const std::vector<std::uint32_t>& v) {
    U32(static_cast<std::uint32_t>(v.size()));
    for (std::uint32_t x : v) U32(x);
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

// Bounds-checked reader with a sticky failure: every count is checked
// against the bytes left before anything is allocated for it, so a lying
// size fails instead of allocating gigabytes.
class Reader {
 public:
  explicit Reader(Bytes data) : r_(data, "library cache entry") {}

  std::uint8_t U8() { return Read<std::uint8_t>(r_.U8(off_), 1); }
  std::uint32_t U32() { return Read<std::uint32_t>(r_.U32(off_), 4); }
  std::uint64_t U64() { return Read<std::uint64_t>(r_.U64(off_), 8); }
  std::string Str() {
    const std::uint32_t n = U32();
    auto b = r_.Sub(off_, n);
    if (!ok_ || !b) return Fail<std::string>();
    off_ += n;
    return std::string(reinterpret_cast<const char*>(b->data()), b->size());
  }
  // A count of items of at least `min_bytes` each that must fit.
  std::uint32_t Count(std::uint64_t min_bytes) {
    const std::uint32_t n = U32();
    if (ok_ && !r_.Contains(off_, std::uint64_t{n} * min_bytes))
      return Fail<std::uint32_t>();
    return n;
  }
  // Indices that must each be below `limit`.
  std::vector<std::uint32_t> Indices(std::size_t limit) {
    std::vector<std::uint32_t> v(Count(4));
    for (std::uint32_t& x : v) {
      x = U32();
      if (x >= limit) ok_ = false;
    }
    return v;
  }
  bool Check(bool cond) { return ok_ = ok_ && cond; }
  bool ok() const { return ok_; }
  bool AtEnd() const { return off_ == r_.size(); }

 private:
  template <class T>
  T Fail() {
    ok_ = false;
    return T{};
  }
  template <class T, class R>
  T Read(const R& r, int size) {
    if (!ok_ || !r) return Fail<T>();
    off_ += size;
    return *r;
  }

  ByteReader r_;
  std::uint64_t off_ = 0;
  bool ok_ = true;
};

void WriteReport(const Report& rep, Writer* w) {
  w->U32(static_cast<std::uint32_t>(rep.uses.size()));
  for (const auto& [nr, uses] : rep.uses) {
    w->U32(static_cast<std::uint32_t>(nr));
    w->U32(static_cast<std::uint32_t>(uses.size()));
    for (const SyscallUse& u : uses) {
      w->U64(u.pc);
      w->U32(u.func);
      w->U8(static_cast<std::uint8_t>(u.how));
      w->U32(u.callee);
      w->Str(u.detail);
    }
  }
  w->U32(static_cast<std::uint32_t>(rep.findings.size()));
  for (const Finding& f : rep.findings) {
    w->U8(static_cast<std::uint8_t>(f.kind));
    w->U64(f.pc);
    w->U8(f.func.has_value());
    w->U32(f.func.value_or(0));
    w->Str(f.detail);
  }
  w->U32(static_cast<std::uint32_t>(rep.wrappers.size()));
  for (const WrapperInfo& wi : rep.wrappers) {
    w->U32(wi.func);
    w->U8(wi.from_name_rule);
    w->U32(static_cast<std::uint32_t>(wi.locs.size()));
    for (const EntryLoc& l : wi.locs) {
      w->U8(static_cast<std::uint8_t>(l.kind));
      w->U32(static_cast<std::uint32_t>(l.value));
    }
    w->U32(static_cast<std::uint32_t>(wi.edges.size()));
    for (const WrapperEdge& e : wi.edges) {
      w->U64(e.pc);
      w->U8(e.raw);
      w->U32(e.callee);
    }
  }
}

// Every function index is checked against `n`, every enum against its
// range: a parsed report is as safe to use as a computed one.
Report ReadReport(Reader* r, std::size_t n) {
  Report rep;
  for (std::uint32_t k = r->Count(8); r->ok() && k > 0; --k) {
    const int nr = static_cast<int>(r->U32());
    std::vector<SyscallUse>& uses = rep.uses[nr];
    for (std::uint32_t m = r->Count(21); r->ok() && m > 0; --m) {
      SyscallUse u;
      u.pc = r->U64();
      u.func = r->U32();
      const std::uint8_t how = r->U8();
      u.callee = r->U32();
      u.detail = r->Str();
      r->Check(how <= static_cast<std::uint8_t>(Resolution::kVdsoFallback));
      u.how = static_cast<Resolution>(how);
      r->Check(u.how == Resolution::kVdsoFallback ||
               (u.func < n && u.callee < n));
      uses.push_back(std::move(u));
    }
  }
  for (std::uint32_t k = r->Count(18); r->ok() && k > 0; --k) {
    const std::uint8_t kind = r->U8();
    r->Check(kind <= static_cast<std::uint8_t>(Finding::Kind::kUndecodable));
    Finding f{static_cast<Finding::Kind>(kind), r->U64(), std::nullopt, {}};
    const bool has_func = r->U8() != 0;
    const std::uint32_t func = r->U32();
    if (has_func) f.func = func;
    r->Check(!has_func || func < n);
    f.detail = r->Str();
    rep.findings.push_back(std::move(f));
  }
  for (std::uint32_t k = r->Count(13); r->ok() && k > 0; --k) {
    WrapperInfo wi;
    wi.func = r->U32();
    wi.from_name_rule = r->U8() != 0;
    r->Check(wi.func < n);
    for (std::uint32_t m = r->Count(5); r->ok() && m > 0; --m) {
      const std::uint8_t kind = r->U8();
      r->Check(kind <= static_cast<std::uint8_t>(EntryLoc::Kind::kStack));
      wi.locs.push_back(EntryLoc{static_cast<EntryLoc::Kind>(kind),
                                 static_cast<std::int32_t>(r->U32())});
    }
    for (std::uint32_t m = r->Count(13); r->ok() && m > 0; --m) {
      WrapperEdge e;
      e.pc = r->U64();
      e.raw = r->U8() != 0;
      e.callee = r->U32();
      r->Check(e.callee < n);
      wi.edges.push_back(e);
    }
    rep.wrappers.push_back(std::move(wi));
  }
  return rep;
}

// The graph part: functions first, so every index after them is checked
// against their count.
ImageSummary ReadSummary(Reader* r) {
  ImageSummary s;
  const std::uint8_t arch = r->U8();
  r->Check(arch <= static_cast<std::uint8_t>(Arch::kArm));
  s.arch = static_cast<Arch>(arch);
  s.is_interp = r->U8() != 0;
  s.content_id = r->Str();
  s.tool_id = r->Str();
  s.wrappers_in = r->U64();
  for (std::uint32_t k = r->Count(20); r->ok() && k > 0; --k) {
    CachedFunction f;
    f.entry = r->U64();
    f.end = r->U64();
    f.name = r->Str();
    // Program::FuncAt's binary search needs sorted, non-overlapping ranges.
    r->Check(f.entry < f.end &&
             (s.funcs.empty() || s.funcs.back().end <= f.entry));
    s.funcs.push_back(std::move(f));
  }
  const std::size_t n = s.funcs.size();
  for (std::uint32_t k = r->Count(14); r->ok() && k > 0; --k) {
    CachedPltTarget t;
    t.entry = r->U64();
    t.symbol = r->Str();
    const bool has_resolver = r->U8() != 0;
    const std::uint64_t resolver = r->U64();
    if (has_resolver) t.resolver = resolver;
    r->Check(s.plt.empty() || s.plt.back().entry < t.entry);
    s.plt.push_back(std::move(t));
  }
  s.calls.resize(n);
  s.plt_calls.resize(n);
  s.takes.resize(n);
  s.indirect.resize(n);
  for (std::size_t f = 0; f < n && r->ok(); ++f) {
    s.calls[f] = r->Indices(n);
    s.plt_calls[f] = r->Indices(s.plt.size());
    s.takes[f] = r->Indices(n);
    s.indirect[f] = r->U8() != 0;
  }
  s.address_taken = r->Indices(n);
  s.freeres_taken = r->Indices(n);
  for (std::uint32_t k = r->Count(12); r->ok() && k > 0; --k) {
    const std::uint32_t f = r->U32();
    const std::uint64_t at = r->U64();
    r->Check(f < n);
    s.stored_at.emplace_back(f, at);
  }
  for (std::uint32_t k = r->Count(8); r->ok() && k > 0; --k) {
    std::string name = r->Str();
    const std::uint32_t f = r->U32();
    r->Check(f < n);
    s.exports.emplace_back(std::move(name), f);
  }
  for (std::uint32_t k = r->Count(4); r->ok() && k > 0; --k)
    s.ifunc_exports.push_back(r->Str());
  for (std::uint32_t k = r->Count(8); r->ok() && k > 0; --k)
    s.roots.push_back(r->U64());
  s.report = ReadReport(r, n);
  s.report.arch = s.arch;
  return s;
}

}  // namespace

std::uint64_t Hash64(Bytes data) {
  // Four independent lanes of 8-byte words, so the multiplies overlap.
  std::uint64_t lane[4] = {kMul1, kMul2, ~kMul1, ~kMul2};
  std::size_t i = 0;
  for (; i + 32 <= data.size(); i += 32) {
    for (int k = 0; k < 4; ++k) {
      lane[k] = (lane[k] ^ LoadLe64(data.data() + i + 8 * k)) * kMul1;
      lane[k] ^= lane[k] >> 32;
    }
  }
  std::uint64_t h = data.size() * kMul2;
  for (std::uint64_t l : lane) h = Mix(h ^ Mix(l));
  for (; i < data.size(); ++i) h = (h ^ data[i]) * kMul1;
  return Mix(h);
}

std::string ContentId(const elf::ElfFile& ef, Bytes file) {
  for (const elf::Segment& seg : ef.segments()) {
    if (seg.type != kPtNote) continue;
    if (auto id = FindBuildId(seg.data))
      return fmt::format("b{}-{}", Hex(*id), file.size());
  }
  return fmt::format("h{:016x}-{}", Hash64(file), file.size());
}

const std::string& ToolId() {
  // Our own executable's notes, as mapped (the first object
  // dl_iterate_phdr reports is the main program): no file to read.
  static const std::string id = [] {
    std::string out;
    dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void* data) -> int {
          for (int k = 0; k < info->dlpi_phnum; ++k) {
            const ElfW(Phdr)& ph = info->dlpi_phdr[k];
            if (ph.p_type != PT_NOTE) continue;
            const auto* p = reinterpret_cast<const std::uint8_t*>(
                info->dlpi_addr + ph.p_vaddr);
            if (auto build_id = FindBuildId(Bytes(p, ph.p_memsz))) {
              *static_cast<std::string*>(data) = Hex(*build_id);
              break;
            }
          }
          return 1;  // only the main program
        },
        &out);
    return out;
  }();
  return id;
}

std::uint64_t WrappersFingerprint(
    const std::unordered_map<std::uint64_t, std::vector<EntryLoc>>& wrappers) {
  std::uint64_t h = wrappers.size();
  for (const auto& [entry, locs] : wrappers) {
    std::uint64_t e = Mix(entry * kMul1);
    for (const EntryLoc& l : locs) {
      e = Mix(e ^ ((static_cast<std::uint64_t>(l.kind) << 32) |
                   static_cast<std::uint32_t>(l.value)));
    }
    h += e;  // a sum: the map's iteration order does not matter
  }
  return Mix(h);
}

std::string SerializeImageSummary(const ImageSummary& s) {
  Writer w;
  w.U8(static_cast<std::uint8_t>(s.arch));
  w.U8(s.is_interp);
  w.Str(s.content_id);
  w.Str(s.tool_id);
  w.U64(s.wrappers_in);
  w.U32(static_cast<std::uint32_t>(s.funcs.size()));
  for (const CachedFunction& f : s.funcs) {
    w.U64(f.entry);
    w.U64(f.end);
    w.Str(f.name);
  }
  w.U32(static_cast<std::uint32_t>(s.plt.size()));
  for (const CachedPltTarget& t : s.plt) {
    w.U64(t.entry);
    w.Str(t.symbol);
    w.U8(t.resolver.has_value());
    w.U64(t.resolver.value_or(0));
  }
  for (std::size_t f = 0; f < s.funcs.size(); ++f) {
    w.Indices(s.calls[f]);
    w.Indices(s.plt_calls[f]);
    w.Indices(s.takes[f]);
    w.U8(s.indirect[f]);
  }
  w.Indices(s.address_taken);
  w.Indices(s.freeres_taken);
  w.U32(static_cast<std::uint32_t>(s.stored_at.size()));
  for (const auto& [f, at] : s.stored_at) {
    w.U32(f);
    w.U64(at);
  }
  w.U32(static_cast<std::uint32_t>(s.exports.size()));
  for (const auto& [name, f] : s.exports) {
    w.Str(name);
    w.U32(f);
  }
  w.U32(static_cast<std::uint32_t>(s.ifunc_exports.size()));
  for (const std::string& e : s.ifunc_exports) w.Str(e);
  w.U32(static_cast<std::uint32_t>(s.roots.size()));
  for (std::uint64_t a : s.roots) w.U64(a);
  WriteReport(s.report, &w);

  const std::string& payload = w.out();
  std::string out(kMagic, sizeof kMagic);
  const std::uint32_t format = kLibraryCacheFormat;
  const std::uint64_t size = payload.size();
  const std::uint64_t sum = Hash64(Bytes(
      reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()));
  out.append(reinterpret_cast<const char*>(&format), 4);
  out.append(reinterpret_cast<const char*>(&size), 8);
  out.append(reinterpret_cast<const char*>(&sum), 8);
  out += payload;
  return out;
}

Result<ImageSummary> ParseImageSummary(Bytes data) {
  if (data.size() < kHeaderSize ||
      !std::equal(kMagic, kMagic + 8, data.begin())) {
    return MakeError(ErrorCode::kMalformed,
                     "library cache entry: bad magic or truncated header");
  }
  const std::uint32_t format = LoadLe32(data.data() + 8);
  const std::uint64_t size = LoadLe64(data.data() + 12);
  const std::uint64_t sum = LoadLe64(data.data() + 20);
  if (format != kLibraryCacheFormat) {
    return MakeError(ErrorCode::kMalformed,
                     "library cache entry: format {} (this build reads {})",
                     format, kLibraryCacheFormat);
  }
  const Bytes payload = data.subspan(kHeaderSize);
  if (size != payload.size() || Hash64(payload) != sum) {
    return MakeError(
        ErrorCode::kMalformed,
        "library cache entry: payload of {} bytes (header says {}) or checksum "
        "mismatch",
        payload.size(), size);
  }
  Reader r(payload);
  ImageSummary s = ReadSummary(&r);
  if (!r.ok() || !r.AtEnd()) {
    return MakeError(ErrorCode::kMalformed,
                     "library cache entry: inconsistent contents");
  }
  return s;
}

std::string DefaultLibraryCacheDir() {
  // XDG Base Directory Specification: relative values are to be ignored.
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/go2seccomp";
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] == '/')
    return std::string(home) + "/.cache/go2seccomp";
  return {};
}

std::string LibraryCache::PathFor(Arch arch, bool is_interp,
                                  const std::string& content_id) const {
  return fmt::format("{}/libs/{}-{}-{}", dir_, GetArchInfo(arch).name,
                     is_interp ? 'i' : 'l', content_id);
}

std::optional<ImageSummary> LibraryCache::Load(
    Arch arch, bool is_interp, const std::string& content_id) const {
  auto file = MappedFile::Open(PathFor(arch, is_interp, content_id));
  if (!file) return std::nullopt;
  auto s = ParseImageSummary(file->bytes());
  if (!s || s->arch != arch || s->is_interp != is_interp ||
      s->content_id != content_id || s->tool_id != ToolId()) {
    return std::nullopt;
  }
  return std::move(*s);
}

bool LibraryCache::Store(const ImageSummary& s) const {
  const std::string path = PathFor(s.arch, s.is_interp, s.content_id);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(),
                                      ec);
  if (ec) return false;
  const std::string content = SerializeImageSummary(s);
  // A unique temporary file in the same directory, renamed over the entry:
  // a concurrent reader sees the old entry or the new one, never a mix. No
  // fsync: a torn file after a crash fails the checksum and is rebuilt.
  std::string tmp = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return false;
  bool ok = true;
  for (std::size_t done = 0; ok && done < content.size();) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ::close(fd) == 0 && ok;
  ok = ok && ::rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) ::unlink(tmp.c_str());
  return ok;
}

}  // namespace go2seccomp::analysis
