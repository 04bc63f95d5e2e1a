// Fuzzes profile::ParseOciJson (Docker/OCI seccomp JSON, what `go2seccomp
// exec --profile` and merge/compare read) for both target arches, and checks
// that what it accepts survives ToOciJson -> ParseOciJson unchanged. Seeds:
// tests/testdata/corpus/oci_json (profiles of every shape the reader
// supports, and broken ones).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "go2seccomp/profile/oci_json.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  namespace profile = go2seccomp::profile;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (go2seccomp::Arch arch :
       {go2seccomp::Arch::kX86_64, go2seccomp::Arch::kArm64}) {
    profile::ParseOptions options;
    options.target_arch = arch;
    options.capabilities = {"CAP_SYS_ADMIN"};
    options.kernel_release = "5.10";
    auto parsed = profile::ParseOciJson(text, "fuzz.json", options);
    if (!parsed) continue;
    const std::string rendered = profile::ToOciJson(parsed->profile);
    auto again = profile::ParseOciJson(rendered, "rendered.json", options);
    if (!again) {
      std::fprintf(stderr, "re-parse failed: %s\n%s\n",
                   again.error().message.c_str(), rendered.c_str());
    }
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(again->profile == parsed->profile);
  }
  return 0;
}
