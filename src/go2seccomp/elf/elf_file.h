// A zero-copy, bounds-checked ELF reader for executables: the section and
// program header tables, symbols, the dynamic table, dynamic relocations and
// virtual-address reads through PT_LOAD segments.
//
//   G2S_ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(path));
//   G2S_ASSIGN_OR_RETURN(elf::ElfFile elf, elf::ElfFile::Parse(file.bytes()));
//   if (const elf::Section* text = elf.FindSection(".text")) {
//     Bytes code = text->data;              // a sub-span of the image
//   }
//   G2S_ASSIGN_OR_RETURN(Bytes hdr, elf.ReadVirtual(vaddr, 16));
//   G2S_ASSIGN_OR_RETURN(uint64_t p, elf.ReadPointer(vaddr));  // PIE-aware
//
// Scope and limits:
//  - ELF64 and ELF32, little-endian only. Big-endian input is kUnsupported;
//    anything that is not ELF is kMalformed.
//  - Parse() validates the header, both header tables (overflow-safe), the
//    extended numbering of e_shnum/e_phnum/e_shstrndx (SHN_XINDEX, PN_XNUM),
//    section names and every section's and segment's file range. A missing
//    section header table is fine (segments only).
//  - Symbols(), DynamicSymbols(), Needed() and DynamicRelocations() parse on
//    each call and report a malformed table as an Error of their own, so a
//    broken optional table does not make the whole file unreadable (Go's
//    debug/elf does the same).
//  - ReadPointer() knows RELA relative relocations only (R_X86_64_RELATIVE,
//    R_AARCH64_RELATIVE, and R_386_RELATIVE / R_ARM_RELATIVE in a RELA
//    table). REL and RELR keep the addend in place, so the word in the file
//    is already the link-time value. Symbolic relocations (R_X86_64_64 with a
//    symbol) are not applied.
//  - The image must outlive the ElfFile: sections, segments, names and
//    symbols are views into it.
#ifndef GO2SECCOMP_ELF_ELF_FILE_H_
#define GO2SECCOMP_ELF_ELF_FILE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "go2seccomp/base/arch.h"
#include "go2seccomp/base/byte_reader.h"
#include "go2seccomp/base/error.h"

namespace go2seccomp::elf {

// The few constants of the ELF spec (System V gABI) callers need, named as
// the spec names them. Declared here so callers do not need the host's
// <elf.h>.
inline constexpr std::uint16_t kEtExec = 2;  // ET_EXEC
inline constexpr std::uint16_t kEtDyn = 3;   // ET_DYN

inline constexpr std::uint32_t kShtNull = 0;      // SHT_NULL
inline constexpr std::uint32_t kShtProgbits = 1;  // SHT_PROGBITS
inline constexpr std::uint32_t kShtSymtab = 2;    // SHT_SYMTAB
inline constexpr std::uint32_t kShtStrtab = 3;    // SHT_STRTAB
inline constexpr std::uint32_t kShtRela = 4;      // SHT_RELA
inline constexpr std::uint32_t kShtHash = 5;      // SHT_HASH
inline constexpr std::uint32_t kShtDynamic = 6;   // SHT_DYNAMIC
inline constexpr std::uint32_t kShtNote = 7;      // SHT_NOTE
inline constexpr std::uint32_t kShtNobits = 8;    // SHT_NOBITS
inline constexpr std::uint32_t kShtRel = 9;       // SHT_REL
inline constexpr std::uint32_t kShtDynsym = 11;   // SHT_DYNSYM
inline constexpr std::uint32_t kShtGnuHash = 0x6ffffff6;    // SHT_GNU_HASH
inline constexpr std::uint32_t kShtGnuVerdef = 0x6ffffffd;  // SHT_GNU_verdef
inline constexpr std::uint32_t kShtGnuVerneed = 0x6ffffffe; // SHT_GNU_verneed
inline constexpr std::uint32_t kShtGnuVersym = 0x6fffffff;  // SHT_GNU_versym

inline constexpr std::uint64_t kShfWrite = 0x1;      // SHF_WRITE
inline constexpr std::uint64_t kShfAlloc = 0x2;      // SHF_ALLOC
inline constexpr std::uint64_t kShfExecinstr = 0x4;  // SHF_EXECINSTR

inline constexpr std::uint32_t kPtLoad = 1;               // PT_LOAD
inline constexpr std::uint32_t kPtDynamic = 2;            // PT_DYNAMIC
inline constexpr std::uint32_t kPtInterp = 3;             // PT_INTERP
inline constexpr std::uint32_t kPtTls = 7;                // PT_TLS
inline constexpr std::uint32_t kPtGnuRelro = 0x6474e552;  // PT_GNU_RELRO

inline constexpr std::uint32_t kPfX = 0x1;  // PF_X
inline constexpr std::uint32_t kPfW = 0x2;  // PF_W
inline constexpr std::uint32_t kPfR = 0x4;  // PF_R

inline constexpr std::uint8_t kSttObject = 1;  // STT_OBJECT
inline constexpr std::uint8_t kSttFunc = 2;    // STT_FUNC

inline constexpr std::int64_t kDtNull = 0;    // DT_NULL
inline constexpr std::int64_t kDtNeeded = 1;  // DT_NEEDED
inline constexpr std::int64_t kDtStrtab = 5;  // DT_STRTAB
inline constexpr std::int64_t kDtStrsz = 10;  // DT_STRSZ
inline constexpr std::int64_t kDtRpath = 15;    // DT_RPATH
inline constexpr std::int64_t kDtRunpath = 29;  // DT_RUNPATH

struct Section {
  std::uint32_t index = 0;
  std::string_view name;  // from .shstrtab; empty if e_shstrndx is SHN_UNDEF
  std::uint32_t type = 0;
  std::uint64_t flags = 0;
  std::uint64_t addr = 0;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::uint32_t link = 0;
  std::uint32_t info = 0;
  std::uint64_t addralign = 0;
  std::uint64_t entsize = 0;
  Bytes data;  // [offset, offset+size) of the image; empty for SHT_NOBITS

