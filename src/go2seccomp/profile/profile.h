// The seccomp profile data model: what a program may call, per arch.
//
// The types are shaped like the OCI runtime-spec `LinuxSeccomp` object (and
// Docker's profile files, which extend it), so the JSON in oci_json.h is a 1:1
// rendering and a profile written by go2seccomp can be handed to Docker,
// podman, runc or crun unchanged:
//
//   Profile p;
//   p.default_action = Action::Errno(EPERM);      // "defaultAction"
//   p.arches = {Arch::kX86_64};                   // "architectures"
//   p.rules.push_back(Rule::Make({"read", "write"}, Action::Allow()));
//   Canonicalize(p);                              // stable order for goldens
//   p.Allows("write");                            // true
//
// Syscall *names* are the currency (as in OCI); numbers come from our own
// kernel-generated table (syscalls/table.h) per arch, at compile time of the
// filter. A name that does not exist on one of the profile's arches simply
// does not apply there (Docker's default profile lists arm_fadvise64_64 for
// every arch).
//
// All types are plain values with operator==; nothing here touches the
// kernel.
#ifndef GO2SECCOMP_PROFILE_PROFILE_H_
#define GO2SECCOMP_PROFILE_PROFILE_H_

#include <cerrno>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "go2seccomp/base/arch.h"

namespace go2seccomp::profile {

// What the kernel does when a rule (or the default) matches. OCI names in
// brackets; the kernel's SECCOMP_RET_* value each maps to is in bpf_eval.h.
struct Action {
  enum class Kind : std::uint8_t {
    kAllow,        // SCMP_ACT_ALLOW
    kErrno,        // SCMP_ACT_ERRNO: fail the call with errno_ret
    kKillProcess,  // SCMP_ACT_KILL_PROCESS: SIGSYS to the whole process
    kKillThread,   // SCMP_ACT_KILL_THREAD (alias SCMP_ACT_KILL)
    kTrap,         // SCMP_ACT_TRAP: deliver SIGSYS (Go's runtime crashes)
    kLog,          // SCMP_ACT_LOG: allow and audit-log
    kTrace,        // SCMP_ACT_TRACE: notify a ptrace tracer, msg errno_ret
    kNotify,       // SCMP_ACT_NOTIFY: user-space notification listener
  };

  // Build values with the factories: errno_ret is meaningful only for kErrno
  // and kTrace and is 0 for every other kind (Canonicalize enforces this),
  // so == compares what the kernel would do.
  Kind kind = Kind::kErrno;
  // For kErrno the errno returned; OCI "errnoRet", and when absent runc and
  // crun use EPERM, hence the default. The kernel keeps 16 bits
  // (SECCOMP_RET_DATA) and clamps to MAX_ERRNO (4095) when returning.
  std::uint32_t errno_ret = EPERM;

  static Action Allow() { return {Kind::kAllow, 0}; }
  static Action Errno(std::uint32_t e = EPERM) { return {Kind::kErrno, e}; }
  static Action KillProcess() { return {Kind::kKillProcess, 0}; }
  static Action KillThread() { return {Kind::kKillThread, 0}; }
  static Action Trap() { return {Kind::kTrap, 0}; }
  static Action Log() { return {Kind::kLog, 0}; }
  static Action Trace(std::uint32_t msg = EPERM) { return {Kind::kTrace, msg}; }
  static Action Notify() { return {Kind::kNotify, 0}; }

  // True for the kinds whose errno_ret is part of the action.
  bool HasErrnoRet() const {
    return kind == Kind::kErrno || kind == Kind::kTrace;
  }

