#include "go2seccomp/elf/elf_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/common/files.h"
#include "tests/common/process_util.h"
#include "tests/common/tables.h"

namespace go2seccomp::elf {
namespace {

using ::go2seccomp::test_util::Fixture;
using ::go2seccomp::test_util::ParseHex;
using ::go2seccomp::test_util::ReadFile;
using ::go2seccomp::test_util::RunCommand;
using ::go2seccomp::test_util::SplitFields;
using ::go2seccomp::test_util::SplitLines;
using ::testing::HasSubstr;

// ---------------------------------------------------------------------------
// readelf output, parsed independently of our parser.

struct ReadelfSection {
  std::uint32_t index;
  std::string name;
  std::string type;
  std::uint64_t addr, offset, size;
  std::string flags;
};

std::vector<ReadelfSection> ReadelfSections(const std::string& path) {
  std::vector<ReadelfSection> out;
  const auto cmd = RunCommand("readelf -SW " + path);
  for (std::string_view line : SplitLines(cmd.out)) {
    const std::size_t open = line.find('[');
    const std::size_t close = line.find(']');
    if (open == std::string_view::npos || close == std::string_view::npos ||
        open > 4) {
      continue;
    }
    std::string_view idx = line.substr(open + 1, close - open - 1);
    while (!idx.empty() && idx.front() == ' ') idx.remove_prefix(1);
    if (idx.empty() || idx == "Nr") continue;
    ReadelfSection s;
    s.index = static_cast<std::uint32_t>(std::stoul(std::string(idx)));
    auto f = SplitFields(line.substr(close + 1));
    if (s.index == 0) f.insert(f.begin(), "");  // the null section's name
    // name type addr off size es [flg] lk inf al
    if (f.size() < 9) continue;
    s.name = std::string(f[0]);
    s.type = std::string(f[1]);
    s.addr = *ParseHex(f[2]);
    s.offset = *ParseHex(f[3]);
    s.size = *ParseHex(f[4]);
    s.flags = f.size() == 10 ? std::string(f[6]) : "";
    out.push_back(s);
  }
  return out;
}

struct ReadelfSegment {
  std::string type;
  std::uint64_t offset, vaddr, paddr, filesz, memsz, align;
  std::string flags;
};

std::vector<ReadelfSegment> ReadelfSegments(const std::string& path) {
  std::vector<ReadelfSegment> out;
  const auto cmd = RunCommand("readelf -lW " + path);
  bool in_table = false;
  for (std::string_view line : SplitLines(cmd.out)) {
    if (line.starts_with("Program Headers:")) {
      in_table = true;
      continue;
    }
    if (!in_table) continue;
    if (line.empty()) break;
    auto f = SplitFields(line);
    if (f.empty() || f[0] == "Type" || f[0].starts_with("[")) continue;
    if (f.size() < 7) continue;
    ReadelfSegment s;
    s.type = std::string(f[0]);
    s.offset = *ParseHex(f[1]);
    s.vaddr = *ParseHex(f[2]);
    s.paddr = *ParseHex(f[3]);
    s.filesz = *ParseHex(f[4]);
    s.memsz = *ParseHex(f[5]);
    s.align = *ParseHex(f.back());
    for (std::size_t i = 6; i + 1 < f.size(); ++i) s.flags += f[i];
    out.push_back(s);
  }
  return out;
}

std::uint32_t SectionTypeFromReadelf(const std::string& name) {
  static const std::map<std::string, std::uint32_t> kTypes = {
      {"NULL", 0},
      {"PROGBITS", 1},
      {"SYMTAB", 2},
      {"STRTAB", 3},
      {"RELA", 4},
      {"HASH", 5},
      {"DYNAMIC", 6},
      {"NOTE", 7},
      {"NOBITS", 8},
      {"REL", 9},
      {"DYNSYM", 11},
      {"INIT_ARRAY", 14},
      {"FINI_ARRAY", 15},
      {"GNU_HASH", 0x6ffffff6},
      {"VERNEED", 0x6ffffffe},
      {"VERSYM", 0x6fffffff}};
  auto it = kTypes.find(name);
  return it == kTypes.end() ? 0xdeadbeef : it->second;
}

std::uint32_t SegmentTypeFromReadelf(const std::string& name) {
  static const std::map<std::string, std::uint32_t> kTypes = {
      {"LOAD", 1},
      {"DYNAMIC", 2},
      {"INTERP", 3},
      {"NOTE", 4},
      {"PHDR", 6},
      {"TLS", 7},
      {"GNU_EH_FRAME", 0x6474e550},
      {"GNU_STACK", 0x6474e551},
      {"GNU_RELRO", 0x6474e552},
      {"GNU_PROPERTY", 0x6474e553}};
  if (name.starts_with("LOOS+")) {
    return 0x60000000u + static_cast<std::uint32_t>(*ParseHex(name.substr(5)));
  }
  auto it = kTypes.find(name);
  return it == kTypes.end() ? 0xdeadbeef : it->second;
}

struct ReadelfRelocs {
  std::size_t total = 0;
  std::size_t relative = 0;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> relative_samples;
};

ReadelfRelocs ReadelfRelocations(const std::string& path) {
  ReadelfRelocs r;
  const auto cmd = RunCommand("readelf -rW " + path);
  for (std::string_view line : SplitLines(cmd.out)) {
    auto f = SplitFields(line);
    if (line.starts_with("Relocation section")) {
      // ... contains N entries:
      for (std::size_t i = 0; i + 1 < f.size(); ++i) {
        if (f[i] == "contains") r.total += std::stoul(std::string(f[i + 1]));
      }
      continue;
    }
    if (f.size() == 4 && f[2].ends_with("_RELATIVE")) {
      ++r.relative;
      if (r.relative_samples.size() < 200) {
        r.relative_samples.emplace_back(*ParseHex(f[0]), *ParseHex(f[3]));
      }
    }
  }
  return r;
}

struct ReadelfSymbol {
  std::uint64_t value, size;
  std::string name;
};

// Symbols of the table named `table` ('.symtab') in `readelf -sW` output.
std::vector<ReadelfSymbol> ReadelfSymbols(const std::string& path,
                                          const std::string& table) {
  std::vector<ReadelfSymbol> out;
  const auto cmd = RunCommand("readelf -sW " + path);
  bool in_table = false;
  for (std::string_view line : SplitLines(cmd.out)) {
    if (line.starts_with("Symbol table")) {
      in_table = line.find("'" + table + "'") != std::string_view::npos;
      continue;
    }
    if (!in_table) continue;
    // "   Num:    Value          Size Type    Bind   Vis      Ndx Name"; the
    // name is the rest of the line after Ndx and may contain spaces.
    std::size_t pos = 0;
    std::vector<std::string_view> head;
    while (head.size() < 7 && pos < line.size()) {
      while (pos < line.size() && line[pos] == ' ') ++pos;
      const std::size_t start = pos;
      while (pos < line.size() && line[pos] != ' ') ++pos;
      if (pos > start) head.push_back(line.substr(start, pos - start));
    }
    if (head.size() < 7 || !head[0].ends_with(":") || head[0] == "Num:") {
      continue;
    }
    if (head[0] == "0:") continue;  // the null symbol
    ReadelfSymbol s;
    s.value = *ParseHex(head[1]);
    // Size is decimal, or hex with 0x when large.
    s.size = head[2].starts_with("0x") ? *ParseHex(head[2])
                                       : std::stoull(std::string(head[2]));
    s.name = pos + 1 < line.size() ? std::string(line.substr(pos + 1)) : "";
    out.push_back(s);
  }
  return out;
}

std::optional<std::string> ReadelfInterpreter(const std::string& path) {
  const auto cmd = RunCommand("readelf -lW " + path);
  const std::string key = "[Requesting program interpreter: ";
  const std::size_t p = cmd.out.find(key);
  if (p == std::string::npos) return std::nullopt;
  const std::size_t end = cmd.out.find(']', p);
  return cmd.out.substr(p + key.size(), end - p - key.size());
}

std::vector<std::string> ReadelfNeeded(const std::string& path) {
  std::vector<std::string> out;
  const auto cmd = RunCommand("readelf -dW " + path);
  for (std::string_view line : SplitLines(cmd.out)) {
    if (line.find("(NEEDED)") == std::string_view::npos) continue;
    const std::size_t open = line.find('[');
    const std::size_t close = line.rfind(']');
    out.emplace_back(line.substr(open + 1, close - open - 1));
  }
  return out;
}

std::uint64_t ReadelfEntry(const std::string& path) {
  const auto cmd = RunCommand("readelf -hW " + path);
  for (std::string_view line : SplitLines(cmd.out)) {
    if (line.find("Entry point address:") != std::string_view::npos) {
      return *ParseHex(SplitFields(line).back());
    }
  }
  return ~0ull;
}

// Checks every section, segment, symbol and the entry point against readelf.
void CrossCheckWithReadelf(const std::string& path, const ElfFile& elf) {
  SCOPED_TRACE(path);
  EXPECT_EQ(elf.entry(), ReadelfEntry(path));

  const auto want_sections = ReadelfSections(path);
  ASSERT_FALSE(want_sections.empty());
  ASSERT_EQ(elf.sections().size(), want_sections.size());
  for (const ReadelfSection& w : want_sections) {
    const Section& s = elf.sections()[w.index];
    SCOPED_TRACE(w.name);
    EXPECT_EQ(s.index, w.index);
    EXPECT_EQ(s.name, w.name);
    EXPECT_EQ(s.type, SectionTypeFromReadelf(w.type)) << w.type;
    EXPECT_EQ(s.addr, w.addr);
    EXPECT_EQ(s.offset, w.offset);
    EXPECT_EQ(s.size, w.size);
    EXPECT_EQ((s.flags & kShfWrite) != 0,
              w.flags.find('W') != std::string::npos);
    EXPECT_EQ(s.IsAlloc(), w.flags.find('A') != std::string::npos);
    EXPECT_EQ(s.IsExecutable(), w.flags.find('X') != std::string::npos);
    if (s.type == kShtNobits || s.type == kShtNull) {
      EXPECT_TRUE(s.data.empty());
    } else {
      EXPECT_EQ(s.data.data(), elf.image().data() + w.offset);
      EXPECT_EQ(s.data.size(), w.size);
    }
    // Named lookup finds the first section of that name.
    if (!w.name.empty()) {
      const Section* found = elf.FindSection(w.name);
      ASSERT_NE(found, nullptr);
      EXPECT_EQ(found->name, w.name);
    }
  }

  const auto want_segments = ReadelfSegments(path);
  ASSERT_FALSE(want_segments.empty());
  ASSERT_EQ(elf.segments().size(), want_segments.size());
  for (std::size_t i = 0; i < want_segments.size(); ++i) {
    const ReadelfSegment& w = want_segments[i];
    const Segment& s = elf.segments()[i];
    SCOPED_TRACE(w.type);
    EXPECT_EQ(s.type, SegmentTypeFromReadelf(w.type));
    EXPECT_EQ(s.offset, w.offset);
    EXPECT_EQ(s.vaddr, w.vaddr);
    EXPECT_EQ(s.paddr, w.paddr);
    EXPECT_EQ(s.filesz, w.filesz);
    EXPECT_EQ(s.memsz, w.memsz);
    EXPECT_EQ(s.align, w.align);
    EXPECT_EQ((s.flags & kPfR) != 0, w.flags.find('R') != std::string::npos);
    EXPECT_EQ((s.flags & kPfW) != 0, w.flags.find('W') != std::string::npos);
    EXPECT_EQ((s.flags & kPfX) != 0, w.flags.find('E') != std::string::npos);
  }

  auto syms = elf.Symbols();
  ASSERT_TRUE(syms.has_value()) << syms.error().message;
  const auto want_syms = ReadelfSymbols(path, ".symtab");
  ASSERT_EQ(syms->size(), want_syms.size());
  for (std::size_t i = 0; i < want_syms.size(); ++i) {
    EXPECT_EQ((*syms)[i].name, want_syms[i].name) << i;
    EXPECT_EQ((*syms)[i].value, want_syms[i].value) << want_syms[i].name;
    EXPECT_EQ((*syms)[i].size, want_syms[i].size) << want_syms[i].name;
  }

  EXPECT_EQ(elf.Interpreter().has_value(),
            ReadelfInterpreter(path).has_value());
  if (auto interp = ReadelfInterpreter(path)) {
    EXPECT_EQ(elf.Interpreter().value_or(""), *interp);
  }
  auto needed = elf.Needed();
  ASSERT_TRUE(needed.has_value()) << needed.error().message;
  std::vector<std::string> got_needed(needed->begin(), needed->end());
  EXPECT_EQ(got_needed, ReadelfNeeded(path));
}

// ---------------------------------------------------------------------------
// Fixture tests, one per variant.

class FixtureTest : public ::testing::TestWithParam<const char*> {
 protected:
  void Load(const char* name) {
    path_ = Fixture(name, GetParam());
    ASSERT_TRUE(ReadFile(path_, &bytes_)) << path_;
    auto f = ElfFile::Parse(bytes_);
    ASSERT_TRUE(f.has_value()) << f.error().message;
    elf_.emplace(std::move(*f));
  }
  std::string variant() const { return GetParam(); }