  bool IsAlloc() const { return (flags & kShfAlloc) != 0; }
  bool IsExecutable() const { return (flags & kShfExecinstr) != 0; }
  // Tables for the linker and loader (symbols, strings, relocations,
  // hashes, versions, notes): never program code or data, though they
  // hold copies of its addresses.
  bool IsMetadata() const {
    switch (type) {
      case kShtSymtab:
      case kShtStrtab:
      case kShtRela:
      case kShtHash:
      case kShtNote:
      case kShtRel:
      case kShtDynsym:
      case kShtGnuHash:
      case kShtGnuVerdef:
      case kShtGnuVerneed:
      case kShtGnuVersym:
        return true;
      default:
        return false;
    }
  }
  // True if `vaddr` lies in [addr, addr+size) of an SHF_ALLOC section.
  bool ContainsAddress(std::uint64_t vaddr) const {
    return IsAlloc() && vaddr >= addr && vaddr - addr < size;
  }
};

struct Segment {
  std::uint32_t index = 0;
  std::uint32_t type = 0;
  std::uint32_t flags = 0;  // PF_R | PF_W | PF_X
  std::uint64_t offset = 0;
  std::uint64_t vaddr = 0;
  std::uint64_t paddr = 0;
  std::uint64_t filesz = 0;
  std::uint64_t memsz = 0;
  std::uint64_t align = 0;
  Bytes data;  // [offset, offset+filesz) of the image

  bool IsExecutable() const { return (flags & kPfX) != 0; }
  bool IsWritable() const { return (flags & kPfW) != 0; }
  // True if `vaddr` lies in [vaddr, vaddr+memsz).
  bool ContainsAddress(std::uint64_t a) const {
    return a >= vaddr && a - vaddr < memsz;
  }
};

struct Symbol {
  std::string_view name;
  std::uint64_t value = 0;
  std::uint64_t size = 0;
  std::uint8_t type = 0;  // STT_*: low 4 bits of st_info
  std::uint8_t bind = 0;  // STB_*: high 4 bits of st_info
  std::uint8_t other = 0;
  std::uint16_t shndx = 0;
};

struct DynamicEntry {
  std::int64_t tag = 0;
  std::uint64_t value = 0;
};

struct Relocation {
  std::uint64_t offset = 0;  // r_offset: the virtual address patched
  std::uint32_t type = 0;    // R_<machine>_*
  std::uint32_t sym = 0;     // symbol index into .dynsym (0 for RELATIVE)
  // r_addend for RELA entries. REL entries keep their addend in the patched
  // word, and report 0 here.
  std::int64_t addend = 0;
};

class ElfFile {
 public:
  // Parses and validates `image`, which must outlive the returned ElfFile.
  static Result<ElfFile> Parse(Bytes image);

  int elf_class() const { return elf_class_; }  // 32 or 64
  int ptr_size() const { return elf_class_ / 8; }
  std::uint16_t type() const { return type_; }  // e_type: kEtExec, kEtDyn...
  std::uint16_t machine() const { return machine_; }  // e_machine
  std::uint64_t entry() const { return entry_; }
  std::uint32_t flags() const { return flags_; }  // e_flags
  // std::nullopt for an e_machine/class pair outside base/arch.h.
  std::optional<Arch> arch() const;
  Bytes image() const { return image_; }

  // All section headers in file order, including the SHT_NULL entry 0.
  std::span<const Section> sections() const { return sections_; }
  // All program headers in file order.
  std::span<const Segment> segments() const { return segments_; }

  // The first section with this name, or nullptr.
  const Section* FindSection(std::string_view name) const;
  // The first SHF_ALLOC section with a non-empty range containing vaddr.
  const Section* FindSectionByAddress(std::uint64_t vaddr) const;
  // The PT_LOAD segment whose [vaddr, vaddr+memsz) contains vaddr, or nullptr.
  const Segment* FindLoadSegment(std::uint64_t vaddr) const;

