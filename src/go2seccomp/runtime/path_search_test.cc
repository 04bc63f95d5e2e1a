// The PATH search (path_search.h) against real files in a temporary
// directory: what execvp would run, and what it would refuse.
#include "go2seccomp/runtime/path_search.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "tests/common/files.h"

namespace go2seccomp::runtime {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Status = ProgramLookup::Status;

class PathSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.path();
    const char* path = std::getenv("PATH");
    if (path != nullptr) saved_path_ = path;
    saved_cwd_ = fs::current_path();
  }
  void TearDown() override {
    fs::current_path(saved_cwd_);
    if (saved_path_) {
      ::setenv("PATH", saved_path_->c_str(), 1);
    } else {
      ::unsetenv("PATH");
    }
  }

  // A file `name` in the subdirectory `sub` (created), with `mode`.
  std::string MakeFile(const std::string& sub, const std::string& name,
                       fs::perms mode) {
    fs::create_directories(dir_ / sub);
    const fs::path p = dir_ / sub / name;
    std::ofstream(p) << "#!/bin/sh\n";
    fs::permissions(p, mode);
    return p.string();
  }
  std::string Dir(const std::string& sub) const {
    return (dir_ / sub).string();
  }
  // "prog" searched on `path` is `expected`.
  static void ExpectFound(const std::string& path,
                          const std::string& expected) {
    ProgramLookup l = LookUpProgram("prog", path);
    EXPECT_EQ(l.status, Status::kFound) << path;
    EXPECT_EQ(l.path, expected) << path;
    EXPECT_EQ(l.error, 0) << path;
  }

  static constexpr fs::perms kExecutable =
      fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read;
  static constexpr fs::perms kReadOnly =
      fs::perms::owner_read | fs::perms::owner_write;

  test_util::TempDir tmp_;
  fs::path dir_;
  std::optional<std::string> saved_path_;
  fs::path saved_cwd_;
};

TEST_F(PathSearchTest, FindsTheFirstExecutableRegularFile) {
  MakeFile("a", "prog", kExecutable);
  ExpectFound(Dir("b") + ":" + Dir("a"), MakeFile("b", "prog", kExecutable));
}

TEST_F(PathSearchTest, SkipsADirectoryNamedLikeTheProgram) {
  // execve(2) refuses a directory with EACCES even though it is searchable
  // (root's access(X_OK) would accept it).
  fs::create_directories(dir_ / "a" / "prog");
  const std::string b = MakeFile("b", "prog", kExecutable);
  ExpectFound(Dir("a") + ":" + Dir("b"), b);

  ::setenv("PATH", (Dir("a") + ":" + Dir("b")).c_str(), 1);
  EXPECT_EQ(FindOnPath("prog"), b);

  // Only the directory: execvp's EACCES, "cannot execute".
  ProgramLookup l = LookUpProgram("prog", Dir("a"));
  EXPECT_EQ(l.status, Status::kNotExecutable);
  EXPECT_EQ(l.error, EACCES);
  EXPECT_THAT(DescribeLookupFailure("prog", l, Dir("a")),
              HasSubstr("prog: cannot execute: Permission denied"));
  ::setenv("PATH", Dir("a").c_str(), 1);
  EXPECT_EQ(FindOnPath("prog"), std::nullopt);
}

TEST_F(PathSearchTest, SkipsAFileWithoutExecutePermission) {
  MakeFile("a", "prog", kReadOnly);
  ExpectFound(Dir("a") + ":" + Dir("b"), MakeFile("b", "prog", kExecutable));

  ProgramLookup l = LookUpProgram("prog", Dir("a") + ":" + Dir("missing"));
  EXPECT_EQ(l.status, Status::kNotExecutable);
  EXPECT_EQ(l.error, EACCES);
  ::setenv("PATH", Dir("a").c_str(), 1);
  EXPECT_EQ(FindOnPath("prog"), std::nullopt);
}

TEST_F(PathSearchTest, NotFound) {
  const std::string path = Dir("missing") + ":" + Dir("also-missing");
  ProgramLookup l = LookUpProgram("prog", path);
  EXPECT_EQ(l.status, Status::kNotFound);
  EXPECT_EQ(l.error, ENOENT);
  EXPECT_EQ(DescribeLookupFailure("prog", l, path),
            "prog: not found in PATH (" + path + ")");
  // An empty name is not found, as for execvp (not the directories).
  EXPECT_EQ(LookUpProgram("", Dir("a")).status, Status::kNotFound);
}

TEST_F(PathSearchTest, AnEmptyEntryIsTheCurrentDirectory) {
  MakeFile("cwd", "prog", kExecutable);
  fs::current_path(dir_ / "cwd");
  for (const std::string& path : {":" + Dir("missing"), Dir("missing") + ":",
                                  Dir("missing") + "::/x", std::string()}) {
    ExpectFound(path, "./prog");
  }
  // Without the empty entry, the current directory is not searched.
  EXPECT_EQ(LookUpProgram("prog", Dir("missing")).status, Status::kNotFound);
  ::setenv("PATH", (Dir("missing") + ":").c_str(), 1);
  EXPECT_EQ(FindOnPath("prog"), "./prog");
}

TEST_F(PathSearchTest, ANameWithASlashIsNotSearched) {
  const std::string a = MakeFile("a", "prog", kExecutable);
  MakeFile("b", "prog", kExecutable);
  ::setenv("PATH", Dir("b").c_str(), 1);
  // FindOnPath returns it as it is, even when it does not exist.
  EXPECT_EQ(FindOnPath(a), a);
  EXPECT_EQ(FindOnPath("./no/such/prog"), "./no/such/prog");
  // LookUpProgram checks it where it is.
  ProgramLookup l = LookUpProgram(a, Dir("b"));
  EXPECT_EQ(l.status, Status::kFound);
  EXPECT_EQ(l.path, a);
  l = LookUpProgram(Dir("a") + "/missing", Dir("b"));
  EXPECT_EQ(l.status, Status::kNotFound);
  EXPECT_EQ(l.error, ENOENT);
  EXPECT_THAT(DescribeLookupFailure(Dir("a") + "/missing", l, Dir("b")),
              HasSubstr("/missing: not found: No such file or directory"));
  l = LookUpProgram(Dir("a"), Dir("b"));  // a directory
  EXPECT_EQ(l.status, Status::kNotExecutable);
  EXPECT_EQ(l.error, EACCES);
  fs::current_path(dir_);
  l = LookUpProgram("a/prog", Dir("b"));
  EXPECT_EQ(l.status, Status::kFound);
  EXPECT_EQ(l.path, "a/prog");
}

TEST_F(PathSearchTest, PathUnsetIsGlibcsDefault) {
  const std::string env_sh = MakeFile("bin", "sh", kExecutable);
  ::setenv("PATH", Dir("bin").c_str(), 1);
  EXPECT_EQ(FindOnPath("sh"), env_sh);
  ::unsetenv("PATH");
  EXPECT_EQ(SearchPathOf(nullptr), "/bin:/usr/bin");
  EXPECT_EQ(FindOnPath("sh"), "/bin/sh");  // posix/execvpe.c
  // An explicit environment without PATH gets the default too.
  const std::vector<std::string> env = {"HOME=/root", "PATHX=/x"};
  EXPECT_EQ(SearchPathOf(&env), "/bin:/usr/bin");
  const std::vector<std::string> with = {"HOME=/root", "PATH=/opt/bin:"};
  EXPECT_EQ(SearchPathOf(&with), "/opt/bin:");
}

}  // namespace
}  // namespace go2seccomp::runtime
