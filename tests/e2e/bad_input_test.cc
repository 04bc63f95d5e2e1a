// Bad input through the real command line: every case checks the exit code
// documented in README.md ("Exit codes"), that the message names the file
// (and, for malformed input, an offset), and that no profile or temporary
// file is left behind. Inputs are made here from the amd64 `hello` fixture,
// text files, /bin/true and hand-edited JSON. Label "cli": no kernel
// features needed (cases that need an unprivileged user skip without
// setpriv).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "go2seccomp/base/error.h"
#include "tests/common/files.h"
#include "tests/common/process_util.h"

namespace go2seccomp {
namespace {

namespace fs = std::filesystem;
using test_util::RunResult;
using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// README "Exit codes".
constexpr int kUsage = 2;
constexpr int kIo = 3;
constexpr int kNotFound = 4;
constexpr int kMalformed = 5;
constexpr int kUnsupported = 6;

// An offset in a message: "offset 0x1c8", "file offset 0x...", "(size
// 0x64)", "byte 18" or "is 51 bytes".
constexpr const char* kOffsetRegex = "0x[0-9a-f]+|byte [0-9]+|[0-9]+ bytes";

using test_util::WriteFile;

std::uint64_t Le(const std::vector<std::uint8_t>& b, std::size_t at, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i)
    v = (v << 8) | b.at(at + static_cast<std::size_t>(i));
  return v;
}

void PutLe(std::vector<std::uint8_t>* b, std::size_t at, std::uint64_t v,
           int n) {
  for (int i = 0; i < n; ++i)
    (*b).at(at + static_cast<std::size_t>(i)) = (v >> (8 * i)) & 0xff;
}

// File offset and size of a section of an ELF64 LE file, read by hand from
// the section headers (gABI Elf64_Shdr), independently of our reader.
std::optional<std::pair<std::uint64_t, std::uint64_t>> FindSection(
    const std::vector<std::uint8_t>& b, const std::string& name) {
  const std::uint64_t shoff = Le(b, 40, 8);
  const std::uint64_t shnum = Le(b, 60, 2);
  const std::uint64_t shstrndx = Le(b, 62, 2);
  const std::uint64_t strtab = Le(b, shoff + shstrndx * 64 + 24, 8);
  for (std::uint64_t i = 0; i < shnum; ++i) {
    const std::uint64_t sh = shoff + i * 64;
    const char* n = reinterpret_cast<const char*>(&b.at(strtab + Le(b, sh, 4)));
    if (name == n) return std::make_pair(Le(b, sh + 24, 8), Le(b, sh + 32, 8));
  }
  return std::nullopt;
}

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hello_ = test_util::Fixture("hello");
    ASSERT_TRUE(fs::exists(hello_)) << hello_;
    // The temporary directory must be reachable by the unprivileged user
    // of the permission cases.
    fs::permissions(dir(), fs::perms::owner_all | fs::perms::group_read |
                               fs::perms::group_exec | fs::perms::others_read |
                               fs::perms::others_exec);
  }

  const fs::path& dir() const { return tmp_.path(); }
  fs::path out() const { return dir() / "profile.json"; }

  // The CLI under a watchdog: a hang (say, opening a FIFO) fails the test
  // with status 124 instead of stalling ctest.
  static RunResult Cli(std::vector<std::string> args,
                       std::vector<std::string> prefix = {}) {
    std::vector<std::string> argv = std::move(prefix);
    for (const char* a : {"timeout", "60", G2S_CLI}) argv.emplace_back(a);
    argv.insert(argv.end(), args.begin(), args.end());
    return test_util::RunProgram(argv);
  }

  // Analyses `input` in the classic form and checks the exit code, that the
  // message names `input` and that no output appeared.
  RunResult AnalyzeFails(const fs::path& input, int code) {
    RunResult r = Cli({input.string(), out().string()});
    EXPECT_EQ(r.exit_code(), code) << r.err;
    EXPECT_THAT(r.err, HasSubstr("go2seccomp: " + input.string() + ": "));
    ExpectNoOutput();
    return r;
  }

  // Neither the profile nor a temporary file next to it.
  void ExpectNoOutput() const {
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(dir())) {
      const std::string n = e.path().filename().string();
      if (n.rfind("profile.json", 0) == 0) left.push_back(n);
    }
    EXPECT_THAT(left, IsEmpty());
  }

  // A copy of hello with `edit` applied.
  fs::path Patched(const std::string& name,
                   void (*edit)(std::vector<std::uint8_t>*)) const {
    std::vector<std::uint8_t> b;
    EXPECT_TRUE(test_util::ReadFile(hello_, &b)) << hello_;
    edit(&b);
    const fs::path p = dir() / name;
    WriteFile(p, b);
    return p;
  }

  fs::path hello_;
  test_util::TempDir tmp_;
};

