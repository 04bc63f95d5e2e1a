// Profile renderers for the consumers that do not read Docker's JSON file:
// the Kubernetes Security Profiles Operator and systemd. (Docker/OCI JSON and
// the runtime-spec `linux.seccomp` block are in oci_json.h; the compiled BPF
// comes from runtime/filter.h and its text form from bpf_text.h.)
//
//   G2S_ASSIGN_OR_RETURN(std::string yaml, ToSpoYaml(profile, "mkdir"));
//   G2S_ASSIGN_OR_RETURN(std::string unit, ToSystemdDropIn(profile));
//
// Both are pure functions of the Profile and fail (kUnsupported, saying what
// and why) rather than write something that means less than the profile.
#ifndef GO2SECCOMP_PROFILE_RENDERERS_H_
#define GO2SECCOMP_PROFILE_RENDERERS_H_

#include <string>
#include <string_view>

#include "go2seccomp/base/error.h"
#include "go2seccomp/profile/profile.h"

namespace go2seccomp::profile {

// A Kubernetes Security Profiles Operator `SeccompProfile` resource
// (apiVersion security-profiles-operator.x-k8s.io/v1beta1), written as YAML:
//
//   apiVersion: security-profiles-operator.x-k8s.io/v1beta1
//   kind: SeccompProfile
//   metadata:
//     name: mkdir
//   spec:
//     defaultAction: SCMP_ACT_ERRNO
//     architectures:
//     - SCMP_ARCH_X86_64
//     syscalls:
//     - action: SCMP_ACT_ALLOW
//       names:
//       - accept4
//
// Field names and types are those of the operator's CRD
// (deploy/base-crds/crds/seccompprofile.yaml, v1beta1 schema): spec has
// defaultAction, architectures, syscalls[{action, names, errnoRet (a
// *string* in the CRD), args[{index, value, valueTwo, op}]}]. The spec has no
// defaultErrnoRet, so a default errno other than EPERM (what runc and crun
// use when it is absent) is kUnsupported; argument values must fit the CRD's
// int64; Docker's rule comments have no field and are left out. The operator
// writes the profile to the node as <namespace>/<name>.json, and a pod refers
// to it as `localhostProfile: operator/<namespace>/<name>.json`.
//
// `name` is metadata.name and must be a DNS-1123 subdomain (what Kubernetes
// requires of object names); SpoObjectName() makes one from a file name.
Result<std::string> ToSpoYaml(const Profile& profile, std::string_view name);

// A valid metadata.name from any string (a binary's base name): lower case,
// runs of other characters become '-', trimmed to start and end with an
// alphanumeric, at most 253 characters; "go2seccomp" if nothing is left.
std::string SpoObjectName(std::string_view base);

// A systemd unit drop-in (e.g. /etc/systemd/system/app.service.d/
// seccomp.conf) that applies the profile with systemd's own seccomp support
// (systemd.exec(5)):
//
//   [Service]
//   SystemCallFilter=accept4 arch_prctl ...
//   SystemCallErrorNumber=EPERM
//   SystemCallArchitectures=native
//
// systemd builds the filter with libseccomp from these *names*, resolved by
// the host's libseccomp: a name it does not know is ignored with "Failed to
// parse system call, ignoring" in the journal, and that call is then denied.
// systemd adds its own "@default" set to every allow list (systemd.exec(5):
// execve, exit, exit_group, getrlimit, rt_sigreturn, sigreturn and the time
// and sleep calls; systemd 252's `systemd-analyze syscall-filter @default`
// also lists brk, mmap, futex, getpid, ...), because it needs them to exec
// the program. The effective filter is that much wider than the profile.
// Profiles for systemd should be built with --runtime none: no container
// runtime runs between the filter and the program.
//
// Only deny-by-default profiles can be an allow list: the default action must
// be SCMP_ACT_ERRNO (SystemCallErrorNumber=, the errno's name) or
// SCMP_ACT_KILL_PROCESS/KILL_THREAD (no SystemCallErrorNumber: systemd kills
// the process). systemd cannot filter arguments: a name allowed only under
// argument conditions is allowed outright and listed in a comment. Rules that
// deny with another action keep the name denied (with the default action) and
// are listed in a comment. Anything else (SCMP_ACT_LOG/TRACE/NOTIFY rules, a
// default of allow) is kUnsupported. One arch is "native"; several are named
// (x86-64, arm64, x86, arm).
Result<std::string> ToSystemdDropIn(const Profile& profile);

}  // namespace go2seccomp::profile

#endif  // GO2SECCOMP_PROFILE_RENDERERS_H_
