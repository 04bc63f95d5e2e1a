#include "go2seccomp/gosym/pclntab.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace go2seccomp::gosym {
namespace {

// Magic numbers, from debug/gosym/pclntab.go (go12magic, go116magic,
// go118magic, go120magic) and runtime/symtab.go.
constexpr std::uint32_t kGo12Magic = 0xfffffffb;
constexpr std::uint32_t kGo116Magic = 0xfffffffa;
constexpr std::uint32_t kGo118Magic = 0xfffffff0;
constexpr std::uint32_t kGo120Magic = 0xfffffff1;

// Plausibility bound for the magic scan only (Parse() takes any count that
// fits the table): the largest binaries we know have ~300k functions.
constexpr std::uint64_t kMaxScanFuncs = 10'000'000;

constexpr std::uint32_t ByteSwap32(std::uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

bool IsBigEndianMagic(std::uint32_t magic) {
  for (std::uint32_t m : {kGo12Magic, kGo116Magic, kGo118Magic, kGo120Magic}) {
    if (magic == ByteSwap32(m)) return true;
  }
  return false;
}

// Names of the pcHeader words after the 8-byte prefix (magic, pad1, pad2,
// minLC, ptrSize), per runtime/symtab.go pcHeader of each release. Go 1.2's
// header has just nfunc, followed by the functab.
constexpr std::array<std::string_view, 1> kWords12 = {"nfunc"};
constexpr std::array<std::string_view, 7> kWords116 = {
    "nfunc",         "nfiles",      "funcnameOffset", "cuOffset",
    "filetabOffset", "pctabOffset", "pclnOffset"};
constexpr std::array<std::string_view, 8> kWords118 = {
    "nfunc",    "nfiles",        "textStart",   "funcnameOffset",
    "cuOffset", "filetabOffset", "pctabOffset", "pclnOffset"};

std::span<const std::string_view> HeaderWordNames(PclnVersion v) {
  switch (v) {
    case PclnVersion::k12:
      return kWords12;
    case PclnVersion::k116:
      return kWords116;
    case PclnVersion::k118:
    case PclnVersion::k120:
      return kWords118;
  }
  return kWords12;
}

// Size of a functab field and of _func's first (entry) field: a uintptr pc
// before Go 1.18, a uint32 offset from textStart since (Go 1.18 CL 351463,
// "runtime: use offsets for function entry").
int EntryFieldSize(PclnVersion v, int ptr_size) {
  return v >= PclnVersion::k118 ? 4 : ptr_size;
}

// A view of one _func record (runtime/runtime2.go). As debug/gosym's
// funcData.field(n): field n >= 1 is a uint32 at sz0 + (n-1)*4, where sz0 is
// the entry field's size. The fields we read kept their positions from Go 1.2
// to 1.26: 1 nameOff, 2 args, 3 deferreturn (frame in 1.2), 4 pcsp,
// 5 pcfile, 6 pcln, 7 npcdata, 8 cuOffset (1.16+; funcID/nfuncdata bytes
// before). Callers check Size() bytes are in bounds before constructing one.
class FuncData {
 public:
  static constexpr std::uint64_t Size(int entry_size) {
    return static_cast<std::uint64_t>(entry_size) + 8 * 4;
  }
  FuncData(const std::uint8_t* p, int entry_size)
      : p_(p), entry_size_(entry_size) {}

  // The raw entry field: an absolute pc before 1.18, an entryoff since.
  std::uint64_t EntryField() const {
    return entry_size_ == 8 ? LoadLe64(p_) : LoadLe32(p_);
  }
  std::uint32_t NameOff() const { return Field(1); }
  std::uint32_t Args() const { return Field(2); }
  std::uint32_t PcSp() const { return Field(4); }
  std::uint32_t PcFile() const { return Field(5); }
  std::uint32_t PcLn() const { return Field(6); }
  std::uint32_t CuOffset() const { return Field(8); }

 private:
  std::uint32_t Field(int n) const {
    return LoadLe32(p_ + entry_size_ + (n - 1) * 4);
  }
  const std::uint8_t* p_;
  int entry_size_;
};

}  // namespace

std::string_view PclnVersionName(PclnVersion v) {
  switch (v) {
    case PclnVersion::k12:
      return "go1.2-1.15";
    case PclnVersion::k116:
      return "go1.16-1.17";
    case PclnVersion::k118:
      return "go1.18-1.19";
    case PclnVersion::k120:
      return "go1.20+";
  }
  return "?";
}

std::optional<PclnVersion> PclnVersionFromMagic(std::uint32_t magic) {
  switch (magic) {
    case kGo12Magic:
      return PclnVersion::k12;
    case kGo116Magic:
      return PclnVersion::k116;
    case kGo118Magic:
      return PclnVersion::k118;
    case kGo120Magic:
      return PclnVersion::k120;
    default:
      return std::nullopt;
  }
}

// ---------------------------------------------------------------------------
// Header

namespace {

// Reads pcHeader words like debug/gosym's offset(word): the uintptr at
// 8 + word*ptrSize, with the field named in errors.
class HeaderReader {
 public:
  HeaderReader(Bytes table, std::uint64_t file_offset, PclnVersion v,
               int ptr_size)
      : table_(table), file_offset_(file_offset), v_(v), ptr_size_(ptr_size) {}

