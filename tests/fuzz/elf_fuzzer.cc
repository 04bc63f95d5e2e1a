// Fuzzes elf::ElfFile::Parse and every accessor over the parsed file, the
// .eh_frame reader (function ranges of C code), and the Go metadata readers
// that only need an ElfFile (build info, Go version, locating and parsing
// pclntab): everything the loaders do before decoding instructions. Seeds:
// tests/testdata/corpus/elf (hand-made and truncated ELFs); the replay test
// adds the Go fixtures.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "go2seccomp/elf/eh_frame.h"
#include "go2seccomp/elf/elf_file.h"
#include "go2seccomp/gosym/buildinfo.h"
#include "go2seccomp/gosym/pclntab.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using go2seccomp::Bytes;
namespace elf = go2seccomp::elf;
namespace gosym = go2seccomp::gosym;

// A returned view must lie inside the image: the reader is zero-copy, so
// anything else is a read of memory that is not the file.
bool Within(Bytes image, Bytes part) {
  if (part.empty()) return true;
  const auto* lo = image.data();
  const auto* hi = image.data() + image.size();
  return part.data() >= lo && part.data() <= hi &&
         part.size() <= static_cast<std::size_t>(hi - part.data());
}

bool Within(Bytes image, std::string_view s) {
  return Within(
      image, Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

void Probe(const elf::ElfFile& f, std::uint64_t vaddr) {
  (void)f.FindSectionByAddress(vaddr);
  (void)f.FindLoadSegment(vaddr);
  (void)f.VirtualToFileOffset(vaddr);
  (void)f.IsExecutableAddress(vaddr);
  (void)f.ReadPointer(vaddr);
  for (std::uint64_t size : {std::uint64_t{1}, std::uint64_t{16}}) {
    if (auto r = f.ReadVirtual(vaddr, size)) {
      FUZZ_CHECK(r->size() == size && Within(f.image(), *r));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const Bytes image(data, size);
  auto parsed = elf::ElfFile::Parse(image);
  if (!parsed) return 0;
  const elf::ElfFile& f = *parsed;
  (void)f.arch();
  Probe(f, f.entry());
  for (const elf::Section& s : f.sections()) {
    FUZZ_CHECK(Within(image, s.data) && Within(image, s.name));
    (void)f.FindSection(s.name);
    if (s.size > 0) {
      Probe(f, s.addr);
      Probe(f, s.addr + s.size - 1);
      if (auto r = f.ReadVirtual(s.addr, s.size)) {
        FUZZ_CHECK(Within(image, *r));
      }
    }
  }
  for (const elf::Segment& seg : f.segments()) {
    FUZZ_CHECK(Within(image, seg.data));
    Probe(f, seg.vaddr);
    if (seg.memsz > 0) Probe(f, seg.vaddr + seg.memsz - 1);
    if (auto r = f.ReadVirtual(seg.vaddr, seg.filesz)) {
      FUZZ_CHECK(Within(image, *r));
    }
  }
  if (auto syms = f.Symbols()) {
    for (const elf::Symbol& s : *syms) FUZZ_CHECK(Within(image, s.name));
  }
  if (auto syms = f.DynamicSymbols()) {
    for (const elf::Symbol& s : *syms) FUZZ_CHECK(Within(image, s.name));
  }
  (void)f.FindSymbol("runtime.text");
  if (auto interp = f.Interpreter()) FUZZ_CHECK(Within(image, *interp));
  (void)f.DynamicEntries();
  if (auto needed = f.Needed()) {
    for (std::string_view n : *needed) FUZZ_CHECK(Within(image, n));
  }
  if (auto relocs = f.DynamicRelocations()) {
    for (const elf::Relocation& r : *relocs) Probe(f, r.offset);
  }
  if (auto relr = f.RelrOffsets()) {
    // A bitmap word names at most 63 locations.
    FUZZ_CHECK(relr->size() <= image.size() * 8);
    for (std::uint64_t at : *relr) Probe(f, at);
  }

  if (const elf::Section* eh = f.FindSection(".eh_frame")) {
    if (auto ranges = elf::ParseEhFrame(eh->data, eh->addr, f.ptr_size())) {
      for (const elf::FunctionRange& r : *ranges) FUZZ_CHECK(r.begin < r.end);
    }
  }

  // Go metadata found through the ELF view.
  (void)gosym::ParseBuildInfo(f);
  (void)gosym::DetectGoVersion(f);
  if (auto loc = gosym::FindLineTable(f)) {
    FUZZ_CHECK(Within(image, loc->bytes));
    (void)gosym::ParseLineTable(f);
  }
  return 0;
}
