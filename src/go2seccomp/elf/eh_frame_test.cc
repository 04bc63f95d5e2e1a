// .eh_frame FDE ranges against readelf's independent decoding of the same
// tables, on the machine's glibc (a real, stripped C library) and ld.so.
#include "go2seccomp/elf/eh_frame.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "go2seccomp/base/file_io.h"
#include "go2seccomp/elf/elf_file.h"

namespace go2seccomp::elf {
namespace {

std::set<std::pair<std::uint64_t, std::uint64_t>> ReadelfFdes(const std::string& path) {
  std::set<std::pair<std::uint64_t, std::uint64_t>> out;
  const std::string cmd = "readelf --debug-dump=frames " + path + " 2>/dev/null";
  FILE* f = ::popen(cmd.c_str(), "r");
  if (f == nullptr) return out;
  const std::regex fde(R"(FDE cie=[0-9a-f]+ pc=([0-9a-f]+)\.\.([0-9a-f]+))");
  char buf[512];
  while (std::fgets(buf, sizeof buf, f) != nullptr) {
    std::cmatch m;
    if (std::regex_search(buf, m, fde)) {
      const auto lo = std::stoull(m[1], nullptr, 16), hi = std::stoull(m[2], nullptr, 16);
      if (hi > lo) out.insert({lo, hi});
    }
  }
  ::pclose(f);
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

}  // namespace
}  // namespace go2seccomp::elf
