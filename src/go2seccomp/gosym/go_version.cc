#include "go2seccomp/gosym/go_version.h"

#include <fmt/format.h>

namespace go2seccomp::gosym {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Reads a decimal number of at most 4 digits (no Go component is longer)
// at the front of *s.
std::optional<int> Number(std::string_view* s) {
  std::size_t n = 0;
  int v = 0;
  while (n < s->size() && IsDigit((*s)[n])) {
    if (++n > 4) return std::nullopt;
    v = v * 10 + ((*s)[n - 1] - '0');
  }
  if (n == 0) return std::nullopt;
  s->remove_prefix(n);
  return v;
}

}  // namespace

std::optional<GoVersion> GoVersion::Parse(std::string_view s) {
  GoVersion v;
  if (s.starts_with("devel ")) {
    // Since Go 1.21 development builds say "devel go1.N-hash date".
    s.remove_prefix(6);
    v.stage = Stage::kDevel;
  }
  if (!s.starts_with("go1.")) return std::nullopt;
  s.remove_prefix(4);
  auto minor = Number(&s);
  if (!minor) return std::nullopt;
  v.minor = *minor;
  if (v.stage != Stage::kDevel) {
    if (s.starts_with(".") && s.size() > 1 && IsDigit(s[1])) {
      s.remove_prefix(1);
      auto patch = Number(&s);
      if (!patch) return std::nullopt;
      v.patch = *patch;
    } else if (s.starts_with("rc") || s.starts_with("beta")) {
      v.stage = s[0] == 'r' ? Stage::kRc : Stage::kBeta;
      s.remove_prefix(v.stage == Stage::kRc ? 2 : 4);
      auto n = Number(&s);
      if (!n) return std::nullopt;
      v.stage_number = *n;
    }
  }
  // What follows must end the version ("go1.19.8 X:foo", "go1.22-hash").
  if (!s.empty() && (IsAlnum(s[0]) || s[0] == '.' || s[0] == '_')) {
    return std::nullopt;
  }
  return v;
}

std::string GoVersion::ToString() const {
  switch (stage) {
    case Stage::kDevel:
      return fmt::format("devel go{}.{}", major, minor);
    case Stage::kBeta:
      return fmt::format("go{}.{}beta{}", major, minor, stage_number);
    case Stage::kRc:
      return fmt::format("go{}.{}rc{}", major, minor, stage_number);
    case Stage::kRelease:
      break;
  }
  // Before Go 1.21 the first release of 1.N was spelled "go1.N".
  if (patch == 0 && minor < 21) return fmt::format("go{}.{}", major, minor);
  return fmt::format("go{}.{}.{}", major, minor, patch);
}

}  // namespace go2seccomp::gosym