  bool operator==(const Action&) const = default;
  auto operator<=>(const Action&) const = default;
};

// OCI name of an action kind: "SCMP_ACT_ALLOW", "SCMP_ACT_KILL_THREAD", ...
std::string_view ActionName(Action::Kind kind);
// Accepts every OCI name, including the alias SCMP_ACT_KILL (= kill thread,
// libseccomp's SCMP_ACT_KILL). std::nullopt for anything else.
std::optional<Action::Kind> ActionKindFromName(std::string_view name);
// "SCMP_ACT_ERRNO(1)", "SCMP_ACT_ALLOW": for messages.
std::string ToString(const Action& action);

// A comparison on one syscall argument (OCI "args" entry). For kMaskedEqual
// the test is (arg & value) == value_two, as in libseccomp
// SCMP_CMP_MASKED_EQ(mask, datum).
struct ArgCondition {
  enum class Op : std::uint8_t {
    kNotEqual,        // SCMP_CMP_NE
    kLessThan,        // SCMP_CMP_LT
    kLessOrEqual,     // SCMP_CMP_LE
    kEqual,           // SCMP_CMP_EQ
    kGreaterOrEqual,  // SCMP_CMP_GE
    kGreaterThan,     // SCMP_CMP_GT
    kMaskedEqual,     // SCMP_CMP_MASKED_EQ
  };

  std::uint32_t index = 0;  // 0..5
  std::uint64_t value = 0;
  std::uint64_t value_two = 0;
  Op op = Op::kEqual;

  // Positional construction; GCC 12 warns (-Wmissing-field-initializers)
  // about designated initializers that leave members out.
  static ArgCondition Make(std::uint32_t index, Op op, std::uint64_t value,
                           std::uint64_t value_two = 0) {
    return ArgCondition{index, value, value_two, op};
  }

  bool operator==(const ArgCondition&) const = default;
  auto operator<=>(const ArgCondition&) const = default;
};

std::string_view OpName(ArgCondition::Op op);  // "SCMP_CMP_EQ"
std::optional<ArgCondition::Op> OpFromName(std::string_view name);

// One OCI "syscalls" entry: `action` applies to every name in `names` when
// all `args` conditions hold (they are AND'ed, as in libseccomp).
struct Rule {
  std::vector<std::string> names;
  Action action = Action::Allow();
  std::vector<ArgCondition> args;
  std::string comment;  // Docker's "comment"; free text, why this rule

  static Rule Make(std::vector<std::string> names, Action action,
                   std::vector<ArgCondition> args = {},
                   std::string comment = {}) {
    return Rule{std::move(names), action, std::move(args), std::move(comment)};
  }

  bool operator==(const Rule&) const = default;
};

struct Profile {
  Action default_action = Action::Errno(EPERM);
  // The arches the filter accepts; a syscall made with any other
  // seccomp_data.arch gets the filter's bad-arch action (runtime/filter.h).
  std::vector<Arch> arches;
  std::vector<Rule> rules;

  bool operator==(const Profile&) const = default;

  // The action of the first unconditional rule naming `name`, else the
  // default action: what a call gets when no conditional rule decides
  // (the filter compiler checks the compiled program against it).
  Action ActionFor(std::string_view name) const;
  // Allowed for at least some arguments: AllowanceOf(*this, name).allowed()
  // (allowance.h, where conditional rules are spelled out).
  bool Allows(std::string_view name) const;
  // Every syscall of `arch` (our table) that Allows() holds for, sorted.
  // Does not check that the profile lists `arch`.
  std::set<std::string> AllowedNames(Arch arch) const;
};

// Puts `profile` in canonical form, so equal policies render to equal JSON
// and goldens are stable:
//   - errno_ret zeroed for actions that do not use it;
//   - arches sorted (enum order) and deduplicated;
//   - in each rule, names sorted and deduplicated, args sorted;
//   - rules without args that have the same action merged into one (their
//     distinct comments joined with "; ");
//   - rules with no names dropped;
//   - rules ordered by (action, unconditional first, names, args, comment).
void Canonicalize(Profile& profile);
Profile Canonicalized(Profile profile);

// The union of what `a` and `b` allow (for `merge` and `--with`): arches and
// rules of both; a name unconditionally allowed by either, or allowed under
// conditions by the other, is removed from unconditional non-allow rules
// (which would otherwise override the conditional allow). The default action is
// `a`'s, so the result is meaningful for deny-by-default profiles (the usual
// case). The result is canonical.
Profile Merge(const Profile& a, const Profile& b);

}  // namespace go2seccomp::profile

#endif  // GO2SECCOMP_PROFILE_PROFILE_H_