  // The file bytes behind [vaddr, vaddr+size), which must lie in the
  // file-backed part (filesz) of one PT_LOAD segment. kNotFound if vaddr is
  // not mapped; kMalformed if the range runs into the zero-filled tail (bss)
  // or past the segment.
  Result<Bytes> ReadVirtual(std::uint64_t vaddr, std::uint64_t size) const;
  // The file offset of a file-backed virtual address.
  std::optional<std::uint64_t> VirtualToFileOffset(std::uint64_t vaddr) const;
  // True if vaddr is inside a PF_X PT_LOAD segment (or, in a file without
  // program headers, an SHF_EXECINSTR section).
  bool IsExecutableAddress(std::uint64_t vaddr) const;

  // The pointer-sized word at vaddr as the dynamic loader would leave it for
  // a load bias of 0: the addend of a RELA relative relocation targeting
  // vaddr if there is one (the file holds 0 there in Go PIEs), otherwise the
  // word in the file. Fails if vaddr is unmapped, or if the relative
  // relocations could not be read and one might apply.
  Result<std::uint64_t> ReadPointer(std::uint64_t vaddr) const;
  // A RELA relative relocation: the loader stores load bias + addend at
  // offset.
  struct RelativeReloc {
    std::uint64_t offset;
    std::uint64_t addend;
  };
  // The RELA relative relocations ReadPointer() knows about, by offset.
  const std::vector<RelativeReloc>& relative_relocations() const { return relative_; }
  std::size_t relative_relocation_count() const { return relative_.size(); }

  // .symtab without the null symbol 0; empty if there is no .symtab.
  Result<std::vector<Symbol>> Symbols() const;
  // .dynsym without the null symbol 0; empty if there is no .dynsym.
  Result<std::vector<Symbol>> DynamicSymbols() const;
  // The undefined (shndx 0) .dynsym symbols: what the file imports. Cheaper
  // than DynamicSymbols() on an externally linked Go binary, which exports
  // 100k+ symbols and imports a hundred.
  Result<std::vector<Symbol>> DynamicImports() const;
  // The first .symtab symbol with this name (then .dynsym); nullopt if none.
  // Parses the tables on each call: for many lookups, call Symbols() once.
  Result<std::optional<Symbol>> FindSymbol(std::string_view name) const;

  // The PT_INTERP path without its NUL; nullopt for a static binary.
  std::optional<std::string_view> Interpreter() const;
  // The dynamic table, from PT_DYNAMIC (else the .dynamic section), up to
  // DT_NULL; empty if there is none.
  Result<std::vector<DynamicEntry>> DynamicEntries() const;
  // DT_NEEDED names, resolved through DT_STRTAB/DT_STRSZ mapped via PT_LOAD.
  Result<std::vector<std::string_view>> Needed() const;
  // The strings of every `tag` entry (DT_NEEDED, DT_RPATH, DT_RUNPATH), in
  // table order, from DT_STRTAB; empty if there is none.
  Result<std::vector<std::string_view>> DynamicStrings(std::int64_t tag) const;
  // Dynamic relocations from DT_RELA/DT_REL/DT_JMPREL when there is a dynamic
  // table (the loader's view), else from SHF_ALLOC SHT_RELA/SHT_REL sections.
  // DT_RELR (packed relative) is not among them: RelrOffsets() has it.
  Result<std::vector<Relocation>> DynamicRelocations() const;
  // The addresses DT_RELR (else SHF_ALLOC SHT_RELR sections) relocates, in
  // table order: words that hold a link-time address in the file and get the
  // load bias added (the addend stays in place, as with REL). glibc 2.36+
  // links libc.so.6 and ld.so with -z pack-relative-relocs, so most of their
  // RELATIVE relocations are only here. Empty if there is none.
  Result<std::vector<std::uint64_t>> RelrOffsets() const;

 private:

  ElfFile() = default;
  Result<void> ParseHeaders();
  Result<std::vector<Symbol>> ParseSymbolSection(std::uint32_t type,
                                                 bool undefined_only = false) const;
  // The entry size of a relocation table, or why it is malformed.
  Result<std::uint64_t> CheckRelocTable(Bytes table, bool rela, std::uint64_t entsize,
                                        std::string_view what) const;
  Result<std::vector<Relocation>> ParseRelocations(Bytes table, bool rela,
                                                   std::uint64_t entsize,
                                                   std::string_view what) const;
  void IndexRelativeRelocations();

  Bytes image_;
  int elf_class_ = 0;
  std::uint16_t type_ = 0;
  std::uint16_t machine_ = 0;
  std::uint64_t entry_ = 0;
  std::uint32_t flags_ = 0;
  std::vector<Section> sections_;
  std::vector<Segment> segments_;
  std::vector<std::uint32_t> loads_;     // indices of PT_LOAD segments
  std::vector<RelativeReloc> relative_;  // sorted by offset
  // Why relative_ could not be built, reported by ReadPointer() when needed.
  std::optional<Error> relative_error_;
};

}  // namespace go2seccomp::elf

#endif  // GO2SECCOMP_ELF_ELF_FILE_H_
