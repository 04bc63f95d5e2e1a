#include "go2seccomp/generate/render.h"

#include <fmt/format.h>

#include <utility>

#include "go2seccomp/profile/bpf_compile.h"
#include "go2seccomp/profile/bpf_text.h"
#include "go2seccomp/profile/oci_json.h"
#include "go2seccomp/profile/renderers.h"

namespace go2seccomp::generate {

const std::map<std::string, OutputFormat>& OutputFormatNames() {
  static const std::map<std::string, OutputFormat> names = {
      {"oci", OutputFormat::kOci}, {"oci-linux", OutputFormat::kOciLinux},
      {"spo", OutputFormat::kSpo}, {"systemd", OutputFormat::kSystemd},
      {"bpf", OutputFormat::kBpf}, {"bpf-text", OutputFormat::kBpfText},
  };
  return names;
}

std::string OutputFormatList() {
  std::string out;
  for (const auto& [name, format] : OutputFormatNames()) {
    out += (out.empty() ? "{" : ",") + name;
  }
  return out + "}";
}

std::string_view FileExtension(OutputFormat format) {
  switch (format) {
    case OutputFormat::kSpo:
      return ".yaml";
    case OutputFormat::kSystemd:
      return ".conf";
    case OutputFormat::kBpf:
      return ".bpf";
    case OutputFormat::kBpfText:
      return ".txt";
    case OutputFormat::kOci:
    case OutputFormat::kOciLinux:
      return ".json";
  }
  return ".json";
}

Result<RenderedProfile> RenderProfile(const profile::Profile& profile,
                                      OutputFormat format,
                                      std::string_view spo_name) {
  RenderedProfile out;
  switch (format) {
    case OutputFormat::kOci:
      out.content = profile::ToOciJson(profile);
      return out;
    case OutputFormat::kOciLinux:
      out.content = profile::ToOciLinuxJson(profile);
      return out;
    case OutputFormat::kSpo: {
      G2S_ASSIGN_OR_RETURN(out.content, profile::ToSpoYaml(profile, spo_name));
      return out;
    }
    case OutputFormat::kSystemd: {
      G2S_ASSIGN_OR_RETURN(out.content, profile::ToSystemdDropIn(profile));
      return out;
    }
    case OutputFormat::kBpf:
    case OutputFormat::kBpfText: {
      // The same compiler `go2seccomp exec` uses, so what is written is what
      // would be installed (default bad-arch action: kill the process).
      G2S_ASSIGN_OR_RETURN(
          profile::Filter filter,
          profile::CompileFilter(profile, profile::FilterOptions{}));
      out.notes = filter.notes();
      G2S_ASSIGN_OR_RETURN(std::vector<sock_filter> prog,
                           profile::ExportBpf(filter));
      if (format == OutputFormat::kBpf) {
        out.content.assign(reinterpret_cast<const char*>(prog.data()),
                           prog.size() * sizeof(sock_filter));
        return out;
      }
      std::string arches;
      for (Arch a : profile.arches) {
        if (!arches.empty()) arches += ", ";
        arches += GetArchInfo(a).name;
      }
      out.content = fmt::format(
          "# seccomp BPF compiled by libseccomp from the profile ({}): {} "
          "instructions.\n"
          "# A is the accumulator, M[] the scratch memory; fields are "
          "seccomp_data's.\n",
          arches, prog.size());
      out.content += profile::RenderBpfText(prog);
      return out;
    }
  }
  return MakeError(ErrorCode::kInvalidArgument, "unknown output format");
}

}  // namespace go2seccomp::generate
