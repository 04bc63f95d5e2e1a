// Reads a YAML document into JSON with libyaml (Debian libyaml-dev), for
// checking the SPO YAML go2seccomp writes with a real YAML parser instead of
// string matching. Scalars follow the YAML 1.1 core rules Kubernetes'
// sigs.k8s.io/yaml applies where our tests need them: a *plain* scalar of
// digits is an integer, true/false a boolean; quoted scalars are strings.
#ifndef GO2SECCOMP_TESTS_CLI_YAML_JSON_H_
#define GO2SECCOMP_TESTS_CLI_YAML_JSON_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace go2seccomp::test_util {

// The first document of `text`, or std::nullopt with `error` set.
std::optional<nlohmann::json> YamlToJson(std::string_view text,
                                         std::string* error);

}  // namespace go2seccomp::test_util

#endif  // GO2SECCOMP_TESTS_CLI_YAML_JSON_H_
