#include "go2seccomp/profile/renderers.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdint>
#include <cstring>
#include <limits>
#include <set>
#include <vector>

namespace go2seccomp::profile {
namespace {

// ---------------------------------------------------------------- YAML

// Words YAML 1.1 (what most Kubernetes tooling still parses) reads as
// booleans or null when plain; such strings must be quoted.
bool IsYamlKeyword(std::string_view s) {
  static constexpr std::string_view kWords[] = {
      "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~"};
  std::string lower;
  for (char c : s)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view w : kWords) {
    if (lower == w) return true;
  }
  return false;
}

// A string scalar: plain when it is an identifier-like word (every syscall,
// action and arch name), double-quoted with escapes otherwise, so a name
// like "123" or "true" stays a string.
std::string YamlString(std::string_view s) {
  bool plain =
      !s.empty() &&
      (std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_') &&
      !IsYamlKeyword(s);
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    plain = plain && (std::isalnum(u) || c == '_' || c == '-' || c == '.');
  }
  if (plain) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

bool IsDnsLabel(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  if (!alnum(label.front()) || !alnum(label.back())) return false;
  for (char c : label) {
    if (!alnum(c) && c != '-') return false;
  }
  return true;
}

// Kubernetes IsDNS1123Subdomain (k8s.io/apimachinery validation.go).
bool IsDns1123Subdomain(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    if (!IsDnsLabel(name.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// ---------------------------------------------------------------- systemd

std::string ErrnoName(std::uint32_t e) {
  // glibc >= 2.32; systemd accepts the name or the number.
  if (const char* name = strerrorname_np(static_cast<int>(e))) return name;
  return std::to_string(e);
}

bool IsDeny(Action::Kind kind) {
  return kind == Action::Kind::kErrno || kind == Action::Kind::kKillProcess ||
         kind == Action::Kind::kKillThread || kind == Action::Kind::kTrap;
}

std::string JoinNames(const std::set<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ' ';
    out += n;
  }
  return out;
}

}  // namespace

std::string SpoObjectName(std::string_view base) {
  // Map to [a-z0-9.-], then clean each dot-separated label.
  std::string mapped;
  for (char c : base) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      mapped += static_cast<char>(std::tolower(u));
    } else if (c == '.') {
      mapped += '.';
    } else if (mapped.empty() || mapped.back() != '-') {
      mapped += '-';
    }
  }
  std::string out;
  std::size_t start = 0;
  while (start <= mapped.size()) {
    std::size_t dot = mapped.find('.', start);
    if (dot == std::string::npos) dot = mapped.size();
    std::string_view label(mapped.data() + start, dot - start);
    while (!label.empty() && label.front() == '-') label.remove_prefix(1);
    while (!label.empty() && label.back() == '-') label.remove_suffix(1);
    if (label.size() > 63) label = label.substr(0, 63);
    while (!label.empty() && label.back() == '-') label.remove_suffix(1);
    if (!label.empty() && out.size() + 1 + label.size() <= 253) {
      if (!out.empty()) out += '.';
      out += label;
    }
    start = dot + 1;
  }
  return out.empty() ? "go2seccomp" : out;
}

Result<std::string> ToSpoYaml(const Profile& profile, std::string_view name) {
  if (!IsDns1123Subdomain(name)) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "\"{}\" is not a valid Kubernetes object name (lower-case letters, "
        "digits, '-' and '.', starting and ending with a letter or digit, at "
        "most 253 characters)",
        name);
  }
  if (profile.default_action.HasErrnoRet() &&
      profile.default_action.errno_ret != EPERM) {
    return MakeError(
        ErrorCode::kUnsupported,
        "a SeccompProfile has no defaultErrnoRet field, so the default action "
        "{} would become SCMP_ACT_ERRNO with EPERM; use --errno 1",
        ToString(profile.default_action));
  }
  std::string out = fmt::format(
      "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\n"
      "kind: SeccompProfile\n"
      "metadata:\n"
      "  name: {}\n"
      "spec:\n"
      "  defaultAction: {}\n",
      YamlString(name), ActionName(profile.default_action.kind));
  if (!profile.arches.empty()) {
    out += "  architectures:\n";
    for (Arch a : profile.arches)
      out += fmt::format("  - {}\n", GetArchInfo(a).oci_name);
  }
  if (!profile.rules.empty()) out += "  syscalls:\n";
  for (const Rule& r : profile.rules) {
    out += fmt::format("  - action: {}\n", ActionName(r.action.kind));
    if (r.action.HasErrnoRet() && r.action.errno_ret != EPERM) {
      // The CRD types errnoRet as a string.
      out += fmt::format("    errnoRet: \"{}\"\n", r.action.errno_ret);
    }
    out += "    names:\n";
    for (const std::string& n : r.names)
      out += fmt::format("    - {}\n", YamlString(n));
    if (r.args.empty()) continue;
    out += "    args:\n";
    for (const ArgCondition& c : r.args) {
      constexpr auto kMax =
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
      if (c.value > kMax || c.value_two > kMax) {
        return MakeError(ErrorCode::kUnsupported,
                         "argument condition on {} (args[{}] {} {:#x}, {:#x}) "
                         "does not fit the "
                         "SeccompProfile CRD's int64 values",
                         r.names.empty() ? "?" : r.names.front(), c.index,
                         OpName(c.op), c.value, c.value_two);
      }
      out += fmt::format(
          "    - index: {}\n      value: {}\n      valueTwo: {}\n      op: "
          "{}\n",
          c.index, c.value, c.value_two, OpName(c.op));
    }
  }
  return out;
}

