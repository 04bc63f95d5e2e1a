// .eh_frame FDE ranges against readelf's independent decoding of the same
// tables, on the machine's glibc (a real, stripped C library) and ld.so.
#include "go2seccomp/elf/eh_frame.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "go2seccomp/base/file_io.h"
#include "go2seccomp/elf/elf_file.h"
#include "tests/common/process_util.h"
#include "tests/common/tables.h"

namespace go2seccomp::elf {
namespace {

std::set<std::pair<std::uint64_t, std::uint64_t>> ReadelfFdes(const std::string& path) {
  std::set<std::pair<std::uint64_t, std::uint64_t>> out;
  const test_util::CommandOutput readelf =
      test_util::RunCommand("readelf --debug-dump=frames " + path);
  const std::regex fde(R"(FDE cie=[0-9a-f]+ pc=([0-9a-f]+)\.\.([0-9a-f]+))");
  for (std::string_view line : test_util::SplitLines(readelf.out)) {
    std::match_results<std::string_view::const_iterator> m;
    if (std::regex_search(line.begin(), line.end(), m, fde)) {
      const auto lo = std::stoull(m[1], nullptr, 16), hi = std::stoull(m[2], nullptr, 16);
      if (hi > lo) out.insert({lo, hi});
    }
  }
  return out;
}

class EhFrameTest : public ::testing::TestWithParam<std::string> {};

TEST_P(EhFrameTest, MatchesReadelf) {
  const std::string path = GetParam();
  auto file = MappedFile::Open(path);
  if (!file) GTEST_SKIP() << path << " not present";
  auto ef = ElfFile::Parse(file->bytes());
  ASSERT_TRUE(ef) << ef.error().message;
  const Section* eh = ef->FindSection(".eh_frame");
  ASSERT_NE(eh, nullptr);
  auto bytes = ef->ReadVirtual(eh->addr, eh->size);
  ASSERT_TRUE(bytes);
  auto ranges = ParseEhFrame(*bytes, eh->addr, ef->ptr_size());
  ASSERT_TRUE(ranges) << ranges.error().message;
  std::set<std::pair<std::uint64_t, std::uint64_t>> ours;
  for (const FunctionRange& r : *ranges) ours.insert({r.begin, r.end});
  const auto theirs = ReadelfFdes(path);
  ASSERT_GT(theirs.size(), 100u) << "readelf found no FDEs";
  EXPECT_EQ(ours, theirs);
}

INSTANTIATE_TEST_SUITE_P(Glibc, EhFrameTest,
                         ::testing::Values("/lib/x86_64-linux-gnu/libc.so.6",
                                           "/lib64/ld-linux-x86-64.so.2"));

TEST(EhFrameMalformed, LengthPastTheEnd) {
  const std::vector<std::uint8_t> data = {0x40, 0, 0, 0, 0, 0, 0, 0};
  auto r = ParseEhFrame(data, 0x1000, 8);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("past the end"), std::string::npos);
}

TEST(EhFrameMalformed, FdeWithoutCie) {
  // length 12, CIE pointer 0x20 (before the section start).
  const std::vector<std::uint8_t> data = {12, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  auto r = ParseEhFrame(data, 0x1000, 8);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kMalformed);
}

// Found by elf_fuzzer (tests/testdata/corpus/elf/crash-eh-frame-wrapping-range):
// a pc_range of sdata4 -1 made an FDE whose end wrapped below its begin,
// breaking the "sorted, non-empty [begin, end)" promise callers rely on.
TEST(EhFrameMalformed, WrappingRangeIsDropped) {
  auto le32 = [](std::vector<std::uint8_t>* v, std::uint32_t x) {
    for (int i = 0; i < 4; ++i) v->push_back(static_cast<std::uint8_t>(x >> (8 * i)));
  };
  // CIE: id 0, version 1, "zR", code align 1, data align -8, return
  // address r16, augmentation data {DW_EH_PE_pcrel|sdata4}, def_cfa r7+8,
  // padded to 20 bytes.
  std::vector<std::uint8_t> data;
  le32(&data, 20);
  le32(&data, 0);
  for (std::uint8_t b : std::initializer_list<std::uint8_t>{
           1, 'z', 'R', 0, 1, 0x78, 16, 1, 0x1b, 0x0c, 7, 8, 0x90, 1, 0, 0}) {
    data.push_back(b);
  }
  auto fde = [&](std::int32_t pc_delta, std::uint32_t range) {
    const std::size_t at = data.size();
    le32(&data, 16);
    le32(&data, static_cast<std::uint32_t>(at + 4));  // back to the CIE
    le32(&data, static_cast<std::uint32_t>(pc_delta));
    le32(&data, range);
    for (int i = 0; i < 4; ++i) data.push_back(0);  // aug length 0, nops
  };
  fde(0x100, 0xffffffff);  // sdata4 -1
  fde(0x100, 8);
  le32(&data, 0);
  auto r = ParseEhFrame(data, 0x1000, 8);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_LT((*r)[0].begin, (*r)[0].end);
  EXPECT_EQ((*r)[0].end - (*r)[0].begin, 8u);
}

}  // namespace
}  // namespace go2seccomp::elf