TEST_F(BadInputTest, TruncatedElfAtSeveralCutPoints) {
  std::vector<std::uint8_t> whole;
  ASSERT_TRUE(test_util::ReadFile(hello_, &whole)) << hello_;
  const std::size_t n = whole.size();
  // Inside e_ident, the ELF header, the program headers, the first
  // segment, the middle, and just short of the section headers at the end.
  for (std::size_t cut :
       {std::size_t{10}, std::size_t{40}, std::size_t{100}, std::size_t{1000},
        std::size_t{70000}, n / 2, n - 1}) {
    SCOPED_TRACE(cut);
    const fs::path p = dir() / ("cut-" + std::to_string(cut));
    WriteFile(p, std::vector<std::uint8_t>(
                     whole.begin(), whole.begin() + static_cast<long>(cut)));
    RunResult r = AnalyzeFails(p, kMalformed);
    EXPECT_THAT(r.err, ContainsRegex(kOffsetRegex));
  }
}

TEST_F(BadInputTest, EmptyAndTextFilesAreNotElf) {
  const fs::path empty = dir() / "empty";
  WriteFile(empty, "");
  EXPECT_THAT(AnalyzeFails(empty, kMalformed).err,
              HasSubstr("not an ELF file (empty input)"));
  const fs::path text = dir() / "script.sh";
  WriteFile(text, "#!/bin/sh\necho hello\n");
  EXPECT_THAT(AnalyzeFails(text, kMalformed).err,
              HasSubstr("not an ELF file (magic 23 21 2f 62 at offset 0"));
}

TEST_F(BadInputTest, UnsupportedArchitecture) {
  const fs::path riscv = Patched("riscv", [](std::vector<std::uint8_t>* b) {
    PutLe(b, 18, 243, 2);  // e_machine = EM_RISCV
  });
  EXPECT_THAT(AnalyzeFails(riscv, kUnsupported).err,
              HasSubstr("ELF machine 243"));
  const fs::path be = Patched("bigendian", [](std::vector<std::uint8_t>* b) {
    (*b)[5] = 2;  // e_ident[EI_DATA] = ELFDATA2MSB
  });
  EXPECT_THAT(AnalyzeFails(be, kUnsupported).err, HasSubstr("big-endian"));
}

TEST_F(BadInputTest, NonGoElfSaysSoAndIsAnalysedAsC) {
  // A C program: an ELF of a supported arch without a Go symbol table. It
  // is not an error (Go programs run C programs, and those need a profile
  // too): the tool says it is not Go and analyses its machine code as C.
  const fs::path c_prog = dir() / "true";
  fs::copy_file("/bin/true", c_prog);
  RunResult r = Cli({c_prog.string(), out().string()});
  ASSERT_EQ(r.exit_code(), 0) << r.err;
  EXPECT_THAT(r.out + r.err,
              HasSubstr(c_prog.string() + ": not Go; analysed as C"));
  const std::string json = test_util::ReadFile(out());
  // true(1) exits through glibc's _exit: exit_group reached from its code.
  EXPECT_THAT(json, HasSubstr("\"exit_group\""));
  EXPECT_THAT(json, HasSubstr("SCMP_ARCH_X86_64"));
}