  Result<std::uint64_t> Word(std::size_t word) const {
    const std::uint64_t off = 8 + word * static_cast<std::uint64_t>(ptr_size_);
    const auto names = HeaderWordNames(v_);
    const std::string_view name = word < names.size() ? names[word] : "?";
    if (!InBounds(off, ptr_size_, table_.size())) {
      return MakeError(ErrorCode::kMalformed,
                       "pclntab ({}) header word {} ({}) at offset {:#x} (file "
                       "offset {:#x}) is past the end of the table (size "
                       "{:#x})",
                       PclnVersionName(v_), word, name, off, file_offset_ + off,
                       table_.size());
    }
    return ptr_size_ == 8 ? LoadLe64(table_.data() + off)
                          : LoadLe32(table_.data() + off);
  }

  // Like debug/gosym's data(word): the header word as an offset into the
  // table, which must not be past its end.
  Result<std::uint64_t> Offset(std::size_t word) const {
    G2S_ASSIGN_OR_RETURN(std::uint64_t off, Word(word));
    G2S_TRY(CheckOffset(word, off));
    return off;
  }
  Result<void> CheckOffset(std::size_t word, std::uint64_t off) const {
    if (off > table_.size()) {
      return MakeError(ErrorCode::kMalformed,
                       "pclntab ({}) {} {:#x} (header word {}) is past the "
                       "end of the table (size {:#x}, file offset {:#x})",
                       PclnVersionName(v_), HeaderWordNames(v_)[word], off,
                       word, table_.size(), file_offset_);
    }
    return {};
  }

