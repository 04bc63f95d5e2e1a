#include "go2seccomp/analysis/loader.h"

#include <algorithm>

#include <fmt/format.h>

namespace go2seccomp::analysis {
namespace {

// Go's register-based ABIInternal: amd64 since Go 1.17, arm64 since 1.18
// (and ppc64/riscv64 later); 386 and arm still pass everything on the
// stack.
std::optional<bool> RegisterAbi(Arch arch, const std::optional<gosym::GoVersion>& v) {
  if (arch == Arch::kI386 || arch == Arch::kArm) return false;
  if (!v) return std::nullopt;
  return arch == Arch::kX86_64 ? v->AtLeast(1, 17) : v->AtLeast(1, 18);
}

// Adds `r` minus the ranges in `skip` (sorted by start, may overlap):
// regions the scans must not look at.
void AddExcluding(std::vector<Region>* out, Region r,
                  const std::vector<std::pair<std::uint64_t, std::uint64_t>>& skip) {
  std::uint64_t at = r.vaddr;
  const std::uint64_t end = r.vaddr + r.bytes.size();
  for (const auto& [lo, hi] : skip) {
    if (hi <= at || lo >= end) continue;
    if (lo > at) out->push_back(Region{at, r.bytes.subspan(at - r.vaddr, lo - at)});
    at = std::max(at, hi);
    if (at >= end) return;
  }
  out->push_back(Region{at, r.bytes.subspan(at - r.vaddr)});
}

}  // namespace

std::string LoadedBinary::GoVersionString() const {
  if (state_->go_version) return state_->go_version->ToString();
  return "unknown Go version";
}

Result<LoadedBinary> LoadedBinary::Open(const std::string& path) {
  G2S_ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(path));
  const Bytes image = file.bytes();
  G2S_ASSIGN_OR_RETURN(LoadedBinary bin, FromBytes(image, path));
  bin.state_->file = std::move(file);  // the mapping stays where it is
  return bin;
}

Result<std::variant<LoadedBinary, ElfProgram>> LoadedBinary::OpenGoOrElf(
    const std::string& path) {
  G2S_ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(path));
  const Bytes image = file.bytes();
  std::optional<elf::ElfFile> not_go;
  std::string why;
  G2S_ASSIGN_OR_RETURN(std::optional<LoadedBinary> bin, Load(image, path, &not_go, &why));
  if (!bin) return ElfProgram{std::move(file), std::move(*not_go)};
  bin->state_->file = std::move(file);
  return std::move(*bin);
}

Result<LoadedBinary> LoadedBinary::FromBytes(Bytes image, std::string name) {
  std::optional<elf::ElfFile> not_go;
  std::string why;
  G2S_ASSIGN_OR_RETURN(std::optional<LoadedBinary> bin, Load(image, name, &not_go, &why));
  if (!bin) return MakeError(ErrorCode::kUnsupported, "{}: not a Go binary: {}", name, why);
  return std::move(*bin);
}

