// The arm64 profile of a Go program must equal its amd64 profile modulo
// syscalls that exist or are used on one arch only -- every such difference
// is a row of tests/testdata/arch_differences.tsv with its reason. Run on
// the Go 1.19 fixtures (built at test time for both arches) and, with
// G2S_CORPUS_DIR set, on every esbuild version of ../shared/corpus.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "tests/common/files.h"
#include "tests/common/process_util.h"
#include "tests/common/profiles.h"
#include "tests/common/tables.h"

namespace go2seccomp {
namespace {

namespace fs = std::filesystem;
using test_util::RunProgram;
using test_util::TempDir;

struct Row {
  std::string name, only_on;
  int go_min = 0, go_max = 1000;  // minor versions, inclusive
};

std::vector<Row> LoadTable() {
  std::vector<Row> rows;
  for (const test_util::TsvRow& t :
       test_util::ReadTsv(std::string(G2S_SOURCE_DIR) +
                          "/tests/testdata/arch_differences.tsv")) {
    Row r{t.at("name"), t.at("only_on")};
    if (t.at("go_min") != "-") r.go_min = std::stoi(t.at("go_min").substr(2));
    if (t.at("go_max") != "-") r.go_max = std::stoi(t.at("go_max").substr(2));
    rows.push_back(r);
  }
  return rows;
}

std::set<std::string> ProfileNames(const std::string& bin, const fs::path& out,
                                   std::string* go_version) {
  auto r = RunProgram({G2S_CLI, bin, out.string(), "--runtime", "none"});
  EXPECT_TRUE(r.exited_ok()) << r.err;
  EXPECT_EQ(r.err.find("finding"), std::string::npos) << r.err;
  std::smatch m;
  if (std::regex_search(r.out, m, std::regex(R"(go1\.(\d+))"))) *go_version = m[1];
  return test_util::AllowedNames(test_util::ReadProfile(out)).unconditional;
}

// Differences between the two profiles that the table does not explain.
std::string Unexplained(const std::set<std::string>& amd64, const std::set<std::string>& arm64,
                        int go_minor, const std::vector<Row>& table) {
  auto allowed = [&](const std::string& name, const std::string& only) {
    for (const Row& r : table) {
      if (r.name == name && r.only_on == only && go_minor >= r.go_min && go_minor <= r.go_max) {
        return true;
      }
    }
    return false;
  };
  std::string bad;
  for (const std::string& n : amd64) {
    if (!arm64.count(n) && !allowed(n, "amd64")) bad += "amd64-only " + n + "; ";
  }
  for (const std::string& n : arm64) {
    if (!amd64.count(n) && !allowed(n, "arm64")) bad += "arm64-only " + n + "; ";
  }
  return bad;
}

TEST(ArchCompare, FixturesAgreeModuloTheTable) {
  const auto table = LoadTable();
  ASSERT_GE(table.size(), 5u);
  TempDir tmp;
  for (const char* name : {"hello", "mkdir", "httpsrv", "execproc", "filecopy", "rawsys"}) {
    std::string va, vb;
    auto a = ProfileNames(test_util::Fixture(name, "amd64"),
                          tmp.path() / "a.json", &va);
    auto b = ProfileNames(test_util::Fixture(name, "arm64"),
                          tmp.path() / "b.json", &vb);
    ASSERT_EQ(va, vb);
    EXPECT_EQ(Unexplained(a, b, std::stoi(va), table), "") << name;
    // The table is not vacuous here: Go 1.19 has both kinds of difference.
    EXPECT_TRUE(a.count("arch_prctl") && !b.count("arch_prctl")) << name;
    EXPECT_TRUE(b.count("prlimit64") && !a.count("prlimit64")) << name;
  }
}

TEST(ArchCompare, CorpusEsbuildAgreesModuloTheTable) {
  const std::optional<std::string> corpus = test_util::CorpusDir();
  if (!corpus)
    GTEST_SKIP() << "set G2S_CORPUS_DIR to a fetched ../shared/corpus";
  const auto table = LoadTable();
  TempDir tmp;
  int pairs = 0;
  for (const auto& e : fs::directory_iterator(fs::path(*corpus) / "npm")) {
    const std::string dir = e.path().filename().string();
    std::smatch m;
    if (!std::regex_match(dir, m, std::regex(R"(esbuild-linux-arm64-(.*))"))) continue;
    fs::path amd =
        fs::path(*corpus) / "npm" / ("esbuild-linux-x64-" + m[1].str());
    if (!fs::exists(amd))
      amd = fs::path(*corpus) / "npm" / ("esbuild-linux-64-" + m[1].str());
    if (!fs::exists(amd)) continue;
    std::string va, vb;
    auto a = ProfileNames((amd / "package/bin/esbuild").string(), tmp.path() / "a.json", &va);
    auto b = ProfileNames((e.path() / "package/bin/esbuild").string(), tmp.path() / "b.json", &vb);
    ASSERT_EQ(va, vb) << dir;
    EXPECT_EQ(Unexplained(a, b, std::stoi(va), table), "") << dir << " (go1." << va << ")";
    ++pairs;
  }
  EXPECT_GE(pairs, 10);
}

}  // namespace
}  // namespace go2seccomp