 private:
  Bytes table_;
  std::uint64_t file_offset_;
  PclnVersion v_;
  int ptr_size_;
};

// The 8-byte prefix every version shares: magic, two zero pad bytes, the pc
// quantum (minLC) and the pointer size.
struct Prefix {
  PclnVersion version;
  int quantum;
  int ptr_size;
};

Result<Prefix> ParsePrefix(Bytes table, std::uint64_t file_offset) {
  if (table.size() < 8) {
    return MakeError(ErrorCode::kMalformed,
                     "pclntab at file offset {:#x}: truncated header: {} "
                     "bytes, need at least 8",
                     file_offset, table.size());
  }
  const std::uint32_t magic = LoadLe32(table.data());
  const auto version = PclnVersionFromMagic(magic);
  if (!version) {
    if (IsBigEndianMagic(magic)) {
      return MakeError(ErrorCode::kUnsupported,
                       "pclntab at file offset {:#x}: big-endian table "
                       "(magic {:#010x} byte-swapped) is not supported",
                       file_offset, magic);
    }
    return MakeError(ErrorCode::kMalformed,
                     "pclntab at file offset {:#x}: unknown magic {:#010x}",
                     file_offset, magic);
  }
  if (table[4] != 0 || table[5] != 0) {
    return MakeError(ErrorCode::kMalformed,
                     "pclntab ({}) at file offset {:#x}: pad bytes {:#x} {:#x} "
                     "are not zero",
                     PclnVersionName(*version), file_offset, table[4],
                     table[5]);
  }
  const int quantum = table[6];
  if (quantum != 1 && quantum != 2 && quantum != 4) {
    return MakeError(ErrorCode::kMalformed,
                     "pclntab ({}) at file offset {:#x}: pc quantum {} is not "
                     "1, 2 or 4",
                     PclnVersionName(*version), file_offset, quantum);
  }
  const int ptr_size = table[7];
  if (ptr_size != 4 && ptr_size != 8) {
    return MakeError(ErrorCode::kMalformed,
                     "pclntab ({}) at file offset {:#x}: pointer size {} is "
                     "not 4 or 8",
                     PclnVersionName(*version), file_offset, ptr_size);
  }
  return Prefix{*version, quantum, ptr_size};
}

}  // namespace

Result<LineTable> LineTable::Parse(Bytes table, std::uint64_t table_vaddr,
                                   std::uint64_t table_file_offset,
                                   std::optional<std::uint64_t> text_start) {
  LineTable t;
  t.table_ = table;
  t.table_vaddr_ = table_vaddr;
  t.file_offset_ = table_file_offset;
  G2S_TRY(t.ParseHeader(text_start));
  G2S_TRY(t.ParseFuncs());
  return t;
}

Result<void> LineTable::ParseHeader(std::optional<std::uint64_t> text_start) {
  G2S_ASSIGN_OR_RETURN(Prefix prefix, ParsePrefix(table_, file_offset_));
  // As in debug/gosym parsePclnTab, the version is set last, once the
  // layout below has checked out (we return an error otherwise).
  const PclnVersion v = prefix.version;
  quantum_ = prefix.quantum;
  ptr_size_ = prefix.ptr_size;
  const HeaderReader h(table_, file_offset_, v, ptr_size_);
  const std::uint64_t size = table_.size();
  const int fs = EntryFieldSize(v, ptr_size_);

  // Read every header word first, then validate them as offsets: a
  // truncated header is reported as such, whatever the words say.
  std::array<std::uint64_t, 8> words{};
  const std::size_t nwords = HeaderWordNames(v).size();
  for (std::size_t i = 0; i < nwords; ++i) {
    G2S_ASSIGN_OR_RETURN(words[i], h.Word(i));
  }
  nfunc_ = words[0];
  if (v == PclnVersion::k12) {
    // Go 1.2-1.15 (debug/gosym ver12): functab right after nfunc; all other
    // offsets are from the table start.
    functab_off_ = 8 + static_cast<std::uint64_t>(ptr_size_);
    funcnametab_ = {0, size};
    pctab_ = {0, size};
    funcdata_ = {0, size};
  } else {
    nfiles_ = words[1];
    const std::size_t first = v == PclnVersion::k116 ? 2 : 3;
    if (v >= PclnVersion::k118) text_start_ = text_start.value_or(words[2]);
    std::array<std::uint64_t, 5> offs;  // funcname, cu, filetab, pctab, pcln
    for (std::size_t i = 0; i < offs.size(); ++i) {
      offs[i] = words[first + i];
      G2S_TRY(h.CheckOffset(first + i, offs[i]));
    }
    // The linker writes the regions in header order (cmd/link pcln.go);
    // when they ascend, each ends where the next begins, which tightens the
    // checks below. Otherwise each region runs to the table end.
    const bool ascending = std::is_sorted(offs.begin(), offs.end());
    std::array<Region, 5> regions;
    for (std::size_t i = 0; i < offs.size(); ++i) {
      regions[i] = {offs[i],
                    ascending && i + 1 < offs.size() ? offs[i + 1] : size};
    }
    funcnametab_ = regions[0];
    cutab_ = regions[1];
    filetab_ = regions[2];
    pctab_ = regions[3];
    funcdata_ = regions[4];
    functab_off_ = funcdata_.off;
    // nfiles counts the distinct names in filetab; cutab is longer (each
    // compilation unit lists its own files, runtime/symtab.go funcfile), so
    // cutab lookups are bounded by the cutab region, not by nfiles.
  }
  // The functab holds nfunc (entry, funcoff) pairs plus the end pc.
  const std::uint64_t avail =
      functab_off_ <= funcdata_.end ? funcdata_.end - functab_off_ : 0;
  const std::uint64_t fields = avail / static_cast<std::uint64_t>(fs);
  if (fields == 0 || nfunc_ > (fields - 1) / 2) {  // overflow-safe
    return MakeError(ErrorCode::kMalformed,
                     "pclntab ({}) at file offset {:#x}: nfunc {} needs a "
                     "functab of (2*nfunc+1) * {} bytes at offset {:#x}, past "
                     "the end of the table (size {:#x})",
                     PclnVersionName(v), file_offset_, nfunc_, fs, functab_off_,
                     size);
  }
  if (v == PclnVersion::k12) {
    // After the functab: a uint32 offset of the filetab, whose first uint32
    // is its own entry count (debug/gosym ver12).
    const std::uint64_t fileoff_at = functab_off_ + (2 * nfunc_ + 1) * fs;
    const ByteReader r(table_, "pclntab (go1.2-1.15)", file_offset_);
    G2S_ASSIGN_OR_RETURN(std::uint32_t fileoff, r.U32(fileoff_at));
    auto nfiletab = r.U32(fileoff);
    if (!nfiletab) {
      return MakeError(ErrorCode::kMalformed,
                       "pclntab (go1.2-1.15) at file offset {:#x}: filetab "
                       "offset {:#x} (stored at {:#x}) is past the end of the "
                       "table (size {:#x})",
                       file_offset_, fileoff, fileoff_at, size);
    }
    nfiles_ = *nfiletab;
    if (nfiles_ > (size - fileoff) / 4) {
      return MakeError(ErrorCode::kMalformed,
                       "pclntab (go1.2-1.15) at file offset {:#x}: filetab at "
                       "{:#x} with {} entries runs past the end of the table "
                       "(size {:#x})",
                       file_offset_, fileoff, nfiles_, size);
    }
    filetab_ = {fileoff, fileoff + nfiles_ * 4};
  }
  version_ = v;
  return {};
}

std::uint64_t LineTable::UsedSize() const {
  const std::uint64_t fs = static_cast<std::uint64_t>(EntryFieldSize(version_, ptr_size_));
  std::uint64_t end = functab_off_ + (2 * nfunc_ + 1) * fs;
  const std::uint64_t record = FuncData::Size(static_cast<int>(fs));
  for (const Func& f : funcs_) end = std::max(end, funcdata_.off + f.func_off + record);
  if (version_ >= PclnVersion::k116) {
    // funcdata_ runs to the end of bytes(); the others end where the next
    // header offset starts.
    for (const Region& r : {funcnametab_, cutab_, filetab_, pctab_}) end = std::max(end, r.end);
  }
  return std::min<std::uint64_t>(end, table_.size());
}

Result<void> LineTable::ParseFuncs() {
  const int fs = EntryFieldSize(version_, ptr_size_);
  const std::uint8_t* base = table_.data();
  const std::uint8_t* functab = base + functab_off_;
  const bool offsets = version_ >= PclnVersion::k118;
  // The one place the Go 1.18 change shows: entries are offsets from
  // textStart instead of absolute pcs.
  auto entry_pc = [&](std::uint64_t raw) {
    return offsets ? text_start_ + raw : raw;
  };
  auto functab_word = [&](std::uint64_t i) -> std::uint64_t {
    return fs == 8 ? LoadLe64(functab + i * 8) : LoadLe32(functab + i * 4);
  };
  const std::uint64_t record = FuncData::Size(fs);
  const std::uint64_t funcdata_size = funcdata_.end - funcdata_.off;
  funcs_.reserve(nfunc_);
  std::uint64_t entry = entry_pc(functab_word(0));
  for (std::uint64_t i = 0; i < nfunc_; ++i) {
    const std::uint64_t func_off = functab_word(2 * i + 1);
    const std::uint64_t end = entry_pc(functab_word(2 * i + 2));
    if (end < entry) {
      return MakeError(ErrorCode::kMalformed,
                       "pclntab ({}) at file offset {:#x}: functab entry {} "
                       "pc {:#x} is below entry {} pc {:#x} (entries must "
                       "ascend)",
                       PclnVersionName(version_), file_offset_, i + 1, end, i,
                       entry);
    }
    if (!InBounds(func_off, record, funcdata_size)) {
      return MakeError(ErrorCode::kMalformed,
                       "pclntab ({}) at file offset {:#x}: function {} (pc "
                       "{:#x}): _func offset {:#x} + {} bytes is past the end "
                       "of funcdata (offset {:#x}, size {:#x})",
                       PclnVersionName(version_), file_offset_, i, entry,
                       func_off, record, funcdata_.off, funcdata_size);
    }
    const FuncData fd(base + funcdata_.off + func_off, fs);
    if (entry_pc(fd.EntryField()) != entry) {
      return MakeError(ErrorCode::kMalformed,
                       "pclntab ({}) at file offset {:#x}: function {}: _func "
                       "entry {:#x} at funcdata offset {:#x} does not match "
                       "functab entry {:#x}",
                       PclnVersionName(version_), file_offset_, i,
                       entry_pc(fd.EntryField()), func_off, entry);
    }
    const std::uint64_t name_at =
        funcnametab_.off + static_cast<std::uint64_t>(fd.NameOff());
    const void* nul =
        name_at < funcnametab_.end
            ? std::memchr(base + name_at, 0, funcnametab_.end - name_at)
            : nullptr;
    if (nul == nullptr) {
      return MakeError(ErrorCode::kMalformed,
                       "pclntab ({}) at file offset {:#x}: function {} (pc "
                       "{:#x}): name offset {:#x} is past the end of "
                       "funcnametab (offset {:#x}, size {:#x}) or has no NUL",
                       PclnVersionName(version_), file_offset_, i, entry,
                       fd.NameOff(), funcnametab_.off,
                       funcnametab_.end - funcnametab_.off);
    }
    Func f;
    f.entry = entry;
    f.end = end;
    f.name = std::string_view(
        reinterpret_cast<const char*>(base + name_at),
        static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) -
                                 (base + name_at)));
    f.args = fd.Args();
    f.func_off = static_cast<std::uint32_t>(func_off);
    f.pcsp = fd.PcSp();
    f.pcfile = fd.PcFile();
    f.pcln = fd.PcLn();
    f.cu_offset = version_ >= PclnVersion::k116 ? fd.CuOffset() : 0;
    funcs_.push_back(f);
    entry = end;
  }
  if (!offsets) text_start_ = funcs_.empty() ? 0 : funcs_.front().entry;
  return {};
}

