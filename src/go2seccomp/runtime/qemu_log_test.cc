// qemu's strace log parser on lines copied from real qemu 7.2 logs
// (qemu-aarch64 -d strace -D LOG build/fixtures/arm64/execproc).
#include "go2seccomp/runtime/qemu_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstddef>

namespace go2seccomp::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

SyscallCounts Counts(std::string_view log, Arch arch = Arch::kArm64) {
  Result<QemuStraceLog> r = ParseQemuStraceLog(log, arch);
  EXPECT_TRUE(r) << r.error().message;
  return r ? r->counts[arch] : SyscallCounts{};
}

TEST(QemuLogTest, OneCallPerLine) {
  EXPECT_THAT(
      Counts("13369 sched_getaffinity(0,8192,365080602472,365080611064,0,35)"
             " = 32\n"
             "13369 openat(AT_FDCWD,\"/sys/kernel/mm/transparent_hugepage/"
             "hpage_pmd_size\",O_RDONLY) = 4\n"
             "13369 read(4,0x800754,20) = 8\n"
             "13369 clock_gettime(CLOCK_MONOTONIC,0x0000005500800630) = 0 "
             "({tv_sec = 47009,tv_nsec = 636850516})\n"
             "13369 close(4) = 0\n"
             "13369 read(4,0x800754,20) = 0\n"),
      ElementsAre(Pair("clock_gettime", 1), Pair("close", 1), Pair("openat", 1),
                  Pair("read", 2), Pair("sched_getaffinity", 1)));
}

// Threads share qemu's log and its PID prefix (getpid()); an entry whose
// result comes later runs into the next record, and the result follows
// on a line of its own.
TEST(QemuLogTest, InterleavedThreadsAndResumedResults) {
  EXPECT_THAT(
      Counts("13369 futex(0x000000000017aea8,FUTEX_PRIVATE_FLAG|FUTEX_WAIT,0,"
             "NULL,NULL,0)13369 gettid() = 13381\n"
             "13369 nanosleep(274878201592,0,0,0,1000,20000)13369 mmap(NULL,"
             "262144,PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_ANONYMOUS,-1,0)13369 "
             "futex(0x0000004000038948,FUTEX_PRIVATE_FLAG|FUTEX_WAIT,0,NULL,"
             "NULL,0) = 0\n"
             " = 0\n"
             " = 0x0000005527b73000\n"
             " = 0\n"),
      ElementsAre(Pair("futex", 2), Pair("gettid", 1), Pair("mmap", 1),
                  Pair("nanosleep", 1)));
}

TEST(QemuLogTest, SignalsAndTheExecOfAForkedChild) {
  Result<QemuStraceLog> r = ParseQemuStraceLog(
      "13369 tgkill(13369,13369,SIGURG) = 0\n"
      "13369 nanosleep(274878201592,0,0,0,1000,320000)--- SIGURG "
      "{si_signo=SIGURG, si_code=SI_TKILL, si_pid=13369, si_uid=0} ---\n"
      "13369 rt_sigreturn(0,-1,257,-6,274877915552,8388608) = -1 errno=513 "
      "(Successful exit from sigreturn)\n"
      "13369 clone(CLONE_VM|CLONE_VFORK|0x11,child_stack=0x0000000000000000,"
      "parent_tidptr=0x0000000000000000,tls=0x0000000000000000,child_tidptr="
      "0x0000000000000000) = 13389\n"
      "13389 execve(\"/bin/true\",{\"/bin/true\",NULL})--- SIGURG "
      "{si_signo=SIGURG, si_code=SI_TKILL, si_pid=13369, si_uid=0} ---\n"
      "--- SIGCHLD {si_signo=SIGCHLD, si_code=1, si_pid=13389, si_uid=0, "
      "si_status=0, si_utime=0, si_stime=0} ---\n"
      "13369 wait4(13389,274878287316,0,274878627840,0,0) = 13389\n"
      "13369 exit_group(0)\n",
      Arch::kArm64);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_THAT(
      r->counts[Arch::kArm64],
      ElementsAre(Pair("clone", 1), Pair("execve", 1), Pair("exit_group", 1),
                  Pair("nanosleep", 1), Pair("rt_sigreturn", 1),
                  Pair("tgkill", 1), Pair("wait4", 1)));
  EXPECT_EQ(r->signals, 3u);
  EXPECT_THAT(r->pids, ElementsAre(13369, 13389));
  ASSERT_EQ(r->execs.size(), 1u);
  EXPECT_EQ(r->execs[0].pid, 13389);
  EXPECT_EQ(r->execs[0].path, "/bin/true");
}