TEST_F(BadInputTest, PclntabOffsetsPastTheEnd) {
  // pcHeader (Go 1.18-1.19, runtime/symtab.go): magic, pads, minLC,
  // ptrSize, then 8-byte words nfunc, nfiles, textStart, funcnameOffset,
  // cuOffset, filetabOffset, pctabOffset, pclnOffset.
  const fs::path pcln =
      Patched("pcln-offset", [](std::vector<std::uint8_t>* b) {
        auto s = FindSection(*b, ".gopclntab");
        ASSERT_TRUE(s);
        PutLe(b, s->first + 8 + 7 * 8, s->second + 0x1000, 8);  // pclnOffset
      });
  RunResult r = AnalyzeFails(pcln, kMalformed);
  EXPECT_THAT(r.err, AllOf(HasSubstr(".gopclntab"), HasSubstr("pclnOffset"),
                           HasSubstr("past the end"),
                           ContainsRegex("file offset 0x[0-9a-f]+")));

  const fs::path nfunc =
      Patched("pcln-nfunc", [](std::vector<std::uint8_t>* b) {
        auto s = FindSection(*b, ".gopclntab");
        ASSERT_TRUE(s);
        PutLe(b, s->first + 8, std::uint64_t{1} << 40, 8);  // nfunc
      });
  r = AnalyzeFails(nfunc, kMalformed);
  EXPECT_THAT(r.err, AllOf(HasSubstr("nfunc"),
                           ContainsRegex("file offset 0x[0-9a-f]+")));

  const fs::path sect =
      Patched("pcln-section", [](std::vector<std::uint8_t>* b) {
        // The section header's sh_size of .gopclntab past the end of the file.
        const std::uint64_t shoff = Le(*b, 40, 8);
        const std::uint64_t shnum = Le(*b, 60, 2);
        auto s = FindSection(*b, ".gopclntab");
        ASSERT_TRUE(s);
        for (std::uint64_t i = 0; i < shnum; ++i) {
          if (Le(*b, shoff + i * 64 + 24, 8) == s->first) {
            PutLe(b, shoff + i * 64 + 32, b->size(), 8);
          }
        }
      });
  r = AnalyzeFails(sect, kMalformed);
  EXPECT_THAT(r.err,
              AllOf(HasSubstr(".gopclntab"), HasSubstr("past end of file")));
}

TEST_F(BadInputTest, MissingFile) {
  const fs::path missing = dir() / "no-such-binary";
  EXPECT_THAT(AnalyzeFails(missing, kNotFound).err,
              HasSubstr("No such file or directory"));
  // The subcommand form too, and --with.
  RunResult r = Cli({"analyze", missing.string(), "-o", out().string()});
  EXPECT_EQ(r.exit_code(), kNotFound) << r.err;
  r = Cli({"analyze", hello_.string(), "--with", missing.string(), "-o",
           out().string()});
  EXPECT_EQ(r.exit_code(), kUsage)
      << r.err;  // CLI11 checks --with: a usage error
  EXPECT_THAT(r.err, HasSubstr(missing.string()));
  ExpectNoOutput();
}

TEST_F(BadInputTest, UnreadableInputs) {
  // A directory and a FIFO: not regular files. Opening the FIFO must not
  // wait for a writer (Cli's watchdog would report 124).
  EXPECT_THAT(AnalyzeFails(dir(), kIo).err, HasSubstr("not a regular file"));
  const fs::path fifo = dir() / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  EXPECT_THAT(AnalyzeFails(fifo, kIo).err, HasSubstr("not a regular file"));
}

TEST_F(BadInputTest, PermissionDenied) {
  // chmod 000 does not stop root: run the CLI as nobody when we are root.
  std::vector<std::string> as_user;
  if (::geteuid() == 0) {
    if (!fs::exists("/usr/bin/setpriv"))
      GTEST_SKIP() << "needs setpriv (util-linux) as root";
    as_user = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
               "--"};
  }
  const fs::path secret = dir() / "secret";
  fs::copy_file(hello_, secret);
  fs::permissions(secret, fs::perms::none);
  RunResult r = Cli({secret.string(), out().string()}, as_user);
  EXPECT_EQ(r.exit_code(), kIo) << r.err;
  EXPECT_THAT(
      r.err, AllOf(HasSubstr(secret.string()), HasSubstr("Permission denied")));

  // An output directory we may not write to.
  const fs::path ro = dir() / "ro";
  fs::create_directory(ro);
  fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec |
                          fs::perms::group_read | fs::perms::group_exec |
                          fs::perms::others_read | fs::perms::others_exec);
  r = Cli({hello_.string(), (ro / "p.json").string()}, as_user);
  EXPECT_EQ(r.exit_code(), kIo) << r.err;
  EXPECT_THAT(r.err, AllOf(HasSubstr((ro / "p.json").string()),
                           HasSubstr("Permission denied")));
  EXPECT_TRUE(fs::is_empty(ro));
}

TEST_F(BadInputTest, OutputNotWritable) {
  // procfs refuses new files even to root.
  RunResult r = Cli({hello_.string(), "/proc/g2s-bad-input.json"});
  EXPECT_EQ(r.exit_code(), kIo) << r.err;
  EXPECT_THAT(r.err,
              HasSubstr("/proc/g2s-bad-input.json: cannot create output"));
  EXPECT_FALSE(fs::exists("/proc/g2s-bad-input.json"));

  // A missing directory: nothing is created, not even the directory.
  const fs::path missing = dir() / "no" / "such" / "profile.json";
  r = Cli({"analyze", hello_.string(), "-o", missing.string()});
  EXPECT_EQ(r.exit_code(), kIo) << r.err;
  EXPECT_THAT(r.err, HasSubstr(missing.string()));
  EXPECT_FALSE(fs::exists(dir() / "no"));

  // The output path is a directory: the temporary file written next to it
  // must be removed when the final rename fails.
  const fs::path is_dir = dir() / "profile.json";
  fs::create_directory(is_dir);
  r = Cli({hello_.string(), is_dir.string()});
  EXPECT_EQ(r.exit_code(), kIo) << r.err;
  EXPECT_THAT(r.err, HasSubstr(is_dir.string()));
  fs::remove(is_dir);
  ExpectNoOutput();
}

