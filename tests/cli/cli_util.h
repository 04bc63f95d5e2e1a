// Shared bits of the CLI tests: running the CLI (the fixtures' paths come
// from test_util::Fixture, tests/common/process_util.h).
#ifndef GO2SECCOMP_TESTS_CLI_CLI_UTIL_H_
#define GO2SECCOMP_TESTS_CLI_CLI_UTIL_H_

#include <string>
#include <vector>

#include "tests/common/process_util.h"

namespace go2seccomp::test_util {

// Runs `go2seccomp args...`.
inline RunResult Cli(std::vector<std::string> args) {
  args.insert(args.begin(), G2S_CLI);
  return RunProgram(args);
}

}  // namespace go2seccomp::test_util

#endif  // GO2SECCOMP_TESTS_CLI_CLI_UTIL_H_