  std::string path_;
  std::vector<std::uint8_t> bytes_;
  std::optional<ElfFile> elf_;
};

TEST_P(FixtureTest, MatchesReadelf) {
  for (const char* name : test_util::kFixtureNames) {
    Load(name);
    CrossCheckWithReadelf(path_, *elf_);
  }
}

TEST_P(FixtureTest, HeaderFacts) {
  Load("hello");
  EXPECT_EQ(elf_->elf_class(), 64);
  EXPECT_EQ(elf_->ptr_size(), 8);
  if (variant() == "arm64") {
    EXPECT_EQ(elf_->machine(), 183);
    EXPECT_EQ(elf_->arch(), Arch::kArm64);
  } else {
    EXPECT_EQ(elf_->machine(), 62);
    EXPECT_EQ(elf_->arch(), Arch::kX86_64);
  }
  EXPECT_EQ(elf_->type(), variant() == "amd64-pie" ? kEtDyn : kEtExec);
  EXPECT_TRUE(elf_->IsExecutableAddress(elf_->entry()));
}

// DynamicImports is DynamicSymbols' undefined entries, in order; and the
// host's libc, which exports ~3000 symbols, imports a handful (from ld.so).
TEST_P(FixtureTest, DynamicImportsAreTheUndefinedSymbols) {
  Load("hello");
  std::vector<std::uint8_t> libc;
  ASSERT_TRUE(ReadFile("/lib/x86_64-linux-gnu/libc.so.6", &libc));
  for (Bytes bytes : {Bytes(bytes_), Bytes(libc)}) {
    auto f = ElfFile::Parse(bytes);
    ASSERT_TRUE(f.has_value());
    auto all = f->DynamicSymbols();
    auto imports = f->DynamicImports();
    ASSERT_TRUE(all.has_value() && imports.has_value());
    std::vector<std::string_view> want, got;
    for (const Symbol& s : *all) {
      if (s.shndx == 0) want.push_back(s.name);
    }
    for (const Symbol& s : *imports) got.push_back(s.name);
    EXPECT_EQ(got, want);
    if (bytes.data() == libc.data()) {
      EXPECT_GT(all->size(), 1000u);
      EXPECT_GT(imports->size(), 0u);
      EXPECT_LT(imports->size(), 100u);
    }
  }
}

TEST_P(FixtureTest, VirtualAddressMapping) {
  Load("httpsrv");
  int checked = 0;
  for (const Section& s : elf_->sections()) {
    if (!s.IsAlloc() || s.size == 0 || s.type == kShtNobits) continue;
    // The file bytes behind the section's address range are the section.
    auto bytes = elf_->ReadVirtual(s.addr, s.size);
    ASSERT_TRUE(bytes.has_value()) << s.name << ": " << bytes.error().message;
    EXPECT_EQ(bytes->data(), s.data.data()) << s.name;
    EXPECT_EQ(elf_->VirtualToFileOffset(s.addr), s.offset) << s.name;
    // Executability is a property of the PT_LOAD segment: code sections are
    // in it, writable and Go metadata sections are not (notes and .interp
    // share the text segment, so they do not tell either way).
    if (s.IsExecutable()) {
      EXPECT_TRUE(elf_->IsExecutableAddress(s.addr)) << s.name;
    }
    if ((s.flags & kShfWrite) != 0 || s.name == ".rodata" ||
        s.name.ends_with("gopclntab")) {
      EXPECT_FALSE(elf_->IsExecutableAddress(s.addr)) << s.name;
    }
    EXPECT_EQ(elf_->FindSectionByAddress(s.addr + s.size - 1), &s) << s.name;
    ++checked;
  }
  EXPECT_GE(checked, 5);

  const Section* bss = elf_->FindSection(".bss");
  ASSERT_NE(bss, nullptr);
  auto in_bss = elf_->ReadVirtual(bss->addr, 8);
  ASSERT_FALSE(in_bss.has_value());
  EXPECT_EQ(in_bss.error().code, ErrorCode::kMalformed);
  EXPECT_THAT(in_bss.error().message, HasSubstr("file-backed part"));
  EXPECT_EQ(elf_->VirtualToFileOffset(bss->addr), std::nullopt);
  EXPECT_FALSE(elf_->IsExecutableAddress(bss->addr));

  auto unmapped = elf_->ReadVirtual(0x10, 8);
  ASSERT_FALSE(unmapped.has_value());
  EXPECT_EQ(unmapped.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(unmapped.error().message, HasSubstr("0x10"));
  // A range that wraps around 2^64 must not be accepted.
  const Section* text = elf_->FindSection(".text");
  ASSERT_NE(text, nullptr);
  EXPECT_FALSE(elf_->ReadVirtual(text->addr, ~0ull).has_value());
}

TEST_P(FixtureTest, SymbolsAndStripping) {
  Load("hello");
  auto syms = elf_->Symbols();
  ASSERT_TRUE(syms.has_value());
  auto main_main = elf_->FindSymbol("main.main");
  ASSERT_TRUE(main_main.has_value());
  if (variant() == "amd64-stripped") {
    EXPECT_EQ(elf_->FindSection(".symtab"), nullptr);
    EXPECT_TRUE(syms->empty());
    EXPECT_FALSE(main_main->has_value());
  } else {
    EXPECT_GT(syms->size(), 1000u);
    ASSERT_TRUE(main_main->has_value());
    EXPECT_EQ((*main_main)->type, kSttFunc);
    EXPECT_TRUE(elf_->IsExecutableAddress((*main_main)->value));
  }
}

TEST_P(FixtureTest, DynamicRelocationsMatchReadelf) {
  for (const char* name : {"hello", "httpsrv"}) {
    Load(name);
    SCOPED_TRACE(path_);
    const ReadelfRelocs want = ReadelfRelocations(path_);
    auto relocs = elf_->DynamicRelocations();
    ASSERT_TRUE(relocs.has_value()) << relocs.error().message;
    EXPECT_EQ(relocs->size(), want.total);
    EXPECT_EQ(elf_->relative_relocation_count(), want.relative);
    if (variant() != "amd64-pie") {
      EXPECT_EQ(want.total, 0u);
      EXPECT_FALSE(elf_->Interpreter().has_value());
      continue;
    }
    EXPECT_GT(want.relative, 1000u);
    EXPECT_EQ(elf_->Interpreter(), "/lib64/ld-linux-x86-64.so.2");
    // ReadPointer gives the relocation's addend, as readelf prints it. Go
    // 1.19's internal linker also leaves the addend in the file; GNU ld (an
    // external link) may leave 0, so also check a copy with the words zeroed.
    ASSERT_FALSE(want.relative_samples.empty());
    std::vector<std::uint8_t> zeroed = bytes_;
    for (const auto& [offset, addend] : want.relative_samples) {
      auto p = elf_->ReadPointer(offset);
      ASSERT_TRUE(p.has_value()) << p.error().message;
      EXPECT_EQ(*p, addend) << std::hex << offset;
      const auto file_off = elf_->VirtualToFileOffset(offset);
      ASSERT_TRUE(file_off.has_value());
      std::memset(zeroed.data() + *file_off, 0, 8);
    }
    auto z = ElfFile::Parse(zeroed);
    ASSERT_TRUE(z.has_value());
    for (const auto& [offset, addend] : want.relative_samples) {
      EXPECT_EQ(LoadLe64(z->ReadVirtual(offset, 8)->data()), 0u);
      auto p = z->ReadPointer(offset);
      ASSERT_TRUE(p.has_value()) << p.error().message;
      EXPECT_EQ(*p, addend) << std::hex << offset;
    }
  }
}

TEST_P(FixtureTest, ReadPointerWithoutRelocationReadsTheWord) {
  Load("hello");
  // .go.buildinfo starts with the 14-byte magic "\xff Go buildinf:".
  const Section* bi = elf_->FindSection(".go.buildinfo");
  ASSERT_NE(bi, nullptr);
  auto p = elf_->ReadPointer(bi->addr);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(*p, LoadLe64(bi->data.data()));
  EXPECT_EQ(*p, 0x697562206f4720ffull);  // "\xff Go bui", little-endian
  EXPECT_FALSE(elf_->ReadPointer(0x10).has_value());
}

INSTANTIATE_TEST_SUITE_P(Variants, FixtureTest,
                         ::testing::ValuesIn(test_util::kFixtureVariants),
                         [](const auto& param_info) {
                           return test_util::VariantTestName(param_info.param);
                         });

// ---------------------------------------------------------------------------
// Malformed inputs, made by mutating a fixture's bytes in memory.

class MalformedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ReadFile(Fixture("hello", "amd64"), &good_));
    auto f = ElfFile::Parse(good_);
    ASSERT_TRUE(f.has_value());
    shoff_ = LoadLe64(good_.data() + 40);
    shnum_ = LoadLe16(good_.data() + 60);
    shstrndx_ = LoadLe16(good_.data() + 62);
  }

