// Shared bits of the CLI tests: where the CLI and the Go fixtures are, and
// running the CLI.
#ifndef GO2SECCOMP_TESTS_CLI_CLI_UTIL_H_
#define GO2SECCOMP_TESTS_CLI_CLI_UTIL_H_

#include <string>
#include <vector>

#include "tests/common/process_util.h"

namespace go2seccomp::test_util {

inline std::string Fixture(const std::string& name,
                           const std::string& variant = "amd64") {
  return std::string(G2S_FIXTURE_DIR) + "/" + variant + "/" + name;
}

// Runs `go2seccomp args...`.
inline RunResult Cli(std::vector<std::string> args) {
  args.insert(args.begin(), G2S_CLI);
  return RunProgram(args);
}

}  // namespace go2seccomp::test_util

#endif  // GO2SECCOMP_TESTS_CLI_CLI_UTIL_H_