Result<std::string> ToSystemdDropIn(const Profile& profile) {
  const Action::Kind def = profile.default_action.kind;
  if (def != Action::Kind::kErrno && def != Action::Kind::kKillProcess &&
      def != Action::Kind::kKillThread) {
    return MakeError(
        ErrorCode::kUnsupported,
        "systemd's SystemCallFilter= allow list denies with an errno or by "
        "killing the process; default action {} cannot be expressed",
        ToString(profile.default_action));
  }
  if (profile.arches.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the profile lists no architecture");
  }
  std::set<std::string> allowed;
  std::set<std::string> widened;  // allowed under argument conditions only
  std::set<std::string> other_deny;
  for (const Rule& r : profile.rules) {
    if (r.action.kind == Action::Kind::kAllow) {
      for (const std::string& n : r.names)
        (r.args.empty() ? allowed : widened).insert(n);
    } else if (r.action == profile.default_action) {
      continue;  // a no-op rule
    } else if (IsDeny(r.action.kind)) {
      for (const std::string& n : r.names) other_deny.insert(n);
    } else {
      return MakeError(
          ErrorCode::kUnsupported, "systemd cannot express the {} rule for {}",
          ToString(r.action), r.names.empty() ? "?" : r.names.front());
    }
  }
  for (const std::string& n : allowed) widened.erase(n);
  for (const std::string& n : allowed) other_deny.erase(n);
  for (const std::string& n : widened) other_deny.erase(n);
  std::set<std::string> names = allowed;
  names.insert(widened.begin(), widened.end());
  if (names.empty()) {
    // "SystemCallFilter=" with an empty value *resets* the filter.
    return MakeError(
        ErrorCode::kUnsupported,
        "the profile allows no syscall; an empty SystemCallFilter= would "
        "remove the filter");
  }
  std::string out =
      "# seccomp allow list written by go2seccomp (systemd.exec(5)).\n"
      "# systemd adds its own @default set to it (execve, exit_group, ...: "
      "see\n"
      "# `systemd-analyze syscall-filter @default`); names the host's "
      "libseccomp\n"
      "# does not know are ignored with a warning in the journal.\n";
  if (!widened.empty()) {
    out += fmt::format(
        "# Allowed without their argument conditions (systemd cannot filter "
        "arguments): {}\n",
        JoinNames(widened));
  }
  if (!other_deny.empty()) {
    out += fmt::format(
        "# Denied like every other syscall (the profile gives them another "
        "deny action): {}\n",
        JoinNames(other_deny));
  }
  out += "[Service]\n";
  out += fmt::format("SystemCallFilter={}\n", JoinNames(names));
  if (def == Action::Kind::kErrno) {
    out += fmt::format("SystemCallErrorNumber={}\n",
                       ErrnoName(profile.default_action.errno_ret));
  }
  if (profile.arches.size() == 1) {
    out += "SystemCallArchitectures=native\n";
  } else {
    std::string arches;
    for (Arch a : profile.arches) {
      if (!arches.empty()) arches += ' ';
      arches += GetArchInfo(a).systemd_name;
    }
    out += fmt::format("SystemCallArchitectures={}\n", arches);
  }
  return out;
}

}  // namespace go2seccomp::profile
