// Symbolizer over real Go fixtures: a Denial is built the way the
// supervisor records one (the pc after the syscall, the /proc maps entry,
// the stack bytes at sp), for the ET_EXEC and the PIE build, and the
// frames must come back from the binary's own pclntab.
#include "go2seccomp/generate/symbolize.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "go2seccomp/analysis/loader.h"
#include "go2seccomp/elf/elf_file.h"
#include "tests/common/files.h"

namespace go2seccomp::generate {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const analysis::Function* FindFunction(const analysis::Program& prog,
                                       std::string_view name) {
  for (const analysis::Function& f : prog.funcs) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// The executable PT_LOAD segment: the one a pc maps through.
const elf::Segment* TextSegment(const elf::ElfFile& elf) {
  for (const elf::Segment& s : elf.segments()) {
    if (s.type == elf::kPtLoad && s.IsExecutable()) return &s;
  }
  return nullptr;
}

class SymbolizeFixture : public ::testing::TestWithParam<const char*> {};

// syscall.Mkdirat's frame (a pc inside it where its frame is set up) returning
// into main.main: Where() names main.main, the first frame outside the
// standard library, with its file:line; Via() the standard frame between.
TEST_P(SymbolizeFixture, UnwindsFromTheStandardLibraryToMain) {
  const std::string path = test_util::Fixture("mkdir", GetParam());
  auto bin = analysis::LoadedBinary::Open(path);
  ASSERT_TRUE(bin) << bin.error().message;
  const analysis::Program& prog = bin->program();
  const analysis::Function* callee = FindFunction(prog, "syscall.Mkdirat");
  const analysis::Function* caller = FindFunction(prog, "main.main");
  ASSERT_NE(callee, nullptr);
  ASSERT_NE(caller, nullptr);
  ASSERT_TRUE(prog.sp_delta_for);
  // A pc past syscall.Mkdirat's prologue: its frame is on the stack there.
  std::uint64_t pc = 0;
  std::int64_t delta = 0;
  for (std::uint64_t a = callee->entry + 1; a < callee->end; ++a) {
    if (auto d = prog.sp_delta_for(a); d && *d > 0) {
      pc = a;
      delta = *d;
      break;
    }
  }
  ASSERT_NE(pc, 0u) << "no pc with a frame in syscall.Mkdirat";
  const std::uint64_t ret = caller->entry + 1;  // inside main.main

  const elf::Segment* text = TextSegment(bin->elf());
  ASSERT_NE(text, nullptr);
  // ET_EXEC runs at its link addresses; the PIE where ASLR put it.
  const std::uint64_t bias =
      std::string(GetParam()) == "amd64-pie" ? 0x555555554000 : 0;
  runtime::Denial d;
  d.pc = pc + bias;
  d.sp = 0x7ffc00001000;
  d.mapping = {path, text->vaddr + bias, text->vaddr + text->memsz + bias,
               text->offset};
  // The return address sits at entry SP, delta bytes above this SP; the
  // snapshot ends there, so the walk stops after main.main.
  d.stack.assign(static_cast<std::size_t>(delta) + 8, 0);
  const std::uint64_t ret_rt = ret + bias;
  std::memcpy(d.stack.data() + delta, &ret_rt, sizeof(ret_rt));

  Symbolizer s;
  const std::vector<GoFrame> frames = s.Frames(d);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].function, "syscall.Mkdirat");
  EXPECT_EQ(frames[1].function, "main.main");
  EXPECT_THAT(frames[1].file, HasSubstr("mkdir/main.go"));
  EXPECT_GT(frames[1].line, 0);
  EXPECT_THAT(s.Where(d), StartsWith("in main.main ("));
  EXPECT_THAT(s.Where(d), HasSubstr("mkdir/main.go:"));
  EXPECT_EQ(s.Via(d), "syscall.Mkdirat");

  // Without the stack only the syscall's own frame is known.
  d.stack.clear();
  ASSERT_EQ(s.Frames(d).size(), 1u);
  EXPECT_THAT(s.Where(d), StartsWith("in syscall.Mkdirat ("));
  EXPECT_EQ(s.Via(d), "");
}

INSTANTIATE_TEST_SUITE_P(Builds, SymbolizeFixture,
                         ::testing::Values("amd64", "amd64-pie"));

TEST(Symbolize, CodeOutsideAnyGoBinaryIsAnAddress) {
  Symbolizer s;
  runtime::Denial d;
  d.pc = 0x7f0000001234;
  EXPECT_EQ(s.Where(d), "at 0x7f0000001234");
  d.mapping = {"/no/such/lib.so", 0x7f0000000000, 0x7f0000010000, 0x2000};
  EXPECT_EQ(s.Where(d), "at 0x7f0000001234 (/no/such/lib.so+0x3234)");
  EXPECT_TRUE(s.Frames(d).empty());
}

TEST(Symbolize, StandardLibraryFunctionsHaveNoDotInTheirFirstPathElement) {
  EXPECT_TRUE(IsStdFunction("os.Mkdir"));
  EXPECT_TRUE(IsStdFunction("internal/poll.(*FD).Read"));
  EXPECT_TRUE(IsStdFunction("runtime/internal/syscall.Syscall6"));
  EXPECT_FALSE(IsStdFunction("main.main"));
  EXPECT_FALSE(IsStdFunction("main.(*server).run.func1"));
  EXPECT_FALSE(IsStdFunction("github.com/x/y.F"));
  EXPECT_FALSE(IsStdFunction("github.com/x/y.(*T).M"));
  EXPECT_FALSE(IsStdFunction("golang.org/x/sys/unix.Syscall"));
}

}  // namespace
}  // namespace go2seccomp::generate
