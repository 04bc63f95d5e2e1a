// Options every subcommand shares read the same way: --errno's range, and
// --help listing choices as plain lists.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/cli/cli_util.h"
#include "tests/common/files.h"

namespace go2seccomp {
namespace {

using test_util::Cli;
using test_util::Fixture;
using test_util::RunResult;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

TEST(Options, FormatHelpIsAPlainList) {
  RunResult r = Cli({"analyze", "--help"});
  ASSERT_TRUE(r.exited_ok()) << r.err;
  EXPECT_THAT(
      r.out,
      HasSubstr("--format TEXT:{bpf,bpf-text,oci,oci-linux,spo,systemd}"));
  EXPECT_THAT(r.out, Not(HasSubstr("->")));
}

// 0 would turn a denial into a success that never ran; above 4095 the
// kernel clamps. exec took 0 before.
TEST(Options, ErrnoIsOneTo4095Everywhere) {
  for (const char* cmd : {"analyze", "exec", "trace"}) {
    for (const char* bad : {"0", "4096"}) {
      RunResult r = Cli({cmd, "--errno", bad, Fixture("hello")});
      EXPECT_EQ(r.exit_code(), 2) << cmd << " --errno " << bad << ": " << r.err;
      EXPECT_THAT(r.err, HasSubstr("--errno")) << cmd;
    }
    RunResult help = Cli({cmd, "--help"});
    EXPECT_THAT(
        help.out,
        MatchesRegex("(.|\n)*--errno [A-Z]+:INT in \\[1 - 4095\\](.|\n)*"))
        << cmd;
  }
  RunResult r = Cli({"analyze", "-q", "--errno", "4095", Fixture("hello")});
  EXPECT_TRUE(r.exited_ok()) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"defaultErrnoRet\": 4095"));
}

}  // namespace
}  // namespace go2seccomp
