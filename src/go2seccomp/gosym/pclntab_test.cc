#include "go2seccomp/gosym/pclntab.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "go2seccomp/elf/elf_file.h"
#include "tests/common/files.h"
#include "tests/common/process_util.h"
#include "tests/common/tables.h"

namespace go2seccomp::gosym {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;

// ---------------------------------------------------------------------------
// Independent tools

struct NmFunc {
  std::uint64_t addr, size;
  std::string name;
};

// The name the pclntab carries for an ELF text symbol, per the Go linker:
//  - ABI0 assembly functions get a ".abi0" suffix in the ELF symbol table
//    only (cmd/link/internal/ld/symtab.go mangleABIName, Go 1.17+);
//  - funcnametab stores everything inside the outermost brackets as "..."
//    (cmd/link/internal/ld/pcln.go nameParts, Go 1.18+), so
//    "type..eq.[5]internal/cpu.option" is "type..eq.[...]internal/cpu.option".
// And the other way round, ELF symbol names have "·" rewritten to "."
// ("for ASCII-only tools like DTrace", cmd/link/internal/ld/symtab.go
// putelfsym); see ElfSymbolName.
std::string PclntabName(std::string name) {
  if (name.ends_with(".abi0")) name.resize(name.size() - 5);
  const std::size_t i = name.find('[');
  const std::size_t j = name.rfind(']');
  if (i != std::string::npos && j != std::string::npos && j > i) {
    name = name.substr(0, i) + "[...]" + name.substr(j + 1);
  }
  return name;
}

// `go tool nm -sort address -size` text symbols, without the zero-size
// runtime.text/runtime.etext markers the linker adds around the code.
std::vector<NmFunc> GoToolNmFuncs(const std::string& path) {
  std::vector<NmFunc> out;
  const auto cmd =
      test_util::RunCommand("go tool nm -sort address -size " + path);
  for (std::string_view line : test_util::SplitLines(cmd.out)) {
    const auto f = test_util::SplitFields(line);
    if (f.size() < 4 || (f[2] != "T" && f[2] != "t")) continue;
    // Names may contain spaces ("type..eq.struct { ... }"): take the rest.
    const std::size_t name_at = line.find(f[3]);
    std::string name(line.substr(name_at));
    if (name == "runtime.text" || name == "runtime.etext") continue;
    out.push_back({*test_util::ParseHex(f[0]), std::stoull(std::string(f[1])),
                   PclntabName(std::move(name))});
  }
  return out;
}

std::string ElfSymbolName(std::string_view pclntab_name) {
  std::string out;
  for (std::size_t i = 0; i < pclntab_name.size(); ++i) {
    if (pclntab_name.substr(i).starts_with("\u00b7")) {
      out += '.';
      ++i;  // two bytes in UTF-8
    } else {
      out += pclntab_name[i];
    }
  }
  return out;
}

struct Addr2Line {
  std::string func;
  std::string file;
  int line = 0;
};

// `go tool addr2line BIN` for the given pcs (one answer of two lines each).
std::vector<Addr2Line> GoToolAddr2Line(const std::string& path,
                                       const std::vector<std::uint64_t>& pcs) {
  std::string input;
  for (std::uint64_t pc : pcs) input += fmt::format("{:#x}\n", pc);
  const auto cmd = test_util::RunCommand("go tool addr2line " + path, &input);
  const auto lines = test_util::SplitLines(cmd.out);
  std::vector<Addr2Line> out;
  for (std::size_t i = 0; i + 1 < lines.size(); i += 2) {
    Addr2Line a;
    a.func = std::string(lines[i]);
    const std::string_view fl = lines[i + 1];
    const std::size_t colon = fl.rfind(':');
    a.file = std::string(fl.substr(0, colon));
    a.line = std::stoi(std::string(fl.substr(colon + 1)));
    out.push_back(a);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Fixture tests

struct Loaded {
  std::vector<std::uint8_t> bytes;
  std::optional<elf::ElfFile> elf;
  std::optional<LineTableLocation> loc;
  std::optional<LineTable> table;
};

void Load(const std::string& path, Loaded* out) {
  ASSERT_TRUE(test_util::ReadFile(path, &out->bytes)) << path;
  auto elf = elf::ElfFile::Parse(out->bytes);
  ASSERT_TRUE(elf.has_value()) << elf.error().message;
  out->elf.emplace(std::move(*elf));
  auto loc = FindLineTable(*out->elf);
  ASSERT_TRUE(loc.has_value()) << loc.error().message;
  out->loc = *loc;
  auto tab = LineTable::Parse(loc->bytes, loc->vaddr, loc->file_offset,
                              loc->text_start);
  ASSERT_TRUE(tab.has_value()) << tab.error().message;
  out->table.emplace(std::move(*tab));
}

// A few hundred pcs spread over the table: entries, middles and last
// instructions-ish of evenly chosen functions.
std::vector<std::uint64_t> SamplePcs(const LineTable& t, std::size_t n) {
  std::vector<std::uint64_t> pcs;
  const auto funcs = t.funcs();
  const std::size_t step = std::max<std::size_t>(1, funcs.size() / n);
  for (std::size_t i = 0; i < funcs.size(); i += step) {
    const Func& f = funcs[i];
    const std::uint64_t q = static_cast<std::uint64_t>(t.quantum());
    pcs.push_back(f.entry);
    pcs.push_back(f.entry + ((f.end - f.entry) / 2) / q * q);
    if (f.end - f.entry > q) pcs.push_back(f.end - q);
  }
  return pcs;
}

// Compares LineFor/FindFunc with go tool addr2line on `path`.
void CrossCheckAddr2Line(const std::string& path, const LineTable& t,
                         std::size_t nfuncs) {
  const std::vector<std::uint64_t> pcs = SamplePcs(t, nfuncs);
  const auto want = GoToolAddr2Line(path, pcs);
  ASSERT_EQ(want.size(), pcs.size()) << "go tool addr2line " << path;
  int checked = 0;
  for (std::size_t i = 0; i < pcs.size(); ++i) {
    SCOPED_TRACE(fmt::format("pc {:#x}", pcs[i]));
    const auto idx = t.FindFunc(pcs[i]);
    ASSERT_TRUE(idx.has_value());
    EXPECT_EQ(t.funcs()[*idx].name, want[i].func);
    auto line = t.LineFor(pcs[i]);
    const Func& f = t.funcs()[*idx];
    if (f.pcln == 0 || f.pcfile == 0) {
      // No tables (C functions of an external link). The runtime's pcvalue
      // returns -1 for offset 0; Go 1.19's debug/gosym instead decodes the
      // bytes at the start of pctab and answers a line of some other
      // function, so only our side can be checked.
      ASSERT_FALSE(line.has_value());
      EXPECT_EQ(line.error().code, ErrorCode::kNotFound);
      ++checked;
      continue;
    }
    if (want[i].line == -1 && want[i].file.empty()) {
      // Alignment padding after the function's code: its pc-value tables
      // end before the next entry (addr2line prints ":-1").
      ASSERT_FALSE(line.has_value());
      EXPECT_EQ(line.error().code, ErrorCode::kNotFound);
      ++checked;
      continue;
    }
    ASSERT_TRUE(line.has_value()) << line.error().message;
    EXPECT_EQ(line->file, want[i].file);
    EXPECT_EQ(line->line, want[i].line);
    ++checked;
  }
  EXPECT_GE(checked, 200);
}

class PclntabFixtureTest : public ::testing::TestWithParam<const char*> {
 protected:
  std::string variant() const { return GetParam(); }
};

TEST_P(PclntabFixtureTest, FunctionsMatchGoToolNm) {
  for (const char* name : test_util::kFixtureNames) {
    // The stripped build has no symbols: compare it with the unstripped
    // build of the same source, whose nm output it must share.
    const std::string nm_variant =
        variant() == "amd64-stripped" ? "amd64" : variant();
    const std::string path = test_util::Fixture(name, variant());
    SCOPED_TRACE(path);
    Loaded l;
    Load(path, &l);
    if (HasFatalFailure()) return;
    const auto want = GoToolNmFuncs(test_util::Fixture(name, nm_variant));
    ASSERT_GT(want.size(), 1000u);
    const auto funcs = l.table->funcs();
    ASSERT_EQ(funcs.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      SCOPED_TRACE(want[i].name);
      EXPECT_EQ(ElfSymbolName(funcs[i].name), want[i].name);
      if (variant() != "amd64-stripped") {
        EXPECT_EQ(funcs[i].entry, want[i].addr);
        // Functions are padded to the next entry (alignment), never shorter.
        EXPECT_GE(funcs[i].end - funcs[i].entry, want[i].size);
      }
    }
    if (variant() == "amd64-stripped") {
      std::multiset<std::string> got_names, want_names;
      for (const Func& f : funcs) got_names.insert(ElfSymbolName(f.name));
      for (const NmFunc& f : want) want_names.insert(f.name);
      EXPECT_EQ(got_names, want_names);
    }
  }
}

TEST_P(PclntabFixtureTest, LineForMatchesGoToolAddr2Line) {
  for (const char* name : {"hello", "httpsrv", "rawsys"}) {
    std::string path = test_util::Fixture(name, variant());
    SCOPED_TRACE(path);
    Loaded l;
    Load(path, &l);
    if (HasFatalFailure()) return;
    if (variant() == "amd64-pie") {
      // Go 1.19's objfile only looks for a section named ".gopclntab"; the
      // internal PIE link names it ".data.rel.ro.gopclntab". Hand
      // addr2line a copy whose section name points at the ".gopclntab"
      // tail of that name (same table, same addresses).
      const elf::Section* s = l.elf->FindSection(".data.rel.ro.gopclntab");
      ASSERT_NE(s, nullptr);
      const std::uint64_t shoff = LoadLe64(l.bytes.data() + 40);
      const std::size_t name_field = shoff + 64 * s->index;
      std::vector<std::uint8_t> copy = l.bytes;
      const std::uint32_t name_off = LoadLe32(copy.data() + name_field) + 12;
      std::memcpy(copy.data() + name_field, &name_off, 4);
      path = ::testing::TempDir() + "/g2s_pie_" + name;
      ASSERT_TRUE(test_util::WriteFile(path, copy));
    }
    CrossCheckAddr2Line(path, *l.table, 120);
  }
}

TEST_P(PclntabFixtureTest, LocationAndTextStart) {
  Loaded l;
  Load(test_util::Fixture("hello", variant()), &l);
  if (HasFatalFailure()) return;
  EXPECT_EQ(l.table->version(), PclnVersion::k118);  // Go 1.19
  EXPECT_EQ(l.table->ptr_size(), 8);
  EXPECT_EQ(l.table->quantum(), variant() == "arm64" ? 4 : 1);
  const elf::Section* text = l.elf->FindSection(".text");
  ASSERT_NE(text, nullptr);
  // runtime.text from go tool nm of the unstripped build; internal linking
  // puts it at the start of .text.
  const std::string nm_variant =
      variant() == "amd64-stripped" ? "amd64" : variant();
  const auto nm = test_util::RunCommand(
      "go tool nm " + test_util::Fixture("hello", nm_variant));
  std::optional<std::uint64_t> runtime_text;
  for (std::string_view line : test_util::SplitLines(nm.out)) {
    const auto f = test_util::SplitFields(line);
    if (f.size() == 3 && f[2] == "runtime.text")
      runtime_text = test_util::ParseHex(f[0]);
  }
  ASSERT_TRUE(runtime_text.has_value());
  EXPECT_EQ(l.loc->text_start, *runtime_text);
  EXPECT_EQ(l.table->text_start(), *runtime_text);
  EXPECT_EQ(text->addr, *runtime_text);
  const std::string section =
      variant() == "amd64-pie" ? ".data.rel.ro.gopclntab" : ".gopclntab";
  EXPECT_EQ(l.loc->found_by, section);
  EXPECT_EQ(l.loc->vaddr, l.elf->FindSection(section)->addr);
  EXPECT_EQ(l.table->funcs().back().end, text->addr + text->size);
  // The runtime's own entry points are found by pc and by name.
  const auto main_idx = l.table->FindFuncByName("main.main");
  ASSERT_TRUE(main_idx.has_value());
  const Func& main_fn = l.table->funcs()[*main_idx];
  EXPECT_EQ(l.table->FindFunc(main_fn.entry), main_idx);
  EXPECT_EQ(l.table->FindFunc(main_fn.end - 1), main_idx);
  EXPECT_NE(l.table->FindFunc(main_fn.end), main_idx);
  EXPECT_FALSE(l.table->FindFunc(text->addr - 1).has_value());
  EXPECT_FALSE(l.table->FindFunc(l.table->funcs().back().end).has_value());
  auto none = l.table->LineFor(text->addr - 1);
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
}

TEST_P(PclntabFixtureTest, SpDeltaAtEntryIsZero) {
  Loaded l;
  Load(test_util::Fixture("httpsrv", variant()), &l);
  if (HasFatalFailure()) return;
  int with_frame = 0;
  for (const Func& f : l.table->funcs()) {
    auto sp = l.table->SpDeltaFor(f.entry);
    if (!sp.has_value()) {
      EXPECT_EQ(sp.error().code, ErrorCode::kNotFound) << f.name;
      continue;
    }
    EXPECT_EQ(*sp, 0) << f.name;
    // Where there is a line (not padding), there is an SP delta too.
    const std::uint64_t q = static_cast<std::uint64_t>(l.table->quantum());
    const std::uint64_t pc = f.entry + (f.end - f.entry) / 2 / q * q;
    if (!l.table->LineFor(pc).has_value()) continue;
    auto mid = l.table->SpDeltaFor(pc);
    ASSERT_TRUE(mid.has_value()) << f.name;
    EXPECT_GE(*mid, 0) << f.name;
    if (*mid > 0) ++with_frame;
  }
  EXPECT_GT(with_frame, 100);
}

TEST_P(PclntabFixtureTest, FindsTableByMagicWhenSectionNameIsHidden) {
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(
      test_util::ReadFile(test_util::Fixture("httpsrv", variant()), &bytes));
  const auto orig = elf::ElfFile::Parse(bytes);
  ASSERT_TRUE(orig.has_value());
  auto want = ParseLineTable(*orig);
  ASSERT_TRUE(want.has_value());
  // Rename every "gopclntab" in the section name table to "xopclntab".
  const elf::Section& shstrtab = orig->sections()[LoadLe16(bytes.data() + 62)];
  std::string_view names(reinterpret_cast<const char*>(shstrtab.data.data()),
                         shstrtab.size);
  int renamed = 0;
  for (std::size_t at = names.find("gopclntab"); at != std::string_view::npos;
       at = names.find("gopclntab", at + 1)) {
    bytes[shstrtab.offset + at] = 'x';
    ++renamed;
  }
  ASSERT_GE(renamed, 1);
  const auto hidden = elf::ElfFile::Parse(bytes);
  ASSERT_TRUE(hidden.has_value());
  EXPECT_EQ(hidden->FindSection(".gopclntab"), nullptr);
  EXPECT_EQ(hidden->FindSection(".data.rel.ro.gopclntab"), nullptr);
  auto loc = FindLineTable(*hidden);
  ASSERT_TRUE(loc.has_value()) << loc.error().message;
  EXPECT_EQ(loc->found_by, "magic scan");
  EXPECT_EQ(loc->vaddr, want->table_vaddr());
  EXPECT_EQ(loc->text_start, want->text_start());
  auto got = ParseLineTable(*hidden);
  ASSERT_TRUE(got.has_value()) << got.error().message;
  ASSERT_EQ(got->funcs().size(), want->funcs().size());
  for (std::size_t i = 0; i < want->funcs().size(); ++i) {
    EXPECT_EQ(got->funcs()[i].entry, want->funcs()[i].entry);
    EXPECT_EQ(got->funcs()[i].name, want->funcs()[i].name);
  }
  // What the table provably uses ends inside the real section, and only
  // the last function's pcdata (a few bytes) can lie beyond it.
  const std::uint64_t section_size = want->bytes().size();
  EXPECT_LE(got->UsedSize(), section_size);
  EXPECT_GE(got->UsedSize() + 256, section_size);
  EXPECT_EQ(got->UsedSize(), want->UsedSize());
}

TEST_P(PclntabFixtureTest, NoTableInANonGoElf) {
  // The same binary with every magic occurrence destroyed and the section
  // hidden: kNotFound, not a crash or a false positive.
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(
      test_util::ReadFile(test_util::Fixture("hello", variant()), &bytes));
  const auto orig = elf::ElfFile::Parse(bytes);
  ASSERT_TRUE(orig.has_value());
  const auto loc = FindLineTable(*orig);
  ASSERT_TRUE(loc.has_value());
  bytes[loc->file_offset] = 0;  // magic 0xfffffff0 -> 0xffffff00
  auto f = elf::ElfFile::Parse(bytes);
  ASSERT_TRUE(f.has_value());
  auto bad = FindLineTable(*f);  // the section is still there: bad magic
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kMalformed);
  EXPECT_THAT(bad.error().message, HasSubstr("unknown magic 0xffffff00"));
  const elf::Section& shstrtab = orig->sections()[LoadLe16(bytes.data() + 62)];
  std::string_view names(reinterpret_cast<const char*>(shstrtab.data.data()),
                         shstrtab.size);
  for (std::size_t at = names.find("gopclntab"); at != std::string_view::npos;
       at = names.find("gopclntab", at + 1)) {
    bytes[shstrtab.offset + at] = 'x';
  }
  f = elf::ElfFile::Parse(bytes);
  ASSERT_TRUE(f.has_value());
  auto none = FindLineTable(*f);
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Variants, PclntabFixtureTest,
                         ::testing::ValuesIn(test_util::kFixtureVariants),
                         [](const auto& param_info) {
                           return test_util::VariantTestName(param_info.param);
                         });

// 4-byte pointers in a real table: the hello fixture for 386 and arm.
TEST(Pclntab32Test, MatchesGoTools) {
  for (const char* goarch : {"386", "arm"}) {
    const auto path = test_util::BuildGoProgram(goarch, "hello");
    ASSERT_TRUE(path.has_value()) << "go build GOARCH=" << goarch;
    SCOPED_TRACE(*path);
    Loaded l;
    Load(*path, &l);
    if (HasFatalFailure()) return;
    EXPECT_EQ(l.table->ptr_size(), 4);
    EXPECT_EQ(l.table->quantum(), std::string_view(goarch) == "386" ? 1 : 4);
    const auto want = GoToolNmFuncs(*path);
    ASSERT_EQ(l.table->funcs().size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(ElfSymbolName(l.table->funcs()[i].name), want[i].name);
      EXPECT_EQ(l.table->funcs()[i].entry, want[i].addr);
    }
    CrossCheckAddr2Line(*path, *l.table, 120);
  }
}

// ---------------------------------------------------------------------------
// Synthetic tables in every layout, written by hand from the format
// description (runtime/symtab.go, cmd/link/internal/ld/pcln.go), so each
// version's code path is pinned even though the fixtures are all Go 1.19.

class Writer {
 public:
  explicit Writer(int ptr_size) : ptr_(ptr_size) {}
  std::size_t size() const { return b_.size(); }
  void U8(std::uint8_t v) { b_.push_back(v); }
  void U32(std::uint32_t v) { Le(v, 4); }
  void Word(std::uint64_t v) { Le(v, ptr_); }
  void Bytes(const std::vector<std::uint8_t>& v) {
    b_.insert(b_.end(), v.begin(), v.end());
  }
  void Str(const std::string& s) {
    b_.insert(b_.end(), s.begin(), s.end());
    b_.push_back(0);
  }
  void Align(std::size_t a) {
    while (b_.size() % a != 0) b_.push_back(0);
  }
  void PutU32(std::size_t at, std::uint32_t v) { std::memcpy(&b_[at], &v, 4); }
  void PutWord(std::size_t at, std::uint64_t v) {
    std::memcpy(&b_[at], &v, static_cast<std::size_t>(ptr_));
  }
  std::vector<std::uint8_t> Take() { return std::move(b_); }

 private:
  void Le(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b_.push_back((v >> (8 * i)) & 0xff);
  }
  int ptr_;
  std::vector<std::uint8_t> b_;
};

// A pc-value table: (value, pc length) runs, zig-zag value deltas from -1,
// pc deltas in quanta, then the 0 terminator (cmd/internal/obj pcln.go).
std::vector<std::uint8_t> PcValues(
    std::initializer_list<std::pair<int, std::uint32_t>> runs, int quantum) {
  std::vector<std::uint8_t> out;
  auto varint = [&](std::uint32_t v) {
    while (v >= 0x80) {
      out.push_back(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<std::uint8_t>(v));
  };
  int prev = -1;
  for (const auto& [value, len] : runs) {
    const int d = value - prev;
    varint(static_cast<std::uint32_t>((d << 1) ^ (d >> 31)));
    varint(len / static_cast<std::uint32_t>(quantum));
    prev = value;
  }
  out.push_back(0);
  return out;
}

// Two functions: main.f at 0x1000 (0x20 bytes, a.go lines 10 then 11, SP
// delta 0 then 8 from +4) and main.g at 0x1020 (0x10 bytes, b.go line 20,
// no pcsp table); the functab ends at 0x1030.
constexpr std::uint64_t kTextStart = 0x1000;

struct SynthTable {
  std::vector<std::uint8_t> bytes;
  std::size_t functab_off = 0;  // for mutation tests
  std::size_t first_func_off = 0;
};

SynthTable BuildTable(PclnVersion v, int ptr) {
  const int q = 1;
  Writer w(ptr);
  const bool k12 = v == PclnVersion::k12;
  const bool off18 = v >= PclnVersion::k118;
  const std::uint32_t magic = v == PclnVersion::k12    ? 0xfffffffb
                              : v == PclnVersion::k116 ? 0xfffffffa
                              : v == PclnVersion::k118 ? 0xfffffff0
                                                       : 0xfffffff1;
  // File numbers: Go 1.2 indexes the global filetab from 1; Go 1.16+
  // indexes the compilation unit's slice of cutab from 0.
  const int file_a = k12 ? 1 : 0, file_b = k12 ? 2 : 1;
  const auto f_pcln = PcValues({{10, 0x10}, {11, 0x10}}, q);
  const auto f_pcfile = PcValues({{file_a, 0x20}}, q);
  const auto f_pcsp = PcValues({{0, 4}, {8, 0x1c}}, q);
  const auto g_pcln = PcValues({{20, 0x10}}, q);
  const auto g_pcfile = PcValues({{file_b, 0x10}}, q);
  const std::uint64_t entries[] = {0x1000, 0x1020, 0x1030};

  w.U32(magic);
  w.U8(0);
  w.U8(0);
  w.U8(static_cast<std::uint8_t>(q));
  w.U8(static_cast<std::uint8_t>(ptr));
  SynthTable out;
  const int fs = off18 ? 4 : ptr;
  auto functab_field = [&](std::uint64_t vv) {
    if (fs == 4) {
      w.U32(static_cast<std::uint32_t>(vv));
    } else {
      w.Word(vv);
    }
  };
  // The _func record, in each release's field order.
  struct Offs {
    std::uint32_t name, pcsp, pcfile, pcln;
  };
  auto write_func = [&](std::uint64_t entry, const Offs& o) {
    if (off18) {
      w.U32(static_cast<std::uint32_t>(entry - kTextStart));
    } else {
      w.Word(entry);
    }
    w.U32(o.name);
    w.U32(16);  // args
    w.U32(0);   // deferreturn
    w.U32(o.pcsp);
    w.U32(o.pcfile);
    w.U32(o.pcln);
    w.U32(0);  // npcdata
    if (k12) {
      w.U32(0);  // funcID, pad, nfuncdata
      return;
    }
    w.U32(0);  // cuOffset: one compilation unit starting at cutab[0]
    if (v == PclnVersion::k120) w.U32(0);  // startLine
    w.U32(0);                              // funcID, flag, pad, nfuncdata
  };

  if (k12) {
    w.Word(2);  // nfunc
    out.functab_off = w.size();
    for (int i = 0; i < 5; ++i) w.Word(0);  // patched below
    const std::size_t fileoff_at = w.size();
    w.U32(0);
    w.Align(static_cast<std::size_t>(ptr));
    const std::size_t func_at[2] = {w.size(), 0};
    out.first_func_off = func_at[0];
    // Names and tables go after both records; write records with
    // placeholders and patch.
    write_func(0x1000, {});
    const std::size_t g_at = w.size();
    write_func(0x1020, {});
    const std::uint32_t name_f = static_cast<std::uint32_t>(w.size());
    w.Str("main.f");
    const std::uint32_t name_g = static_cast<std::uint32_t>(w.size());
    w.Str("main.g");
    auto table = [&](const std::vector<std::uint8_t>& t) {
      const std::uint32_t at = static_cast<std::uint32_t>(w.size());
      w.Bytes(t);
      return at;
    };
    const Offs of = {name_f, table(f_pcsp), table(f_pcfile), table(f_pcln)};
    const Offs og = {name_g, 0, table(g_pcfile), table(g_pcln)};
    w.Align(4);
    const std::size_t filetab = w.size();
    w.U32(3);  // nfiletab, counting the unused slot 0
    w.U32(0);
    w.U32(0);
    const std::uint32_t a_go = static_cast<std::uint32_t>(w.size());
    w.Str("a.go");
    const std::uint32_t b_go = static_cast<std::uint32_t>(w.size());
    w.Str("b.go");
    w.PutU32(filetab + 4, a_go);
    w.PutU32(filetab + 8, b_go);
    w.PutU32(fileoff_at, static_cast<std::uint32_t>(filetab));
    std::size_t ft = out.functab_off;
    const std::size_t funcs_at[2] = {func_at[0], g_at};
    for (int i = 0; i < 2; ++i) {
      w.PutWord(ft + static_cast<std::size_t>(2 * i * ptr), entries[i]);
      w.PutWord(ft + static_cast<std::size_t>((2 * i + 1) * ptr), funcs_at[i]);
    }
    w.PutWord(ft + static_cast<std::size_t>(4 * ptr), entries[2]);
    for (int i = 0; i < 2; ++i) {
      const Offs& o = i == 0 ? of : og;
      const std::size_t r = funcs_at[i] + static_cast<std::size_t>(ptr);
      w.PutU32(r + 0, o.name);
      w.PutU32(r + 12, o.pcsp);
      w.PutU32(r + 16, o.pcfile);
      w.PutU32(r + 20, o.pcln);
    }
    out.bytes = w.Take();
    return out;
  }

  // Go 1.16+: header words, then funcnametab, cutab, filetab, pctab,
  // pclntab (functab + _func records) in that order.
  const std::size_t nwords = off18 ? 8 : 7;
  const std::size_t header_words = w.size();
  for (std::size_t i = 0; i < nwords; ++i) w.Word(0);
  const std::size_t funcnametab = w.size();
  w.Str("main.f");
  w.Str("main.g");
  const std::size_t cutab = w.size();
  w.U32(0);  // a.go at filetab+0
  w.U32(5);  // b.go at filetab+5
  const std::size_t filetab = w.size();
  w.Str("a.go");
  w.Str("b.go");
  const std::size_t pctab = w.size();
  w.U8(0);  // offset 0 means "no table"
  auto table = [&](const std::vector<std::uint8_t>& t) {
    const std::uint32_t at = static_cast<std::uint32_t>(w.size() - pctab);
    w.Bytes(t);
    return at;
  };
  const Offs of = {0, table(f_pcsp), table(f_pcfile), table(f_pcln)};
  const Offs og = {7, 0, table(g_pcfile), table(g_pcln)};
  w.Align(static_cast<std::size_t>(ptr));
  const std::size_t pclntab = w.size();
  out.functab_off = pclntab;
  for (int i = 0; i < 5; ++i) functab_field(0);  // patched below
  w.Align(static_cast<std::size_t>(ptr));
  const std::size_t f_at = w.size() - pclntab;
  out.first_func_off = w.size();
  write_func(0x1000, of);
  const std::size_t g_at = w.size() - pclntab;
  write_func(0x1020, og);
  const std::uint64_t funcoffs[2] = {f_at, g_at};
  auto put_field = [&](std::size_t at, std::uint64_t vv) {
    if (fs == 4) {
      w.PutU32(at, static_cast<std::uint32_t>(vv));
    } else {
      w.PutWord(at, vv);
    }
  };
  for (int i = 0; i < 2; ++i) {
    put_field(pclntab + static_cast<std::size_t>(2 * i * fs),
              off18 ? entries[i] - kTextStart : entries[i]);
    put_field(pclntab + static_cast<std::size_t>((2 * i + 1) * fs),
              funcoffs[i]);
  }
  put_field(pclntab + static_cast<std::size_t>(4 * fs),
            off18 ? entries[2] - kTextStart : entries[2]);
  std::vector<std::uint64_t> words = {2, 2};  // nfunc, nfiles
  if (off18) words.push_back(kTextStart);
  for (std::size_t o : {funcnametab, cutab, filetab, pctab, pclntab}) {
    words.push_back(o);
  }
  for (std::size_t i = 0; i < words.size(); ++i) {
    w.PutWord(header_words + i * static_cast<std::size_t>(ptr), words[i]);
  }
  out.bytes = w.Take();
  return out;
}

struct LayoutCase {
  PclnVersion version;
  int ptr;
};

class PclntabSyntheticTest : public ::testing::TestWithParam<LayoutCase> {};

TEST_P(PclntabSyntheticTest, ParsesFunctionsLinesAndSp) {
  const SynthTable st = BuildTable(GetParam().version, GetParam().ptr);
  auto t = LineTable::Parse(st.bytes, 0x9000, 0x8000, std::nullopt);
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(t->version(), GetParam().version);
  EXPECT_EQ(t->ptr_size(), GetParam().ptr);
  EXPECT_EQ(t->quantum(), 1);
  EXPECT_EQ(t->text_start(), kTextStart);
  ASSERT_EQ(t->funcs().size(), 2u);
  EXPECT_EQ(t->funcs()[0].name, "main.f");
  EXPECT_EQ(t->funcs()[0].entry, 0x1000u);
  EXPECT_EQ(t->funcs()[0].end, 0x1020u);
  EXPECT_EQ(t->funcs()[0].args, 16u);
  EXPECT_EQ(t->funcs()[1].name, "main.g");
  EXPECT_EQ(t->funcs()[1].entry, 0x1020u);
  EXPECT_EQ(t->funcs()[1].end, 0x1030u);

  EXPECT_EQ(t->FindFunc(0xfff), std::nullopt);
  EXPECT_EQ(t->FindFunc(0x1000), 0u);
  EXPECT_EQ(t->FindFunc(0x101f), 0u);
  EXPECT_EQ(t->FindFunc(0x1020), 1u);
  EXPECT_EQ(t->FindFunc(0x102f), 1u);
  EXPECT_EQ(t->FindFunc(0x1030), std::nullopt);
  EXPECT_EQ(t->FindFuncByName("main.g"), 1u);
  EXPECT_EQ(t->FindFuncByName("main.h"), std::nullopt);

  struct Want {
    std::uint64_t pc;
    const char* file;
    int line;
  };
  for (const Want& want :
       {Want{0x1000, "a.go", 10}, Want{0x100f, "a.go", 10},
        Want{0x1010, "a.go", 11}, Want{0x101f, "a.go", 11},
        Want{0x1020, "b.go", 20}, Want{0x102f, "b.go", 20}}) {
    auto l = t->LineFor(want.pc);
    ASSERT_TRUE(l.has_value()) << std::hex << want.pc << l.error().message;
    EXPECT_EQ(l->file, want.file) << std::hex << want.pc;
    EXPECT_EQ(l->line, want.line) << std::hex << want.pc;
  }
  auto outside = t->LineFor(0x1030);
  ASSERT_FALSE(outside.has_value());
  EXPECT_EQ(outside.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(outside.error().message, HasSubstr("pc 0x1030"));

  EXPECT_EQ(t->SpDeltaFor(0x1000).value_or(-1), 0);
  EXPECT_EQ(t->SpDeltaFor(0x1003).value_or(-1), 0);
  EXPECT_EQ(t->SpDeltaFor(0x1004).value_or(-1), 8);
  EXPECT_EQ(t->SpDeltaFor(0x101f).value_or(-1), 8);
  auto no_sp = t->SpDeltaFor(0x1020);  // main.g has no pcsp table
  ASSERT_FALSE(no_sp.has_value());
  EXPECT_EQ(no_sp.error().code, ErrorCode::kNotFound);
}

TEST_P(PclntabSyntheticTest, TextStartOverridesHeaderFrom118) {
  const SynthTable st = BuildTable(GetParam().version, GetParam().ptr);
  // A caller-supplied text start (runtime.text with cgo) moves 1.18+
  // entries; older tables hold absolute pcs and ignore it.
  auto t = LineTable::Parse(st.bytes, 0, 0, 0x5000);
  ASSERT_TRUE(t.has_value()) << t.error().message;
  const bool offsets = GetParam().version >= PclnVersion::k118;
  EXPECT_EQ(t->funcs()[0].entry, offsets ? 0x5000u : 0x1000u);
  EXPECT_EQ(t->funcs()[1].end, offsets ? 0x5030u : 0x1030u);
  EXPECT_EQ(t->text_start(), offsets ? 0x5000u : 0x1000u);
}

TEST_P(PclntabSyntheticTest, EveryTruncationFails) {
  const SynthTable st = BuildTable(GetParam().version, GetParam().ptr);
  for (std::size_t n = 0; n < st.bytes.size(); ++n) {
    Bytes cut(st.bytes.data(), n);
    auto t = LineTable::Parse(cut, 0, 0x100, std::nullopt);
    if (!t.has_value()) {
      EXPECT_EQ(t.error().code, ErrorCode::kMalformed) << n;
      EXPECT_THAT(t.error().message, HasSubstr("pclntab")) << n;
      if (n < 8) {
        EXPECT_THAT(t.error().message, HasSubstr("truncated header")) << n;
      }
      continue;
    }
    // Only the tail (pc-value tables, file names) can be cut without the
    // header noticing; then the lookups must fail cleanly instead.
    for (std::uint64_t pc = 0x1000; pc < 0x1030; ++pc) {
      auto l = t->LineFor(pc);
      if (!l) {
        EXPECT_THAT(l.error().code,
                    AnyOf(ErrorCode::kMalformed, ErrorCode::kNotFound));
      }
      (void)t->SpDeltaFor(pc);
    }
  }
}

TEST_P(PclntabSyntheticTest, HeaderWordsTruncatedOneByOne) {
  const SynthTable st = BuildTable(GetParam().version, GetParam().ptr);
  const int ptr = GetParam().ptr;
  const PclnVersion v = GetParam().version;
  const std::size_t nwords = v == PclnVersion::k12    ? 1
                             : v == PclnVersion::k116 ? 7
                                                      : 8;
  const char* names116[] = {"nfunc",     "nfiles",        "funcnameOffset",
                            "cuOffset",  "filetabOffset", "pctabOffset",
                            "pclnOffset"};
  const char* names118[] = {"nfunc",          "nfiles",    "textStart",
                            "funcnameOffset", "cuOffset",  "filetabOffset",
                            "pctabOffset",    "pclnOffset"};
  for (std::size_t word = 0; word < nwords; ++word) {
    const std::size_t n = 8 + word * static_cast<std::size_t>(ptr);
    auto t =
        LineTable::Parse(Bytes(st.bytes.data(), n), 0, 0x100, std::nullopt);
    ASSERT_FALSE(t.has_value()) << word;
    const char* name = v == PclnVersion::k12    ? "nfunc"
                       : v == PclnVersion::k116 ? names116[word]
                                                : names118[word];
    EXPECT_THAT(t.error().message,
                HasSubstr(fmt::format("header word {} ({}) at offset {:#x} "
                                      "(file offset {:#x}) is past the end",
                                      word, name, n, 0x100 + n)));
  }
}

TEST_P(PclntabSyntheticTest, LyingOffsets) {
  const PclnVersion v = GetParam().version;
  const int ptr = GetParam().ptr;
  const SynthTable good = BuildTable(v, ptr);
  auto expect = [&](std::vector<std::uint8_t> b, const std::string& substr) {
    auto t = LineTable::Parse(b, 0, 0x40, std::nullopt);
    ASSERT_FALSE(t.has_value()) << substr;
    EXPECT_EQ(t.error().code, ErrorCode::kMalformed);
    EXPECT_THAT(t.error().message, HasSubstr(substr));
  };
  auto put_word = [&](std::vector<std::uint8_t>& b, std::size_t at,
                      std::uint64_t val) {
    std::memcpy(&b[at], &val, static_cast<std::size_t>(ptr));
  };
  const std::uint64_t huge = ptr == 8 ? 0x7fffffffffffffffull : 0x7fffffffu;
  auto b = good.bytes;
  put_word(b, 8, huge);  // nfunc
  expect(b, fmt::format("nfunc {} needs a functab", huge));
  if (v != PclnVersion::k12) {
    const std::size_t first = v == PclnVersion::k116 ? 2 : 3;
    const char* names[] = {"funcnameOffset", "cuOffset", "filetabOffset",
                           "pctabOffset", "pclnOffset"};
    for (std::size_t i = 0; i < 5; ++i) {
      b = good.bytes;
      const std::uint64_t past = b.size() + 1;
      put_word(b, 8 + (first + i) * static_cast<std::size_t>(ptr), past);
      expect(b, fmt::format("{} {:#x} (header word {}) is past the end of "
                            "the table (size {:#x}",
                            names[i], past, first + i, b.size()));
    }
  }
  // The first function's _func offset past the end of funcdata.
  const int fs = v >= PclnVersion::k118 ? 4 : ptr;
  b = good.bytes;
  std::memset(&b[good.functab_off + static_cast<std::size_t>(fs)], 0xff,
              static_cast<std::size_t>(fs));
  expect(b, "function 0 (pc 0x1000): _func offset 0x");
  // Its name offset past funcnametab.
  b = good.bytes;
  std::memset(&b[good.first_func_off + static_cast<std::size_t>(fs)], 0xff, 4);
  expect(b,
         "function 0 (pc 0x1000): name offset 0xffffffff is past the end "
         "of funcnametab");
  // A functab entry that goes backwards: entry 0 moved past entry 1.
  b = good.bytes;
  const std::uint64_t late = v >= PclnVersion::k118 ? 0x25 : 0x1025;
  std::memcpy(&b[good.functab_off], &late, static_cast<std::size_t>(fs));
  expect(b, "functab entry 1 pc 0x1020 is below entry 0 pc 0x1025");
  // _func.entry disagreeing with the functab.
  b = good.bytes;
  b[good.first_func_off] ^= 0x40;
  expect(b, "does not match functab entry 0x1000");
  // Prefix checks.
  b = good.bytes;
  b[4] = 1;
  expect(b, "pad bytes 0x1 0x0 are not zero");
  b = good.bytes;
  b[6] = 3;
  expect(b, "pc quantum 3 is not 1, 2 or 4");
  b = good.bytes;
  b[7] = 5;
  expect(b, "pointer size 5 is not 4 or 8");
  b = good.bytes;
  b[0] = 0x12;
  expect(b, "unknown magic 0xffffff12");
  b = good.bytes;
  std::reverse(b.begin(), b.begin() + 4);  // big-endian magic
  auto be = LineTable::Parse(b, 0, 0, std::nullopt);
  ASSERT_FALSE(be.has_value());
  EXPECT_EQ(be.error().code, ErrorCode::kUnsupported);
  EXPECT_THAT(be.error().message, HasSubstr("big-endian"));
}

TEST_P(PclntabSyntheticTest, LyingLookupTables) {
  const PclnVersion v = GetParam().version;
  const int ptr = GetParam().ptr;
  const SynthTable good = BuildTable(v, ptr);
  const int fs = v >= PclnVersion::k118 ? 4 : ptr;
  auto parse = [&](const std::vector<std::uint8_t>& b) {
    auto t = LineTable::Parse(b, 0, 0, std::nullopt);
    EXPECT_TRUE(t.has_value()) << t.error().message;
    return t;
  };
  // _func.pcln past pctab: parsing succeeds (tables are read lazily), the
  // lookup reports it.
  auto b = good.bytes;
  const std::size_t pcln_field =
      good.first_func_off + static_cast<std::size_t>(fs) + 20;
  std::memset(&b[pcln_field], 0xff, 4);
  auto t = parse(b);
  ASSERT_TRUE(t.has_value());
  auto l = t->LineFor(0x1000);
  ASSERT_FALSE(l.has_value());
  EXPECT_EQ(l.error().code, ErrorCode::kMalformed);
  EXPECT_THAT(l.error().message,
              HasSubstr("pcln offset 0xffffffff is past the end of pctab"));
  if (v != PclnVersion::k12) {
    // cuOffset past cutab.
    b = good.bytes;
    std::memset(&b[good.first_func_off + static_cast<std::size_t>(fs) + 28],
                0x7f, 1);
    t = parse(b);
    ASSERT_TRUE(t.has_value());
    l = t->LineFor(0x1000);
    ASSERT_FALSE(l.has_value());
    EXPECT_EQ(l.error().code, ErrorCode::kMalformed);
    EXPECT_THAT(l.error().message, HasSubstr("cutab index 127"));
  }
}

std::string LayoutTestName(const ::testing::TestParamInfo<LayoutCase>& p) {
  static constexpr const char* kNames[] = {"go12", "go116", "go118", "go120"};
  return fmt::format("{}_ptr{}", kNames[static_cast<int>(p.param.version)],
                     p.param.ptr);
}

INSTANTIATE_TEST_SUITE_P(Layouts, PclntabSyntheticTest,
                         ::testing::Values(LayoutCase{PclnVersion::k12, 8},
                                           LayoutCase{PclnVersion::k12, 4},
                                           LayoutCase{PclnVersion::k116, 8},
                                           LayoutCase{PclnVersion::k116, 4},
                                           LayoutCase{PclnVersion::k118, 8},
                                           LayoutCase{PclnVersion::k120, 8},
                                           LayoutCase{PclnVersion::k120, 4}),
                         LayoutTestName);

TEST(PclnVersionTest, MagicNumbers) {
  EXPECT_EQ(PclnVersionFromMagic(0xfffffffb), PclnVersion::k12);
  EXPECT_EQ(PclnVersionFromMagic(0xfffffffa), PclnVersion::k116);
  EXPECT_EQ(PclnVersionFromMagic(0xfffffff0), PclnVersion::k118);
  EXPECT_EQ(PclnVersionFromMagic(0xfffffff1), PclnVersion::k120);
  EXPECT_EQ(PclnVersionFromMagic(0xfffffff2), std::nullopt);
  EXPECT_EQ(PclnVersionName(PclnVersion::k120), "go1.20+");
}

// ---------------------------------------------------------------------------
// Corruption of a real table: random byte flips in the header, functab and
// first records must give an error or a table whose lookups stay in bounds.

TEST(RealTableCorruptionTest, TruncatedAtEveryHeaderWord) {
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(
      test_util::ReadFile(test_util::Fixture("hello", "arm64"), &bytes));
  const auto elf = elf::ElfFile::Parse(bytes);
  ASSERT_TRUE(elf.has_value());
  const auto loc = FindLineTable(*elf);
  ASSERT_TRUE(loc.has_value());
  const char* names[] = {"nfunc",          "nfiles",    "textStart",
                         "funcnameOffset", "cuOffset",  "filetabOffset",
                         "pctabOffset",    "pclnOffset"};
  for (std::size_t n = 0; n < 8 + 8 * 8; ++n) {
    auto t = LineTable::Parse(loc->bytes.first(n), loc->vaddr, loc->file_offset,
                              loc->text_start);
    ASSERT_FALSE(t.has_value()) << n;
    EXPECT_EQ(t.error().code, ErrorCode::kMalformed);
    if (n < 8) {
      EXPECT_THAT(t.error().message, HasSubstr("truncated header")) << n;
    } else {
      const std::size_t word = (n - 8) / 8;
      EXPECT_THAT(t.error().message,
                  HasSubstr(fmt::format("header word {} ({}) at offset {:#x} "
                                        "(file offset {:#x})",
                                        word, names[word], 8 + 8 * word,
                                        loc->file_offset + 8 + 8 * word)))
          << n;
    }
  }
  // Cut just after the header: the functab and records are gone.
  auto t = LineTable::Parse(loc->bytes.first(8 + 8 * 8), loc->vaddr,
                            loc->file_offset, loc->text_start);
  ASSERT_FALSE(t.has_value());
  EXPECT_THAT(t.error().message, HasSubstr("is past the end of the table"));
}

TEST(RealTableCorruptionTest, RandomFlipsNeverCrash) {
  std::vector<std::uint8_t> bytes;
  ASSERT_TRUE(
      test_util::ReadFile(test_util::Fixture("hello", "amd64"), &bytes));
  const auto elf = elf::ElfFile::Parse(bytes);
  ASSERT_TRUE(elf.has_value());
  const auto loc = FindLineTable(*elf);
  ASSERT_TRUE(loc.has_value());
  const std::vector<std::uint8_t> table(loc->bytes.begin(), loc->bytes.end());
  std::mt19937_64 rng(20240601);
  const std::size_t hot = std::min<std::size_t>(table.size(), 4096);
  int parsed = 0, failed = 0;
  for (int iter = 0; iter < 1500; ++iter) {
    std::vector<std::uint8_t> b = table;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) {
      // Mostly the header and functab, sometimes anywhere.
      const std::size_t at = (rng() % 4 == 0) ? rng() % b.size() : rng() % hot;
      b[at] = static_cast<std::uint8_t>(rng());
    }
    auto t = LineTable::Parse(b, loc->vaddr, loc->file_offset, loc->text_start);
    if (!t.has_value()) {
      EXPECT_EQ(t.error().code, ErrorCode::kMalformed) << t.error().message;
      ++failed;
      continue;
    }
    ++parsed;
    for (std::size_t i = 0; i < t->funcs().size(); i += 97) {
      (void)t->LineFor(t->funcs()[i].entry);
      (void)t->SpDeltaFor(t->funcs()[i].entry);
    }
  }
  EXPECT_GT(failed, 50);
  EXPECT_GT(parsed, 50);
}

// ---------------------------------------------------------------------------
// Corpus (opt-in): every binary of corpus.tsv.

TEST(PclntabCorpusTest, EveryBinary) {
  const auto dir = test_util::CorpusDir();
  if (!dir) GTEST_SKIP() << "set G2S_CORPUS_DIR to run the corpus tests";
  const auto rows = test_util::LoadCorpus(*dir);
  ASSERT_FALSE(rows.empty());
  const std::map<std::string, PclnVersion> magic_column = {
      {"0xfffffffb(go1.2-1.15)", PclnVersion::k12},
      {"0xfffffffa(go1.16-1.17)", PclnVersion::k116},
      {"0xfffffff0(go1.18-1.19)", PclnVersion::k118},
      {"0xfffffff1(go1.20+)", PclnVersion::k120}};
  for (const auto& row : rows) {
    const std::string& path = row.at("abs_path");
    SCOPED_TRACE(path + " " + row.at("go_version"));
    Loaded l;
    Load(path, &l);
    if (HasFatalFailure()) return;
    ASSERT_TRUE(magic_column.contains(row.at("pclntab_magic")));
    EXPECT_EQ(l.table->version(), magic_column.at(row.at("pclntab_magic")));
    EXPECT_EQ(l.loc->found_by, row.at("pclntab_section"));
    EXPECT_GT(l.table->funcs().size(), 2000u);
    const auto runtime_main = l.table->FindFuncByName("runtime.main");
    ASSERT_TRUE(runtime_main.has_value());
    // Independent evidence that entries (and 1.18+ text_start, which
    // external links move past C start-up code) are right: runtime.main's
    // first bytes are Go's stack-check prologue (cmd/internal/obj/x86 and
    // arm64 stacksplit): amd64 "CMPQ SP, 16(R14)" (49 3b 66 10) or, with a
    // big frame, "LEAQ -n(SP), R12" (4c 8d 64 24, or 4c 8d a4 24 with a
    // 32-bit displacement); before the register ABI
    // (Go < 1.17) "MOVQ FS:-8, CX" (64 48 8b 0c 25 f8 ff ff ff); arm64
    // "MOVD 16(g), Rn" (ldr xN, [x28, #16]).
    const Func& rm = l.table->funcs()[*runtime_main];
    auto code = l.elf->ReadVirtual(rm.entry, 9);
    ASSERT_TRUE(code.has_value());
    const std::uint32_t insn = LoadLe32(code->data());
    if (row.at("arch") == "arm64") {
      EXPECT_EQ(insn & 0xffffffe0u, 0xf9400b80u) << std::hex << insn;
    } else {
      const bool regabi =
          insn == 0x10663b49u || insn == 0x24648d4cu || insn == 0x24a48d4cu;
      const bool stackguard_in_tls = std::equal(
          code->begin(), code->end(),
          std::begin({0x64, 0x48, 0x8b, 0x0c, 0x25, 0xf8, 0xff, 0xff, 0xff}));
      EXPECT_TRUE(regabi || stackguard_in_tls) << std::hex << insn;
    }
    auto main_line = l.table->LineFor(rm.entry);
    ASSERT_TRUE(main_line.has_value()) << main_line.error().message;
    EXPECT_TRUE(main_line->file.ends_with("runtime/proc.go"))
        << main_line->file;
    // The syscall entry points analysis keys on, per Go release (see the
    // report): syscall.Syscall/RawSyscall everywhere; the runtime's own
    // Syscall6 moved from runtime/internal/syscall (1.19-1.22) to
    // internal/runtime/syscall (1.23-1.25) to
    // internal/runtime/syscall/linux (1.26).
    EXPECT_TRUE(l.table->FindFuncByName("syscall.Syscall").has_value());
    EXPECT_TRUE(l.table->FindFuncByName("syscall.RawSyscall").has_value());
    const auto gv = row.at("go_version");
    const int minor = std::stoi(gv.substr(4));
    const char* runtime_syscall6 =
        minor >= 26   ? "internal/runtime/syscall/linux.Syscall6"
        : minor >= 23 ? "internal/runtime/syscall.Syscall6"
        : minor >= 19 ? "runtime/internal/syscall.Syscall6"
                      : nullptr;
    if (runtime_syscall6 != nullptr) {
      EXPECT_TRUE(l.table->FindFuncByName(runtime_syscall6).has_value())
          << runtime_syscall6;
    }
    std::uint64_t prev = 0;
    std::size_t i = 0;
    for (const Func& f : l.table->funcs()) {
      if (i++ > 0) {
        ASSERT_GT(f.entry, prev) << f.name;
      }
      prev = f.entry;
      ASSERT_TRUE(l.elf->IsExecutableAddress(f.entry)) << f.name;
      ASSERT_GE(f.end, f.entry);
    }
    // Without the section name, the magic scan finds the same table.
    std::vector<std::uint8_t> hidden = l.bytes;
    const elf::Section* sec = l.elf->FindSection(".gopclntab");
    ASSERT_NE(sec, nullptr);
    const std::uint64_t shdr =
        LoadLe64(hidden.data() + 40) + 64ull * sec->index;
    const elf::Section& names = l.elf->sections()[LoadLe16(hidden.data() + 62)];
    hidden[names.offset + LoadLe32(hidden.data() + shdr) + 1] = 'x';
    auto hidden_elf = elf::ElfFile::Parse(hidden);
    ASSERT_TRUE(hidden_elf.has_value());
    auto scanned = FindLineTable(*hidden_elf);
    ASSERT_TRUE(scanned.has_value()) << scanned.error().message;
    EXPECT_EQ(scanned->found_by, "magic scan");
    EXPECT_EQ(scanned->vaddr, l.loc->vaddr);
    EXPECT_EQ(scanned->text_start, l.loc->text_start);

    // Go 1.19's addr2line reads tables up to the 1.18 layout, and puts
    // 1.18+ entries at the start of .text, which is wrong for external
    // links (C start-up code comes first): compare only where it is right.
    const bool addr2line_ok =
        l.table->version() != PclnVersion::k120 &&
        (l.table->version() != PclnVersion::k118 ||
         l.elf->FindSection(".text")->addr == l.table->text_start());
    if (addr2line_ok) CrossCheckAddr2Line(path, *l.table, 100);
  }
}

}  // namespace
}  // namespace go2seccomp::gosym
