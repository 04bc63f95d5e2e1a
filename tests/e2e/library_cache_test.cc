// The shared-library analysis cache (analysis/native_cache.h) through the
// CLI: profiles are byte-identical cold, warm and without the cache; a
// corrupt, truncated or stale entry is ignored and rewritten; --no-cache
// writes nothing; concurrent runs do not corrupt it. Every test uses its own
// temporary --cache-dir, never the user's.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "go2seccomp/analysis/native_cache.h"
#include "go2seccomp/base/file_io.h"
#include "tests/common/files.h"
#include "tests/common/process_util.h"

namespace go2seccomp {
namespace {

namespace fs = std::filesystem;
using test_util::ReadFile;
using test_util::RunProgram;
using test_util::RunResult;
using test_util::TempDir;

struct CliRun {
  std::string profile;  // the profile's bytes
  std::string stats;    // the "library cache: ..." part of --stats
};

// One analysis with --stats; `cache` empty means --no-cache.
CliRun Analyze(const std::string& binary, const fs::path& cache,
               const fs::path& out) {
  std::vector<std::string> argv = {G2S_CLI, "--stats", "--runtime",
                                   "none",  binary,    out.string()};
  if (cache.empty()) {
    argv.push_back("--no-cache");
  } else {
    argv.insert(argv.end(), {"--cache-dir", cache.string()});
  }
  RunResult r = RunProgram(argv);
  EXPECT_TRUE(r.exited_ok()) << r.err;
  CliRun run{ReadFile(out), ""};
  const auto at = r.out.find("library cache:");
  if (at != std::string::npos)
    run.stats = r.out.substr(at, r.out.find(')', at) - at);
  return run;
}

std::vector<fs::path> Entries(const fs::path& cache) {
  std::vector<fs::path> out;
  if (!fs::exists(cache / "libs")) return out;
  for (const auto& e : fs::directory_iterator(cache / "libs"))
    out.push_back(e.path());
  return out;
}

// The dynamically linked fixtures: cgo (glibc, NSS), an external PIE, and a
// C program whose own library calls libc's syscall() (an entry whose report
// depends on libc's wrappers).
std::vector<std::string> Programs() {
  return {test_util::Fixture("cgonet", "amd64-cgo"),
          test_util::Fixture("cgouser", "amd64-cgo"),
          test_util::Fixture("execproc-extpie", "amd64-cgo"), G2S_DEPPROG};
}

TEST(LibraryCache, ProfilesAreByteIdenticalColdWarmAndWithout) {
  TempDir tmp;
  const fs::path cache = tmp.path() / "cache";
  for (const std::string& prog : Programs()) {
    SCOPED_TRACE(prog);
    const CliRun none = Analyze(prog, {}, tmp.path() / "none.json");
    EXPECT_EQ(none.stats, "");
    const std::size_t before = Entries(cache).size();
    const CliRun cold = Analyze(prog, cache, tmp.path() / "cold.json");
    const CliRun warm = Analyze(prog, cache, tmp.path() / "warm.json");
    EXPECT_EQ(cold.profile, none.profile);
    EXPECT_EQ(warm.profile, none.profile);
    // ld.so and libc come from the first program's run on.
    if (before == 0) {
      EXPECT_TRUE(cold.stats.starts_with("library cache: 0 hit, "))
          << cold.stats;
    }
    EXPECT_NE(cold.stats.find(" written"), std::string::npos) << cold.stats;
    EXPECT_NE(warm.stats.find(" 0 miss, 0 written"), std::string::npos)
        << warm.stats;
    EXPECT_GT(Entries(cache).size(), 0u);
  }
  for (const fs::path& e : Entries(cache)) {
    EXPECT_EQ(e.string().find(".tmp"), std::string::npos) << e;
  }
}

TEST(LibraryCache, NoCacheWritesNothing) {
  TempDir tmp;
  const fs::path cache = tmp.path() / "cache";
  RunResult r =
      RunProgram({G2S_CLI, "--runtime", "none", "--no-cache", "--cache-dir",
                  cache.string(), test_util::Fixture("cgonet", "amd64-cgo"),
                  (tmp.path() / "p.json").string()});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  EXPECT_FALSE(fs::exists(cache));
}

// Each damaged entry is a miss, the profile is unchanged, and the entry is
// rewritten (the next run hits everything again).
void ExpectDamageIgnored(void (*damage)(const fs::path&)) {
  TempDir tmp;
  const fs::path cache = tmp.path() / "cache";
  const std::string prog = test_util::Fixture("cgonet", "amd64-cgo");
  const CliRun ref = Analyze(prog, cache, tmp.path() / "ref.json");
  const auto entries = Entries(cache);
  ASSERT_GT(entries.size(), 0u);
  for (const fs::path& e : entries) damage(e);
  const CliRun damaged = Analyze(prog, cache, tmp.path() / "damaged.json");
  EXPECT_EQ(damaged.profile, ref.profile);
  EXPECT_TRUE(damaged.stats.starts_with("library cache: 0 hit, "))
      << damaged.stats;
  for (const fs::path& e : entries) {
    const std::string bytes = ReadFile(e);
    EXPECT_TRUE(analysis::ParseImageSummary(Bytes(
        reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size())))
        << e << " was not rewritten";
  }
  const CliRun again = Analyze(prog, cache, tmp.path() / "again.json");
  EXPECT_EQ(again.profile, ref.profile);
  EXPECT_NE(again.stats.find(" 0 miss"), std::string::npos) << again.stats;
}

TEST(LibraryCache, CorruptEntryIsIgnoredAndRewritten) {
  ExpectDamageIgnored([](const fs::path& e) {
    std::string bytes = ReadFile(e);
    bytes[bytes.size() / 2] ^= 0x5a;
    std::ofstream(e, std::ios::binary) << bytes;
  });
}

TEST(LibraryCache, TruncatedEntryIsIgnoredAndRewritten) {
  ExpectDamageIgnored(
      [](const fs::path& e) { fs::resize_file(e, fs::file_size(e) / 2); });
}

TEST(LibraryCache, EntryOfAnotherFormatOrBuildIsIgnored) {
  ExpectDamageIgnored([](const fs::path& e) {
    std::string bytes = ReadFile(e);
    bytes[8] ^= 1;  // the format version
    std::ofstream(e, std::ios::binary) << bytes;
  });
}

// An entry whose report was made with other external wrappers (another
// libc): the graph is reused, the report recomputed, the profile the same.
TEST(LibraryCache, EntryMadeWithOtherWrappersIsReanalysed) {
  TempDir tmp;
  const fs::path cache = tmp.path() / "cache";
  const std::string prog = G2S_DEPPROG;
  const CliRun ref = Analyze(prog, cache, tmp.path() / "ref.json");
  std::size_t changed = 0;
  for (const fs::path& e : Entries(cache)) {
    const std::string bytes = ReadFile(e);
    auto s = analysis::ParseImageSummary(Bytes(
        reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
    ASSERT_TRUE(s) << e;
    if (s->plt.empty()) continue;  // imports nothing: no wrappers to differ
    s->wrappers_in ^= 1;
    s->report = {};  // a wrong report: must not be used
    std::ofstream(e, std::ios::binary) << analysis::SerializeImageSummary(*s);
    ++changed;
  }
  ASSERT_GT(changed, 0u);
  const CliRun re = Analyze(prog, cache, tmp.path() / "re.json");
  EXPECT_EQ(re.profile, ref.profile);
  EXPECT_NE(re.stats.find(std::to_string(changed) + " miss"), std::string::npos)
      << re.stats;
}

TEST(LibraryCache, ConcurrentRunsDoNotCorruptIt) {
  TempDir tmp;
  const fs::path cache = tmp.path() / "cache";
  const std::string prog = test_util::Fixture("cgonet", "amd64-cgo");
  const CliRun ref = Analyze(prog, {}, tmp.path() / "ref.json");
  // Two processes at once, three times, on the same (initially empty) cache.
  std::string script;
  for (int k = 0; k < 6; ++k) {
    script +=
        std::string("\"$0\" --runtime none --cache-dir \"$1\" \"$2\" \"$3/") +
        std::to_string(k) + ".json\" & ";
    if (k % 2 == 1) script += "wait; ";
  }
  RunResult r = RunProgram({"/bin/sh", "-c", script, G2S_CLI, cache.string(),
                            prog, tmp.path().string()});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  for (int k = 0; k < 6; ++k) {
    EXPECT_EQ(ReadFile(tmp.path() / (std::to_string(k) + ".json")), ref.profile)
        << k;
  }
  for (const fs::path& e : Entries(cache)) {
    EXPECT_EQ(e.string().find(".tmp"), std::string::npos) << e;
  }
  const CliRun warm = Analyze(prog, cache, tmp.path() / "warm.json");
  EXPECT_EQ(warm.profile, ref.profile);
  EXPECT_NE(warm.stats.find(" 0 miss"), std::string::npos) << warm.stats;
}

// `analyze A B C -o DIR/`: one profile per binary, each the same as a
// single run's, binaries of the same name kept apart, a failing one
// reported (exit 1) without stopping the others or leaving a file.
TEST(LibraryCache, BatchWritesTheProfilesOfSingleRuns) {
  TempDir tmp;
  const fs::path cache = tmp.path() / "cache", out = tmp.path() / "out";
  const std::vector<std::string> progs = {
      test_util::Fixture("hello"), test_util::Fixture("cgonet", "amd64-cgo"),
      test_util::Fixture("cgouser", "amd64-cgo"),
      test_util::Fixture("hello", "amd64-pie")};
  std::vector<std::string> argv = {G2S_CLI, "analyze",         "--runtime",
                                   "none",  "--cache-dir",     cache.string(),
                                   "-o",    out.string() + "/"};
  argv.insert(argv.end(), progs.begin(), progs.end());
  argv.push_back((tmp.path() / "missing").string());
  RunResult r = RunProgram(argv);
  EXPECT_EQ(r.exit_code(), 1) << r.out << r.err;
  EXPECT_NE(r.err.find("missing"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("5 binaries (1 failed)"), std::string::npos) << r.out;
  const std::vector<std::string> names = {"hello.json", "cgonet.json",
                                          "cgouser.json", "hello-2.json"};
  for (std::size_t k = 0; k < progs.size(); ++k) {
    SCOPED_TRACE(progs[k]);
    const CliRun single = Analyze(progs[k], {}, tmp.path() / "single.json");
    EXPECT_EQ(ReadFile(out / names[k]), single.profile);
  }
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(out)) ++files;
  EXPECT_EQ(files, progs.size());
}

}  // namespace
}  // namespace go2seccomp
