// The CLI tests' binding of the CLI they run: test_util::RunCli with this
// target's G2S_CLI (the fixtures' paths come from test_util::Fixture,
// tests/common/files.h).
#ifndef GO2SECCOMP_TESTS_CLI_CLI_UTIL_H_
#define GO2SECCOMP_TESTS_CLI_CLI_UTIL_H_

#include <string>
#include <utility>
#include <vector>

#include "tests/common/process_util.h"

namespace go2seccomp::test_util {

// Runs `go2seccomp args...`.
inline RunResult Cli(std::vector<std::string> args) {
  return RunCli(G2S_CLI, std::move(args));
}

}  // namespace go2seccomp::test_util

#endif  // GO2SECCOMP_TESTS_CLI_CLI_UTIL_H_