  static void Put16(std::vector<std::uint8_t>& b, std::size_t off,
                    std::uint16_t v) {
    std::memcpy(b.data() + off, &v, 2);
  }
  static void Put32(std::vector<std::uint8_t>& b, std::size_t off,
                    std::uint32_t v) {
    std::memcpy(b.data() + off, &v, 4);
  }
  static void Put64(std::vector<std::uint8_t>& b, std::size_t off,
                    std::uint64_t v) {
    std::memcpy(b.data() + off, &v, 8);
  }
  std::size_t Shdr(std::size_t i) const { return shoff_ + i * 64; }

  void ExpectError(const std::vector<std::uint8_t>& bytes, ErrorCode code,
                   const std::string& substr) {
    auto f = ElfFile::Parse(bytes);
    ASSERT_FALSE(f.has_value()) << "expected: " << substr;
    EXPECT_EQ(f.error().code, code) << f.error().message;
    EXPECT_THAT(f.error().message, HasSubstr(substr));
  }

  std::vector<std::uint8_t> good_;
  std::uint64_t shoff_ = 0;
  std::uint16_t shnum_ = 0;
  std::uint16_t shstrndx_ = 0;
};

TEST_F(MalformedTest, EmptyAndNonElf) {
  ExpectError({}, ErrorCode::kMalformed, "not an ELF file (empty input)");
  const std::string script = "#!/bin/sh\necho hi\n";
  ExpectError(std::vector<std::uint8_t>(script.begin(), script.end()),
              ErrorCode::kMalformed, "not an ELF file (magic 23 21 2f 62");
}

