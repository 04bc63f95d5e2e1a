// Compiling a Profile into a seccomp BPF program with libseccomp, and the
// rewrites go2seccomp applies to exported programs. Pure in the sense of
// the dependency rule: nothing here changes the process (libseccomp's
// export goes through a memfd); installing is runtime/filter.h's job
// (Chromium's bpf_dsl vs seccomp-bpf split).
//
//   G2S_ASSIGN_OR_RETURN(Filter f, CompileFilter(profile, FilterOptions{}));
//   G2S_ASSIGN_OR_RETURN(auto prog, ExportBpf(f));        // for tests, bpf
//   G2S_ASSIGN_OR_RETURN(std::string pfc, ExportPfc(f));  // for humans
//   runtime::InstallFilter(f);  // runtime/filter.h: this thread, for good
//
// How the filter is built, and why:
//   - Syscall numbers come from OUR kernel-generated table per arch, never
//     from libseccomp's name resolution: the host's libseccomp (2.5.4 on
//     Debian 12) may be older than the binary being confined.
//   - One single-arch libseccomp context per profile arch, merged with
//     seccomp_merge(). libseccomp interprets a raw number given to
//     seccomp_rule_add() as a number of the *native* arch and translates it,
//     by name, for every other arch (src/arch.c arch_syscall_translate(),
//     called from arch_filter_rule_add() whatever the context's arch list).
//     So for the native arch we pass our number unchanged; for a foreign
//     arch we pass a "carrier": the native number (possibly one of
//     libseccomp's negative pseudo-numbers) whose name libseccomp maps to our
//     number on that arch.
//   - The finished program is then checked against the profile: for every
//     arch and every syscall named by an unconditional rule, the exported BPF
//     is evaluated (profile/bpf_eval.h) and must give the profile's action. A
//     syscall libseccomp cannot express on a foreign arch (newer than its
//     tables) gets the default action there and is listed in
//     Filter::notes(); a program that would allow something the profile does
//     not is an error.
//   - For one syscall, an unconditional rule wins over conditional ones, and
//     among unconditional rules the first wins (libseccomp's db keeps the
//     broader / first rule) — the same as Profile::ActionFor().
//   - On i386, libseccomp adds the socketcall/ipc multiplexed form of a
//     direct socket/ipc syscall rule (the same operation through the other
//     entry point), even with seccomp_rule_add_exact(). It cannot apply
//     argument conditions to the multiplexed form (its arguments are in
//     memory): a conditional rule there is added with the conditions
//     dropped on the multiplexed form when its action denies (so it only
//     denies more), and left out when it allows; both cases get a note.
//   - Names that do not exist on an arch (our table) do not apply to it.
//   - Rules whose action equals the default action are no-ops and are left
//     out (libseccomp refuses them with -EACCES).
//   - The bad-arch action (a call made with an arch the profile does not
//     list: i386 `int $0x80` from a 64-bit process) is kill-process by
//     default. On x86_64, libseccomp 2.5.4 also sends x32 numbers
//     (nr >= 0x40000000, except -1) to the bad-arch action when SCMP_ARCH_X32
//     is not in the filter: its BPF tests `A >= 0x40000000` right after
//     loading nr (filter_test.cc checks this on the exported program), so no
//     extra guard is needed.
//   - SCMP_ACT_NOTIFY is refused (kUnsupported): it needs a user-space
//     listener go2seccomp does not provide.
#ifndef GO2SECCOMP_PROFILE_BPF_COMPILE_H_
#define GO2SECCOMP_PROFILE_BPF_COMPILE_H_

#include <linux/filter.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "go2seccomp/base/error.h"
#include "go2seccomp/profile/profile.h"

namespace go2seccomp::profile {

struct FilterOptions {
  // For syscalls made with an arch not in the profile (and x32 numbers on
  // x86_64). Kill-process: such a call is an escape attempt or a bug, never
  // something to paper over with an errno.
  Action bad_arch_action = Action::KillProcess();
};

// Owns a libseccomp filter context (scmp_filter_ctx). Move-only.
class Filter {
 public:
  Filter(Filter&& other) noexcept;
  Filter& operator=(Filter&& other) noexcept;
  Filter(const Filter&) = delete;
  Filter& operator=(const Filter&) = delete;
  ~Filter();

  // The libseccomp context, for callers that need more of libseccomp.
  void* ctx() const { return ctx_; }
  // What the compiler had to leave out, one sentence each.
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  friend Result<Filter> CompileFilter(const Profile&,
                                      const FilterOptions&);
  Filter(void* ctx, std::vector<std::string> notes)
      : ctx_(ctx), notes_(std::move(notes)) {}

  void* ctx_ = nullptr;  // scmp_filter_ctx
  std::vector<std::string> notes_;
};

// kInvalidArgument for a profile without arches, kUnsupported for
// SCMP_ACT_NOTIFY, kSystem when libseccomp refuses a rule (the message names
// the syscall and arch; e.g. one name with two unconditional actions).
Result<Filter> CompileFilter(const Profile& profile,
                             const FilterOptions& options);

// The BPF program libseccomp generates (seccomp_export_bpf, through a memfd).
Result<std::vector<sock_filter>> ExportBpf(const Filter& filter);
// libseccomp's pseudo-filter-code text (seccomp_export_pfc).
Result<std::string> ExportPfc(const Filter& filter);

// --- Exported programs: rewriting --------------------------------------------
//
// These work on the BPF libseccomp exported, so they apply to any profile
// without a rule of their own (libseccomp cannot express "every number above
// N", and refuses a rule whose action equals the default):
//
//   G2S_ASSIGN_OR_RETURN(auto prog, ExportBpf(filter));
//   prog = WithUnknownEnosys(prog, profile.arches);
//   prog = RouteToListener(prog, [](std::uint32_t ret) { ... });
//   G2S_TRY(runtime::LoadProgram(prog, {.all_threads = true}));

// The highest syscall number our table (Linux 6.12) knows for `arch`,
// ignoring arm's private 0x0f0000 range.
int HighestKnownNumber(Arch arch);

// `program` with a prefix that answers SCMP_ACT_ERRNO(ENOSYS) for syscalls
// numbered above HighestKnownNumber(arch) on each of `arches`: calls newer
// than our table then look "not implemented", which is what a libc or Go
// runtime probing a new syscall expects, instead of the default errno
// (runc's patchbpf does the same above the highest number in a profile).
// Bounded above so that x32 numbers (0x40000000 and up, and -1) still reach
// libseccomp's bad-arch test on x86_64, and arm's private calls
// (0x0f0000 and up) its rules. The prefix reloads what it tests and
// libseccomp's program starts with its own loads, so they compose. Apply it
// only to deny-by-default profiles: it would deny newer calls that an
// allow-by-default profile lets run.
std::vector<sock_filter> WithUnknownEnosys(std::span<const sock_filter> program,
                                           std::span<const Arch> arches);

// `program` with every `ret K` for which route(K) holds turned into
// `ret SECCOMP_RET_USER_NOTIF`: those calls then go to the process holding
// the filter's listener (SECCOMP_FILTER_FLAG_NEW_LISTENER), which answers
// them; everything else keeps the kernel's answer and costs what it did.
// libseccomp only emits constant returns (no `ret A`).
std::vector<sock_filter> RouteToListener(
    std::span<const sock_filter> program,
    const std::function<bool(std::uint32_t ret)>& route);

}  // namespace go2seccomp::profile

#endif  // GO2SECCOMP_PROFILE_BPF_COMPILE_H_