// ---------------------------------------------------------------------------
// Lookups

std::optional<std::size_t> LineTable::FindFunc(std::uint64_t pc) const {
  auto it = std::upper_bound(
      funcs_.begin(), funcs_.end(), pc,
      [](std::uint64_t p, const Func& f) { return p < f.entry; });
  if (it == funcs_.begin()) return std::nullopt;
  --it;
  if (pc >= it->end) return std::nullopt;
  return static_cast<std::size_t>(it - funcs_.begin());
}

std::optional<std::size_t> LineTable::FindFuncByName(
    std::string_view name) const {
  for (std::size_t i = 0; i < funcs_.size(); ++i) {
    if (funcs_[i].name == name) return i;
  }
  return std::nullopt;
}

Result<std::optional<std::int32_t>> LineTable::PcValue(
    std::uint32_t off, std::uint64_t entry, std::uint64_t target,
    std::string_view what) const {
  if (off == 0) return std::optional<std::int32_t>();  // no table
  const std::uint64_t at = pctab_.off + off;
  if (at >= pctab_.end) {
    return MakeError(ErrorCode::kMalformed,
                     "pclntab ({}) at file offset {:#x}: {} offset {:#x} is "
                     "past the end of pctab (offset {:#x}, size {:#x})",
                     PclnVersionName(version_), file_offset_, what, off,
                     pctab_.off, pctab_.end - pctab_.off);
  }
  // Go's step(): a zig-zag varint value delta, then a varint pc delta in
  // units of the quantum; a zero value delta after the first pair ends the
  // table (runtime/symtab.go step, debug/gosym LineTable.step).
  const std::uint8_t* p = table_.data();
  std::uint64_t pos = at;
  auto varint = [&](std::uint32_t* out) {
    std::uint32_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (pos >= pctab_.end) return false;
      const std::uint8_t b = p[pos++];
      v |= static_cast<std::uint32_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        *out = v;
        return true;
      }
    }
    return false;
  };
  std::uint32_t val = static_cast<std::uint32_t>(-1);
  std::uint64_t pc = entry;
  while (true) {
    const bool first = pc == entry;
    std::uint32_t uvdelta, pcdelta;
    if (!varint(&uvdelta)) break;
    if (uvdelta == 0 && !first) return std::optional<std::int32_t>();
    const std::uint32_t vdelta =
        (uvdelta & 1) != 0 ? ~(uvdelta >> 1) : uvdelta >> 1;
    if (!varint(&pcdelta)) break;
    val += vdelta;  // wraps like Go's int32 arithmetic
    pc += static_cast<std::uint64_t>(pcdelta) * quantum_;
    if (target < pc) {
      return std::optional<std::int32_t>(static_cast<std::int32_t>(val));
    }
  }
  return MakeError(ErrorCode::kMalformed,
                   "pclntab ({}) at file offset {:#x}: {} table at pctab "
                   "offset {:#x} runs past the end of pctab or has a bad "
                   "varint (at offset {:#x})",
                   PclnVersionName(version_), file_offset_, what, off, pos);
}

