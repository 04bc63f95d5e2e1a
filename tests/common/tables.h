// Text the tests read: lines and whitespace-separated fields of a tool's
// output, hex numbers, tab-separated tables with a header row (the
// tests/testdata/*.tsv tables and the third-party corpus's corpus.tsv).
//
//   for (std::string_view l : test_util::SplitLines(readelf.out)) ...
//   for (const test_util::TsvRow& row : test_util::ReadTsv(path))
//     Use(row.at("name"));
//
// Part of go2seccomp::test_support (tests/common/CMakeLists.txt).
#ifndef GO2SECCOMP_TESTS_COMMON_TABLES_H_
#define GO2SECCOMP_TESTS_COMMON_TABLES_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace go2seccomp::test_util {

std::vector<std::string_view> SplitLines(std::string_view text);
// Fields separated by runs of spaces and tabs.
std::vector<std::string_view> SplitFields(std::string_view line);
// Parses hex with or without 0x; nullopt if not hex.
std::optional<std::uint64_t> ParseHex(std::string_view s);

// One row of a table: column name (from the header row) -> value; every
// column of the header is present ("" where the row is short).
using TsvRow = std::map<std::string, std::string>;
// The rows of a tab-separated file whose first row (after comment lines
// starting with '#' and empty lines, both skipped) names the columns.
// Empty if the file cannot be read.
std::vector<TsvRow> ReadTsv(const std::filesystem::path& path);

// $G2S_CORPUS_DIR, or nullopt when the corpus tests should be skipped.
std::optional<std::string> CorpusDir();
// Rows of `dir`/corpus.tsv, plus "abs_path" (the binary's absolute path:
// `dir`/<path column>).
std::vector<TsvRow> LoadCorpus(const std::string& dir);

}  // namespace go2seccomp::test_util

#endif  // GO2SECCOMP_TESTS_COMMON_TABLES_H_
