#include "go2seccomp/elf/test_util.h"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace go2seccomp::testing {

std::string FixturePath(std::string_view variant, std::string_view name) {
  return std::string(G2S_FIXTURE_DIR) + "/" + std::string(variant) + "/" +
         std::string(name);
}

std::optional<std::string> BuildGoProgram(std::string_view goarch,
                                          std::string_view name) {
  const std::string out = std::string(G2S_BINARY_DIR) + "/go_extra/" +
                          std::string(goarch) + "/" + std::string(name);
  // Same environment as tests/GoFixtures.cmake: offline, module mode, the
  // build tree's cache (so only the first run compiles the standard
  // library for this GOARCH).
  const std::string cmd = fmt::format(
      "mkdir -p $(dirname {}) && cd {}/tests/testdata/go && env CGO_ENABLED=0 "
      "GOOS=linux GOARCH={} "
      "GOCACHE={}/gocache GOPATH={}/gopath GOFLAGS=-mod=mod GOPROXY=off "
      "GOTOOLCHAIN=local GO111MODULE=on go build -o {} ./{}",
      out, G2S_SOURCE_DIR, goarch, G2S_BINARY_DIR, G2S_BINARY_DIR, out, name);
  if (RunCommand(cmd).exit_status != 0) return std::nullopt;
  return out;
}

bool ReadFile(const std::string& path, std::vector<std::uint8_t>* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)),
                                 std::istreambuf_iterator<char>());
  if (in.bad()) return false;
  *out = std::move(data);
  return true;
}

bool WriteFile(const std::string& path, const std::vector<std::uint8_t>& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()),
            static_cast<std::streamsize>(data.size()));
  return static_cast<bool>(out);
}

CommandOutput RunCommand(const std::string& command, const std::string* input) {
  CommandOutput result;
  std::string cmd = command + " 2>/dev/null";
  std::string input_path;
  if (input != nullptr) {
    char tmpl[] = "/tmp/g2s_test_input_XXXXXX";
    const int fd = mkstemp(tmpl);
    if (fd < 0) return result;
    close(fd);
    input_path = tmpl;
    std::ofstream(input_path) << *input;
    cmd += " < " + input_path;
  }
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe != nullptr) {
    char buf[1 << 16];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0)
      result.out.append(buf, n);
    const int status = pclose(pipe);
    result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  if (!input_path.empty()) unlink(input_path.c_str());
  return result;
}

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

std::optional<std::string> CorpusDir() {
  const char* dir = std::getenv("G2S_CORPUS_DIR");
  if (dir == nullptr || *dir == '\0') return std::nullopt;
  return std::string(dir);
}

std::vector<std::map<std::string, std::string>> LoadCorpus(
    const std::string& dir) {
  std::vector<std::map<std::string, std::string>> rows;
  std::ifstream in(dir + "/corpus.tsv");
  std::string line;
  std::vector<std::string> header;
  auto split_tabs = [](const std::string& l) {
    std::vector<std::string> cols;
    std::size_t start = 0;
    while (true) {
      const std::size_t tab = l.find('\t', start);
      cols.push_back(l.substr(start, tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    return cols;
  };
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> cols = split_tabs(line);
    if (header.empty()) {
      header = cols;
      continue;
    }
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < header.size() && i < cols.size(); ++i) {
      row[header[i]] = cols[i];
    }
    row["abs_path"] = dir + "/" + row["path"];
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace go2seccomp::testing