Result<SourceLine> LineTable::LineFor(std::uint64_t pc) const {
  const auto idx = FindFunc(pc);
  if (!idx) {
    return MakeError(ErrorCode::kNotFound,
                     "pc {:#x} is not inside any function of the pclntab", pc);
  }
  const Func& f = funcs_[*idx];
  G2S_ASSIGN_OR_RETURN(auto fno, PcValue(f.pcfile, f.entry, pc, "pcfile"));
  G2S_ASSIGN_OR_RETURN(auto line, PcValue(f.pcln, f.entry, pc, "pcln"));
  if (!fno || !line || *fno < 0) {
    return MakeError(ErrorCode::kNotFound, "no file:line for pc {:#x} in {}",
                     pc, f.name);
  }
  std::uint64_t str_at;  // absolute offset of the file name
  std::uint64_t str_end;
  if (version_ == PclnVersion::k12) {
    // filetab[0] is the count; names are at offsets from the table start.
    if (*fno == 0) {
      return MakeError(ErrorCode::kNotFound, "no file for pc {:#x} in {}", pc,
                       f.name);
    }
    if (static_cast<std::uint64_t>(*fno) >= nfiles_) {
      return MakeError(ErrorCode::kMalformed,
                       "pclntab (go1.2-1.15): file index {} for pc {:#x} in "
                       "{} is out of range (nfiletab {})",
                       *fno, pc, f.name, nfiles_);
    }
    str_at = LoadLe32(table_.data() + filetab_.off + 4 * *fno);
    str_end = table_.size();
  } else {
    // Go 1.16+: the file number indexes the compilation unit's slice of
    // cutab, which holds offsets into filetab (debug/gosym go12PCToFile).
    const std::uint64_t cu_index = static_cast<std::uint64_t>(f.cu_offset) +
                                   static_cast<std::uint64_t>(*fno);
    const std::uint64_t cu_entries = (cutab_.end - cutab_.off) / 4;
    if (cu_index >= cu_entries) {
      return MakeError(ErrorCode::kMalformed,
                       "pclntab ({}): cutab index {} (cuOffset {} + file {}) "
                       "for pc {:#x} in {} is out of range (cutab has {} "
                       "entries)",
                       PclnVersionName(version_), cu_index, f.cu_offset, *fno,
                       pc, f.name, cu_entries);
    }
    const std::uint32_t fnoff =
        LoadLe32(table_.data() + cutab_.off + 4 * cu_index);
    if (fnoff == ~std::uint32_t{0}) {
      return MakeError(ErrorCode::kNotFound, "no file for pc {:#x} in {}", pc,
                       f.name);
    }
    str_at = filetab_.off + fnoff;
    str_end = filetab_.end;
  }
  const void* nul = str_at < str_end ? std::memchr(table_.data() + str_at, 0,
                                                   str_end - str_at)
                                     : nullptr;
  if (nul == nullptr) {
    return MakeError(ErrorCode::kMalformed,
                     "pclntab ({}): file name for pc {:#x} in {} at table "
                     "offset {:#x} is outside filetab or has no NUL",
                     PclnVersionName(version_), pc, f.name, str_at);
  }
  SourceLine out;
  out.file = std::string_view(
      reinterpret_cast<const char*>(table_.data() + str_at),
      static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) -
                               (table_.data() + str_at)));
  out.line = *line;
  return out;
}

