// Docker/OCI seccomp profile JSON: writer and reader.
//
//   std::string text = ToOciJson(profile);        // the classic Docker shape
//   G2S_ASSIGN_OR_RETURN(Profile p, ParseOciJson(text, "profile.json"));
//
// ToOciJson writes exactly the shape go2seccomp always wrote and Docker's
// `--security-opt seccomp=FILE` reads: 4-space indent, keys in this order,
// trailing newline; defaultErrnoRet / errnoRet only when not EPERM, args and
// comment only when present:
//
//   {
//       "defaultAction": "SCMP_ACT_ERRNO",
//       "architectures": [
//           "SCMP_ARCH_X86_64"
//       ],
//       "syscalls": [
//           {
//               "names": [
//                   "accept4",
//                   "arch_prctl"
//               ],
//               "action": "SCMP_ACT_ALLOW"
//           }
//       ]
//   }
//
// ParseOciJson reads what real tools produce (moby profiles/seccomp/
// default.json, containerd's and podman's profiles, hand-written ones):
//   - a profile object, an OCI runtime-spec `linux.seccomp` object (same
//     fields), or a whole config.json containing linux.seccomp;
//   - defaultAction, defaultErrnoRet, architectures or archMap (moby: not
//     both), syscalls[] with names (or the legacy single "name"), action,
//     errnoRet, args[{index, value, valueTwo, op}], comment, and moby's
//     includes/excludes {arches, caps, minKernel}.
// Decisions, following moby's seccomp_linux.go where it has one:
//   - One *target* arch (ParseOptions::target_arch, default the host's)
//     plays the part of Docker's runtime.GOARCH: it picks the archMap entry
//     (the arch plus its subArchitectures) and is what includes/excludes
//     .arches are tested against.
//   - OCI arch names we have no syscall table for (SCMP_ARCH_X32, MIPS,
//     S390X, ...) are left out with a note; syscalls of those arches then hit
//     the filter's bad-arch action (x32 included: safer than Docker, which
//     allows them).
//   - includes.caps: the rule is kept only if every listed capability is in
//     ParseOptions::capabilities (default none: a container without extra
//     capabilities, so Docker's CAP_SYS_ADMIN-gated allows are left out, the
//     safe side). excludes.caps: dropped if any listed one is granted. Each
//     dropped rule leaves a note.
//   - minKernel ("4.8"): compared with ParseOptions::kernel_release; when
//     that is empty the kernel is assumed new enough (our tables are 6.12).
//   - A name unknown to every arch of our table is an error listing them all
//     (a typo must not become a silently missing permission); a name known
//     to some arch but to none of the profile's arches is skipped with a
//     note (Docker lists arm_fadvise64_64, _llseek, ... for everyone).
//   - errnoRet on an action other than ERRNO/TRACE is ignored with a note;
//     values above 0xffff (SECCOMP_RET_DATA) are errors.
//   - OCI flags, listenerPath and listenerMetadata are ignored with a note.
// Errors name the origin and the JSON path ("profile.json: syscalls[3].action:
// unknown action \"SCMP_ACT_FOO\""), syntax errors the line and column. The
// parsed profile keeps the file's order and comments (not canonicalized).
#ifndef GO2SECCOMP_PROFILE_OCI_JSON_H_
#define GO2SECCOMP_PROFILE_OCI_JSON_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "go2seccomp/base/arch.h"
#include "go2seccomp/base/error.h"
#include "go2seccomp/profile/profile.h"

namespace go2seccomp::profile {

std::string ToOciJson(const Profile& profile);

// The same profile as an OCI runtime-spec config.json fragment,
//   {"linux": {"seccomp": {"defaultAction": ..., "architectures": [...],
//                          "syscalls": [...]}}}
// to merge into a bundle's config.json for runc/crun (e.g. `jq -s '.[0] *
// .[1]' config.json fragment.json`). Same fields and order as ToOciJson,
// minus Docker's per-rule "comment", which runtime-spec's LinuxSyscall does
// not define. ParseOciJson reads it back.
std::string ToOciLinuxJson(const Profile& profile);

struct ParseOptions {
  // Docker's "runtime arch"; std::nullopt means HostArch().
  std::optional<Arch> target_arch;
  // Capabilities the process will have ("CAP_SYS_ADMIN"), for includes.caps
  // and excludes.caps.
  std::vector<std::string> capabilities;
  // "6.1" or "6.1.0-18-amd64" for minKernel; empty: assume new enough.
  std::string kernel_release;
};

struct ParsedProfile {
  Profile profile;
  // What was left out or ignored, one sentence each, for the user.
  std::vector<std::string> notes;
};

Result<ParsedProfile> ParseOciJson(std::string_view text,
                                   std::string_view origin,
                                   const ParseOptions& options);
// Default options; the notes are dropped.
Result<Profile> ParseOciJson(std::string_view text, std::string_view origin);

}  // namespace go2seccomp::profile

#endif  // GO2SECCOMP_PROFILE_OCI_JSON_H_
