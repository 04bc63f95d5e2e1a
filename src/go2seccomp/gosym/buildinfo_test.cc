#include "go2seccomp/gosym/buildinfo.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "go2seccomp/elf/elf_file.h"
#include "tests/common/files.h"
#include "tests/common/process_util.h"
#include "tests/common/tables.h"

namespace go2seccomp::gosym {
namespace {

using ::testing::HasSubstr;

// `go version -m BIN`: the first line "BIN: go1.19.8", then the build info
// lines, tab-indented, as runtime/debug.BuildInfo.String prints them.
struct GoVersionM {
  std::string go_version;
  std::vector<std::string> lines;  // without the leading tab
};

GoVersionM RunGoVersionM(const std::string& path) {
  GoVersionM out;
  const auto cmd = test_util::RunCommand("go version -m " + path);
  for (std::string_view line : test_util::SplitLines(cmd.out)) {
    if (line.starts_with("\t")) {
      out.lines.emplace_back(line.substr(1));
    } else if (const std::size_t colon = line.rfind(": ");
               colon != std::string_view::npos) {
      out.go_version = std::string(line.substr(colon + 2));
    }
  }
  return out;
}

// How BuildInfo.String prints a setting (runtime/debug/mod.go, Go 1.18+):
// the value is strconv.Quote'd when it has a space, tab, CR, LF, quote or
// backquote.
std::string QuoteValue(const std::string& v) {
  if (v.find_first_of(" \t\r\n\"`") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Our BuildInfo rendered the way `go version -m` prints it.
std::vector<std::string> Render(const BuildInfo& bi) {
  std::vector<std::string> out;
  if (!bi.path.empty()) out.push_back("path\t" + bi.path);
  auto mod = [&](const char* kind, const Module& m) {
    out.push_back(
        fmt::format("{}\t{}\t{}\t{}", kind, m.path, m.version, m.sum));
    if (m.replace) {
      out.push_back(fmt::format("=>\t{}\t{}\t{}", m.replace->path,
                                m.replace->version, m.replace->sum));
    }
  };
  if (!bi.main.path.empty()) mod("mod", bi.main);
  for (const Module& d : bi.deps) mod("dep", d);
  for (const auto& [k, v] : bi.settings) {
    out.push_back("build\t" + k + "=" + QuoteValue(v));
  }
  return out;
}

void CrossCheckGoVersionM(const std::string& path, const BuildInfo& bi) {
  const GoVersionM want = RunGoVersionM(path);
  ASSERT_FALSE(want.go_version.empty()) << path;
  EXPECT_EQ(bi.go_version, want.go_version);
  // go version -m trims trailing tabs of lines with an empty sum.
  std::vector<std::string> got = Render(bi);
  for (std::string& l : got) {
    while (!l.empty() && l.back() == '\t') l.pop_back();
  }
  std::vector<std::string> expected = want.lines;
  for (std::string& l : expected) {
    while (!l.empty() && l.back() == '\t') l.pop_back();
  }
  EXPECT_EQ(got, expected);
}

struct Loaded {
  std::vector<std::uint8_t> bytes;
  std::optional<elf::ElfFile> elf;
};

void Load(const std::string& path, Loaded* out) {
  ASSERT_TRUE(test_util::ReadFile(path, &out->bytes)) << path;
  auto f = elf::ElfFile::Parse(out->bytes);
  ASSERT_TRUE(f.has_value()) << f.error().message;
  out->elf.emplace(std::move(*f));
}

// ---------------------------------------------------------------------------
// Fixtures

class BuildInfoFixtureTest : public ::testing::TestWithParam<const char*> {
 protected:
  std::string variant() const { return GetParam(); }
};

TEST_P(BuildInfoFixtureTest, MatchesGoVersionM) {
  for (const char* name : test_util::kFixtureNames) {
    const std::string path = test_util::Fixture(name, variant());
    SCOPED_TRACE(path);
    Loaded l;
    Load(path, &l);
    if (HasFatalFailure()) return;
    auto bi = ParseBuildInfo(*l.elf);
    ASSERT_TRUE(bi.has_value()) << bi.error().message;
    ASSERT_TRUE(bi->has_value());
    EXPECT_EQ((*bi)->found_by, ".go.buildinfo");
    CrossCheckGoVersionM(path, **bi);
    EXPECT_EQ((*bi)->path, std::string("go2seccomp.test/fixtures/") + name);
    EXPECT_EQ((*bi)->Setting("GOARCH"),
              variant() == "arm64" ? "arm64" : "amd64");
    EXPECT_EQ((*bi)->Setting("GOOS"), "linux");
    EXPECT_EQ((*bi)->Setting("CGO_ENABLED"), "0");
    // Go 1.19 does not record -buildmode=pie (go version -m agrees above).
    EXPECT_EQ((*bi)->Setting("-buildmode"), std::nullopt);
    if (variant() == "amd64-stripped") {
      EXPECT_EQ((*bi)->Setting("-ldflags"), "-s -w");
    }
    EXPECT_EQ((*bi)->Setting("no-such-key"), std::nullopt);
    const auto v = (*bi)->version();
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->major, 1);
    EXPECT_EQ(v->minor, 19);
    // The version string alone, through runtime.buildVersion (symbol, or a
    // string header in .data for the stripped build), agrees.
    EXPECT_EQ(FindGoVersionString(*l.elf), v);
    EXPECT_EQ(DetectGoVersion(*l.elf), v);
  }
}

TEST_P(BuildInfoFixtureTest, FindsBuildInfoByMagicWhenSectionNameIsHidden) {
  Loaded l;
  Load(test_util::Fixture("hello", variant()), &l);
  if (HasFatalFailure()) return;
  const auto want = ParseBuildInfo(*l.elf);
  ASSERT_TRUE(want.has_value() && want->has_value());
  const elf::Section* s = l.elf->FindSection(".go.buildinfo");
  ASSERT_NE(s, nullptr);
  const elf::Section& names = l.elf->sections()[LoadLe16(l.bytes.data() + 62)];
  const std::uint32_t name_off =
      LoadLe32(l.bytes.data() + LoadLe64(l.bytes.data() + 40) + 64 * s->index);
  l.bytes[names.offset + name_off + 1] = 'x';  // ".xo.buildinfo"
  auto hidden = elf::ElfFile::Parse(l.bytes);
  ASSERT_TRUE(hidden.has_value());
  ASSERT_EQ(hidden->FindSection(".go.buildinfo"), nullptr);
  auto got = ParseBuildInfo(*hidden);
  ASSERT_TRUE(got.has_value()) << got.error().message;
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->found_by, "magic scan");
  EXPECT_EQ((*got)->go_version, (*want)->go_version);
  EXPECT_EQ((*got)->settings, (*want)->settings);
}

INSTANTIATE_TEST_SUITE_P(Variants, BuildInfoFixtureTest,
                         ::testing::ValuesIn(test_util::kFixtureVariants),
                         [](const auto& param_info) {
                           return test_util::VariantTestName(param_info.param);
                         });

// 32-bit targets (4-byte pointers): the hello fixture for 386 and arm.
TEST(BuildInfo32Test, MatchesGoVersionM) {
  for (const char* goarch : {"386", "arm"}) {
    const auto path = test_util::BuildGoProgram(goarch, "hello");
    ASSERT_TRUE(path.has_value()) << "go build GOARCH=" << goarch;
    Loaded l;
    Load(*path, &l);
    if (HasFatalFailure()) return;
    auto bi = ParseBuildInfo(*l.elf);
    ASSERT_TRUE(bi.has_value()) << bi.error().message;
    ASSERT_TRUE(bi->has_value());
    CrossCheckGoVersionM(*path, **bi);
    EXPECT_EQ((*bi)->Setting("GOARCH"), goarch);
    EXPECT_EQ(FindGoVersionString(*l.elf), (*bi)->version());
  }
}

// ---------------------------------------------------------------------------
// The version string without build info.

// runtime.buildVersion's value from go tool nm (its address).
std::uint64_t BuildVersionSymbol(const std::string& path) {
  const auto nm = test_util::RunCommand("go tool nm " + path);
  for (std::string_view line : test_util::SplitLines(nm.out)) {
    const auto f = test_util::SplitFields(line);
    if (f.size() == 3 && f[2] == "runtime.buildVersion")
      return *test_util::ParseHex(f[0]);
  }
  return 0;
}

TEST(FindGoVersionStringTest, EachFallbackInTurn) {
  const std::string path = test_util::Fixture("hello", "amd64");
  Loaded l;
  Load(path, &l);
  if (HasFatalFailure()) return;
  const std::uint64_t sym = BuildVersionSymbol(path);
  ASSERT_NE(sym, 0u);
  const auto want = GoVersion::Parse(RunGoVersionM(path).go_version);
  ASSERT_TRUE(want.has_value());
  EXPECT_EQ(FindGoVersionString(*l.elf), want);

  // No symbol table: the .data string header pointing at "go1.19.8".
  const elf::Section* symtab = l.elf->FindSection(".symtab");
  ASSERT_NE(symtab, nullptr);
  const std::size_t shdr = LoadLe64(l.bytes.data() + 40) + 64 * symtab->index;
  std::vector<std::uint8_t> b = l.bytes;
  b[shdr + 4] = elf::kShtProgbits;  // sh_type: no longer SHT_SYMTAB
  auto f = elf::ElfFile::Parse(b);
  ASSERT_TRUE(f.has_value());
  ASSERT_FALSE(f->FindSymbol("runtime.buildVersion")->has_value());
  EXPECT_EQ(FindGoVersionString(*f), want);

  // No string header either (zeroed): a delimited "go1.19.8" token.
  const auto off = l.elf->VirtualToFileOffset(sym);
  ASSERT_TRUE(off.has_value());
  std::memset(b.data() + *off, 0, 16);
  f = elf::ElfFile::Parse(b);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(FindGoVersionString(*f), want);

  // No "go1." string at all in data: nothing.
  const std::string text = want->ToString();
  for (const elf::Segment& seg : f->segments()) {
    if (seg.type != elf::kPtLoad || seg.IsExecutable()) continue;
    for (std::size_t i = 0; i + 4 <= seg.filesz; ++i) {
      if (std::memcmp(b.data() + seg.offset + i, "go1.", 4) == 0) {
        b[seg.offset + i] = 'x';
      }
    }
  }
  f = elf::ElfFile::Parse(b);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(FindGoVersionString(*f), std::nullopt);
}

// ---------------------------------------------------------------------------
// Malformed and pre-1.18 blobs, written into a fixture's .go.buildinfo.

class BlobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Load(test_util::Fixture("hello", "amd64"), &l_);
    if (HasFatalFailure()) return;
    const elf::Section* s = l_.elf->FindSection(".go.buildinfo");
    ASSERT_NE(s, nullptr);
    ASSERT_GE(s->size, 0x100u);
    off_ = s->offset;
    addr_ = s->addr;
    size_ = s->size;
    shdr_ = LoadLe64(l_.bytes.data() + 40) + 64 * s->index;
  }

