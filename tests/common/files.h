// Files the tests read and write: where the Go fixture programs are (and
// building extra ones for other GOARCHes), whole files as text or bytes,
// and scratch directories.
//
//   const std::string hello = test_util::Fixture("hello");          // amd64
//   const std::string pie = test_util::Fixture("hello", "amd64-pie");
//   std::vector<std::uint8_t> bytes;
//   ASSERT_TRUE(test_util::ReadFile(pie, &bytes));
//   test_util::TempDir tmp;  // removed with everything in it
//
// Part of go2seccomp::test_support (tests/common/CMakeLists.txt).
#ifndef GO2SECCOMP_TESTS_COMMON_FILES_H_
#define GO2SECCOMP_TESTS_COMMON_FILES_H_

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace go2seccomp::test_util {

// The fixture variants every Go fixture is built for, and the fixtures of
// tests/testdata/go/ built for each (tests/GoFixtures.cmake).
inline constexpr std::array<const char*, 4> kFixtureVariants = {
    "amd64", "amd64-pie", "amd64-stripped", "arm64"};
inline constexpr std::array<const char*, 7> kFixtureNames = {
    "hello", "mkdir", "httpsrv", "execproc", "filecopy", "rawsys", "varsys"};

// A Go fixture program built by tests/GoFixtures.cmake:
// G2S_FIXTURE_DIR "/<variant>/<name>" (variants: amd64, amd64-pie,
// amd64-stripped, amd64-cgo, arm64, 386, arm, image).
std::string Fixture(std::string_view name, std::string_view variant = "amd64");
// The fixture built for this machine's arch: arm64 on arm64, else amd64.
std::string HostFixture(std::string_view name);

// Builds tests/testdata/go/<name> for GOARCH=`goarch` (CGO_ENABLED=0, the
// fixtures' Go toolchain and cache) into the build tree, for targets the
// standard fixture variants lack. Returns the binary's path, or nullopt if
// the build failed.
std::optional<std::string> BuildGoProgram(std::string_view goarch,
                                          std::string_view name);

// A fixture variant as part of a test's name: "amd64-pie" -> "amd64_pie".
std::string VariantTestName(std::string_view variant);

// A whole file; "" if it cannot be read.
std::string ReadFile(const std::filesystem::path& path);
// A whole file as bytes; false (and *out untouched) on failure.
bool ReadFile(const std::filesystem::path& path,
              std::vector<std::uint8_t>* out);
// Writes a whole file (replacing it); false on failure.
bool WriteFile(const std::filesystem::path& path, std::string_view text);
bool WriteFile(const std::filesystem::path& path,
               const std::vector<std::uint8_t>& data);

// A fresh temporary directory (mode 0700), removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace go2seccomp::test_util

#endif  // GO2SECCOMP_TESTS_COMMON_FILES_H_