TEST_F(MalformedTest, EveryHeaderTruncation) {
  for (std::size_t n = 0; n < 64; ++n) {
    SCOPED_TRACE(n);
    std::vector<std::uint8_t> b(good_.begin(), good_.begin() + n);
    if (n == 0) {
      ExpectError(b, ErrorCode::kMalformed, "empty input");
    } else if (n < 4) {
      ExpectError(b, ErrorCode::kMalformed, "not an ELF file (magic");
    } else if (n < 16) {
      ExpectError(b, ErrorCode::kMalformed,
                  fmt::format("truncated ELF identification: {} bytes", n));
    } else {
      ExpectError(b, ErrorCode::kMalformed,
                  fmt::format("truncated ELF64 header: file is {} bytes, "
                              "header needs 64",
                              n));
    }
  }
}

TEST_F(MalformedTest, TruncatedFileNeverParses) {
  // Every table and section is in bounds only in the full file; a shorter
  // image must fail (on a header table or a section range), never crash.
  for (std::size_t n = 64; n < good_.size();
       n += std::max<std::size_t>(1, good_.size() / 997)) {
    std::vector<std::uint8_t> b(good_.begin(), good_.begin() + n);
    auto f = ElfFile::Parse(b);
    ASSERT_FALSE(f.has_value()) << n;
    EXPECT_EQ(f.error().code, ErrorCode::kMalformed);
    EXPECT_THAT(f.error().message, HasSubstr("past end of file")) << n;
  }
  std::vector<std::uint8_t> b(good_.begin(), good_.end() - 1);
  ExpectError(b, ErrorCode::kMalformed, "past end of file");
}

TEST_F(MalformedTest, IdentFields) {
  auto b = good_;
  b[4] = 0;  // ELFCLASSNONE
  ExpectError(b, ErrorCode::kMalformed, "invalid ELF class 0");
  b = good_;
  b[4] = 3;
  ExpectError(b, ErrorCode::kMalformed, "invalid ELF class 3");
  b = good_;
  b[5] = 2;  // ELFDATA2MSB
  ExpectError(b, ErrorCode::kUnsupported, "big-endian ELF");
  b = good_;
  b[5] = 0;
  ExpectError(b, ErrorCode::kMalformed, "invalid ELF data encoding 0");
  b = good_;
  b[6] = 2;
  ExpectError(b, ErrorCode::kMalformed, "invalid ELF version 2");
}

TEST_F(MalformedTest, HeaderSizes) {
  auto b = good_;
  Put16(b, 52, 60);  // e_ehsize
  ExpectError(b, ErrorCode::kMalformed,
              "e_ehsize 60 does not match the ELF64 header size 64");
  b = good_;
  Put16(b, 54, 32);  // e_phentsize
  ExpectError(b, ErrorCode::kMalformed, "e_phentsize 32 does not match");
  b = good_;
  Put16(b, 58, 40);  // e_shentsize
  ExpectError(b, ErrorCode::kMalformed, "e_shentsize 40 does not match");
}