  Result<std::optional<BuildInfo>> Parse(const std::vector<std::uint8_t>& b) {
    auto f = elf::ElfFile::Parse(b);
    EXPECT_TRUE(f.has_value());
    return ParseBuildInfo(*f);
  }

  void ExpectError(const std::vector<std::uint8_t>& b, ErrorCode code,
                   const std::string& substr) {
    auto bi = Parse(b);
    ASSERT_FALSE(bi.has_value()) << substr;
    EXPECT_EQ(bi.error().code, code) << bi.error().message;
    EXPECT_THAT(bi.error().message, HasSubstr(substr));
  }

  Loaded l_;
  std::uint64_t off_ = 0, addr_ = 0, size_ = 0, shdr_ = 0;
};

TEST_F(BlobTest, MalformedHeaders) {
  std::vector<std::uint8_t> b = l_.bytes;
  b[off_ + 14] = 3;  // pointer size
  ExpectError(b, ErrorCode::kMalformed,
              fmt::format("Go buildinfo (.go.buildinfo) at {:#x}: pointer "
                          "size 3 is not 4 or 8",
                          addr_));
  b = l_.bytes;
  b[off_ + 15] = 1;  // big-endian, pointer format
  ExpectError(b, ErrorCode::kUnsupported, "big-endian build info");
  b = l_.bytes;
  b[off_ + 15] = 4;
  ExpectError(b, ErrorCode::kMalformed, "unknown flags 0x4");
  // Inline format (flags bit 1): a version length running past the end.
  b = l_.bytes;
  b[off_ + 32] = 0xff;
  b[off_ + 33] = 0x7f;
  ExpectError(b, ErrorCode::kMalformed,
              "string of length 0x3fff at header offset 0x22 runs past the "
              "end");
  b = l_.bytes;
  b[off_ + 32] = 0;
  ExpectError(b, ErrorCode::kMalformed, "empty Go version");
  // A section too small for the 32-byte header.
  b = l_.bytes;
  const std::uint64_t small = 20;
  std::memcpy(b.data() + shdr_ + 32, &small, 8);
  ExpectError(b, ErrorCode::kMalformed,
              fmt::format("Go buildinfo (.go.buildinfo) at {:#x}: truncated "
                          "header: 20 bytes, need 32",
                          addr_));
  // No magic anywhere: no build info, not an error.
  b = l_.bytes;
  b[off_ + 1] = 'X';
  auto bi = Parse(b);
  ASSERT_TRUE(bi.has_value()) << bi.error().message;
  EXPECT_FALSE(bi->has_value());
}