Result<std::optional<LoadedBinary>> LoadedBinary::Load(Bytes image, std::string name,
                                                       std::optional<elf::ElfFile>* not_go,
                                                       std::string* why) {
  auto state = std::make_unique<State>();
  state->name = name;
  auto wrap = [&](Error e) { return Unexpected(std::move(e).Wrap(name)); };

  auto elf = elf::ElfFile::Parse(image);
  if (!elf) return wrap(elf.error());
  state->elf = std::move(*elf);
  const elf::ElfFile& ef = *state->elf;
  auto arch = ef.arch();
  if (!arch) {
    return wrap(Error{ErrorCode::kUnsupported,
                      fmt::format("ELF machine {} (class {}) is not a supported "
                                  "architecture (x86_64, arm64, i386, arm)",
                                  ef.machine(), ef.elf_class())});
  }

  auto loc = gosym::FindLineTable(ef);
  if (!loc) {
    if (loc.error().code == ErrorCode::kNotFound) {
      *not_go = std::move(state->elf);
      *why = loc.error().message;
      return std::optional<LoadedBinary>();
    }
    return wrap(loc.error());
  }
  auto lines = loc->parsed ? Result<gosym::LineTable>(std::move(*loc->parsed))
                           : gosym::LineTable::Parse(loc->bytes, loc->vaddr,
                                                     loc->file_offset, loc->text_start);
  // Name where the table came from (its section, or the magic scan): a
  // user holding a corrupt binary wants to know which bytes lied.
  if (!lines) {
    return wrap(lines.error().Wrap(fmt::format(
        "{} at file offset {:#x}", loc->found_by, loc->file_offset)));
  }
  state->lines = std::move(*lines);

  auto bi = gosym::ParseBuildInfo(ef);
  if (!bi) return wrap(bi.error());
  state->build_info = std::move(*bi);
  if (state->build_info) state->go_version = state->build_info->version();
  if (!state->go_version) state->go_version = gosym::FindGoVersionString(ef);

  Program& p = state->program;
  p.arch = *arch;
  p.go_version = state->go_version ? state->go_version->ToString() : "";
  p.register_abi = RegisterAbi(*arch, state->go_version);
  const gosym::LineTable& lt = *state->lines;
  p.funcs.reserve(lt.funcs().size());
  for (const gosym::Func& f : lt.funcs()) {
    p.funcs.push_back(Function{f.entry, f.end, f.name, f.args});
  }
  // pclntab lists functions by entry; keep that order and drop overlaps a
  // corrupt table could create (FuncAt relies on it).
  std::sort(p.funcs.begin(), p.funcs.end(),
            [](const Function& a, const Function& b) { return a.entry < b.entry; });

  // The table itself holds function entry addresses (Go <= 1.17 functab):
  // the address-reference scan must not look there.
  const std::uint64_t tab_lo = lt.table_vaddr();
  // A section is exactly the table; a magic-scan location runs to the end
  // of its segment, where Go's .data and .noptrdata may follow (externally
  // linked PIEs such as Debian's dockerd): skip only what the table uses.
  const bool by_section = loc->found_by != gosym::kFoundByMagicScan;
  const std::uint64_t tab_hi = tab_lo + (by_section ? loc->bytes.size() : lt.UsedSize());
  std::vector<std::pair<std::uint64_t, std::uint64_t>> skip = {{tab_lo, tab_hi}};
  for (const elf::Section& sec : ef.sections()) {
    // ELF bookkeeping: a Go binary linked with -rdynamic (Debian's dockerd)
    // has every package variable's address in .dynsym, which is no evidence
    // that code can reach it through memory.
    if (sec.IsAlloc() && sec.IsMetadata()) skip.emplace_back(sec.addr, sec.addr + sec.size);
  }
  std::sort(skip.begin(), skip.end());
  // Code: the executable sections when the file has section headers (an
  // executable segment also maps the ELF headers and, on arm64 external
  // links, .rodata); otherwise the executable segments. Data: everything
  // else that is loaded from the file.
  bool have_exec_sections = false;
  for (const elf::Section& sec : ef.sections()) {
    if (sec.IsAlloc() && sec.IsExecutable() && sec.type != elf::kShtNobits && sec.size > 0) {
      auto bytes = ef.ReadVirtual(sec.addr, sec.size);
      if (!bytes) return wrap(bytes.error());
      p.code.push_back(Region{sec.addr, *bytes});
      have_exec_sections = true;
    }
  }
  for (const elf::Segment& seg : ef.segments()) {
    if (seg.type != elf::kPtLoad || seg.filesz == 0) continue;
    auto bytes = ef.ReadVirtual(seg.vaddr, seg.filesz);
    if (!bytes) return wrap(bytes.error());
    Region r{seg.vaddr, *bytes};
    if (seg.IsExecutable() && !have_exec_sections) {
      p.code.push_back(r);
    } else if (!seg.IsExecutable()) {
      AddExcluding(&p.data, r, skip);
    }
  }
  if (have_exec_sections) {
    // Non-code sections inside executable segments (arm64 external links
    // put .rodata there) are data.
    for (const elf::Section& sec : ef.sections()) {
      if (!sec.IsAlloc() || sec.IsExecutable() || sec.type == elf::kShtNobits || sec.size == 0) {
        continue;
      }
      const elf::Segment* seg = ef.FindLoadSegment(sec.addr);
      if (seg == nullptr || !seg->IsExecutable()) continue;
      auto bytes = ef.ReadVirtual(sec.addr, sec.size);
      if (!bytes) continue;
      AddExcluding(&p.data, Region{sec.addr, *bytes}, skip);
    }
  }
  std::sort(p.code.begin(), p.code.end(),
            [](const Region& a, const Region& b) { return a.vaddr < b.vaddr; });
  for (const elf::ElfFile::RelativeReloc& rel : ef.relative_relocations()) {
    if (!(rel.offset >= tab_lo && rel.offset < tab_hi)) {
      p.relocated_words.emplace_back(rel.offset, rel.addend);
    }
  }
  const gosym::LineTable* table = &*state->lines;
  p.line_for = [table](std::uint64_t pc) -> std::optional<SourcePos> {
    auto l = table->LineFor(pc);
    if (!l) return std::nullopt;
    return SourcePos{std::string(l->file), l->line};
  };
  p.sp_delta_for = [table](std::uint64_t pc) -> std::optional<std::int64_t> {
    auto d = table->SpDeltaFor(pc);
    if (!d) return std::nullopt;
    return *d;
  };
  LoadedBinary bin;
  bin.state_ = std::move(state);
  return std::optional<LoadedBinary>(std::move(bin));
}

}  // namespace go2seccomp::analysis