Result<std::int32_t> LineTable::SpDeltaFor(std::uint64_t pc) const {
  const auto idx = FindFunc(pc);
  if (!idx) {
    return MakeError(ErrorCode::kNotFound,
                     "pc {:#x} is not inside any function of the pclntab", pc);
  }
  const Func& f = funcs_[*idx];
  G2S_ASSIGN_OR_RETURN(auto sp, PcValue(f.pcsp, f.entry, pc, "pcsp"));
  if (!sp) {
    return MakeError(ErrorCode::kNotFound, "no pcsp value for pc {:#x} in {}",
                     pc, f.name);
  }
  return *sp;
}

// ---------------------------------------------------------------------------
// Finding the table in an ELF file

namespace {

// runtime.moduledata (runtime/symtab.go, unchanged in these words from Go
// 1.16 to 1.27): pcHeader *pcHeader; funcnametab, cutab, filetab, pctab,
// pclntable, ftab slices (3 words each); findfunctab, minpc, maxpc, text.
constexpr std::uint64_t kModuledataFuncnametabWord = 1;
constexpr std::uint64_t kModuledataTextWord = 22;

// moduledata.text of the module whose pcHeader is at `table_vaddr`, found
// by the pointer to the table that the linker writes into
// runtime.firstmoduledata (in the file, or as the addend of a RELA relative
// relocation in a PIE). A candidate counts only if its funcnametab pointer
// is the table plus the header's funcnameOffset, so a stray word equal to
// the table's address is not taken for the moduledata.
std::optional<std::uint64_t> ModuledataText(const elf::ElfFile& elf,
                                            std::uint64_t table_vaddr,
                                            int ptr_size) {
  const auto ps = static_cast<std::uint64_t>(ptr_size);
  auto funcname_off = elf.ReadPointer(table_vaddr + 8 + 3 * ps);
  if (!funcname_off) return std::nullopt;
  auto check = [&](std::uint64_t md) -> std::optional<std::uint64_t> {
    auto names = elf.ReadPointer(md + kModuledataFuncnametabWord * ps);
    if (!names || *names != table_vaddr + *funcname_off) return std::nullopt;
    auto text = elf.ReadPointer(md + kModuledataTextWord * ps);
    if (!text || !elf.IsExecutableAddress(*text)) return std::nullopt;
    return *text;
  };
  for (const elf::Segment& seg : elf.segments()) {
    if (seg.type != elf::kPtLoad || !seg.IsWritable()) continue;
    for (std::uint64_t off = (ps - seg.vaddr % ps) % ps;
         off + ps <= seg.data.size(); off += ps) {
      const std::uint64_t word = ps == 8 ? LoadLe64(seg.data.data() + off)
                                         : LoadLe32(seg.data.data() + off);
      if (word != table_vaddr) continue;
      if (auto text = check(seg.vaddr + off)) return text;
    }
  }
  for (const auto& r : elf.relative_relocations()) {
    if (r.addend != table_vaddr) continue;
    if (auto text = check(r.offset)) return text;
  }
  return std::nullopt;
}

// Where 1.18+ entry offsets start. The header's textStart word is
// moduledata.text (cmd/link pcln.go writes runtime.text there); in a PIE it
// is relocated, which ReadPointer() resolves. Go 1.27's linker leaves that
// word 0 under -linkmode=external (dbmate 2.36.0, static with SQLite), so
// moduledata itself is read next. debug/gosym's NewLineTable comment
// explains why runtime.text, not .text, is the last resort: with cgo, C
// code may come first in .text (crt1.o's _start, libc), and taking .text
// then shifts every Go function onto the wrong bytes.
std::optional<std::uint64_t> FindTextStart(const elf::ElfFile& elf,
                                           std::uint64_t table_vaddr,
                                           PclnVersion v, int ptr_size) {
  if (v >= PclnVersion::k118) {
    auto word = elf.ReadPointer(table_vaddr + 8 + 2 * ptr_size);
    if (word && *word != 0 && elf.IsExecutableAddress(*word)) return *word;
  }
  auto sym = elf.FindSymbol("runtime.text");
  if (sym && sym->has_value() && elf.IsExecutableAddress((*sym)->value)) {
    return (*sym)->value;
  }
  if (v >= PclnVersion::k118) {
    if (auto text = ModuledataText(elf, table_vaddr, ptr_size)) return text;
  }
  if (const elf::Section* text = elf.FindSection(".text")) return text->addr;
  return std::nullopt;
}

// Offset of the functab from the table start, without a full parse.
Result<std::uint64_t> FunctabOffset(Bytes table, const Prefix& p) {
  if (p.version == PclnVersion::k12)
    return 8 + static_cast<std::uint64_t>(p.ptr_size);
  const HeaderReader h(table, 0, p.version, p.ptr_size);
  return h.Offset(p.version == PclnVersion::k116 ? 6 : 7);
}

// Completes a location: version, text start, and the pre-1.18 PIE check.
Result<void> FinishLocation(const elf::ElfFile& elf, LineTableLocation* loc) {
  G2S_ASSIGN_OR_RETURN(Prefix p, ParsePrefix(loc->bytes, loc->file_offset));
  loc->version = p.version;
  loc->text_start = FindTextStart(elf, loc->vaddr, p.version, p.ptr_size);
  if (p.version < PclnVersion::k118 && elf.type() == elf::kEtDyn) {
    // Before Go 1.18 the functab holds absolute pcs, which a PIE relocates
    // at load time. Go's internal linker also writes the value in place; an
    // external linker may leave 0, and then the file alone cannot say where
    // functions are.
    G2S_ASSIGN_OR_RETURN(std::uint64_t ft, FunctabOffset(loc->bytes, p));
    if (InBounds(ft, p.ptr_size, loc->bytes.size())) {
      const std::uint64_t raw = p.ptr_size == 8
                                    ? LoadLe64(loc->bytes.data() + ft)
                                    : LoadLe32(loc->bytes.data() + ft);
      auto relocated = elf.ReadPointer(loc->vaddr + ft);
      if (relocated && *relocated != raw) {
        return MakeError(
            ErrorCode::kUnsupported,
            "pclntab ({}) at {:#x}: this PIE's function table holds "
            "dynamically relocated pcs (file has {:#x}, relocation gives "
            "{:#x}); pre-Go 1.18 PIEs from an external linker are not "
            "supported",
            PclnVersionName(p.version), loc->vaddr, raw, *relocated);
      }
    }
  }
  return {};
}

// Cheap header checks for the magic scan, before a full parse.
bool PlausibleHeader(const elf::ElfFile& elf, Bytes table,
                     std::uint64_t vaddr) {
  auto prefix = ParsePrefix(table, 0);
  if (!prefix || prefix->ptr_size != elf.ptr_size()) return false;
  if (auto arch = elf.arch();
      arch && GetArchInfo(*arch).pc_quantum != prefix->quantum) {
    return false;
  }
  const HeaderReader h(table, 0, prefix->version, prefix->ptr_size);
  auto nfunc = h.Word(0);
  if (!nfunc || *nfunc == 0 || *nfunc > kMaxScanFuncs) return false;
  const int fs = EntryFieldSize(prefix->version, prefix->ptr_size);
  std::uint64_t functab = 8 + static_cast<std::uint64_t>(prefix->ptr_size);
  std::uint64_t first_entry;
  if (prefix->version != PclnVersion::k12) {
    auto nfiles = h.Word(1);
    if (!nfiles || *nfiles > kMaxScanFuncs) return false;
    const std::size_t first = prefix->version == PclnVersion::k116 ? 2 : 3;
    std::uint64_t prev = 0;
    for (std::size_t i = first; i < first + 5; ++i) {
      auto off = h.Offset(i);
      if (!off || *off < prev) return false;
      prev = *off;
    }
    functab = prev;
  }
  if (!InBounds(functab, (2 * *nfunc + 1) * fs, table.size())) return false;
  if (prefix->version >= PclnVersion::k118) {
    const auto text =
        FindTextStart(elf, vaddr, prefix->version, prefix->ptr_size);
    if (!text) return false;
    first_entry = *text + LoadLe32(table.data() + functab);
  } else {
    auto e = elf.ReadPointer(vaddr + functab);
    if (!e) return false;
    first_entry = *e;
  }
  return elf.IsExecutableAddress(first_entry);
}

}  // namespace