TEST_F(BlobTest, PointerFormatBeforeGo118) {
  // Rewrite the blob in the Go 1.13-1.17 layout: flags 0, then pointers to
  // two string headers, which point at the strings (all inside the section).
  std::vector<std::uint8_t> b = l_.bytes;
  std::uint8_t* p = b.data() + off_;
  const std::string version = "go1.15.3";
  // cmd/go/internal/modload infoStart / infoEnd sentinels.
  const std::string start(
      "0w\xaf\x0c\x92t\x08\x02\x41\xe1\xc1\x07\xe6\xd6\x18\xe6", 16);
  const std::string end(
      "\xf9\x32\x43\x31\x86\x18\x20\x72\x00\x82\x42\x10\x41\x16\xd8\xf2", 16);
  const std::string mod = start +
                          "path\texample.com/cmd/tool\n"
                          "mod\texample.com\tv1.2.3\th1:abc=\n"
                          "dep\tgolang.org/x/sys\tv0.1.0\th1:def=\n" +
                          end;
  ASSERT_LT(0x80 + mod.size(), size_);
  auto put64 = [&](std::size_t at, std::uint64_t v) {
    std::memcpy(p + at, &v, 8);
  };
  std::memset(p + 15, 0, size_ - 15);
  put64(16, addr_ + 0x20);  // &runtime.buildVersion
  put64(24, addr_ + 0x30);  // &runtime.modinfo
  put64(0x20, addr_ + 0x40);
  put64(0x28, version.size());
  put64(0x30, addr_ + 0x80);
  put64(0x38, mod.size());
  std::memcpy(p + 0x40, version.data(), version.size());
  std::memcpy(p + 0x80, mod.data(), mod.size());
  auto bi = Parse(b);
  ASSERT_TRUE(bi.has_value()) << bi.error().message;
  ASSERT_TRUE(bi->has_value());
  EXPECT_EQ((*bi)->go_version, "go1.15.3");
  EXPECT_EQ((*bi)->path, "example.com/cmd/tool");
  EXPECT_EQ((*bi)->main.path, "example.com");
  EXPECT_EQ((*bi)->main.version, "v1.2.3");
  EXPECT_EQ((*bi)->main.sum, "h1:abc=");
  ASSERT_EQ((*bi)->deps.size(), 1u);
  EXPECT_EQ((*bi)->deps[0].path, "golang.org/x/sys");
  EXPECT_TRUE((*bi)->settings.empty());
  // Go's own reader agrees on the rewritten binary.
  const std::string tmp = ::testing::TempDir() + "/g2s_buildinfo_pre118";
  ASSERT_TRUE(test_util::WriteFile(tmp, b));
  std::filesystem::permissions(tmp, std::filesystem::perms::owner_exec,
                               std::filesystem::perm_options::add);
  CrossCheckGoVersionM(tmp, **bi);

  // A string header in bss (Go 1.13-1.17 GOPATH builds leave an empty
  // runtime.modinfo there) is the empty string.
  const elf::Section* bss = l_.elf->FindSection(".bss");
  ASSERT_NE(bss, nullptr);
  put64(24, bss->addr);
  bi = Parse(b);
  ASSERT_TRUE(bi.has_value()) << bi.error().message;
  ASSERT_TRUE(bi->has_value());
  EXPECT_EQ((*bi)->go_version, "go1.15.3");
  EXPECT_TRUE((*bi)->path.empty());
  // A pointer to nowhere is an error naming the string.
  put64(16, 0x10);
  auto bad = Parse(b);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kMalformed);
  EXPECT_THAT(bad.error().message,
              HasSubstr("version string: virtual address 0x10 is not in any "
                        "PT_LOAD segment"));
}

