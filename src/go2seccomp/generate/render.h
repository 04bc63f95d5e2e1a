// The output formats of `go2seccomp analyze --format` (and the classic
// `go2seccomp BINARY OUT` form): one Profile, rendered for its consumer.
//
//   oci        Docker/OCI profile JSON (the default, unchanged since the
//              original go2seccomp): docker/podman --security-opt seccomp=,
//              Kubernetes Localhost profiles
//   oci-linux  {"linux":{"seccomp":{...}}}: the block of an OCI bundle's
//              config.json, for runc/crun
//   spo        a Security Profiles Operator SeccompProfile resource (YAML)
//   systemd    a unit drop-in with SystemCallFilter= (systemd.exec(5))
//   bpf        the seccomp BPF program libseccomp compiles from the profile,
//              as raw struct sock_filter entries (8 bytes each, host order):
//              what seccomp(SECCOMP_SET_MODE_FILTER) takes
//   bpf-text   the same program as readable text (profile/bpf_text.h)
//
// Pure: the renderers are profile/'s; the BPF ones compile through
// profile/bpf_compile.h, the same compiler `go2seccomp exec` installs from.
#ifndef GO2SECCOMP_GENERATE_RENDER_H_
#define GO2SECCOMP_GENERATE_RENDER_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "go2seccomp/base/error.h"
#include "go2seccomp/profile/profile.h"

namespace go2seccomp::generate {

enum class OutputFormat : std::uint8_t {
  kOci,
  kOciLinux,
  kSpo,
  kSystemd,
  kBpf,
  kBpfText
};

// name -> format, for CLI11's CheckedTransformer / IsMember.
const std::map<std::string, OutputFormat>& OutputFormatNames();
// The names for --help: "{bpf,bpf-text,oci,oci-linux,spo,systemd}".
std::string OutputFormatList();

// The file name ending `analyze -o DIR/` gives a profile in `format`:
// ".json", ".yaml", ".conf", ".bpf", ".txt".
std::string_view FileExtension(OutputFormat format);

struct RenderedProfile {
  std::string content;
  // What the renderer or compiler had to leave out, one sentence each.
  std::vector<std::string> notes;
};

// `spo_name` is the SeccompProfile's metadata.name (kSpo only).
Result<RenderedProfile> RenderProfile(const profile::Profile& profile,
                                      OutputFormat format,
                                      std::string_view spo_name);

}  // namespace go2seccomp::generate

#endif  // GO2SECCOMP_GENERATE_RENDER_H_
