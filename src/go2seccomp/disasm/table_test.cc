// Decoder table tests in the style of golang.org/x/arch's plan9cases.txt:
// testdata/{x86_64,arm64,i386,arm}.txt hold one case per line,
//
//   [address:]hexbytes|<TAB>expected ToString(Instruction)
//
// bytes in memory order, the address defaulting to kDefaultAddress. The
// expectations are written from the ISA manuals (Intel SDM, ARM ARM), with
// the instruction bytes taken from `go tool objdump` listings of the Go
// fixtures; '#' starts a comment line.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "go2seccomp/disasm/decoder.h"

namespace go2seccomp::disasm {
namespace {

struct TableCase {
  int line = 0;
  std::uint64_t address = 0;
  std::vector<std::uint8_t> bytes;
  std::string expected;
};

constexpr std::uint64_t kDefaultAddress = 0x401000;

std::vector<TableCase> ReadTable(const std::string& path) {
  std::vector<TableCase> cases;
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    const auto bar = line.find("|\t");
    EXPECT_NE(bar, std::string::npos) << path << ":" << n << ": no '|<TAB>'";
    if (bar == std::string::npos) continue;
    TableCase c;
    c.line = n;
    c.address = kDefaultAddress;
    std::string hex = line.substr(0, bar);
    const auto colon = hex.find(':');
    if (colon != std::string::npos) {
      c.address = std::stoull(hex.substr(0, colon), nullptr, 16);
      hex = hex.substr(colon + 1);
    }
    EXPECT_EQ(hex.size() % 2, 0u) << path << ":" << n;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
      c.bytes.push_back(
          static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    }
    c.expected = line.substr(bar + 2);
    cases.push_back(std::move(c));
  }
  return cases;
}

void CheckTable(Arch arch, const std::string& file, std::size_t min_cases) {
  const std::string path =
      std::string(G2S_SOURCE_DIR) + "/src/go2seccomp/disasm/testdata/" + file;
  const std::vector<TableCase> cases = ReadTable(path);
  EXPECT_GE(cases.size(), min_cases);
  auto dec = MakeDecoder(arch);
  ASSERT_TRUE(dec);
  for (const TableCase& c : cases) {
    Instruction insn;
    (*dec)->Decode(c.bytes, c.address, &insn);
    EXPECT_EQ(ToString(insn), c.expected) << file << ":" << c.line;
    EXPECT_EQ(insn.length, c.bytes.size()) << file << ":" << c.line;
    EXPECT_EQ(insn.address, c.address) << file << ":" << c.line;
  }
}

TEST(DecoderTableTest, X86_64) { CheckTable(Arch::kX86_64, "x86_64.txt", 100); }
TEST(DecoderTableTest, Arm64) { CheckTable(Arch::kArm64, "arm64.txt", 80); }
TEST(DecoderTableTest, I386) { CheckTable(Arch::kI386, "i386.txt", 60); }
TEST(DecoderTableTest, Arm) { CheckTable(Arch::kArm, "arm.txt", 80); }

}  // namespace
}  // namespace go2seccomp::disasm