TEST_F(MalformedTest, ProgramHeaderTableOutOfBounds) {
  auto b = good_;
  Put64(b, 32, b.size() + 8);  // e_phoff past end
  ExpectError(b, ErrorCode::kMalformed,
              fmt::format("program header table: e_phoff {:#x}", b.size() + 8));
  // e_phoff + phnum * phentsize wraps around 2^64.
  b = good_;
  Put64(b, 32, ~0ull - 0x3f);
  ExpectError(b, ErrorCode::kMalformed,
              "e_phoff 0xffffffffffffffc0 + 7 * 56 bytes past end of file");
  // Extended phnum (PN_XNUM) read from section 0's sh_info.
  b = good_;
  Put16(b, 56, 0xffff);
  Put32(b, Shdr(0) + 44, 0x7fffffff);
  ExpectError(b, ErrorCode::kMalformed, "+ 2147483647 * 56 bytes past end");
  // A segment whose file range is past the end.
  b = good_;
  const std::size_t ph0 = LoadLe64(good_.data() + 32);
  Put64(b, ph0 + 56 * 2 + 32, b.size() + 1);  // filesz of the text PT_LOAD
  ExpectError(b, ErrorCode::kMalformed,
              fmt::format("program header 2 (type 0x1): offset 0x0 + filesz "
                          "{:#x} past end of file",
                          b.size() + 1));
  b = good_;
  Put64(b, ph0 + 56 * 2 + 32, 0x81028);  // filesz > memsz
  ExpectError(b, ErrorCode::kMalformed,
              "program header 2 (PT_LOAD): filesz 0x81028 larger than memsz");
}

TEST_F(MalformedTest, SectionHeaderTableOutOfBounds) {
  auto b = good_;
  Put64(b, 40, b.size() + 8);  // e_shoff past end
  ExpectError(b, ErrorCode::kMalformed,
              fmt::format("section header table: e_shoff {:#x} past end of "
                          "file (size {:#x})",
                          b.size() + 8, b.size()));
  // Extended shnum from section 0's sh_size: 2^63 entries must not overflow
  // the size computation.
  b = good_;
  Put16(b, 60, 0);
  Put64(b, Shdr(0) + 32, 1ull << 63);
  ExpectError(b, ErrorCode::kMalformed,
              "+ 9223372036854775808 * 64 bytes past end of file");
}

TEST_F(MalformedTest, SectionDataOutOfBounds) {
  const ElfFile elf = *ElfFile::Parse(good_);
  const Section* pcln = elf.FindSection(".gopclntab");
  ASSERT_NE(pcln, nullptr);
  auto b = good_;
  Put64(b, Shdr(pcln->index) + 32, b.size());
  ExpectError(b, ErrorCode::kMalformed,
              fmt::format("section {} (.gopclntab): offset {:#x} + size {:#x} "
                          "past end of file (size {:#x})",
                          pcln->index, pcln->offset, b.size(), b.size()));
  // offset + size overflowing 2^64.
  b = good_;
  Put64(b, Shdr(pcln->index) + 24, ~0ull - 0xf);
  Put64(b, Shdr(pcln->index) + 32, 0x100);
  ExpectError(b, ErrorCode::kMalformed,
              "(.gopclntab): offset 0xfffffffffffffff0 + size 0x100 past end");
  // SHT_NOBITS sections have no file data, whatever their offset says.
  const Section* bss = elf.FindSection(".bss");
  ASSERT_NE(bss, nullptr);
  b = good_;
  Put64(b, Shdr(bss->index) + 24, ~0ull);
  EXPECT_TRUE(ElfFile::Parse(b).has_value());
}

TEST_F(MalformedTest, BadShstrndxAndNames) {
  auto b = good_;
  Put16(b, 62, shnum_ + 5);
  ExpectError(b, ErrorCode::kMalformed,
              fmt::format("e_shstrndx {} out of range ({} sections)",
                          shnum_ + 5, shnum_));
  b = good_;
  Put32(b, Shdr(1), 0xffffff);  // sh_name of section 1
  ExpectError(b, ErrorCode::kMalformed,
              "section 1: name offset 0xffffff outside the section name "
              "table");
  // shstrtab whose range is past the end.
  b = good_;
  Put64(b, Shdr(shstrndx_) + 32, b.size());
  ExpectError(b, ErrorCode::kMalformed, "section name table (section");
}

TEST_F(MalformedTest, ExtendedNumberingIsHonoured) {
  const ElfFile want = *ElfFile::Parse(good_);
  auto b = good_;
  Put16(b, 62, 0xffff);  // SHN_XINDEX: real index in section 0's sh_link
  Put32(b, Shdr(0) + 40, shstrndx_);
  Put16(b, 60, 0);  // e_shnum 0: real count in section 0's sh_size
  Put64(b, Shdr(0) + 32, shnum_);
  auto f = ElfFile::Parse(b);
  ASSERT_TRUE(f.has_value()) << f.error().message;
  ASSERT_EQ(f->sections().size(), want.sections().size());
  for (std::size_t i = 0; i < want.sections().size(); ++i) {
    EXPECT_EQ(f->sections()[i].name, want.sections()[i].name);
  }
}

TEST_F(MalformedTest, MissingSectionHeaderTableIsFine) {
  auto b = good_;
  Put64(b, 40, 0);  // e_shoff
  Put16(b, 60, 0);  // e_shnum
  Put16(b, 62, 0);  // e_shstrndx
  auto f = ElfFile::Parse(b);
  ASSERT_TRUE(f.has_value()) << f.error().message;
  EXPECT_TRUE(f->sections().empty());
  EXPECT_EQ(f->segments().size(), 7u);
  EXPECT_EQ(f->FindSection(".text"), nullptr);
  EXPECT_TRUE(f->IsExecutableAddress(f->entry()));
  EXPECT_TRUE(f->ReadVirtual(f->entry(), 16).has_value());
  auto syms = f->Symbols();
  ASSERT_TRUE(syms.has_value());
  EXPECT_TRUE(syms->empty());
}

TEST_F(MalformedTest, BrokenSymbolTableIsReportedBySymbols) {
  const ElfFile elf = *ElfFile::Parse(good_);
  const Section* symtab = elf.FindSection(".symtab");
  ASSERT_NE(symtab, nullptr);
  auto b = good_;
  Put32(b, symtab->offset + 24, 0x7fffffff);  // st_name of symbol 1
  auto f = ElfFile::Parse(b);
  ASSERT_TRUE(f.has_value());  // the file is still usable...
  auto syms = f->Symbols();    // ...but its symbol table is not
  ASSERT_FALSE(syms.has_value());
  EXPECT_EQ(syms.error().code, ErrorCode::kMalformed);
  EXPECT_THAT(syms.error().message,
              HasSubstr("(.symtab): symbol 1 name offset 0x7fffffff outside"));
  b = good_;
  Put32(b, Shdr(symtab->index) + 40, 9999);  // sh_link
  f = ElfFile::Parse(b);
  ASSERT_TRUE(f.has_value());
  syms = f->Symbols();
  ASSERT_FALSE(syms.has_value());
  EXPECT_THAT(syms.error().message, HasSubstr("sh_link 9999"));
}

