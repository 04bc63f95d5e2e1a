// Go's function table ("pclntab", runtime.pclntab / .gopclntab): every
// function's entry, end and name, and the pc -> file:line and pc -> SP-delta
// tables, for every layout Go has used since 1.2.
//
//   G2S_ASSIGN_OR_RETURN(gosym::LineTableLocation loc,
//                        gosym::FindLineTable(elf));
//   G2S_ASSIGN_OR_RETURN(gosym::LineTable tab,
//                        gosym::LineTable::Parse(loc.bytes, loc.vaddr,
//                                                loc.file_offset,
//                                                loc.text_start));
//   if (std::optional<size_t> i = tab.FindFunc(pc)) {
//     const gosym::Func& f = tab.funcs()[*i];       // f.name, f.entry, f.end
//     G2S_ASSIGN_OR_RETURN(gosym::SourceLine where, tab.LineFor(pc));
//   }
//
// Layouts (pinned to golang/go src/runtime/symtab.go and
// src/debug/gosym/pclntab.go of each release, and to real binaries):
//   k12   magic 0xfffffffb, Go 1.2-1.15: one blob; functab of uintptr
//         (entry pc, funcoff) pairs right after the header; names, pc-value
//         tables and _func records at offsets from the table start; filetab
//         located by a uint32 after the functab.
//   k116  magic 0xfffffffa, Go 1.16-1.17: pcHeader with offsets of
//         funcnametab, cutab, filetab, pctab and pclntab (functab+_func).
//   k118  magic 0xfffffff0, Go 1.18-1.19: pcHeader gains textStart; functab
//         and _func hold uint32 entry offsets from textStart.
//   k120  magic 0xfffffff1, Go 1.20+: same table layout as k118 (the _func
//         record grew startLine, which we do not read).
//
// Limits: little-endian tables only (big-endian -> kUnsupported); one text
// section (Go splits .text only for huge PPC64/ARM binaries, see
// runtime/symtab.go textAddr); pre-1.18 PIEs linked by an external linker
// that leaves dynamically relocated function pcs as 0 in the file are
// reported as kUnsupported by FindLineTable. Parse() validates every header
// offset and every function record before use and never reads out of bounds.
#ifndef GO2SECCOMP_GOSYM_PCLNTAB_H_
#define GO2SECCOMP_GOSYM_PCLNTAB_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "go2seccomp/base/byte_reader.h"
#include "go2seccomp/base/error.h"
#include "go2seccomp/elf/elf_file.h"

namespace go2seccomp::gosym {

enum class PclnVersion { k12, k116, k118, k120 };

// "go1.2-1.15", "go1.16-1.17", "go1.18-1.19", "go1.20+".
std::string_view PclnVersionName(PclnVersion v);
// The version a pclntab magic number stands for; nullopt if unknown.
std::optional<PclnVersion> PclnVersionFromMagic(std::uint32_t magic);

// One function of the table. Names are views into the table bytes.
struct Func {
  std::uint64_t entry = 0;  // first pc
  std::uint64_t end = 0;    // one past the last pc (next entry / table end)
  std::string_view name;
  std::uint32_t args = 0;      // _func.args: argument + result bytes
  std::uint32_t func_off = 0;  // offset of the _func record in funcdata
  // pc-value table offsets (into pctab; 0 = none) and the compilation unit.
  std::uint32_t pcsp = 0;
  std::uint32_t pcfile = 0;
  std::uint32_t pcln = 0;
  std::uint32_t cu_offset = 0;  // Go 1.16+: first cutab index of the unit
};

struct SourceLine {
  std::string_view file;  // a view into the table
  int line = 0;
};

class LineTable {
 public:
  // Parses the table at `table`, which the binary maps at `table_vaddr` and
  // which starts at `table_file_offset` in the file (for error messages).
  // `text_start` is the base of 1.18+ entry offsets (debug/gosym's
  // NewLineTable takes it from runtime.text, which differs from .text with
  // cgo); nullopt means the header's textStart word. Ignored before 1.18.
  // `table` must outlive the LineTable.
  static Result<LineTable> Parse(Bytes table, std::uint64_t table_vaddr,
                                 std::uint64_t table_file_offset,
                                 std::optional<std::uint64_t> text_start);

