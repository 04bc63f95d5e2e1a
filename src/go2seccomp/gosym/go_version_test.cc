#include "go2seccomp/gosym/go_version.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace go2seccomp::gosym {
namespace {

using Stage = GoVersion::Stage;

TEST(GoVersionTest, ParsesReleaseSpellings) {
  struct Case {
    const char* text;
    int minor, patch;
    Stage stage;
    int stage_number;
  };
  for (const Case& c : {
           Case{"go1.19.8", 19, 8, Stage::kRelease, 0},
           Case{"go1.16", 16, 0, Stage::kRelease, 0},
           Case{"go1.21.0", 21, 0, Stage::kRelease, 0},
           Case{"go1.21rc2", 21, 0, Stage::kRc, 2},
           Case{"go1.9beta1", 9, 0, Stage::kBeta, 1},
           Case{"go1.22.4 X:boringcrypto", 22, 4, Stage::kRelease, 0},
           Case{"go1.20.6-1", 20, 6, Stage::kRelease, 0},
           Case{"devel go1.22-0b8ef0a Tue Jan 9 17:24:33 2024 +0000", 22, 0,
                Stage::kDevel, 0},
       }) {
    SCOPED_TRACE(c.text);
    auto v = GoVersion::Parse(c.text);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->major, 1);
    EXPECT_EQ(v->minor, c.minor);
    EXPECT_EQ(v->patch, c.patch);
    EXPECT_EQ(v->stage, c.stage);
    EXPECT_EQ(v->stage_number, c.stage_number);
  }
}

TEST(GoVersionTest, RejectsWhatIsNotAVersion) {
  for (const char* text :
       {"", "go", "go1", "go1.", "go2.0", "go1.x", "go1.19x", "go1.19.",
        "go1.19.8a", "go1.26.go", "go1.21rc", "devel +b7a85e0 Tue Aug 18",
        "fips140only_go1.26.go", "go1.123456", "Go1.19"}) {
    EXPECT_FALSE(GoVersion::Parse(text).has_value()) << text;
  }
  // A Parse at an offset inside a longer name is the caller's business;
  // what follows the version must not continue it.
  EXPECT_FALSE(GoVersion::Parse("go1.26_x").has_value());
  EXPECT_TRUE(GoVersion::Parse(std::string_view("go1.26\xe3", 7)).has_value());
}

TEST(GoVersionTest, OrdersLikeReleases) {
  std::vector<GoVersion> want;
  for (const char* text :
       {"go1.14.2", "go1.15", "go1.15.15", "devel go1.21-abc", "go1.21rc1",
        "go1.21rc2", "go1.21.0", "go1.21.1", "go1.22beta1", "go1.22.0",
        "go1.26.5"}) {
    auto v = GoVersion::Parse(text);
    ASSERT_TRUE(v.has_value()) << text;
    want.push_back(*v);
  }
  std::vector<GoVersion> shuffled(want.rbegin(), want.rend());
  std::sort(shuffled.begin(), shuffled.end());
  EXPECT_EQ(shuffled, want);
  EXPECT_TRUE(GoVersion::Parse("go1.18")->AtLeast(1, 18));
  EXPECT_FALSE(GoVersion::Parse("go1.17.13")->AtLeast(1, 18));
  EXPECT_TRUE(GoVersion::Parse("go1.20rc1")->AtLeast(1, 20));
  EXPECT_EQ(*GoVersion::Parse("go1.21"), *GoVersion::Parse("go1.21.0"));
}

TEST(GoVersionTest, ToStringSpellsLikeGo) {
  for (const char* text : {"go1.19.8", "go1.16", "go1.21.0", "go1.21rc2",
                           "go1.9beta1", "go1.26.5", "devel go1.22"}) {
    EXPECT_EQ(GoVersion::Parse(text)->ToString(), text);
  }
}

}  // namespace
}  // namespace go2seccomp::gosym
