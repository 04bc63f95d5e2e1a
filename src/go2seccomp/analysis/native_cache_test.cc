#include "go2seccomp/analysis/native_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "go2seccomp/base/file_io.h"

namespace go2seccomp::analysis {
namespace {

Bytes AsBytes(const std::string& s) {
  return Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

ImageSummary Sample() {
  ImageSummary s;
  s.arch = Arch::kX86_64;
  s.is_interp = true;
  s.content_id = "b0123-42";
  s.tool_id = ToolId();
  s.wrappers_in = 0x1234;
  s.funcs = {{0x1000, 0x1010, "syscall"},
             {0x1010, 0x1100, ""},
             {0x1200, 0x1300, "getpid"}};
  s.plt = {{0x900, "memcpy", std::nullopt}, {0x910, "", 0x1010}};
  s.calls = {{}, {0}, {0, 1}};
  s.plt_calls = {{}, {1}, {0}};
  s.takes = {{2}, {}, {}};
  s.indirect = {false, true, false};
  s.address_taken = {1};
  s.freeres_taken = {2};
  s.stored_at = {{1, 0x3008}, {2, 0x3100}};
  s.exports = {{"getpid", 2}, {"syscall", 0}};
  s.ifunc_exports = {"memcpy"};
  s.roots = {0x1010};
  s.report.uses[39] = {
      SyscallUse{0x1250, 2, Resolution::kConstantAtSyscall, 0, ""}};
  s.report.uses[228] = {
      SyscallUse{0, 0, Resolution::kVdsoFallback, 0, "__vdso_clock_gettime"}};
  s.report.findings = {
      Finding{Finding::Kind::kUnresolvedNumber, 0x1020, 1u, "from memory"},
      Finding{Finding::Kind::kOutsideGoFunctions, 0x1500, std::nullopt, ""}};
  WrapperInfo w;
  w.func = 0;
  w.locs = {EntryLoc::Reg(7), EntryLoc::Stack(8)};
  w.edges = {WrapperEdge{0x1008, true, 0}};
  s.report.wrappers = {w};
  return s;
}

void ExpectSame(const ImageSummary& a, const ImageSummary& b) {
  EXPECT_EQ(a.arch, b.arch);
  EXPECT_EQ(a.is_interp, b.is_interp);
  EXPECT_EQ(a.content_id, b.content_id);
  EXPECT_EQ(a.tool_id, b.tool_id);
  EXPECT_EQ(a.wrappers_in, b.wrappers_in);
  EXPECT_EQ(a.funcs, b.funcs);
  EXPECT_EQ(a.plt, b.plt);
  EXPECT_EQ(a.calls, b.calls);
  EXPECT_EQ(a.plt_calls, b.plt_calls);
  EXPECT_EQ(a.takes, b.takes);
  EXPECT_EQ(a.indirect, b.indirect);
  EXPECT_EQ(a.address_taken, b.address_taken);
  EXPECT_EQ(a.freeres_taken, b.freeres_taken);
  EXPECT_EQ(a.stored_at, b.stored_at);
  EXPECT_EQ(a.exports, b.exports);
  EXPECT_EQ(a.ifunc_exports, b.ifunc_exports);
  EXPECT_EQ(a.roots, b.roots);
  ASSERT_EQ(a.report.uses.size(), b.report.uses.size());
  for (const auto& [nr, uses] : a.report.uses) {
    ASSERT_EQ(b.report.uses.at(nr).size(), uses.size());
    for (std::size_t k = 0; k < uses.size(); ++k) {
      const SyscallUse &x = uses[k], &y = b.report.uses.at(nr)[k];
      EXPECT_EQ(x.pc, y.pc);
      EXPECT_EQ(x.func, y.func);
      EXPECT_EQ(x.how, y.how);
      EXPECT_EQ(x.callee, y.callee);
      EXPECT_EQ(x.detail, y.detail);
    }
  }
  ASSERT_EQ(a.report.findings.size(), b.report.findings.size());
  for (std::size_t k = 0; k < a.report.findings.size(); ++k) {
    EXPECT_EQ(a.report.findings[k].kind, b.report.findings[k].kind);
    EXPECT_EQ(a.report.findings[k].pc, b.report.findings[k].pc);
    EXPECT_EQ(a.report.findings[k].func, b.report.findings[k].func);
    EXPECT_EQ(a.report.findings[k].detail, b.report.findings[k].detail);
  }
  ASSERT_EQ(a.report.wrappers.size(), b.report.wrappers.size());
  for (std::size_t k = 0; k < a.report.wrappers.size(); ++k) {
    EXPECT_EQ(a.report.wrappers[k].func, b.report.wrappers[k].func);
    EXPECT_EQ(a.report.wrappers[k].locs, b.report.wrappers[k].locs);
    ASSERT_EQ(a.report.wrappers[k].edges.size(),
              b.report.wrappers[k].edges.size());
    EXPECT_EQ(a.report.wrappers[k].edges[0].pc,
              b.report.wrappers[k].edges[0].pc);
    EXPECT_EQ(a.report.wrappers[k].edges[0].raw,
              b.report.wrappers[k].edges[0].raw);
  }
}

TEST(NativeCacheTest, RoundTrips) {
  const std::string bytes = SerializeImageSummary(Sample());
  auto parsed = ParseImageSummary(AsBytes(bytes));
  ASSERT_TRUE(parsed) << parsed.error().message;
  ExpectSame(Sample(), *parsed);
}

TEST(NativeCacheTest, RejectsEveryTruncationAndEveryFlippedByte) {
  const std::string good = SerializeImageSummary(Sample());
  for (std::size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(ParseImageSummary(AsBytes(good.substr(0, n))))
        << "truncated to " << n;
  }
  for (std::size_t k = 0; k < good.size(); ++k) {
    std::string bad = good;
    bad[k] = static_cast<char>(bad[k] ^ 0x41);
    EXPECT_FALSE(ParseImageSummary(AsBytes(bad))) << "byte " << k;
  }
  EXPECT_FALSE(ParseImageSummary(AsBytes(good + "x")));
}

// A payload changed anywhere, with its checksum made right again (what a
// buggy or hostile writer could produce): parsing rejects it or yields a
// summary whose every index is in range -- never a crash (ASan builds).
TEST(NativeCacheTest,
     EveryMutationWithAValidChecksumParsesConsistentlyOrFails) {
  const std::string good = SerializeImageSummary(Sample());
  constexpr std::size_t kHeader = 28;
  for (std::size_t k = kHeader; k < good.size(); ++k) {
    for (std::uint8_t x : {0x01, 0x80, 0xff}) {
      std::string bad = good;
      bad[k] = static_cast<char>(bad[k] ^ x);
      const std::uint64_t sum = Hash64(AsBytes(bad.substr(kHeader)));
      std::memcpy(bad.data() + 20, &sum, 8);
      auto s = ParseImageSummary(AsBytes(bad));
      if (!s) continue;
      const std::size_t n = s->funcs.size();
      ASSERT_EQ(s->calls.size(), n);
      ASSERT_EQ(s->plt_calls.size(), n);
      ASSERT_EQ(s->takes.size(), n);
      ASSERT_EQ(s->indirect.size(), n);
      for (std::size_t f = 0; f < n; ++f) {
        for (std::uint32_t t : s->calls[f]) EXPECT_LT(t, n);
        for (std::uint32_t t : s->takes[f]) EXPECT_LT(t, n);
        for (std::uint32_t t : s->plt_calls[f]) EXPECT_LT(t, s->plt.size());
      }
      for (const auto& [name, f] : s->exports) EXPECT_LT(f, n);
      for (const WrapperInfo& w : s->report.wrappers) EXPECT_LT(w.func, n);
    }
  }
}

TEST(NativeCacheTest, RejectsIndicesOutOfRangeEvenWithAValidChecksum) {
  ImageSummary s = Sample();
  s.calls[1] = {3};  // 3 functions
  EXPECT_FALSE(ParseImageSummary(AsBytes(SerializeImageSummary(s))));
  s = Sample();
  s.plt_calls[0] = {2};  // 2 PLT entries
  EXPECT_FALSE(ParseImageSummary(AsBytes(SerializeImageSummary(s))));
  s = Sample();
  s.report.uses[39][0].func = 7;
  EXPECT_FALSE(ParseImageSummary(AsBytes(SerializeImageSummary(s))));
  s = Sample();
  s.funcs[1].entry = 0x1008;  // overlaps the first
  EXPECT_FALSE(ParseImageSummary(AsBytes(SerializeImageSummary(s))));
  s = Sample();
  s.report.findings[0].func = 3;
  EXPECT_FALSE(ParseImageSummary(AsBytes(SerializeImageSummary(s))));
}

TEST(NativeCacheTest, ContentIdIsTheBuildIdWhenThereIsOne) {
  auto self = MappedFile::Open("/proc/self/exe");
  ASSERT_TRUE(self);
  auto ef = elf::ElfFile::Parse(self->bytes());
  ASSERT_TRUE(ef);
  const std::string id = ContentId(*ef, self->bytes());
  const std::string size = "-" + std::to_string(self->bytes().size());
  ASSERT_TRUE(id.ends_with(size)) << id;
  if (ToolId().empty()) {
    EXPECT_EQ(id[0], 'h') << id;  // built without --build-id
  } else {
    EXPECT_EQ(id, "b" + ToolId() + size);
  }
}

TEST(NativeCacheTest, HashSeesEveryByte) {
  std::string data(1000, 'a');
  const std::uint64_t h = Hash64(AsBytes(data));
  for (std::size_t k : {0, 31, 32, 500, 991, 999}) {
    std::string d = data;
    d[k] = 'b';
    EXPECT_NE(Hash64(AsBytes(d)), h) << k;
  }
  EXPECT_NE(Hash64(AsBytes(data.substr(0, 999))), h);
}

TEST(NativeCacheTest, WrappersFingerprintDependsOnEntriesAndLocations) {
  std::unordered_map<std::uint64_t, std::vector<EntryLoc>> a{
      {0x900, {EntryLoc::Reg(7)}}};
  auto b = a;
  b[0x900] = {EntryLoc::Reg(6)};
  auto c = a;
  c[0x910] = {EntryLoc::Reg(7)};
  EXPECT_NE(WrappersFingerprint(a), WrappersFingerprint(b));
  EXPECT_NE(WrappersFingerprint(a), WrappersFingerprint(c));
  EXPECT_NE(WrappersFingerprint(a), WrappersFingerprint({}));
}

TEST(NativeCacheTest, StoreThenLoadChecksTheKey) {
  const std::string dir =
      testing::TempDir() + "g2s_cache_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  LibraryCache cache(dir);
  const ImageSummary s = Sample();
  ASSERT_TRUE(cache.Store(s));
  auto back = cache.Load(s.arch, s.is_interp, s.content_id);
  ASSERT_TRUE(back);
  ExpectSame(s, *back);
  EXPECT_FALSE(cache.Load(s.arch, false, s.content_id));
  EXPECT_FALSE(cache.Load(Arch::kArm64, true, s.content_id));
  EXPECT_FALSE(cache.Load(s.arch, true, "b0123-43"));
  // No temporary files are left behind.
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/libs")) {
    ++files;
    EXPECT_EQ(e.path().string(), cache.PathFor(s.arch, true, s.content_id));
  }
  EXPECT_EQ(files, 1u);
  // Another build's entry (a different tool id) is not this build's.
  ImageSummary other = s;
  other.tool_id = "ffff";
  ASSERT_TRUE(cache.Store(other));
  EXPECT_FALSE(cache.Load(s.arch, true, s.content_id));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace go2seccomp::analysis
