#include "go2seccomp/base/byte_reader.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

namespace go2seccomp {
namespace {

TEST(ByteReaderTest, ReadsLittleEndian) {
  const std::vector<std::uint8_t> b = {0x01, 0x02, 0x03, 0x04,
                                       0x05, 0x06, 0x07, 0x08};
  ByteReader r(b, "blob");
  EXPECT_EQ(*r.U8(7), 0x08);
  EXPECT_EQ(*r.U16(0), 0x0201);
  EXPECT_EQ(*r.U32(4), 0x08070605u);
  EXPECT_EQ(*r.U64(0), 0x0807060504030201ull);
  EXPECT_EQ(*r.Word(0, 4), 0x04030201u);
  EXPECT_EQ(*r.Word(0, 8), 0x0807060504030201ull);
}

TEST(ByteReaderTest, RejectsReadsPastTheEndWithOffsets) {
  const std::vector<std::uint8_t> b(6, 0);
  ByteReader r(b, "section .gopclntab", 0x1000);
  auto v = r.U32(4);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code, ErrorCode::kMalformed);
  EXPECT_NE(v.error().message.find("section .gopclntab"), std::string::npos);
  EXPECT_NE(v.error().message.find("offset 0x4"), std::string::npos);
  EXPECT_NE(v.error().message.find("file offset 0x1004"), std::string::npos);
  EXPECT_FALSE(r.U8(6));
  EXPECT_TRUE(r.U8(5));
}

TEST(ByteReaderTest, OffsetPlusSizeOverflowIsOutOfBounds) {
  const std::vector<std::uint8_t> b(16, 0);
  ByteReader r(b, "blob");
  const auto huge = std::numeric_limits<std::uint64_t>::max() - 2;
  EXPECT_FALSE(r.Sub(huge, 8));
  EXPECT_FALSE(r.Sub(8, huge));
  EXPECT_FALSE(r.U64(huge));
  EXPECT_TRUE(r.Sub(16, 0));
  EXPECT_FALSE(r.Sub(17, 0));
  EXPECT_EQ(r.Sub(4, 12)->size(), 12u);
}

TEST(ByteReaderTest, CStringNeedsTerminator) {
  const std::vector<std::uint8_t> b = {'g', 'o', 0, 'x', 'y'};
  ByteReader r(b, "names");
  EXPECT_EQ(*r.CString(0), "go");
  EXPECT_EQ(*r.CString(2), "");
  auto bad = r.CString(3);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("no terminating NUL"), std::string::npos);
  EXPECT_FALSE(r.CString(5));
  EXPECT_FALSE(r.CString(0, 1));  // "go" is longer than 1
}

TEST(ByteReaderTest, Uvarint32) {
  // 300 = 0b1_0010_1100 -> ac 02 (encoding/binary PutUvarint).
  const std::vector<std::uint8_t> b = {0xac, 0x02, 0x7f, 0x80};
  ByteReader r(b, "pctab");
  std::uint64_t off = 0;
  EXPECT_EQ(*r.Uvarint32(&off), 300u);
  EXPECT_EQ(off, 2u);
  EXPECT_EQ(*r.Uvarint32(&off), 127u);
  EXPECT_FALSE(r.Uvarint32(&off));  // continuation bit, then end of data
  const std::vector<std::uint8_t> big = {0xff, 0xff, 0xff, 0xff, 0x7f};
  ByteReader r2(big, "pctab");
  off = 0;
  EXPECT_FALSE(r2.Uvarint32(&off));  // 35 bits do not fit
}

}  // namespace
}  // namespace go2seccomp