  PclnVersion version() const { return version_; }
  int ptr_size() const { return ptr_size_; }
  int quantum() const { return quantum_; }  // pc quantum (1 x86, 4 arm64)
  // The base of entry offsets (1.18+), else the first function's entry.
  std::uint64_t text_start() const { return text_start_; }
  std::uint64_t table_vaddr() const { return table_vaddr_; }
  Bytes bytes() const { return table_; }
  // Bytes from the table start that the parsed parts provably occupy: the
  // header regions bounded by the next one (1.16+), the functab and every
  // _func record. When the table was found by a magic scan, bytes() runs
  // to the end of the segment, and the data after the table is still the
  // program's (Go variables, function values); callers that must skip the
  // table use this instead. It may fall short of the real end (the last
  // function's pcdata), never beyond it.
  std::uint64_t UsedSize() const;

  // All functions, sorted by entry (non-decreasing, as the linker wrote them).
  std::span<const Func> funcs() const { return funcs_; }
  // Index of the function with pc in [entry, end), by binary search.
  std::optional<std::size_t> FindFunc(std::uint64_t pc) const;
  // Index of the first function with this exact name (linear scan).
  std::optional<std::size_t> FindFuncByName(std::string_view name) const;

  // Source file and line of pc from the pcfile/pcln tables. kNotFound if pc
  // is in no function or the tables have no value for it; kMalformed if a
  // table is corrupt.
  Result<SourceLine> LineFor(std::uint64_t pc) const;
  // The pcsp value at pc: how far SP is below its value at function entry
  // (bytes; 0 at the entry). Same errors as LineFor.
  Result<std::int32_t> SpDeltaFor(std::uint64_t pc) const;

 private:
  LineTable() = default;
  Result<void> ParseHeader(std::optional<std::uint64_t> text_start);
  Result<void> ParseFuncs();
  // Go's pcvalue (runtime/symtab.go): the value in effect at target, or
  // nullopt if the table ends before it.
  Result<std::optional<std::int32_t>> PcValue(std::uint32_t off,
                                              std::uint64_t entry,
                                              std::uint64_t target,
                                              std::string_view what) const;

  Bytes table_;
  std::uint64_t table_vaddr_ = 0;
  std::uint64_t file_offset_ = 0;
  PclnVersion version_ = PclnVersion::k12;
  int ptr_size_ = 8;
  int quantum_ = 1;
  std::uint64_t text_start_ = 0;
  std::uint64_t nfunc_ = 0;
  std::uint64_t nfiles_ = 0;
  // Regions as [offset, end) of table_ (Go's funcnametab, cutab, filetab,
  // pctab, funcdata/functab).
  struct Region {
    std::uint64_t off = 0;
    std::uint64_t end = 0;
  };
  Region funcnametab_, cutab_, filetab_, pctab_, funcdata_;
  std::uint64_t functab_off_ = 0;  // absolute offset in table_
  std::vector<Func> funcs_;
};

// LineTableLocation::found_by when no section holds the table.
inline constexpr std::string_view kFoundByMagicScan = "magic scan";

// Where the table is in a binary.
struct LineTableLocation {
  Bytes bytes;  // from the table start to the end of its section/segment
  std::uint64_t vaddr = 0;
  std::uint64_t file_offset = 0;
  // For Go 1.18+: the header's textStart word when it is an executable
  // address (read with ReadPointer, so PIE relocations are honoured), else
  // the runtime.text symbol, else the start of .text. For older tables the
  // same fallbacks, informational only.
  std::optional<std::uint64_t> text_start;
  PclnVersion version = PclnVersion::k12;
  // ".gopclntab", ".data.rel.ro.gopclntab" or "magic scan".
  std::string_view found_by;
  // The table, when finding it meant parsing it (the magic scan checks a
  // candidate that way): LineTable::Parse of the above, not to be redone.
  std::shared_ptr<LineTable> parsed;
};

// The .gopclntab (or .data.rel.ro.gopclntab, Go's internal PIE linking)
// section; otherwise a scan of PT_LOAD data (read-only segments first, then
// executable ones, where GNU ld may put .rodata) for a pcHeader magic whose
// header checks out (zero pad bytes, quantum in {1,2,4} and
// matching the arch, pointer size matching the ELF class, plausible nfunc,
// offsets in bounds and ascending, first function inside an executable
// segment) and which parses. External-linked binaries and some stripped ones
// have no such section. kNotFound if there is no table.
Result<LineTableLocation> FindLineTable(const elf::ElfFile& elf);

// FindLineTable + LineTable::Parse.
Result<LineTable> ParseLineTable(const elf::ElfFile& elf);

}  // namespace go2seccomp::gosym

#endif  // GO2SECCOMP_GOSYM_PCLNTAB_H_
