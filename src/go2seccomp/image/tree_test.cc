#include "go2seccomp/image/tree.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "go2seccomp/image/testing/tar_builder.h"

namespace go2seccomp::image {
namespace {

using ::testing::HasSubstr;
using testing::TarBuilder;

// Keeps the archives alive: entries point into them.
class TreeTest : public ::testing::Test {
 protected:
  Result<void> Apply(const TarBuilder& b, const Limits& limits = {}) {
    archives_.push_back(std::make_unique<std::string>(b.Finish()));
    const std::string& a = *archives_.back();
    auto entries = ParseTar(
        Bytes(reinterpret_cast<const std::uint8_t*>(a.data()), a.size()),
        "layer");
    if (!entries) return Unexpected(entries.error());
    return tree_.ApplyLayer(
        *entries, "layer " + std::to_string(archives_.size()), limits);
  }
  bool Has(const std::string& p) const { return tree_.Find(p) != nullptr; }

  FileTree tree_;
  std::vector<std::unique_ptr<std::string>> archives_;
};

TEST_F(TreeTest, WhiteoutsHideLowerLayersOnly) {
  ASSERT_TRUE(Apply(TarBuilder()
                        .File("etc/a", "1")
                        .File("etc/b", "2")
                        .File("opt/x/old", "3")
                        .File("opt/x/sub/deep", "4")));
  // image-spec layer.md: `.wh.b` removes etc/b; the opaque marker removes
  // opt/x's lower contents, but opt/x/new from the same layer stays, in
  // whichever order the members come.
  ASSERT_TRUE(Apply(TarBuilder()
                        .File("opt/x/new", "5")
                        .File("etc/.wh.b", "")
                        .File("opt/x/.wh..wh..opq", "")));
  EXPECT_TRUE(Has("etc/a"));
  EXPECT_FALSE(Has("etc/b"));
  EXPECT_TRUE(Has("opt/x"));
  EXPECT_TRUE(Has("opt/x/new"));
  EXPECT_FALSE(Has("opt/x/old"));
  EXPECT_FALSE(Has("opt/x/sub/deep"));
  EXPECT_FALSE(Has("opt/x/.wh..wh..opq"));
  // A whited-out directory goes with everything below it.
  ASSERT_TRUE(Apply(TarBuilder().File(".wh.opt", "")));
  EXPECT_FALSE(Has("opt"));
  EXPECT_FALSE(Has("opt/x/new"));
}

TEST_F(TreeTest, AFileReplacesALowerDirectory) {
  ASSERT_TRUE(Apply(TarBuilder().File("d/x", "1")));
  ASSERT_TRUE(Apply(TarBuilder().Symlink("d", "/elsewhere")));
  EXPECT_EQ(tree_.Find("d")->kind, Node::Kind::kSymlink);
  EXPECT_FALSE(Has("d/x"));
}

struct Refusal {
  const char* name;
  TarBuilder layer;
  ErrorCode code;
  const char* message;
};

TEST_F(TreeTest, MaliciousMembersAreRefused) {
  std::vector<Refusal> cases = {
      {"dotdot", TarBuilder().File("../../etc/passwd", "x"),
       ErrorCode::kMalformed, "path traversal refused"},
      {"dotdot inside", TarBuilder().File("a/../../b", "x"),
       ErrorCode::kMalformed, "path traversal refused"},
      {"symlink then member below it",
       TarBuilder().Symlink("escape", "/etc").File("escape/passwd", "x"),
       ErrorCode::kMalformed,
       "symlink escape refused: its parent \"escape\" is a symbolic link (to "
       "\"/etc\")"},
      {"relative symlink escape",
       TarBuilder().Symlink("up", "../../../..").File("up/tmp/pwned", "x"),
       ErrorCode::kMalformed, "symlink escape refused"},
      {"hard link outside", TarBuilder().HardLink("pw", "/etc/passwd"),
       ErrorCode::kMalformed, "hard link to \"/etc/passwd\" refused"},
      {"hard link dotdot", TarBuilder().HardLink("pw", "../../etc/passwd"),
       ErrorCode::kMalformed, "path traversal refused"},
      {"char device", TarBuilder().Member("dev/mem", '3', "", 0666, "", 0),
       ErrorCode::kUnsupported, "character device refused"},
      {"block device", TarBuilder().Member("dev/sda", '4', "", 0666, "", 0),
       ErrorCode::kUnsupported, "block device refused"},
      {"fifo", TarBuilder().Member("run/fifo", '6', "", 0666, "", 0),
       ErrorCode::kUnsupported, "fifo refused"},
  };
  for (Refusal& c : cases) {
    FileTree fresh;
    tree_ = fresh;
    auto r = Apply(c.layer);
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().code, c.code) << c.name;
    EXPECT_THAT(r.error().message, HasSubstr(c.message)) << c.name;
    EXPECT_THAT(r.error().message, HasSubstr("at offset 0x")) << c.name;
  }
}

TEST_F(TreeTest, HardLinksBecomeCopiesAndAbsoluteNamesAreContained) {
  ASSERT_TRUE(Apply(TarBuilder()
                        .File("/usr/bin/a", "data")
                        .HardLink("usr/bin/b", "/usr/bin/a")));
  ASSERT_TRUE(Has("usr/bin/a"));
  EXPECT_EQ(tree_.Find("usr/bin/b")->data.size(), 4u);
}

TEST_F(TreeTest, SizeLimitRefusesBeforeWriting) {
  Limits small;
  small.max_total_size = 10;
  auto r = Apply(TarBuilder().File("a", "12345").File("b", "123456"), small);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("member \"b\" at offset 0x400"));
  EXPECT_THAT(r.error().message, HasSubstr("exceed the size limit (10 bytes"));
  Limits few;
  few.max_entries = 3;
  EXPECT_FALSE(
      Apply(TarBuilder().File("x", "").File("y", "").File("z", ""), few));
}