TEST(ParseModInfoTest, LinesLikeRuntimeDebug) {
  BuildInfo bi;
  ParseModInfo(
      "path\texample.com/m/cmd\n"
      "mod\texample.com/m\t(devel)\t\n"
      "dep\tgolang.org/x/net\tv0.1.0\th1:aaa=\n"
      "=>\t../net\t(devel)\t\n"
      "dep\tgolang.org/x/sys\tv0.2.0\n"
      "build\t-compiler=gc\n"
      "build\t-ldflags=\"-s -w -X \\\"main.v=1 2\\\"\"\n"
      "build\t-tags=`netgo`\n"
      "build\t\"odd key\"=v\n"
      "build\tCGO_ENABLED=0\n"
      "build\tnovalue=\n"
      "build\t=missingkey\n"
      "junk line\n"
      "dep\ttoo\tmany\tcolumns\there\n",
      &bi);
  EXPECT_EQ(bi.path, "example.com/m/cmd");
  EXPECT_EQ(bi.main.path, "example.com/m");
  EXPECT_EQ(bi.main.version, "(devel)");
  EXPECT_EQ(bi.main.sum, "");
  ASSERT_EQ(bi.deps.size(), 2u);
  EXPECT_EQ(bi.deps[0].path, "golang.org/x/net");
  ASSERT_TRUE(bi.deps[0].replace.has_value());
  EXPECT_EQ(bi.deps[0].replace->path, "../net");
  EXPECT_FALSE(bi.deps[1].replace.has_value());
  EXPECT_EQ(bi.deps[1].sum, "");
  const std::vector<std::pair<std::string, std::string>> want = {
      {"-compiler", "gc"},  {"-ldflags", "-s -w -X \"main.v=1 2\""},
      {"-tags", "netgo"},   {"odd key", "v"},
      {"CGO_ENABLED", "0"}, {"novalue", ""}};
  EXPECT_EQ(bi.settings, want);
  EXPECT_EQ(bi.Setting("-ldflags"), "-s -w -X \"main.v=1 2\"");
}

