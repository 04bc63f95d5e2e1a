// Helpers shared by the elf and gosym tests (test-only library
// go2seccomp::elf_test_util): reading fixture and corpus binaries, running the
// independent tools the tests cross-check against (readelf, go tool nm,
// go tool addr2line, go version -m), and splitting their output.
//
//   std::vector<std::uint8_t> bytes;
//   ASSERT_TRUE(ReadFile(FixturePath("amd64", "hello"), &bytes));
//   CommandOutput out = RunCommand("readelf -SW " + path);
//
// Fixtures: G2S_FIXTURE_DIR "/<variant>/<name>", built with Go 1.19 by
// tests/GoFixtures.cmake. Corpus: $G2S_CORPUS_DIR (with corpus.tsv inside).
#ifndef GO2SECCOMP_ELF_TEST_UTIL_H_
#define GO2SECCOMP_ELF_TEST_UTIL_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace go2seccomp::testing {

inline constexpr std::array<const char*, 4> kFixtureVariants = {
    "amd64", "amd64-pie", "amd64-stripped", "arm64"};
inline constexpr std::array<const char*, 7> kFixtureNames = {
    "hello", "mkdir", "httpsrv", "execproc", "filecopy", "rawsys", "varsys"};

std::string FixturePath(std::string_view variant, std::string_view name);

// Builds tests/testdata/go/<name> for GOARCH=`goarch` (CGO_ENABLED=0, the
// fixtures' Go toolchain and cache) into the build tree, for targets the
// standard fixture variants lack (386, arm: ELF32 and 4-byte pclntab
// pointers). Returns the binary's path, or nullopt if the build failed.
std::optional<std::string> BuildGoProgram(std::string_view goarch,
                                          std::string_view name);

// Reads a whole file; false (and *out untouched) on failure.
bool ReadFile(const std::string& path, std::vector<std::uint8_t>* out);
// Writes a whole file (tests that hand a mutated binary to another tool).
bool WriteFile(const std::string& path, const std::vector<std::uint8_t>& data);

struct CommandOutput {
  int exit_status = -1;  // -1 if the command could not be run
  std::string out;       // stdout
};
// Runs `command` through /bin/sh; stderr is discarded. `input`, if given, is
// written to the command's stdin (through a temporary file).
CommandOutput RunCommand(const std::string& command,
                         const std::string* input = nullptr);

std::vector<std::string_view> SplitLines(std::string_view text);
std::vector<std::string_view> SplitFields(std::string_view line);
// Parses hex with or without 0x; nullopt if not hex.
std::optional<std::uint64_t> ParseHex(std::string_view s);

// $G2S_CORPUS_DIR, or nullopt when the corpus tests should be skipped.
std::optional<std::string> CorpusDir();
// Rows of $G2S_CORPUS_DIR/corpus.tsv as column name -> value, plus "abs_path"
// (the binary's absolute path).
std::vector<std::map<std::string, std::string>> LoadCorpus(
    const std::string& dir);

}  // namespace go2seccomp::testing

#endif  // GO2SECCOMP_ELF_TEST_UTIL_H_