TEST_F(MalformedTest, RandomHeaderFlipsNeverCrash) {
  // Flips in the ELF header, the program headers and the section headers;
  // whatever parses must keep every accessor in bounds.
  std::vector<std::uint8_t> pie;
  ASSERT_TRUE(ReadFile(Fixture("hello", "amd64-pie"), &pie));
  std::mt19937_64 rng(7);
  int parsed = 0, failed = 0;
  for (const std::vector<std::uint8_t>* base : {&good_, &pie}) {
    const std::uint64_t shoff = LoadLe64(base->data() + 40);
    const std::uint64_t shsize = 64ull * LoadLe16(base->data() + 60);
    for (int iter = 0; iter < 1500; ++iter) {
      std::vector<std::uint8_t> b = *base;
      const int flips = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < flips; ++k) {
        const std::uint64_t at =
            rng() % 2 == 0 ? rng() % (64 + 56 * 12) : shoff + rng() % shsize;
        b[at] = static_cast<std::uint8_t>(rng());
      }
      auto f = ElfFile::Parse(b);
      if (!f.has_value()) {
        EXPECT_THAT(f.error().code, ::testing::AnyOf(ErrorCode::kMalformed,
                                                     ErrorCode::kUnsupported));
        ++failed;
        continue;
      }
      ++parsed;
      for (const Section& s : f->sections()) {
        if (!s.data.empty()) {
          ASSERT_GE(s.data.data(), b.data());
          ASSERT_LE(s.data.data() + s.data.size(), b.data() + b.size());
        }
        (void)f->ReadVirtual(s.addr, s.size);
        (void)f->ReadPointer(s.addr);
      }
      (void)f->Symbols();
      (void)f->DynamicSymbols();
      (void)f->Needed();
      (void)f->DynamicRelocations();
      (void)f->RelrOffsets();
      (void)f->Interpreter();
      (void)f->IsExecutableAddress(f->entry());
    }
  }
  EXPECT_GT(failed, 300);
  EXPECT_GT(parsed, 300);
}

TEST(ElfPieTest, BrokenRelocationsAreReportedWhenNeeded) {
  std::vector<std::uint8_t> b;
  ASSERT_TRUE(ReadFile(Fixture("hello", "amd64-pie"), &b));
  const ElfFile good = *ElfFile::Parse(b);
  // Make DT_RELASZ point past the segment: parsing still succeeds, and only
  // ReadPointer() on a word that needed a relocation reports it.
  auto dyn = good.DynamicEntries();
  ASSERT_TRUE(dyn.has_value());
  const Segment* dyn_seg = nullptr;
  for (const Segment& s : good.segments()) {
    if (s.type == kPtDynamic) dyn_seg = &s;
  }
  ASSERT_NE(dyn_seg, nullptr);
  std::size_t i = 0;
  for (; i < dyn->size(); ++i) {
    if ((*dyn)[i].tag == 8) break;  // DT_RELASZ
  }
  ASSERT_LT(i, dyn->size());
  const std::uint64_t off = dyn_seg->offset + i * 16 + 8;
  const std::uint64_t huge = 0x7fffffff;
  std::memcpy(b.data() + off, &huge, 8);
  auto f = ElfFile::Parse(b);
  ASSERT_TRUE(f.has_value()) << f.error().message;
  EXPECT_EQ(f->relative_relocation_count(), 0u);
  auto relocs = f->DynamicRelocations();
  ASSERT_FALSE(relocs.has_value());
  EXPECT_THAT(relocs.error().message, HasSubstr("DT_RELA: virtual range"));
  const ReadelfRelocs want = ReadelfRelocations(Fixture("hello", "amd64-pie"));
  ASSERT_FALSE(want.relative_samples.empty());
  // The word is 0 in the file, as GNU ld leaves it, so only the (unreadable)
  // relocation could give its value.
  const std::uint64_t target = want.relative_samples[0].first;
  std::memset(b.data() + *good.VirtualToFileOffset(target), 0, 8);
  f = ElfFile::Parse(b);
  ASSERT_TRUE(f.has_value());
  auto p = f->ReadPointer(target);
  ASSERT_FALSE(p.has_value());
  EXPECT_THAT(p.error().message, HasSubstr("is 0 in the file"));
}

// ---------------------------------------------------------------------------
// DT_RELR: Debian 12's glibc 2.36 packs libc.so.6's relative relocations.

constexpr const char* kHostLibc = "/lib/x86_64-linux-gnu/libc.so.6";

// The locations readelf (binutils 2.38+ decodes RELR) lists for .relr.dyn.
std::vector<std::uint64_t> ReadelfRelrOffsets(const std::string& path) {
  std::vector<std::uint64_t> out;
  bool in = false;
  const std::string text = RunCommand("readelf -rW " + path).out;  // the lines view it
  for (std::string_view line : SplitLines(text)) {
    if (line.starts_with("Relocation section")) {
      in = line.find(".relr.dyn") != std::string_view::npos;
      continue;
    }
    if (!in) continue;
    const auto fields = SplitFields(line);
    if (fields.size() != 1) continue;
    if (auto v = ParseHex(fields[0])) out.push_back(*v);
  }
  return out;
}

TEST(ElfRelrTest, HostLibcMatchesReadelf) {
  std::vector<std::uint8_t> b;
  if (!ReadFile(kHostLibc, &b)) GTEST_SKIP() << kHostLibc << " not present";
  const std::vector<std::uint64_t> want = ReadelfRelrOffsets(kHostLibc);
  if (want.empty()) GTEST_SKIP() << kHostLibc << " has no .relr.dyn (glibc < 2.36?)";
  auto f = ElfFile::Parse(b);
  ASSERT_TRUE(f.has_value()) << f.error().message;
  auto got = f->RelrOffsets();
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(*got, want);
  // Each location holds a link-time address inside the file's image: the
  // loader adds the bias to it.
  for (std::uint64_t at : *got) {
    auto w = f->ReadPointer(at);
    ASSERT_TRUE(w.has_value()) << std::hex << at;
    EXPECT_NE(f->FindLoadSegment(*w), nullptr) << std::hex << at << " -> " << *w;
  }
  // A Go binary has none.
  std::vector<std::uint8_t> go;
  ASSERT_TRUE(ReadFile(Fixture("hello", "amd64-pie"), &go));
  auto g = ElfFile::Parse(go);
  ASSERT_TRUE(g.has_value());
  EXPECT_THAT(g->RelrOffsets(), ::testing::Optional(::testing::IsEmpty()));
}

