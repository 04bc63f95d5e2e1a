#include "tests/cli/yaml_json.h"

#include <yaml.h>

#include <cstring>
#include <vector>

namespace go2seccomp::test_util {
namespace {

nlohmann::json Scalar(const yaml_event_t& e) {
  const std::string v(reinterpret_cast<const char*>(e.data.scalar.value),
                      e.data.scalar.length);
  if (e.data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return v;
  if (!v.empty() && v.find_first_not_of("0123456789") == std::string::npos) {
    return std::stoull(v);
  }
  if (v == "true" || v == "false") return v == "true";
  if (v == "null" || v == "~") return nullptr;
  return v;
}

}  // namespace

std::optional<nlohmann::json> YamlToJson(std::string_view text,
                                         std::string* error) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    *error = "yaml_parser_initialize failed";
    return std::nullopt;
  }
  yaml_parser_set_input_string(
      &parser, reinterpret_cast<const unsigned char*>(text.data()),
      text.size());
  // Containers being built, and for mappings the key awaiting its value.
  struct Frame {
    nlohmann::json value;
    std::optional<std::string> key;
  };
  std::vector<Frame> stack;
  std::optional<nlohmann::json> result;
  bool done = false;
  while (!done) {
    yaml_event_t e;
    if (!yaml_parser_parse(&parser, &e)) {
      *error = std::string(parser.problem ? parser.problem : "parse error") +
               " at line " + std::to_string(parser.problem_mark.line + 1);
      yaml_parser_delete(&parser);
      return std::nullopt;
    }
    auto add = [&](nlohmann::json v) {
      if (stack.empty()) {
        result = std::move(v);
        return;
      }
      Frame& top = stack.back();
      if (top.value.is_array()) {
        top.value.push_back(std::move(v));
      } else if (!top.key) {
        top.key = v.is_string() ? v.get<std::string>() : v.dump();
      } else {
        top.value[*top.key] = std::move(v);
        top.key.reset();
      }
    };
    switch (e.type) {
      case YAML_SCALAR_EVENT:
        add(Scalar(e));
        break;
      case YAML_SEQUENCE_START_EVENT:
        stack.push_back(Frame{nlohmann::json::array(), std::nullopt});
        break;
      case YAML_MAPPING_START_EVENT:
        stack.push_back(Frame{nlohmann::json::object(), std::nullopt});
        break;
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT: {
        nlohmann::json v = std::move(stack.back().value);
        stack.pop_back();
        add(std::move(v));
        break;
      }
      case YAML_DOCUMENT_END_EVENT:
      case YAML_STREAM_END_EVENT:
        done = true;
        break;
      default:
        break;
    }
    yaml_event_delete(&e);
  }
  yaml_parser_delete(&parser);
  if (!result) *error = "no document";
  return result;
}

}  // namespace go2seccomp::test_util
