#include "tests/common/tables.h"

#include <cstdlib>
#include <fstream>

namespace go2seccomp::test_util {

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (j > i) fields.push_back(line.substr(i, j - i));
    i = j;
  }
  return fields;
}

std::optional<std::uint64_t> ParseHex(std::string_view s) {
  if (s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2);
  if (s.empty() || s.size() > 16) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    v = v * 16 + static_cast<std::uint64_t>(d);
  }
  return v;
}

namespace {

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> cols;
  std::size_t start = 0;
  while (true) {
    const std::size_t tab = line.find('\t', start);
    cols.push_back(line.substr(start, tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return cols;
}

}  // namespace

std::vector<TsvRow> ReadTsv(const std::filesystem::path& path) {
  std::vector<TsvRow> rows;
  std::ifstream in(path);
  std::string line;
  std::vector<std::string> header;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols = SplitTabs(line);
    if (header.empty()) {
      header = std::move(cols);
      continue;
    }
    TsvRow row;
    for (std::size_t i = 0; i < header.size(); ++i) {
      row[header[i]] = i < cols.size() ? cols[i] : "";
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::optional<std::string> CorpusDir() {
  const char* dir = std::getenv("G2S_CORPUS_DIR");
  if (dir == nullptr || *dir == '\0') return std::nullopt;
  return std::string(dir);
}

std::vector<TsvRow> LoadCorpus(const std::string& dir) {
  std::vector<TsvRow> rows = ReadTsv(dir + "/corpus.tsv");
  for (TsvRow& row : rows) row["abs_path"] = dir + "/" + row["path"];
  return rows;
}

}  // namespace go2seccomp::test_util