TEST(ElfRelrTest, BitmapWithoutAddressIsMalformed) {
  std::vector<std::uint8_t> b;
  if (!ReadFile(kHostLibc, &b)) GTEST_SKIP() << kHostLibc << " not present";
  const ElfFile good = *ElfFile::Parse(b);
  const Section* relr = good.FindSection(".relr.dyn");
  if (relr == nullptr) GTEST_SKIP() << kHostLibc << " has no .relr.dyn";
  // The first entry must be an address (even); make it a bitmap.
  b[relr->offset] |= 1;
  auto f = ElfFile::Parse(b);
  ASSERT_TRUE(f.has_value());
  auto got = f->RelrOffsets();
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, ErrorCode::kMalformed);
  EXPECT_THAT(got.error().message, HasSubstr("DT_RELR: entry at offset 0x0 is a bitmap"));
}

// ---------------------------------------------------------------------------
// ELF32: a small synthetic file (the fixtures are all 64-bit).

class Elf32Builder {
 public:
  // One PT_LOAD mapping the whole file at kBase, sections laid out after the
  // headers; section addr = kBase + offset.
  static constexpr std::uint32_t kBase = 0x10000;

  void AddSection(std::string name, std::uint32_t type, std::uint32_t flags,
                  std::vector<std::uint8_t> data, std::uint32_t link = 0,
                  std::uint32_t entsize = 0) {
    sections_.push_back(
        {std::move(name), type, flags, std::move(data), link, entsize});
  }

  std::vector<std::uint8_t> Build(std::uint16_t machine) const {
    std::vector<std::uint8_t> out(52 + 32, 0);  // ehdr + 1 phdr
    std::string shstrtab(1, '\0');
    std::vector<std::uint32_t> name_offs, offs;
    for (const auto& s : sections_) {
      name_offs.push_back(static_cast<std::uint32_t>(shstrtab.size()));
      shstrtab += s.name + '\0';
    }
    const std::uint32_t shstr_name =
        static_cast<std::uint32_t>(shstrtab.size());
    shstrtab += std::string(".shstrtab") + '\0';
    for (const auto& s : sections_) {
      while (out.size() % 4 != 0) out.push_back(0);
      offs.push_back(static_cast<std::uint32_t>(out.size()));
      out.insert(out.end(), s.data.begin(), s.data.end());
    }
    const std::uint32_t shstr_off = static_cast<std::uint32_t>(out.size());
    out.insert(out.end(), shstrtab.begin(), shstrtab.end());
    while (out.size() % 4 != 0) out.push_back(0);
    const std::uint32_t shoff = static_cast<std::uint32_t>(out.size());
    const std::uint16_t shnum =
        static_cast<std::uint16_t>(sections_.size() + 2);
    out.resize(out.size() + 40 * shnum, 0);
    auto put16 = [&](std::size_t o, std::uint16_t v) {
      std::memcpy(out.data() + o, &v, 2);
    };
    auto put32 = [&](std::size_t o, std::uint32_t v) {
      std::memcpy(out.data() + o, &v, 4);
    };
    const std::uint8_t ident[] = {0x7f, 'E', 'L', 'F', 1, 1, 1};
    std::memcpy(out.data(), ident, sizeof(ident));
    put16(16, 2);  // ET_EXEC
    put16(18, machine);
    put32(20, 1);
    put32(24, kBase + 52 + 32);  // e_entry
    put32(28, 52);               // e_phoff
    put32(32, shoff);
    put16(40, 52);
    put16(42, 32);
    put16(44, 1);
    put16(46, 40);
    put16(48, shnum);
    put16(50, shnum - 1);  // .shstrtab last
    // PT_LOAD RWX over the whole file.
    put32(52 + 0, 1);
    put32(52 + 4, 0);
    put32(52 + 8, kBase);
    put32(52 + 12, kBase);
    put32(52 + 16, static_cast<std::uint32_t>(out.size()));
    put32(52 + 20, static_cast<std::uint32_t>(out.size()) + 0x100);
    put32(52 + 24, 7);
    put32(52 + 28, 0x1000);
    for (std::size_t i = 0; i < sections_.size(); ++i) {
      const std::size_t sh = shoff + 40 * (i + 1);
      const auto& s = sections_[i];
      put32(sh + 0, name_offs[i]);
      put32(sh + 4, s.type);
      put32(sh + 8, s.flags);
      put32(sh + 12, (s.flags & kShfAlloc) ? kBase + offs[i] : 0);
      put32(sh + 16, offs[i]);
      put32(sh + 20, static_cast<std::uint32_t>(s.data.size()));
      put32(sh + 24, s.link);
      put32(sh + 36, s.entsize);
    }
    const std::size_t sh = shoff + 40 * (shnum - 1);
    put32(sh + 0, shstr_name);
    put32(sh + 4, kShtStrtab);
    put32(sh + 16, shstr_off);
    put32(sh + 20, static_cast<std::uint32_t>(shstrtab.size()));
    return out;
  }

  // Section data offsets are only known after Build(); the tests lay out
  // sections so each starts at a 4-aligned offset after the previous one.
 private:
  struct S {
    std::string name;
    std::uint32_t type, flags;
    std::vector<std::uint8_t> data;
    std::uint32_t link, entsize;
  };
  std::vector<S> sections_;
};

std::vector<std::uint8_t> Le32s(std::initializer_list<std::uint32_t> words) {
  std::vector<std::uint8_t> out;
  for (std::uint32_t w : words) {
    for (int i = 0; i < 4; ++i) out.push_back((w >> (8 * i)) & 0xff);
  }
  return out;
}

