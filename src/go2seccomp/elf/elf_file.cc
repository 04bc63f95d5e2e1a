#include "go2seccomp/elf/elf_file.h"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

namespace go2seccomp::elf {
namespace {

// e_ident indices and values (System V gABI, "ELF Identification").
constexpr std::size_t kEiNident = 16;
constexpr std::size_t kEiClass = 4;
constexpr std::size_t kEiData = 5;
constexpr std::size_t kEiVersion = 6;
constexpr std::uint8_t kElfClass32 = 1;
constexpr std::uint8_t kElfClass64 = 2;
constexpr std::uint8_t kElfData2Lsb = 1;
constexpr std::uint8_t kElfData2Msb = 2;
constexpr std::uint8_t kEvCurrent = 1;

// Extended numbering (gABI "Sections"): when the real value does not fit the
// 16-bit header field, it lives in section header 0.
constexpr std::uint16_t kShnUndef = 0;
constexpr std::uint16_t kShnXindex = 0xffff;
constexpr std::uint16_t kPnXnum = 0xffff;

// Dynamic tags used for relocation tables (gABI "Dynamic Section").
constexpr std::int64_t kDtPltrelsz = 2;
constexpr std::int64_t kDtRela = 7;
constexpr std::int64_t kDtRelasz = 8;
constexpr std::int64_t kDtRelaent = 9;
constexpr std::int64_t kDtRel = 17;
constexpr std::int64_t kDtRelsz = 18;
constexpr std::int64_t kDtRelent = 19;
constexpr std::int64_t kDtRelrsz = 35;
constexpr std::int64_t kDtRelr = 36;
constexpr std::int64_t kDtRelrent = 37;
constexpr std::uint32_t kShtRelr = 19;
constexpr std::int64_t kDtPltrel = 20;
constexpr std::int64_t kDtJmprel = 23;

// Relative relocation types per e_machine, from each psABI: x86-64 psABI
// (R_X86_64_RELATIVE 8), AArch64 ELF ABI (R_AARCH64_RELATIVE 1027), i386
// psABI (R_386_RELATIVE 8), ARM ELF ABI (R_ARM_RELATIVE 23).
std::optional<std::uint32_t> RelativeRelocType(std::uint16_t machine) {
  switch (machine) {
    case 62:
      return 8;
    case 183:
      return 1027;
    case 3:
      return 8;
    case 40:
      return 23;
    default:
      return std::nullopt;
  }
}

// Field offsets of the two ELF classes (gABI Elf32_* / Elf64_* structs).
struct Layout {
  // Elf_Ehdr
  std::uint64_t ehdr_size;
  std::uint64_t e_entry, e_phoff, e_shoff, e_flags, e_ehsize, e_phentsize,
      e_phnum, e_shentsize, e_shnum, e_shstrndx;
  // Elf_Phdr
  std::uint64_t phdr_size;
  std::uint64_t p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz,
      p_align;
  // Elf_Shdr
  std::uint64_t shdr_size;
  std::uint64_t sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size,
      sh_link, sh_info, sh_addralign, sh_entsize;
  // Elf_Sym
  std::uint64_t sym_size;
  std::uint64_t st_name, st_value, st_size, st_info, st_other, st_shndx;
  // Elf_Dyn, Elf_Rel, Elf_Rela
  std::uint64_t dyn_size, rel_size, rela_size;
  int word;  // size of Elf_Addr / Elf_Off / Elf_Xword-ish fields
};

constexpr Layout kLayout64 = {
    64, 24, 32, 40, 48, 52, 54, 56, 58, 60, 62,  // ehdr
    56, 0,  4,  8,  16, 24, 32, 40, 48,          // phdr
    64, 0,  4,  8,  16, 24, 32, 40, 44, 48, 56,  // shdr
    24, 0,  8,  16, 4,  5,  6,                   // sym
    16, 16, 24, 8};
constexpr Layout kLayout32 = {
    52, 24, 28, 32, 36, 40, 42, 44, 46, 48, 50,  // ehdr
    32, 0,  24, 4,  8,  12, 16, 20, 28,          // phdr
    40, 0,  4,  8,  12, 16, 20, 24, 28, 32, 36,  // shdr
    16, 0,  4,  8,  12, 13, 14,                  // sym
    8,  8,  12, 4};

const Layout& LayoutFor(int elf_class) {
  return elf_class == 64 ? kLayout64 : kLayout32;
}

// Reads a class-sized field (Elf32_Addr/Elf64_Addr etc.): callers have
// already checked that the whole record is in bounds.
std::uint64_t LoadWord(const std::uint8_t* p, int width) {
  return width == 8 ? LoadLe64(p) : LoadLe32(p);
}

std::string IdentHex(Bytes image) {
  std::string out;
  const std::size_t n = std::min<std::size_t>(image.size(), 4);
  for (std::size_t i = 0; i < n; ++i) {
    if (i != 0) out += ' ';
    out += fmt::format("{:02x}", image[i]);
  }
  return out;
}

std::string SectionLabel(const Section& s) {
  if (s.name.empty()) return fmt::format("section {}", s.index);
  return fmt::format("section {} ({})", s.index, s.name);
}

// e_ident: the magic, class (returned in *elf_class), byte order and
// version.
Result<void> CheckIdent(Bytes image, int* elf_class) {
  static constexpr std::array<std::uint8_t, 4> kMagic = {0x7f, 'E', 'L', 'F'};
  if (image.size() < kMagic.size() ||
      !std::equal(kMagic.begin(), kMagic.end(), image.begin())) {
    if (image.empty()) {
      return MakeError(ErrorCode::kMalformed, "not an ELF file (empty input)");
    }
    return MakeError(ErrorCode::kMalformed,
                     "not an ELF file (magic {} at offset 0, want 7f 45 4c "
                     "46)",
                     IdentHex(image));
  }
  if (image.size() < kEiNident) {
    return MakeError(ErrorCode::kMalformed,
                     "truncated ELF identification: {} bytes, need {}",
                     image.size(), kEiNident);
  }
  switch (image[kEiClass]) {
    case kElfClass32:
      *elf_class = 32;
      break;
    case kElfClass64:
      *elf_class = 64;
      break;
    default:
      return MakeError(ErrorCode::kMalformed,
                       "invalid ELF class {} at e_ident[EI_CLASS] (0 is "
                       "ELFCLASSNONE; want 1 or 2)",
                       image[kEiClass]);
  }
  if (image[kEiData] == kElfData2Msb) {
    return MakeError(ErrorCode::kUnsupported,
                     "big-endian ELF (e_ident[EI_DATA]=2, ELFDATA2MSB) is "
                     "not supported; only little-endian targets are");
  }
  if (image[kEiData] != kElfData2Lsb) {
    return MakeError(ErrorCode::kMalformed,
                     "invalid ELF data encoding {} at e_ident[EI_DATA]",
                     image[kEiData]);
  }
  if (image[kEiVersion] != kEvCurrent) {
    return MakeError(ErrorCode::kMalformed,
                     "invalid ELF version {} at e_ident[EI_VERSION] (want 1)",
                     image[kEiVersion]);
  }
  return {};
}

// The ELF header's fields that locate the tables, with the extended counts
// of section header 0 applied.
struct Header {
  std::uint16_t type = 0;
  std::uint16_t machine = 0;
  std::uint64_t entry = 0;
  std::uint32_t flags = 0;
  std::uint64_t phoff = 0;
  std::uint64_t shoff = 0;
  std::uint16_t phentsize = 0;
  std::uint64_t phnum = 0;
  std::uint16_t shentsize = 0;
  std::uint64_t shnum = 0;
  std::uint64_t shstrndx = 0;
};

Result<Header> ReadHeader(Bytes image, int elf_class) {
  const Layout& L = LayoutFor(elf_class);
  if (image.size() < L.ehdr_size) {
    return MakeError(ErrorCode::kMalformed,
                     "truncated ELF{} header: file is {} bytes, header needs "
                     "{}",
                     elf_class, image.size(), L.ehdr_size);
  }
  const std::uint8_t* h = image.data();
  Header f;
  f.type = LoadLe16(h + 16);
  f.machine = LoadLe16(h + 18);
  f.entry = LoadWord(h + L.e_entry, L.word);
  f.phoff = LoadWord(h + L.e_phoff, L.word);
  f.shoff = LoadWord(h + L.e_shoff, L.word);
  f.flags = LoadLe32(h + L.e_flags);
  const std::uint16_t ehsize = LoadLe16(h + L.e_ehsize);
  f.phentsize = LoadLe16(h + L.e_phentsize);
  f.phnum = LoadLe16(h + L.e_phnum);
  f.shentsize = LoadLe16(h + L.e_shentsize);
  f.shnum = LoadLe16(h + L.e_shnum);
  f.shstrndx = LoadLe16(h + L.e_shstrndx);

  if (ehsize != L.ehdr_size) {
    return MakeError(ErrorCode::kMalformed,
                     "e_ehsize {} does not match the ELF{} header size {}",
                     ehsize, elf_class, L.ehdr_size);
  }

  // Section header 0 carries the extended counts (gABI "Extended Section
  // Header Numbering"); read it first when there is a table.
  if (f.shoff != 0) {
    if (f.shentsize != L.shdr_size) {
      return MakeError(ErrorCode::kMalformed,
                       "e_shentsize {} does not match the ELF{} section "
                       "header size {}",
                       f.shentsize, elf_class, L.shdr_size);
    }
    if (!InBounds(f.shoff, L.shdr_size, image.size())) {
      return MakeError(ErrorCode::kMalformed,
                       "section header table: e_shoff {:#x} past end of "
                       "file (size {:#x})",
                       f.shoff, image.size());
    }
    const std::uint8_t* sh0 = image.data() + f.shoff;
    if (f.shnum == 0) f.shnum = LoadWord(sh0 + L.sh_size, L.word);
    if (f.shstrndx == kShnXindex) f.shstrndx = LoadLe32(sh0 + L.sh_link);
    if (f.phnum == kPnXnum) f.phnum = LoadLe32(sh0 + L.sh_info);
  } else {
    f.shnum = 0;
    f.shstrndx = kShnUndef;
  }
  return f;
}

// The program header table (none when e_phnum is 0); PT_LOAD indices go to
// *loads.
Result<void> ReadSegments(Bytes image, int elf_class, const Header& f,
                          std::vector<Segment>* segments,
                          std::vector<std::uint32_t>* loads) {
  if (f.phnum == 0) return {};
  const Layout& L = LayoutFor(elf_class);
  if (f.phentsize != L.phdr_size) {
    return MakeError(ErrorCode::kMalformed,
                     "e_phentsize {} does not match the ELF{} program "
                     "header size {}",
                     f.phentsize, elf_class, L.phdr_size);
  }
  // phnum <= 2^32 and phdr_size <= 56, so the product cannot overflow;
  // the sum is checked by InBounds.
  const std::uint64_t table_size = f.phnum * L.phdr_size;
  if (!InBounds(f.phoff, table_size, image.size())) {
    return MakeError(ErrorCode::kMalformed,
                     "program header table: e_phoff {:#x} + {} * {} bytes "
                     "past end of file (size {:#x})",
                     f.phoff, f.phnum, L.phdr_size, image.size());
  }
  segments->reserve(f.phnum);
  for (std::uint64_t i = 0; i < f.phnum; ++i) {
    const std::uint8_t* p = image.data() + f.phoff + i * L.phdr_size;
    Segment s;
    s.index = static_cast<std::uint32_t>(i);
    s.type = LoadLe32(p + L.p_type);
    s.flags = LoadLe32(p + L.p_flags);
    s.offset = LoadWord(p + L.p_offset, L.word);
    s.vaddr = LoadWord(p + L.p_vaddr, L.word);
    s.paddr = LoadWord(p + L.p_paddr, L.word);
    s.filesz = LoadWord(p + L.p_filesz, L.word);
    s.memsz = LoadWord(p + L.p_memsz, L.word);
    s.align = LoadWord(p + L.p_align, L.word);
    if (!InBounds(s.offset, s.filesz, image.size())) {
      return MakeError(ErrorCode::kMalformed,
                       "program header {} (type {:#x}): offset {:#x} + "
                       "filesz {:#x} past end of file (size {:#x})",
                       i, s.type, s.offset, s.filesz, image.size());
    }
    if (s.type == kPtLoad) {
      if (s.filesz > s.memsz) {
        return MakeError(ErrorCode::kMalformed,
                         "program header {} (PT_LOAD): filesz {:#x} larger "
                         "than memsz {:#x}",
                         i, s.filesz, s.memsz);
      }
      if (s.vaddr + s.memsz < s.vaddr) {
        return MakeError(ErrorCode::kMalformed,
                         "program header {} (PT_LOAD): vaddr {:#x} + memsz "
                         "{:#x} overflows",
                         i, s.vaddr, s.memsz);
      }
      loads->push_back(s.index);
    }
    s.data = image.subspan(s.offset, s.filesz);
    segments->push_back(s);
  }
  return {};
}

// The section header table (present: e_shoff is not 0), unnamed.
Result<void> ReadSections(Bytes image, int elf_class, const Header& f,
                          std::vector<Section>* sections) {
  const Layout& L = LayoutFor(elf_class);
  // Divide rather than multiply: an extended shnum from section 0's sh_size
  // is a full 64-bit value.
  if (f.shoff > image.size() ||
      f.shnum > (image.size() - f.shoff) / L.shdr_size) {
    return MakeError(ErrorCode::kMalformed,
                     "section header table: e_shoff {:#x} + {} * {} bytes "
                     "past end of file (size {:#x})",
                     f.shoff, f.shnum, L.shdr_size, image.size());
  }
  sections->reserve(f.shnum);
  for (std::uint64_t i = 0; i < f.shnum; ++i) {
    const std::uint8_t* p = image.data() + f.shoff + i * L.shdr_size;
    Section s;
    s.index = static_cast<std::uint32_t>(i);
    s.type = LoadLe32(p + L.sh_type);
    s.flags = LoadWord(p + L.sh_flags, L.word);
    s.addr = LoadWord(p + L.sh_addr, L.word);
    s.offset = LoadWord(p + L.sh_offset, L.word);
    s.size = LoadWord(p + L.sh_size, L.word);
    s.link = LoadLe32(p + L.sh_link);
    s.info = LoadLe32(p + L.sh_info);
    s.addralign = LoadWord(p + L.sh_addralign, L.word);
    s.entsize = LoadWord(p + L.sh_entsize, L.word);
    sections->push_back(s);
  }
  // Section 0 is SHT_NULL by definition; its size/link/info fields hold the
  // extended numbering, not a range.
  if (!sections->empty()) {
    (*sections)[0].size = 0;
    (*sections)[0].offset = 0;
  }
  return {};
}

// Names from the section e_shstrndx names, and each section's bytes.
Result<void> NameSections(Bytes image, int elf_class, const Header& f,
                          std::vector<Section>* sections) {
  const Layout& L = LayoutFor(elf_class);
  Bytes shstrtab;
  if (f.shstrndx != kShnUndef) {
    if (f.shstrndx >= f.shnum) {
      return MakeError(ErrorCode::kMalformed,
                       "e_shstrndx {} out of range ({} sections)", f.shstrndx,
                       f.shnum);
    }
    const Section& str = (*sections)[f.shstrndx];
    if (str.type == kShtNobits ||
        !InBounds(str.offset, str.size, image.size())) {
      return MakeError(ErrorCode::kMalformed,
                       "section name table (section {}, e_shstrndx): "
                       "offset {:#x} + size {:#x} past end of file (size "
                       "{:#x})",
                       f.shstrndx, str.offset, str.size, image.size());
    }
    shstrtab = image.subspan(str.offset, str.size);
  }
  const ByteReader names(shstrtab, "section name table");
  for (std::uint64_t i = 0; i < f.shnum; ++i) {
    Section& s = (*sections)[i];
    const std::uint32_t name_off =
        LoadLe32(image.data() + f.shoff + i * L.shdr_size + L.sh_name);
    if (f.shstrndx != kShnUndef && i != 0) {
      auto name = names.CString(name_off);
      if (!name) {
        return MakeError(ErrorCode::kMalformed,
                         "section {}: name offset {:#x} outside the section "
                         "name table (section {}, size {:#x})",
                         i, name_off, f.shstrndx, shstrtab.size());
      }
      s.name = *name;
    }
    if (s.type == kShtNobits || s.type == kShtNull) continue;
    if (!InBounds(s.offset, s.size, image.size())) {
      return MakeError(ErrorCode::kMalformed,
                       "{}: offset {:#x} + size {:#x} past end of file "
                       "(size {:#x})",
                       SectionLabel(s), s.offset, s.size, image.size());
    }
    s.data = image.subspan(s.offset, s.size);
  }
  return {};
}

}  // namespace

std::optional<Arch> ElfFile::arch() const {
  return ArchFromElfMachine(machine_, elf_class_);
}

Result<ElfFile> ElfFile::Parse(Bytes image) {
  ElfFile f;
  f.image_ = image;
  G2S_TRY(f.ParseHeaders());
  f.IndexRelativeRelocations();
  return f;
}

Result<void> ElfFile::ParseHeaders() {
  G2S_TRY(CheckIdent(image_, &elf_class_));
  G2S_ASSIGN_OR_RETURN(const Header h, ReadHeader(image_, elf_class_));
  type_ = h.type;
  machine_ = h.machine;
  entry_ = h.entry;
  flags_ = h.flags;
  G2S_TRY(ReadSegments(image_, elf_class_, h, &segments_, &loads_));
  if (h.shoff == 0) return {};
  G2S_TRY(ReadSections(image_, elf_class_, h, &sections_));
  return NameSections(image_, elf_class_, h, &sections_);
}

const Section* ElfFile::FindSection(std::string_view name) const {
  for (const Section& s : sections_) {
    if (s.index != 0 && s.name == name) return &s;
  }
  return nullptr;
}

const Section* ElfFile::FindSectionByAddress(std::uint64_t vaddr) const {
  for (const Section& s : sections_) {
    if (s.ContainsAddress(vaddr)) return &s;
  }
  return nullptr;
}

const Segment* ElfFile::FindLoadSegment(std::uint64_t vaddr) const {
  for (std::uint32_t i : loads_) {
    if (segments_[i].ContainsAddress(vaddr)) return &segments_[i];
  }
  return nullptr;
}

Result<Bytes> ElfFile::ReadVirtual(std::uint64_t vaddr,
                                   std::uint64_t size) const {
  const Segment* seg = FindLoadSegment(vaddr);
  if (seg == nullptr) {
    return MakeError(ErrorCode::kNotFound,
                     "virtual address {:#x} is not in any PT_LOAD segment",
                     vaddr);
  }
  const std::uint64_t rel = vaddr - seg->vaddr;
  if (!InBounds(rel, size, seg->filesz)) {
    return MakeError(ErrorCode::kMalformed,
                     "virtual range {:#x} + {:#x} runs past the file-backed "
                     "part of PT_LOAD segment {} ({:#x} + filesz {:#x}, "
                     "memsz {:#x})",
                     vaddr, size, seg->index, seg->vaddr, seg->filesz,
                     seg->memsz);
  }
  return seg->data.subspan(rel, size);
}

std::optional<std::uint64_t> ElfFile::VirtualToFileOffset(
    std::uint64_t vaddr) const {
  const Segment* seg = FindLoadSegment(vaddr);
  if (seg == nullptr || vaddr - seg->vaddr >= seg->filesz) return std::nullopt;
  return seg->offset + (vaddr - seg->vaddr);
}

bool ElfFile::IsExecutableAddress(std::uint64_t vaddr) const {
  if (!loads_.empty()) {
    const Segment* seg = FindLoadSegment(vaddr);
    return seg != nullptr && seg->IsExecutable();
  }
  const Section* s = FindSectionByAddress(vaddr);
  return s != nullptr && s->IsExecutable();
}

Result<std::uint64_t> ElfFile::ReadPointer(std::uint64_t vaddr) const {
  G2S_ASSIGN_OR_RETURN(Bytes word, ReadVirtual(vaddr, ptr_size()));
  const auto it = std::lower_bound(
      relative_.begin(), relative_.end(), vaddr,
      [](const RelativeReloc& r, std::uint64_t v) { return r.offset < v; });
  if (it != relative_.end() && it->offset == vaddr) return it->addend;
  const std::uint64_t value = LoadWord(word.data(), ptr_size());
  if (value == 0 && relative_error_.has_value()) {
    return Unexpected(relative_error_->Wrap(
        fmt::format("pointer at {:#x} is 0 in the file and the dynamic "
                    "relocations that may set it are unreadable",
                    vaddr)));
  }
  return value;
}

Result<std::vector<Symbol>> ElfFile::ParseSymbolSection(
    std::uint32_t type, bool undefined_only) const {
  std::vector<Symbol> out;
  const Section* tab = nullptr;
  for (const Section& s : sections_) {
    if (s.type == type) {
      tab = &s;
      break;
    }
  }
  if (tab == nullptr) return out;
  const Layout& L = LayoutFor(elf_class_);
  if (tab->size % L.sym_size != 0) {
    return MakeError(ErrorCode::kMalformed,
                     "{}: size {:#x} is not a multiple of the symbol size {}",
                     SectionLabel(*tab), tab->size, L.sym_size);
  }
  if (tab->link == 0 || tab->link >= sections_.size()) {
    return MakeError(ErrorCode::kMalformed,
                     "{}: sh_link {} is not a valid string table section "
                     "({} sections)",
                     SectionLabel(*tab), tab->link, sections_.size());
  }
  const Section& strtab = sections_[tab->link];
  const ByteReader strings(strtab.data, SectionLabel(strtab), strtab.offset);
  const std::uint64_t count = tab->size / L.sym_size;
  if (count > 0 && !undefined_only) out.reserve(count - 1);
  for (std::uint64_t i = 1; i < count; ++i) {
    const std::uint8_t* p = tab->data.data() + i * L.sym_size;
    if (undefined_only && LoadLe16(p + L.st_shndx) != 0) continue;
    Symbol sym;
    const std::uint32_t name_off = LoadLe32(p + L.st_name);
    sym.value = LoadWord(p + L.st_value, L.word);
    sym.size = LoadWord(p + L.st_size, L.word);
    const std::uint8_t info = p[L.st_info];
    sym.type = info & 0xf;
    sym.bind = info >> 4;
    sym.other = p[L.st_other];
    sym.shndx = LoadLe16(p + L.st_shndx);
    if (name_off != 0) {
      auto name = strings.CString(name_off);
      if (!name) {
        return MakeError(ErrorCode::kMalformed,
                         "{}: symbol {} name offset {:#x} outside {} (size "
                         "{:#x})",
                         SectionLabel(*tab), i, name_off, SectionLabel(strtab),
                         strtab.size);
      }
      sym.name = *name;
    }
    out.push_back(sym);
  }
  return out;
}

Result<std::vector<Symbol>> ElfFile::Symbols() const {
  return ParseSymbolSection(kShtSymtab);
}

Result<std::vector<Symbol>> ElfFile::DynamicSymbols() const {
  return ParseSymbolSection(kShtDynsym);
}

Result<std::vector<Symbol>> ElfFile::DynamicImports() const {
  return ParseSymbolSection(kShtDynsym, /*undefined_only=*/true);
}

Result<std::optional<Symbol>> ElfFile::FindSymbol(std::string_view name) const {
  for (std::uint32_t type : {kShtSymtab, kShtDynsym}) {
    G2S_ASSIGN_OR_RETURN(std::vector<Symbol> syms, ParseSymbolSection(type));
    for (const Symbol& s : syms) {
      if (s.name == name) return std::optional<Symbol>(s);
    }
  }
  return std::optional<Symbol>();
}

std::optional<std::string_view> ElfFile::Interpreter() const {
  for (const Segment& s : segments_) {
    if (s.type != kPtInterp) continue;
    std::string_view path(reinterpret_cast<const char*>(s.data.data()),
                          s.data.size());
    const std::size_t nul = path.find('\0');
    if (nul != std::string_view::npos) path = path.substr(0, nul);
    return path;
  }
  return std::nullopt;
}

Result<std::vector<DynamicEntry>> ElfFile::DynamicEntries() const {
  std::vector<DynamicEntry> out;
  Bytes table;
  bool found = false;
  for (const Segment& s : segments_) {
    if (s.type == kPtDynamic) {
      table = s.data;
      found = true;
      break;
    }
  }
  if (!found) {
    for (const Section& s : sections_) {
      if (s.type == kShtDynamic) {
        table = s.data;
        found = true;
        break;
      }
    }
  }
  if (!found) return out;
  const Layout& L = LayoutFor(elf_class_);
  for (std::uint64_t off = 0; off + L.dyn_size <= table.size();
       off += L.dyn_size) {
    DynamicEntry e;
    const std::uint64_t tag = LoadWord(table.data() + off, L.word);
    // d_tag is signed: Elf32_Sword / Elf64_Sxword.
    e.tag = elf_class_ == 64 ? static_cast<std::int64_t>(tag)
                             : static_cast<std::int32_t>(tag);
    e.value = LoadWord(table.data() + off + L.word, L.word);
    if (e.tag == kDtNull) break;
    out.push_back(e);
  }
  return out;
}

Result<std::vector<std::string_view>> ElfFile::Needed() const {
  return DynamicStrings(kDtNeeded);
}

Result<std::vector<std::string_view>> ElfFile::DynamicStrings(
    std::int64_t tag) const {
  G2S_ASSIGN_OR_RETURN(std::vector<DynamicEntry> dyn, DynamicEntries());
  std::optional<std::uint64_t> strtab_addr, strtab_size;
  bool any = false;
  for (const DynamicEntry& e : dyn) {
    if (e.tag == kDtStrtab) strtab_addr = e.value;
    if (e.tag == kDtStrsz) strtab_size = e.value;
    if (e.tag == tag) any = true;
  }
  const std::string tag_name = tag == kDtNeeded  ? "DT_NEEDED"
                               : tag == kDtRpath ? "DT_RPATH"
                               : tag == kDtRunpath
                                   ? "DT_RUNPATH"
                                   : fmt::format("dynamic tag {}", tag);
  std::vector<std::string_view> out;
  if (!any) return out;
  if (!strtab_addr) {
    return MakeError(ErrorCode::kMalformed,
                     "dynamic table has {} but no DT_STRTAB", tag_name);
  }
  Bytes strtab;
  if (strtab_size) {
    auto r = ReadVirtual(*strtab_addr, *strtab_size);
    if (!r) return Unexpected(std::move(r).error().Wrap("DT_STRTAB"));
    strtab = *r;
  } else {
    // No DT_STRSZ: the string table runs at most to the end of its segment.
    const Segment* seg = FindLoadSegment(*strtab_addr);
    if (seg == nullptr || *strtab_addr - seg->vaddr >= seg->filesz) {
      return MakeError(ErrorCode::kMalformed,
                       "DT_STRTAB {:#x} is not in a file-backed PT_LOAD "
                       "segment",
                       *strtab_addr);
    }
    strtab = seg->data.subspan(*strtab_addr - seg->vaddr);
  }
  const ByteReader strings(strtab, "DT_STRTAB");
  for (const DynamicEntry& e : dyn) {
    if (e.tag != tag) continue;
    auto name = strings.CString(e.value);
    if (!name) {
      return MakeError(ErrorCode::kMalformed,
                       "{} string offset {:#x} outside DT_STRTAB (size {:#x})",
                       tag_name, e.value, strtab.size());
    }
    out.push_back(*name);
  }
  return out;
}

Result<std::uint64_t> ElfFile::CheckRelocTable(Bytes table, bool rela,
                                               std::uint64_t entsize,
                                               std::string_view what) const {
  const Layout& L = LayoutFor(elf_class_);
  const std::uint64_t want = rela ? L.rela_size : L.rel_size;
  if (entsize != 0 && entsize != want) {
    return MakeError(ErrorCode::kMalformed,
                     "{}: entry size {} does not match the ELF{} {} size {}",
                     what, entsize, elf_class_, rela ? "Rela" : "Rel", want);
  }
  if (table.size() % want != 0) {
    return MakeError(ErrorCode::kMalformed,
                     "{}: size {:#x} is not a multiple of the entry size {}",
                     what, table.size(), want);
  }
  return want;
}

Result<std::vector<Relocation>> ElfFile::ParseRelocations(
    Bytes table, bool rela, std::uint64_t entsize,
    std::string_view what) const {
  const Layout& L = LayoutFor(elf_class_);
  G2S_ASSIGN_OR_RETURN(const std::uint64_t want,
                       CheckRelocTable(table, rela, entsize, what));
  std::vector<Relocation> out;
  out.reserve(table.size() / want);
  for (std::uint64_t off = 0; off < table.size(); off += want) {
    const std::uint8_t* p = table.data() + off;
    Relocation r;
    r.offset = LoadWord(p, L.word);
    const std::uint64_t info = LoadWord(p + L.word, L.word);
    if (elf_class_ == 64) {  // ELF64_R_SYM / ELF64_R_TYPE
      r.sym = static_cast<std::uint32_t>(info >> 32);
      r.type = static_cast<std::uint32_t>(info);
    } else {  // ELF32_R_SYM / ELF32_R_TYPE
      r.sym = static_cast<std::uint32_t>(info >> 8);
      r.type = static_cast<std::uint32_t>(info & 0xff);
    }
    if (rela) {
      const std::uint64_t a = LoadWord(p + 2 * L.word, L.word);
      r.addend = elf_class_ == 64 ? static_cast<std::int64_t>(a)
                                  : static_cast<std::int32_t>(a);
    }
    out.push_back(r);
  }
  return out;
}

namespace {

struct RelocTable {
  Bytes data;
  bool rela;
  std::uint64_t entsize;
  std::string what;
};

// Collects the relocation tables the loader would process.
Result<std::vector<RelocTable>> FindRelocTables(const ElfFile& f) {
  std::vector<RelocTable> out;
  G2S_ASSIGN_OR_RETURN(std::vector<DynamicEntry> dyn, f.DynamicEntries());
  if (!dyn.empty()) {
    std::optional<std::uint64_t> rela, relasz, relaent, rel, relsz, relent,
        jmprel, pltrelsz, pltrel;
    for (const DynamicEntry& e : dyn) {
      switch (e.tag) {
        case kDtRela:
          rela = e.value;
          break;
        case kDtRelasz:
          relasz = e.value;
          break;
        case kDtRelaent:
          relaent = e.value;
          break;
        case kDtRel:
          rel = e.value;
          break;
        case kDtRelsz:
          relsz = e.value;
          break;
        case kDtRelent:
          relent = e.value;
          break;
        case kDtJmprel:
          jmprel = e.value;
          break;
        case kDtPltrelsz:
          pltrelsz = e.value;
          break;
        case kDtPltrel:
          pltrel = e.value;
          break;
        default:
          break;
      }
    }
    struct Range {
      std::uint64_t addr, size;
      bool rela;
      std::uint64_t entsize;
      const char* what;
    };
    std::vector<Range> ranges;
    if (rela) {
      if (!relasz) {
        return MakeError(ErrorCode::kMalformed,
                         "dynamic table has DT_RELA {:#x} but no DT_RELASZ",
                         *rela);
      }
      ranges.push_back({*rela, *relasz, true, relaent.value_or(0), "DT_RELA"});
    }
    if (rel) {
      if (!relsz) {
        return MakeError(ErrorCode::kMalformed,
                         "dynamic table has DT_REL {:#x} but no DT_RELSZ",
                         *rel);
      }
      ranges.push_back({*rel, *relsz, false, relent.value_or(0), "DT_REL"});
    }
    if (jmprel && pltrelsz && *pltrelsz != 0) {
      const bool plt_rela = pltrel.value_or(kDtRela) == kDtRela;
      // GNU ld may count .rela.plt inside DT_RELASZ; skip it then so each
      // relocation is reported once.
      bool overlaps = false;
      for (const Range& r : ranges) {
        if (*jmprel < r.addr + r.size && r.addr < *jmprel + *pltrelsz) {
          overlaps = true;
        }
      }
      if (!overlaps) {
        ranges.push_back({*jmprel, *pltrelsz, plt_rela, 0, "DT_JMPREL"});
      }
    }
    for (const Range& r : ranges) {
      if (r.size == 0) continue;
      auto data = f.ReadVirtual(r.addr, r.size);
      if (!data) return Unexpected(std::move(data).error().Wrap(r.what));
      out.push_back({*data, r.rela, r.entsize, r.what});
    }
    return out;
  }
  for (const Section& s : f.sections()) {
    if ((s.type != kShtRela && s.type != kShtRel) || !s.IsAlloc()) continue;
    out.push_back({s.data, s.type == kShtRela, s.entsize,
                   fmt::format("section {} ({})", s.index, s.name)});
  }
  return out;
}

}  // namespace

Result<std::vector<Relocation>> ElfFile::DynamicRelocations() const {
  G2S_ASSIGN_OR_RETURN(std::vector<RelocTable> tables, FindRelocTables(*this));
  std::vector<Relocation> out;
  for (const RelocTable& t : tables) {
    G2S_ASSIGN_OR_RETURN(std::vector<Relocation> rs,
                         ParseRelocations(t.data, t.rela, t.entsize, t.what));
    out.insert(out.end(), rs.begin(), rs.end());
  }
  return out;
}

namespace {

// Decodes one RELR table (the gABI's SHT_RELR format, as glibc's
// elf/dynamic-link.h ELF_DYNAMIC_DO_RELR reads it): an even word is an
// address to relocate; an odd word is a bitmap whose bit k (k >= 1) stands
// for the word (k - 1) words past the address the previous entry left off
// at, which then advances by (word bits - 1) words.
Result<void> DecodeRelr(Bytes table, int word, std::string_view what,
                        std::vector<std::uint64_t>* out) {
  if (table.size() % word != 0) {
    return MakeError(ErrorCode::kMalformed,
                     "{}: size {} is not a multiple of {}", what, table.size(),
                     word);
  }
  const int bits = word * 8;
  std::optional<std::uint64_t> next;
  for (std::size_t off = 0; off < table.size(); off += word) {
    std::uint64_t e = LoadWord(table.data() + off, word);
    if ((e & 1) == 0) {
      out->push_back(e);
      next = e + word;
      continue;
    }
    if (!next) {
      return MakeError(
          ErrorCode::kMalformed,
          "{}: entry at offset {:#x} is a bitmap with no address before it",
          what, off);
    }
    std::uint64_t at = *next;
    for (e >>= 1; e != 0; e >>= 1, at += word) {
      if (e & 1) out->push_back(at);
    }
    *next += static_cast<std::uint64_t>(bits - 1) * word;
  }
  return {};
}

}  // namespace

Result<std::vector<std::uint64_t>> ElfFile::RelrOffsets() const {
  std::vector<std::uint64_t> out;
  G2S_ASSIGN_OR_RETURN(std::vector<DynamicEntry> dyn, DynamicEntries());
  if (!dyn.empty()) {
    std::optional<std::uint64_t> relr, relrsz, relrent;
    for (const DynamicEntry& e : dyn) {
      if (e.tag == kDtRelr) relr = e.value;
      if (e.tag == kDtRelrsz) relrsz = e.value;
      if (e.tag == kDtRelrent) relrent = e.value;
    }
    if (!relr) return out;
    if (!relrsz) {
      return MakeError(ErrorCode::kMalformed,
                       "dynamic table has DT_RELR {:#x} but no DT_RELRSZ",
                       *relr);
    }
    if (relrent && *relrent != static_cast<std::uint64_t>(ptr_size())) {
      return MakeError(ErrorCode::kMalformed,
                       "DT_RELRENT is {}, not the word size {}", *relrent,
                       ptr_size());
    }
    if (*relrsz == 0) return out;
    auto data = ReadVirtual(*relr, *relrsz);
    if (!data) return Unexpected(std::move(data).error().Wrap("DT_RELR"));
    G2S_TRY(DecodeRelr(*data, ptr_size(), "DT_RELR", &out));
    return out;
  }
  for (const Section& s : sections_) {
    if (s.type != kShtRelr || !s.IsAlloc()) continue;
    G2S_TRY(DecodeRelr(s.data, ptr_size(),
                       fmt::format("section {} ({})", s.index, s.name), &out));
  }
  return out;
}

void ElfFile::IndexRelativeRelocations() {
  const std::optional<std::uint32_t> relative = RelativeRelocType(machine_);
  if (!relative) return;
  auto tables = FindRelocTables(*this);
  if (!tables) {
    relative_error_ = std::move(tables).error();
    return;
  }
  // A PIE Go binary has ~250k of these (dockerd): read them straight from
  // the table, without a Relocation per entry, and skip the sort when the
  // linker already emitted them in order (it does, -z combreloc).
  const Layout& L = LayoutFor(elf_class_);
  for (const RelocTable& t : *tables) {
    if (!t.rela) continue;
    auto size = CheckRelocTable(t.data, t.rela, t.entsize, t.what);
    if (!size) {
      relative_error_ = std::move(size).error();
      relative_.clear();
      return;
    }
    relative_.reserve(relative_.size() + t.data.size() / *size);
    for (std::uint64_t off = 0; off < t.data.size(); off += *size) {
      const std::uint8_t* p = t.data.data() + off;
      const std::uint64_t info = LoadWord(p + L.word, L.word);
      const std::uint32_t type = elf_class_ == 64
                                     ? static_cast<std::uint32_t>(info)
                                     : static_cast<std::uint32_t>(info & 0xff);
      if (type != *relative) continue;
      std::uint64_t addend = LoadWord(p + 2 * L.word, L.word);
      if (elf_class_ == 32) addend &= 0xffffffffu;
      relative_.push_back({LoadWord(p, L.word), addend});
    }
  }
  const auto by_offset = [](const RelativeReloc& a, const RelativeReloc& b) {
    return a.offset < b.offset;
  };
  if (!std::is_sorted(relative_.begin(), relative_.end(), by_offset)) {
    std::sort(relative_.begin(), relative_.end(), by_offset);
  }
}

}  // namespace go2seccomp::elf
