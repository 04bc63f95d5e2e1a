// AnalyzeNativeDependencies on real programs, called directly (the CLI's
// view of it is tests/e2e/native_test.cc): this machine's /bin/true and
// libc, and the cgo fixtures under a root that lacks their interpreter and
// libraries.
#include "go2seccomp/analysis/native.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "go2seccomp/base/file_io.h"
#include "go2seccomp/elf/elf_file.h"
#include "go2seccomp/syscalls/table.h"
#include "tests/common/files.h"

namespace go2seccomp::analysis {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

struct Opened {
  MappedFile file;
  elf::ElfFile elf;
};

Opened Open(const std::string& path) {
  auto file = MappedFile::Open(path);
  EXPECT_TRUE(file) << file.error().message;
  auto ef = elf::ElfFile::Parse(file->bytes());
  EXPECT_TRUE(ef) << ef.error().message;
  return Opened{std::move(*file), std::move(*ef)};
}

using test_util::TempDir;

int Nr(const char* name) { return *syscalls::NumberOf(Arch::kX86_64, name); }

// /bin/true as a C program: its own code, ld.so and libc, of which only a
// part is reachable; exit_group is made by a reached libc function whose
// chain starts at something the program enters.
TEST(NativeAnalysis, CProgramReachesPartOfItsLibraries) {
  if (HostArch() != Arch::kX86_64) GTEST_SKIP() << "needs an x86-64 host libc";
  const std::string prog = "/bin/true";
  Opened o = Open(prog);
  NativeOptions options;
  options.main_path = prog;
  auto c = AnalyzeNativeDependencies(o.elf, Arch::kX86_64, options);
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_GE(c->images.size(), 3u);
  EXPECT_EQ(c->images.front(), prog);
  EXPECT_THAT(c->images, Contains(HasSubstr("ld-linux-x86-64.so.2")));
  EXPECT_THAT(c->images, Contains(HasSubstr("libc.so.6")));
  EXPECT_GT(c->reachable_functions, 0u);
  EXPECT_LT(c->reachable_functions, c->functions);
  ASSERT_TRUE(c->syscalls.count(Nr("exit_group")));
  // Both ld.so (its own _exit) and libc make it.
  bool by_libc = false;
  for (const NativeUse& u : c->syscalls.at(Nr("exit_group"))) {
    EXPECT_THAT(u.chain, Not(IsEmpty())) << u.function;
    by_libc |= u.image.find("libc.so.6") != std::string::npos;
  }
  EXPECT_TRUE(by_libc);
  EXPECT_THAT(c->findings, Not(Contains(HasSubstr("not found"))));
  // Nothing in /bin/true loads code or makes namespaces.
  EXPECT_FALSE(c->syscalls.count(Nr("unshare")));
  EXPECT_FALSE(c->syscalls.count(Nr("kexec_load")));
}

// Under a root without the interpreter or the libraries: each is a finding
// naming what was looked for, and there is no C code to count.
TEST(NativeAnalysis, MissingInterpreterAndLibrariesAreFindings) {
  TempDir root;
  Opened o = Open(test_util::Fixture("cgonet", "amd64-cgo"));
  NativeOptions options;
  options.root = root.str();
  auto c = AnalyzeNativeDependencies(o.elf, Arch::kX86_64, options);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_THAT(c->images, IsEmpty());
  EXPECT_THAT(c->syscalls, IsEmpty());
  EXPECT_THAT(c->findings, Contains(AllOf(HasSubstr("interpreter"), HasSubstr(root.str()),
                                          HasSubstr("not found"))));
  EXPECT_THAT(c->findings, Contains(AllOf(HasSubstr("library libc.so.6 not found"),
                                          HasSubstr("directories under " + root.str()))));
}

// The library cache changes how fast, never what: the second run hits for
// every library and finds the same syscalls, functions and chains.
TEST(NativeAnalysis, CachedClosureIsTheSame) {
  if (HostArch() != Arch::kX86_64) GTEST_SKIP() << "needs an x86-64 host libc";
  TempDir cache;
  Opened o = Open(test_util::Fixture("cgonet", "amd64-cgo"));
  NativeOptions options;
  auto fresh = AnalyzeNativeDependencies(o.elf, Arch::kX86_64, options);
  ASSERT_TRUE(fresh) << fresh.error().message;
  options.cache_dir = cache.str();
  auto filling = AnalyzeNativeDependencies(o.elf, Arch::kX86_64, options);
  ASSERT_TRUE(filling) << filling.error().message;
  EXPECT_EQ(filling->cache_hits, 0u);
  EXPECT_GT(filling->cache_writes, 0u);
  auto cached = AnalyzeNativeDependencies(o.elf, Arch::kX86_64, options);
  ASSERT_TRUE(cached) << cached.error().message;
  EXPECT_EQ(cached->cache_misses, 0u);
  EXPECT_EQ(cached->cache_hits, filling->cache_misses);
  for (const NativeClosure* c : {&*filling, &*cached}) {
    EXPECT_EQ(c->images, fresh->images);
    EXPECT_EQ(c->findings, fresh->findings);
    EXPECT_EQ(c->reachable_functions, fresh->reachable_functions);
    ASSERT_EQ(c->syscalls.size(), fresh->syscalls.size());
    for (const auto& [nr, uses] : fresh->syscalls) {
      ASSERT_TRUE(c->syscalls.count(nr)) << nr;
      const auto& got = c->syscalls.at(nr);
      ASSERT_EQ(got.size(), uses.size()) << nr;
      for (std::size_t k = 0; k < uses.size(); ++k) {
        EXPECT_EQ(got[k].function, uses[k].function) << nr;
        EXPECT_EQ(got[k].chain, uses[k].chain) << nr;
      }
    }
  }
}

// vDSO functions as syscall sites (name_rules.h VdsoFallbacks): ld.so's
// lookups of them are none, since libc's caller makes the syscall itself
// (INLINE_VSYSCALL), and __vdso_time / __vdso_getcpu never enter the kernel.
// On the real libc: clock_gettime still comes from a reached libc function,
// the one that calls the vDSO pointer.
TEST(NativeAnalysis, VdsoFallbacksComeFromTheCallersNotTheLookups) {
  if (HostArch() != Arch::kX86_64) GTEST_SKIP() << "needs an x86-64 host libc";
  Opened o = Open(test_util::Fixture("cgonet", "amd64-cgo"));
  auto c = AnalyzeNativeDependencies(o.elf, Arch::kX86_64, NativeOptions{});
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_FALSE(c->images.empty());
  const std::string& interp = c->images.front();
  ASSERT_THAT(interp, HasSubstr("ld-linux-x86-64.so.2"));
  for (const auto& [nr, uses] : c->syscalls) {
    for (const NativeUse& u : uses) {
      const bool vdso = u.function.starts_with("__vdso_");
      EXPECT_FALSE(vdso && u.image == interp) << nr << " " << u.function;
      EXPECT_NE(u.function, "__vdso_time") << nr;
      EXPECT_NE(u.function, "__vdso_getcpu") << nr;
    }
  }
  ASSERT_TRUE(c->syscalls.count(Nr("clock_gettime")));
  bool by_caller = false;
  for (const NativeUse& u : c->syscalls.at(Nr("clock_gettime"))) {
    by_caller |= u.image.find("libc.so.6") != std::string::npos && !u.chain.empty() &&
                 u.function.find("clock_gettime") != std::string::npos;
  }
  EXPECT_TRUE(by_caller);
}

// A library that is there but is not an ELF file of the arch is an error
// naming it, not a finding: the analysis cannot vouch for what it does.
TEST(NativeAnalysis, BrokenLibraryIsAnErrorNamingIt) {
  TempDir root;
  Opened o = Open(test_util::Fixture("cgonet", "amd64-cgo"));
  const std::string lib_dir = root.str() + "/lib/x86_64-linux-gnu";
  std::filesystem::create_directories(lib_dir);
  ASSERT_TRUE(WriteFileAtomically(lib_dir + "/libc.so.6", "not an ELF file"));
  NativeOptions options;
  options.root = root.str();
  auto c = AnalyzeNativeDependencies(o.elf, Arch::kX86_64, options);
  ASSERT_FALSE(c);
  EXPECT_THAT(c.error().message, HasSubstr(lib_dir + "/libc.so.6"));
}

}  // namespace
}  // namespace go2seccomp::analysis