// Names and numbers are the guest's, resolved with our table: arm's
// mmap2 and i386's socketcall exist there, not on arm64.
TEST(QemuLogTest, GuestNamesAndUnknownNumbers) {
  Result<QemuStraceLog> r = ParseQemuStraceLog(
      "2001 mmap2(NULL,262144,PROT_READ|PROT_WRITE,MAP_PRIVATE|"
      "MAP_ANONYMOUS,-1,0) = 0x3f7c2000\n"
      "2001 Unknown syscall 397\n"
      "2001 Unknown syscall 4000\n"
      "2001 not_a_syscall_name() = 0\n",
      Arch::kArm);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_THAT(
      r->counts[Arch::kArm],
      ElementsAre(Pair("mmap2", 1), Pair("nr:4000", 1), Pair("statx", 1)));
  EXPECT_THAT(r->unknown_names, ElementsAre(Pair("not_a_syscall_name", 1)));
}

TEST(QemuLogTest, EmptyLogIsNoCalls) {
  Result<QemuStraceLog> r = ParseQemuStraceLog("", Arch::kArm64);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->counts.empty());
}

// A forked child's pieces inside the parent's records (qemu processes do
// not lock the log against each other), from a real execproc log.
TEST(QemuLogTest, TwoProcessesInterleavedMidRecord) {
  Result<QemuStraceLog> r = ParseQemuStraceLog(
      "30858 nanosleep(274878201592,0,0,0,1000,20000) = 0\n"
      "30863 rt_sigaction(SIGSEGV,0x000000400008e718,NULL)30858 "
      "clock_gettime(CLOCK_MONOTONIC,0x0000004000049ed0) = 0 ( = {tv_sec = "
      "48272,tv_nsec = 598635628}0\n"
      ")\n"
      "30863 rt_sigaction(SIGUSR2,0x000000400008e718,NULL) = 0\n"
      "30863 30858 futex(0x4000038548,FUTEX_PRIVATE_FLAG|FUTEX_WAKE,1,NULL,"
      "NULL,0) = 1\n"
      "rt_sigaction(SIGPIPE,0x000000400008e718,NULL) = 0\n",
      Arch::kArm64);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_THAT(r->counts[Arch::kArm64],
              ElementsAre(Pair("clock_gettime", 1), Pair("futex", 1),
                          Pair("nanosleep", 1), Pair("rt_sigaction", 2)));
  EXPECT_EQ(r->lost_records, 1u);  // 30863's rt_sigaction(SIGPIPE)
  EXPECT_THAT(r->pids, ElementsAre(30858, 30863));
}

TEST(QemuLogTest, NotAQemuLogNamesTheOffset) {
  for (const auto& [log, offset] :
       std::array<std::pair<std::string_view, std::string_view>, 4>{{
           {"hello world\n13369 read(4,0x800754,20) = 8\n", "offset 0"},
           {"\n\n13369read(4) = 8\n", "offset 2"},
           {"13369 (4) = 8\n", "offset 0"},
           {"\x7f"
            "ELF\x02\x01\x01",
            "offset 0"},
       }}) {
    Result<QemuStraceLog> r = ParseQemuStraceLog(log, Arch::kArm64);
    ASSERT_FALSE(r) << log;
    EXPECT_EQ(r.error().code, ErrorCode::kMalformed);
    EXPECT_THAT(r.error().message, HasSubstr(offset)) << log;
  }
}

TEST(QemuLogTest, ArchOfElfHeader) {
  auto header = [](unsigned char cls, unsigned char machine) {
    std::array<std::byte, 20> h{};
    const unsigned char bytes[] = {0x7f, 'E', 'L', 'F', cls, 1};
    for (std::size_t i = 0; i < sizeof bytes; ++i) h[i] = std::byte{bytes[i]};
    h[18] = std::byte{machine};
    return h;
  };
  EXPECT_EQ(ArchOfElfHeader(header(2, 183)), Arch::kArm64);
  EXPECT_EQ(ArchOfElfHeader(header(1, 40)), Arch::kArm);
  EXPECT_EQ(ArchOfElfHeader(header(1, 3)), Arch::kI386);
  EXPECT_EQ(ArchOfElfHeader(header(2, 62)), Arch::kX86_64);
  EXPECT_EQ(ArchOfElfHeader(header(2, 3)), std::nullopt);  // ELF64 i386
  const std::array<std::byte, 20> arm64 = header(2, 183);
  EXPECT_EQ(ArchOfElfHeader(std::span(arm64).first(19)), std::nullopt);
}

}  // namespace
}  // namespace go2seccomp::runtime