// ---------------------------------------------------------------------------
// Corpus (opt-in)

TEST(BuildInfoCorpusTest, EveryBinary) {
  const auto dir = test_util::CorpusDir();
  if (!dir) GTEST_SKIP() << "set G2S_CORPUS_DIR to run the corpus tests";
  const auto rows = test_util::LoadCorpus(*dir);
  ASSERT_FALSE(rows.empty());
  for (const auto& row : rows) {
    const std::string& path = row.at("abs_path");
    SCOPED_TRACE(path);
    Loaded l;
    Load(path, &l);
    if (HasFatalFailure()) return;
    const auto want = GoVersion::Parse(row.at("go_version"));
    ASSERT_TRUE(want.has_value()) << row.at("go_version");
    auto bi = ParseBuildInfo(*l.elf);
    ASSERT_TRUE(bi.has_value()) << bi.error().message;
    if (row.at("buildinfo_section") == "yes") {
      ASSERT_TRUE(bi->has_value());
      EXPECT_EQ((*bi)->go_version, row.at("go_version"));
      CrossCheckGoVersionM(path, **bi);
      if (want->AtLeast(1, 18)) {
        EXPECT_EQ((*bi)->Setting("GOARCH"), row.at("arch"));
        EXPECT_EQ((*bi)->Setting("CGO_ENABLED"),
                  row.at("cgo") == "-" ? "0" : row.at("cgo"));
      }
    } else {
      EXPECT_FALSE(bi->has_value());
    }
    EXPECT_EQ(FindGoVersionString(*l.elf), want);
    EXPECT_EQ(DetectGoVersion(*l.elf), want);
  }
}

}  // namespace
}  // namespace go2seccomp::gosym