TEST_F(TreeTest, SymlinksResolveInsideTheImage) {
  ASSERT_TRUE(
      Apply(TarBuilder()
                .File("usr/bin/app", "x", 0755)
                .Symlink("bin", "usr/bin")
                .Symlink("usr/local/bin/app", "/bin/app")
                .Symlink("usr/local/bin/up", "../../../../../../usr/bin/app")
                .Symlink("loop1", "loop2")
                .Symlink("loop2", "loop1")
                .File("etc/passwd", "root")));
  EXPECT_EQ(*tree_.Resolve("/usr/local/bin/app"), "usr/bin/app");
  EXPECT_EQ(*tree_.Resolve("/bin/app"), "usr/bin/app");
  EXPECT_EQ(*tree_.Resolve("/usr/local/bin/up"),
            "usr/bin/app");  // ".." stops at the root
  EXPECT_EQ(tree_.Resolve("/loop1").error().code, ErrorCode::kMalformed);
  EXPECT_EQ(tree_.Resolve("/nope").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(tree_.Resolve("/etc/passwd/x").error().code, ErrorCode::kNotFound);
}

TEST_F(TreeTest, FindProgramLikeExecvp) {
  ASSERT_TRUE(Apply(TarBuilder()
                        .File("usr/bin/app", "x", 0755)
                        .File("usr/local/bin/data", "x", 0644)
                        .File("usr/bin/data", "x", 0755)
                        .File("srv/run", "x", 0755)
                        .Symlink("usr/local/bin/app", "/usr/bin/app")));
  auto app = tree_.FindProgram("app", "/usr/local/bin:/usr/bin", "/");
  ASSERT_TRUE(app);
  EXPECT_EQ(app->path, "/usr/local/bin/app");
  EXPECT_EQ(app->resolved, "usr/bin/app");
  // Not executable in the first PATH directory: the next one.
  EXPECT_EQ(tree_.FindProgram("data", "/usr/local/bin:/usr/bin", "/")->path,
            "/usr/bin/data");
  EXPECT_EQ(tree_.FindProgram("./run", kDefaultPath, "/srv")->resolved,
            "srv/run");
  EXPECT_EQ(tree_.FindProgram("/srv/run", "", "/")->resolved, "srv/run");
  EXPECT_FALSE(tree_.FindProgram("run", kDefaultPath, "/srv"));
  EXPECT_FALSE(tree_.FindProgram("", kDefaultPath, "/"));
}

TEST(ShebangTest, Interpreter) {
  auto sh = [](std::string_view s) {
    return ShebangInterpreter(
        Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
  };
  EXPECT_EQ(*sh("#!/bin/sh -e\necho"), "/bin/sh");
  EXPECT_EQ(*sh("#! /usr/bin/env python3\n"), "/usr/bin/env");
  EXPECT_FALSE(
      sh("\x7f"
         "ELF"));
  EXPECT_FALSE(sh("#!\n"));
}

TEST(NormalizeTest, Paths) {
  EXPECT_EQ(*NormalizeImagePath("./usr//bin/./x/"), "usr/bin/x");
  EXPECT_EQ(*NormalizeImagePath("/"), "");
  EXPECT_FALSE(NormalizeImagePath("a/.."));
}

}  // namespace
}  // namespace go2seccomp::image
