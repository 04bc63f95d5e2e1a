// Go release versions as the toolchain spells them (runtime.Version()):
// "go1.19.8", "go1.21rc2", "go1.9beta1", "devel go1.22-0b8ef0a Tue ...",
// possibly followed by a GOEXPERIMENT suffix ("go1.21.0 X:boringcrypto").
//
//   std::optional<GoVersion> v = GoVersion::Parse("go1.21rc2");
//   v->minor == 21 && v->stage == GoVersion::Stage::kRc && v->stage_number == 2
//   *v < *GoVersion::Parse("go1.21.0")   // a release candidate comes first
//   v->AtLeast(1, 18)                    // layout decisions go by release
//
// Limits: only Go 1 ("go1."); a "devel +hash" string from before Go 1.21,
// which names no release, does not parse.
#ifndef GO2SECCOMP_GOSYM_GO_VERSION_H_
#define GO2SECCOMP_GOSYM_GO_VERSION_H_

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace go2seccomp::gosym {

struct GoVersion {
  // Ordered as releases happen: development builds of 1.N come before 1.N
  // betas, then release candidates, then 1.N.0.
  enum class Stage { kDevel, kBeta, kRc, kRelease };

  int major = 1;
  int minor = 0;
  int patch = 0;
  Stage stage = Stage::kRelease;
  int stage_number = 0;  // the 2 of rc2 / beta2

  // Parses a version at the start of `s`; the rest must be empty or start
  // with a byte that cannot continue a version (' ', '-', '+', NUL, ...).
  static std::optional<GoVersion> Parse(std::string_view s);

  // "go1.19.8", "go1.21rc2", "devel go1.22".
  std::string ToString() const;

  bool AtLeast(int want_major, int want_minor) const {
    return major != want_major ? major > want_major : minor >= want_minor;
  }

  friend auto operator<=>(const GoVersion&, const GoVersion&) = default;
};

}  // namespace go2seccomp::gosym

#endif  // GO2SECCOMP_GOSYM_GO_VERSION_H_