TEST_F(BadInputTest, FailedAnalysisLeavesAnExistingProfileAlone) {
  WriteFile(out(), "old\n");
  const fs::path text = dir() / "not-elf";
  WriteFile(text, "hello\n");
  RunResult r = Cli({text.string(), out().string()});
  EXPECT_EQ(r.exit_code(), kMalformed) << r.err;
  EXPECT_EQ(test_util::ReadFile(out()), "old\n");
}

class BadProfileTest : public BadInputTest {
 protected:
  // `go2seccomp exec --profile` must refuse before running anything: the
  // program would create `marker_`.
  RunResult Exec(const fs::path& profile) {
    RunResult r = Cli({"exec", "--profile", profile.string(), "--", "touch",
                       marker().string()});
    EXPECT_FALSE(fs::exists(marker())) << "the program ran";
    return r;
  }
  fs::path marker() const { return dir() / "ran"; }
};

TEST_F(BadProfileTest, UnknownSyscallName) {
  const fs::path p = dir() / "typo.json";
  WriteFile(p, R"({"defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [{"names": ["read", "raed"], "action": "SCMP_ACT_ALLOW"}]})");
  RunResult r = Exec(p);
  EXPECT_EQ(r.exit_code(), kUsage) << r.err;
  EXPECT_THAT(r.err, AllOf(HasSubstr(p.string() + ": unknown syscall"),
                           HasSubstr("\"raed\" (syscalls[0])")));
}

TEST_F(BadProfileTest, UnknownAction) {
  const fs::path p = dir() / "action.json";
  WriteFile(p, R"({"defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [{"names": ["read"], "action": "SCMP_ACT_FOO"}]})");
  RunResult r = Exec(p);
  EXPECT_EQ(r.exit_code(), kUsage) << r.err;
  EXPECT_THAT(
      r.err,
      HasSubstr(p.string() +
                ": syscalls[0].action: unknown action \"SCMP_ACT_FOO\""));

  WriteFile(p, R"({"defaultAction": "SCMP_ACT_BOGUS"})");
  r = Exec(p);
  EXPECT_EQ(r.exit_code(), kUsage) << r.err;
  EXPECT_THAT(r.err, HasSubstr(p.string() + ": defaultAction"));
}

TEST_F(BadProfileTest, MalformedJsonHasAPosition) {
  const fs::path p = dir() / "broken.json";
  WriteFile(p,
            "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [\n");
  RunResult r = Exec(p);
  EXPECT_EQ(r.exit_code(), kMalformed) << r.err;
  EXPECT_THAT(r.err,
              AllOf(HasSubstr(p.string() + ": JSON syntax error at line"),
                    ContainsRegex("byte [0-9]+")));
  // A number no double holds (found by oci_json_fuzzer).
  WriteFile(p, R"({"defaultAction": "SCMP_ACT_ERRNO", "x": 1e999})");
  r = Exec(p);
  EXPECT_EQ(r.exit_code(), kMalformed) << r.err;
  EXPECT_THAT(r.err, HasSubstr(p.string() + ": invalid JSON: number overflow"));
}

TEST_F(BadProfileTest, MissingProfile) {
  const fs::path p = dir() / "missing.json";
  RunResult r = Exec(p);
  EXPECT_EQ(r.exit_code(), kNotFound) << r.err;
  EXPECT_THAT(r.err, HasSubstr(p.string() + ": cannot open"));
}

TEST_F(BadInputTest, UsageErrorsAreExitTwo) {
  EXPECT_EQ(Cli({"analyze"}).exit_code(), kUsage);
  EXPECT_EQ(Cli({"--no-such-flag"}).exit_code(), kUsage);
  EXPECT_EQ(Cli({"analyze", hello_.string(), "--runtime", "nope"}).exit_code(),
            kUsage);
  EXPECT_EQ(Cli({"--version"}).exit_code(), 0);
}

}  // namespace
}  // namespace go2seccomp