TEST(Elf32Test, ParsesSyntheticI386File) {
  Elf32Builder b;
  // .text: 16 bytes of code.
  b.AddSection(".text", kShtProgbits, kShfAlloc | kShfExecinstr,
               std::vector<std::uint8_t>(16, 0x90));
  // .strtab + .symtab (16-byte Elf32_Sym: name, value, size, info, other,
  // shndx).
  const std::string strtab = std::string("\0main\0other\0", 12);
  b.AddSection(".strtab", kShtStrtab, 0,
               std::vector<std::uint8_t>(strtab.begin(), strtab.end()));
  std::vector<std::uint8_t> symtab(16, 0);  // null symbol
  auto sym = [&](std::uint32_t name, std::uint32_t value, std::uint32_t size,
                 std::uint8_t info) {
    auto w = Le32s({name, value, size});
    w.push_back(info);
    w.push_back(0);
    w.push_back(1);
    w.push_back(0);
    symtab.insert(symtab.end(), w.begin(), w.end());
  };
  sym(1, Elf32Builder::kBase + 84, 16, 0x12);  // GLOBAL FUNC main
  sym(6, 0x1234, 4, 0x11);                     // GLOBAL OBJECT other
  b.AddSection(".symtab", kShtSymtab, 0, symtab, /*link=*/2, 16);
  // .data: one pointer-sized word 0 and a RELA R_386_RELATIVE that targets
  // it (Elf32_Rela: offset, info, addend). The data section is section 4,
  // at file offset 84 + 16 + 12 + 48 = 160.
  b.AddSection(".data", kShtProgbits, kShfAlloc | kShfWrite, Le32s({0, 7}));
  const std::uint32_t data_addr = Elf32Builder::kBase + 160;
  b.AddSection(".rela.dyn", kShtRela, kShfAlloc,
               Le32s({data_addr, 8, Elf32Builder::kBase + 84}), 0, 12);
  const std::vector<std::uint8_t> image = b.Build(/*EM_386=*/3);

  auto f = ElfFile::Parse(image);
  ASSERT_TRUE(f.has_value()) << f.error().message;
  EXPECT_EQ(f->elf_class(), 32);
  EXPECT_EQ(f->ptr_size(), 4);
  EXPECT_EQ(f->arch(), Arch::kI386);
  EXPECT_EQ(f->entry(), Elf32Builder::kBase + 84);
  ASSERT_EQ(f->sections().size(), 7u);
  const Section* text = f->FindSection(".text");
  ASSERT_NE(text, nullptr);
  EXPECT_EQ(text->offset, 84u);
  EXPECT_EQ(text->addr, Elf32Builder::kBase + 84);
  EXPECT_TRUE(f->IsExecutableAddress(f->entry()));
  auto code = f->ReadVirtual(f->entry(), 16);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ((*code)[0], 0x90);
  const Section* data = f->FindSection(".data");
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->addr, data_addr);
  // Past filesz but inside memsz: the zero-filled tail.
  auto tail = f->ReadVirtual(Elf32Builder::kBase + image.size(), 4);
  ASSERT_FALSE(tail.has_value());
  EXPECT_EQ(tail.error().code, ErrorCode::kMalformed);

  auto syms = f->Symbols();
  ASSERT_TRUE(syms.has_value()) << syms.error().message;
  ASSERT_EQ(syms->size(), 2u);
  EXPECT_EQ((*syms)[0].name, "main");
  EXPECT_EQ((*syms)[0].value, Elf32Builder::kBase + 84);
  EXPECT_EQ((*syms)[0].size, 16u);
  EXPECT_EQ((*syms)[0].type, kSttFunc);
  EXPECT_EQ((*syms)[0].bind, 1);
  EXPECT_EQ((*syms)[1].name, "other");
  EXPECT_EQ((*syms)[1].type, kSttObject);

  auto relocs = f->DynamicRelocations();
  ASSERT_TRUE(relocs.has_value()) << relocs.error().message;
  ASSERT_EQ(relocs->size(), 1u);
  EXPECT_EQ((*relocs)[0].offset, data_addr);
  EXPECT_EQ((*relocs)[0].type, 8u);
  EXPECT_EQ((*relocs)[0].sym, 0u);
  EXPECT_EQ((*relocs)[0].addend, Elf32Builder::kBase + 84);
  EXPECT_EQ(f->relative_relocation_count(), 1u);
  auto p = f->ReadPointer(data_addr);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(*p, Elf32Builder::kBase + 84);
  p = f->ReadPointer(data_addr + 4);  // no relocation: the word itself
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(*p, 7u);

  // Truncated ELF32 header.
  std::vector<std::uint8_t> short_hdr(image.begin(), image.begin() + 51);
  auto bad = ElfFile::Parse(short_hdr);
  ASSERT_FALSE(bad.has_value());
  EXPECT_THAT(bad.error().message,
              HasSubstr("truncated ELF32 header: file is 51 bytes"));
}

// Real ELF32 files: the hello fixture built for 386 and arm.
TEST(Elf32GoTest, MatchesReadelf) {
  for (const char* goarch : {"386", "arm"}) {
    const auto path = test_util::BuildGoProgram(goarch, "hello");
    ASSERT_TRUE(path.has_value()) << "go build GOARCH=" << goarch;
    std::vector<std::uint8_t> bytes;
    ASSERT_TRUE(ReadFile(*path, &bytes));
    auto f = ElfFile::Parse(bytes);
    ASSERT_TRUE(f.has_value()) << f.error().message;
    EXPECT_EQ(f->elf_class(), 32);
    EXPECT_EQ(f->ptr_size(), 4);
    EXPECT_EQ(f->arch(),
              std::string_view(goarch) == "386" ? Arch::kI386 : Arch::kArm);
    CrossCheckWithReadelf(*path, *f);
    EXPECT_TRUE(f->IsExecutableAddress(f->entry()));
  }
}

// ---------------------------------------------------------------------------
// Corpus (opt-in): every binary parses and agrees with readelf and with the
// interp/needed columns of corpus.tsv.

TEST(ElfCorpusTest, EveryBinaryMatchesReadelf) {
  const auto dir = test_util::CorpusDir();
  if (!dir) GTEST_SKIP() << "set G2S_CORPUS_DIR to run the corpus tests";
  const auto rows = test_util::LoadCorpus(*dir);
  ASSERT_FALSE(rows.empty());
  for (const auto& row : rows) {
    const std::string& path = row.at("abs_path");
    SCOPED_TRACE(path);
    std::vector<std::uint8_t> bytes;
    ASSERT_TRUE(ReadFile(path, &bytes));
    auto f = ElfFile::Parse(bytes);
    ASSERT_TRUE(f.has_value()) << f.error().message;
    CrossCheckWithReadelf(path, *f);
    EXPECT_EQ(f->arch(),
              row.at("arch") == "arm64" ? Arch::kArm64 : Arch::kX86_64);
    const std::string& interp = row.at("interp");
    EXPECT_EQ(f->Interpreter().value_or("-"), interp);
    std::string needed;
    auto needed_list = f->Needed();
    ASSERT_TRUE(needed_list.has_value()) << needed_list.error().message;
    for (std::string_view n : *needed_list) {
      needed += (needed.empty() ? "" : ",") + std::string(n);
    }
    EXPECT_EQ(needed.empty() ? "-" : needed, row.at("needed"));
    const ReadelfRelocs want = ReadelfRelocations(path);
    auto relocs = f->DynamicRelocations();
    ASSERT_TRUE(relocs.has_value()) << relocs.error().message;
    EXPECT_EQ(relocs->size(), want.total);
    EXPECT_EQ(f->relative_relocation_count(), want.relative);
  }
}

}  // namespace
}  // namespace go2seccomp::elf
