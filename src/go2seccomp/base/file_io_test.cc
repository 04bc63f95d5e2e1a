#include "go2seccomp/base/file_io.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/common/files.h"

namespace go2seccomp {
namespace {

namespace fs = std::filesystem;

class FileIoTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.empty()); }
  // Writable again (a test takes the write permission away), so TempDir
  // can remove it.
  void TearDown() override { ::chmod(dir_.c_str(), 0755); }
  test_util::TempDir tmp_;
  const fs::path& dir_ = tmp_.path();
};

TEST_F(FileIoTest, MapsFileContents) {
  const auto p = (dir_ / "f").string();
  std::ofstream(p) << "\x7f" "ELF";
  auto f = MappedFile::Open(p);
  ASSERT_TRUE(f) << f.error().message;
  ASSERT_EQ(f->bytes().size(), 4u);
  EXPECT_EQ(f->bytes()[1], 'E');
}

TEST_F(FileIoTest, MissingFileIsNotFoundAndNamesPath) {
  const auto p = (dir_ / "nope").string();
  auto f = MappedFile::Open(p);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ErrorCode::kNotFound);
  EXPECT_NE(f.error().message.find(p), std::string::npos);
}

TEST_F(FileIoTest, DirectoryIsIoError) {
  auto f = MappedFile::Open(dir_.string());
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ErrorCode::kIo);
}

// A FIFO used to block open(2) until a writer came (found by the bad-input
// tests, tests/e2e/bad_input_test.cc); now it is refused at once.
TEST_F(FileIoTest, FifoIsIoErrorWithoutBlocking) {
  const auto p = (dir_ / "fifo").string();
  ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0);
  auto f = MappedFile::Open(p);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ErrorCode::kIo);
  EXPECT_NE(f.error().message.find(p + ": not a regular file"), std::string::npos);
}

TEST_F(FileIoTest, AtomicWriteReplacesAndLeavesNoTemp) {
  const auto p = (dir_ / "out.json").string();
  ASSERT_TRUE(WriteFileAtomically(p, "old"));
  ASSERT_TRUE(WriteFileAtomically(p, "new contents"));
  EXPECT_EQ(*ReadTextFile(p), "new contents");
  int n = 0;
  for (auto& e : fs::directory_iterator(dir_)) {
    (void)e;
    ++n;
  }
  EXPECT_EQ(n, 1);
}

TEST_F(FileIoTest, UnwritableDirectoryFailsWithoutOutput) {
  // procfs refuses new files even to root, unlike a chmod 0555 directory.
  const std::string p = "/proc/g2s-out.json";
  auto r = WriteFileAtomically(p, "x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kIo);
  EXPECT_NE(r.error().message.find(p), std::string::npos);
  EXPECT_FALSE(fs::exists(p));
}

// Writing "to /dev/null" must not replace the device with a regular file
// (a rename over it would, as root).
TEST_F(FileIoTest, CharacterDeviceIsWrittenInPlace) {
  struct stat before;
  ASSERT_EQ(::stat("/dev/null", &before), 0);
  ASSERT_TRUE(S_ISCHR(before.st_mode));
  ASSERT_TRUE(WriteFileAtomically("/dev/null", "discarded"));
  struct stat after;
  ASSERT_EQ(::stat("/dev/null", &after), 0);
  EXPECT_TRUE(S_ISCHR(after.st_mode));
  EXPECT_EQ(before.st_rdev, after.st_rdev);
}

TEST_F(FileIoTest, MissingDirectoryFailsWithPath) {
  const auto p = (dir_ / "no" / "such" / "out.json").string();
  auto r = WriteFileAtomically(p, "x");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(p), std::string::npos);
  EXPECT_FALSE(fs::exists(p));
}

}  // namespace
}  // namespace go2seccomp