Result<LineTableLocation> FindLineTable(const elf::ElfFile& elf) {
  for (std::string_view name : {".gopclntab", ".data.rel.ro.gopclntab"}) {
    const elf::Section* s = elf.FindSection(name);
    if (s == nullptr || s->type == elf::kShtNobits) continue;
    LineTableLocation loc;
    loc.bytes = s->data;
    loc.vaddr = s->addr;
    loc.file_offset = s->offset;
    loc.found_by = name;
    auto done = FinishLocation(elf, &loc);
    if (!done) {
      return Unexpected(std::move(done).error().Wrap(
          fmt::format("section {} ({})", s->index, name)));
    }
    return loc;
  }
  // No section: scan PT_LOAD data for a header. The pcHeader is
  // pointer-aligned (it starts runtime.pclntab / the pcHeader symbol), so
  // 4-byte steps over virtual addresses cover both ELF classes. Read-only
  // segments first; then executable ones too, because GNU ld without
  // -z separate-code (Debian's arm64 default in bookworm/trixie) puts
  // .rodata and .gopclntab in the R+X segment with .text.
  // The linker's and loader's tables (.dynsym, .rela.dyn, ...) cannot
  // hold it: skipping them spares touching 17 MB of an externally linked
  // dockerd.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> metadata;
  for (const elf::Section& sec : elf.sections()) {
    if (sec.IsAlloc() && sec.IsMetadata()) metadata.emplace_back(sec.addr, sec.addr + sec.size);
  }
  std::sort(metadata.begin(), metadata.end());
  for (const bool exec : {false, true}) {
    for (const elf::Segment& seg : elf.segments()) {
      if (seg.type != elf::kPtLoad || seg.IsExecutable() != exec) continue;
      // The segment's bytes outside metadata sections, as [begin, end)
      // offsets.
      std::vector<std::pair<std::uint64_t, std::uint64_t>> windows;
      std::uint64_t at = 0;
      for (const auto& [lo, hi] : metadata) {
        if (hi <= seg.vaddr + at || lo >= seg.vaddr + seg.data.size()) continue;
        if (lo > seg.vaddr + at) windows.emplace_back(at, lo - seg.vaddr);
        at = std::max(at, std::min<std::uint64_t>(hi - seg.vaddr, seg.data.size()));
      }
      windows.emplace_back(at, seg.data.size());
      for (const auto& [begin, end] : windows) {
        const std::uint64_t skew = (4 - (seg.vaddr + begin) % 4) % 4;
        for (std::uint64_t pos = begin + skew; pos + 8 <= end; pos += 4) {
#if defined(__SSE2__)
          // Every magic has its top 28 bits set: skip 16 bytes at a time to
          // the next word that does.
          const __m128i low4 = _mm_set1_epi32(0xf), ones = _mm_set1_epi32(-1);
          for (; pos + 16 <= end; pos += 16) {
            const __m128i v = _mm_or_si128(
                _mm_loadu_si128(reinterpret_cast<const __m128i*>(seg.data.data() + pos)), low4);
            const int m = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(v, ones)));
            if (m != 0) {
              pos += 4 * static_cast<std::uint64_t>(__builtin_ctz(static_cast<unsigned>(m)));
              break;
            }
          }
          if (pos + 8 > end) break;
#endif
          const std::uint32_t w = LoadLe32(seg.data.data() + pos);
          if (w < kGo118Magic || !PclnVersionFromMagic(w)) continue;
          const Bytes table = seg.data.subspan(pos);
          const std::uint64_t vaddr = seg.vaddr + pos;
          if (!PlausibleHeader(elf, table, vaddr)) continue;
          LineTableLocation loc;
          loc.bytes = table;
          loc.vaddr = vaddr;
          loc.file_offset = seg.offset + pos;
          loc.found_by = kFoundByMagicScan;
          if (auto done = FinishLocation(elf, &loc); !done) {
            if (done.error().code == ErrorCode::kUnsupported) {
              return Unexpected(std::move(done).error());
            }
            continue;
          }
          auto parsed = LineTable::Parse(
              loc.bytes, loc.vaddr, loc.file_offset,
              loc.version >= PclnVersion::k118 ? loc.text_start : std::nullopt);
          if (parsed && !parsed->funcs().empty()) {
            loc.parsed = std::make_shared<LineTable>(std::move(*parsed));
            return loc;
          }
        }
      }
    }
  }
  return MakeError(ErrorCode::kNotFound,
                   "no Go pclntab: no .gopclntab section and no valid "
                   "pcHeader magic in the data segments");
}

Result<LineTable> ParseLineTable(const elf::ElfFile& elf) {
  G2S_ASSIGN_OR_RETURN(LineTableLocation loc, FindLineTable(elf));
  auto table = LineTable::Parse(
      loc.bytes, loc.vaddr, loc.file_offset,
      loc.version >= PclnVersion::k118 ? loc.text_start : std::nullopt);
  // Name where the table came from (section or magic scan): a user
  // looking at a corrupt binary wants to know which bytes lied.
  if (!table) {
    return Unexpected(std::move(table).error().Wrap(
        fmt::format("{} at file offset {:#x}", loc.found_by,
                    loc.file_offset)));
  }
  return table;
}

}  // namespace go2seccomp::gosym
