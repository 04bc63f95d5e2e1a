#include "go2seccomp/image/tar.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "go2seccomp/image/testing/tar_builder.h"

namespace go2seccomp::image {
namespace {

using ::testing::HasSubstr;
using testing::TarBuilder;

Bytes AsBytes(const std::string& s) {
  return Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

TEST(TarTest, ReadsEveryMemberType) {
  const std::string tar = TarBuilder()
                              .Dir("usr/bin/")
                              .File("usr/bin/app", "ELF...", 0755)
                              .Symlink("bin", "usr/bin")
                              .HardLink("usr/bin/app2", "usr/bin/app")
                              .Member("dev/null", '3', "", 0666, "", 0)
                              .Finish();
  auto entries = ParseTar(AsBytes(tar), "t.tar");
  ASSERT_TRUE(entries) << entries.error().message;
  ASSERT_EQ(entries->size(), 5u);
  EXPECT_EQ((*entries)[0].type, TarType::kDirectory);
  EXPECT_EQ((*entries)[1].path, "usr/bin/app");
  EXPECT_EQ((*entries)[1].mode, 0755u);
  EXPECT_EQ(
      std::string(reinterpret_cast<const char*>((*entries)[1].data.data()),
                  (*entries)[1].data.size()),
      "ELF...");
  EXPECT_EQ((*entries)[2].link, "usr/bin");
  EXPECT_EQ((*entries)[3].type, TarType::kHardLink);
  EXPECT_EQ((*entries)[4].type, TarType::kCharDevice);
  EXPECT_EQ((*entries)[1].offset, 512u);
  EXPECT_TRUE(LooksLikeTar(AsBytes(tar)));
}

TEST(TarTest, LongNamesFromGnuAndPax) {
  const std::string long_name = std::string(150, 'a') + "/file";
  const std::string tar = TarBuilder()
                              .File(long_name, "x")
                              .Pax("path", "pax/named")
                              .Pax("linkpath", "/very/long/target")
                              .File("short", "y")
                              .Finish();
  auto entries = ParseTar(AsBytes(tar), "t.tar");
  ASSERT_TRUE(entries) << entries.error().message;
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].path, long_name);
  EXPECT_EQ((*entries)[0].offset, 0u);  // the 'L' header's offset
  EXPECT_EQ((*entries)[1].path, "pax/named");
  EXPECT_EQ((*entries)[1].link, "/very/long/target");
}

struct BadTar {
  const char* name;
  std::string archive;
  ErrorCode code;
  const char* message;
};

TEST(TarTest, MalformedArchivesNameTheOffset) {
  std::string bad_sum = TarBuilder().File("a", "x").Finish();
  bad_sum[0] = 'b';
  const std::string truncated =
      TarBuilder().File("a", "x").body().substr(0, 300);
  std::vector<BadTar> cases = {
      {"checksum", bad_sum, ErrorCode::kMalformed,
       "header at offset 0x0: bad checksum"},
      {"truncated", truncated, ErrorCode::kMalformed,
       "truncated header at offset 0x0"},
      {"data past end",
       TarBuilder()
           .File("ok", "1")
           .Member("big", '0', "", 0644, "", 10ull << 30)
           .body(),
       ErrorCode::kMalformed,
       "member at offset 0x400 (\"big\"): 10737418240 bytes of data past"},
      {"gnu sparse", TarBuilder().Member("s", 'S', "", 0644, "", 0).Finish(),
       ErrorCode::kUnsupported, "GNU sparse member"},
      {"pax sparse",
       TarBuilder()
           .Pax("GNU.sparse.size", "10737418240")
           .File("s", "")
           .Finish(),
       ErrorCode::kUnsupported, "GNU sparse member (GNU.sparse.size)"},
      {"unknown type", TarBuilder().Member("q", 'Q', "", 0644, "", 0).Finish(),
       ErrorCode::kUnsupported, "unknown type 'Q'"},
      {"pax without member", TarBuilder().Pax("path", "x").Finish(),
       ErrorCode::kMalformed, "without a member"},
  };
  for (const BadTar& c : cases) {
    auto r = ParseTar(AsBytes(c.archive), "layer 1");
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().code, c.code) << c.name;
    EXPECT_THAT(r.error().message, HasSubstr(c.message)) << c.name;
    EXPECT_THAT(r.error().message, HasSubstr("layer 1")) << c.name;
  }
}

TEST(TarTest, EmptyAndZeroBlockArchivesHaveNoMembers) {
  EXPECT_TRUE(ParseTar(Bytes(), "e")->empty());
  const std::string zeros(1024, '\0');
  EXPECT_TRUE(ParseTar(AsBytes(zeros), "z")->empty());
  EXPECT_FALSE(LooksLikeTar(AsBytes(zeros)));
}

}  // namespace
}  // namespace go2seccomp::image
