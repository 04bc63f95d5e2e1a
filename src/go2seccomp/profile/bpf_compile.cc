#include "go2seccomp/profile/bpf_compile.h"

#include <fmt/format.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>

#include "go2seccomp/profile/bpf_eval.h"
#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::profile {
namespace {

std::uint32_t ScmpArch(Arch arch) {
  switch (arch) {
    case Arch::kX86_64:
      return SCMP_ARCH_X86_64;
    case Arch::kArm64:
      return SCMP_ARCH_AARCH64;
    case Arch::kI386:
      return SCMP_ARCH_X86;
    case Arch::kArm:
      return SCMP_ARCH_ARM;
  }
  return 0;
}

std::uint32_t ScmpAction(const Action& a) {
  switch (a.kind) {
    case Action::Kind::kAllow:
      return SCMP_ACT_ALLOW;
    case Action::Kind::kErrno:
      return SCMP_ACT_ERRNO(a.errno_ret);
    case Action::Kind::kKillProcess:
      return SCMP_ACT_KILL_PROCESS;
    case Action::Kind::kKillThread:
      return SCMP_ACT_KILL_THREAD;
    case Action::Kind::kTrap:
      return SCMP_ACT_TRAP;
    case Action::Kind::kLog:
      return SCMP_ACT_LOG;
    case Action::Kind::kTrace:
      return SCMP_ACT_TRACE(a.errno_ret);
    case Action::Kind::kNotify:
      return SCMP_ACT_NOTIFY;
  }
  return SCMP_ACT_KILL_PROCESS;
}

scmp_compare ScmpOp(ArgCondition::Op op) {
  switch (op) {
    case ArgCondition::Op::kNotEqual:
      return SCMP_CMP_NE;
    case ArgCondition::Op::kLessThan:
      return SCMP_CMP_LT;
    case ArgCondition::Op::kLessOrEqual:
      return SCMP_CMP_LE;
    case ArgCondition::Op::kEqual:
      return SCMP_CMP_EQ;
    case ArgCondition::Op::kGreaterOrEqual:
      return SCMP_CMP_GE;
    case ArgCondition::Op::kGreaterThan:
      return SCMP_CMP_GT;
    case ArgCondition::Op::kMaskedEqual:
      return SCMP_CMP_MASKED_EQ;
  }
  return _SCMP_CMP_MIN;
}

// RAII for a context while it is being built.
struct CtxDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using CtxPtr = std::unique_ptr<void, CtxDeleter>;

// The number to hand seccomp_rule_add*() so that libseccomp ends up with
// `nr` on `arch` (see the header: raw numbers are native numbers to
// libseccomp, translated by name). std::nullopt if libseccomp does not know
// `nr` on `arch`. Whether the translation really lands on `nr` is checked
// on the finished program (Verify below), not here: libseccomp's own
// name -> number lookup answers with pseudo-numbers for the i386 socket
// calls (bind -> -102, the socketcall form) and still emits both forms.
std::optional<int> Carrier(Arch arch, int nr) {
  if (ScmpArch(arch) == seccomp_arch_native()) return nr;
  // seccomp_syscall_resolve_num_arch() returns malloc'd strings.
  std::unique_ptr<char, decltype(&std::free)> name(
      seccomp_syscall_resolve_num_arch(ScmpArch(arch), nr), &std::free);
  if (!name) return std::nullopt;
  int carrier = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, name.get());
  if (carrier == __NR_SCMP_ERROR) return std::nullopt;
  return carrier;
}

Result<CtxPtr> NewContext(Arch arch, std::uint32_t default_action,
                          std::uint32_t bad_arch_action) {
  CtxPtr ctx(seccomp_init(default_action));
  if (!ctx) {
    return MakeError(ErrorCode::kSystem, "seccomp_init failed");
  }
  int rc =
      seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, bad_arch_action);
  if (rc < 0) {
    return MakeError(ErrorCode::kSystem, "setting the bad-arch action: {}",
                     std::strerror(-rc));
  }
  std::uint32_t token = ScmpArch(arch);
  if (token != seccomp_arch_native()) {
    // seccomp_init() starts with the native arch; make the context hold
    // `arch` alone.
    rc = seccomp_arch_add(ctx.get(), token);
    if (rc == 0) rc = seccomp_arch_remove(ctx.get(), SCMP_ARCH_NATIVE);
    if (rc < 0) {
      return MakeError(ErrorCode::kSystem, "libseccomp arch {}: {}",
                       GetArchInfo(arch).name, std::strerror(-rc));
    }
  }
  return ctx;
}

// Whether an action lets the call run (so widening its scope widens what
// the program may do).
bool LetsCallRun(const Action& a) {
  return a.kind == Action::Kind::kAllow || a.kind == Action::Kind::kLog;
}

Result<CtxPtr> CompileArch(const Profile& profile, Arch arch,
                           std::uint32_t default_action,
                           std::uint32_t bad_arch_action,
                           std::vector<std::string>& notes) {
  G2S_ASSIGN_OR_RETURN(CtxPtr ctx,
                       NewContext(arch, default_action, bad_arch_action));
  for (const Rule& rule : profile.rules) {
    std::uint32_t action = ScmpAction(rule.action);
    if (action == default_action) continue;
    std::vector<scmp_arg_cmp> cmps;
    for (const ArgCondition& c : rule.args) {
      cmps.push_back(scmp_arg_cmp{c.index, ScmpOp(c.op), c.value, c.value_two});
    }
    const auto n_cmps = static_cast<unsigned>(cmps.size());
    for (const std::string& name : rule.names) {
      std::optional<int> nr = syscalls::NumberOf(arch, name);
      if (!nr) continue;  // not a syscall of this arch
      std::optional<int> carrier = Carrier(arch, *nr);
      if (!carrier) continue;  // Verify() reports it
      // _exact: no best-effort rewriting. (On i386 libseccomp still adds the
      // socketcall/ipc multiplexed form of a direct socket/ipc call: the
      // same operation through the other entry point.)
      int rc = seccomp_rule_add_exact_array(ctx.get(), action, *carrier, n_cmps,
                                            cmps.data());
      if (rc == -EINVAL && !cmps.empty()) {
        // i386 socket/ipc calls with argument conditions: the multiplexed
        // form passes its arguments in memory, which BPF cannot read, so
        // libseccomp can only add it without the conditions
        // (arch-x86.c x86_rule_add). That is safe for a denying action
        // (it denies more) and not for one that lets the call run.
        if (LetsCallRun(rule.action)) {
          notes.push_back(fmt::format(
              "{}: the conditional {} rule for {} is left out: libseccomp "
              "cannot apply its argument conditions to the multiplexed form",
              GetArchInfo(arch).name, ToString(rule.action), name));
          continue;
        }
        rc = seccomp_rule_add_array(ctx.get(), action, *carrier, n_cmps,
                                    cmps.data());
        if (rc == 0) {
          notes.push_back(fmt::format(
              "{}: the conditional {} rule for {} also applies, without its "
              "conditions, to the multiplexed form of the call",
              GetArchInfo(arch).name, ToString(rule.action), name));
        }
      }
      if (rc < 0) {
        return MakeError(ErrorCode::kSystem,
                         "libseccomp refused the rule {} for \"{}\" (nr {}) on "
                         "{}: {}",
                         ToString(rule.action), name, *nr,
                         GetArchInfo(arch).name, std::strerror(-rc));
      }
    }
  }
  return ctx;
}

// Runs `exporter` into a memfd and returns the bytes written.
Result<std::string> ExportToMemory(void* ctx,
                                   int (*exporter)(const scmp_filter_ctx, int),
                                   std::string_view what) {
  int fd = memfd_create("go2seccomp-export", MFD_CLOEXEC);
  if (fd < 0) {
    return MakeError(ErrorCode::kSystem, "memfd_create: {}",
                     std::strerror(errno));
  }
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  int rc = exporter(ctx, fd);
  if (rc < 0) {
    return MakeError(ErrorCode::kSystem, "{}: {}", what, std::strerror(-rc));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    return MakeError(ErrorCode::kSystem, "fstat memfd: {}",
                     std::strerror(errno));
  }
  std::string out(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = pread(fd, out.data() + done, out.size() - done,
                      static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return MakeError(ErrorCode::kSystem, "reading back {}: {}", what,
                       n == 0 ? "short read" : std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  return out;
}

Result<std::vector<sock_filter>> ExportCtxBpf(void* ctx) {
  G2S_ASSIGN_OR_RETURN(
      std::string bytes,
      ExportToMemory(ctx, seccomp_export_bpf, "seccomp_export_bpf"));
  if (bytes.size() % sizeof(sock_filter) != 0) {
    return MakeError(ErrorCode::kSystem,
                     "seccomp_export_bpf wrote {} bytes, not a whole number "
                     "of instructions",
                     bytes.size());
  }
  std::vector<sock_filter> prog(bytes.size() / sizeof(sock_filter));
  std::memcpy(prog.data(), bytes.data(), bytes.size());
  return prog;
}

Action Normalized(Action a) {
  if (!a.HasErrnoRet()) a.errno_ret = 0;
  return a;
}

// Runs the generated program on every syscall the profile names without
// conditions, per arch, and compares with the profile's set semantics.
// This is what catches what libseccomp could not express (a syscall newer
// than its tables on a foreign arch): such a syscall gets the default
// action, which is reported in `notes`. A program that would *allow* what
// the profile does not is an error.
Result<void> Verify(const Profile& profile, void* ctx,
                    std::vector<std::string>& notes) {
  G2S_ASSIGN_OR_RETURN(std::vector<sock_filter> prog, ExportCtxBpf(ctx));
  std::vector<Arch> done;
  for (Arch arch : profile.arches) {
    if (std::find(done.begin(), done.end(), arch) != done.end()) continue;
    done.push_back(arch);
    std::vector<std::string> checked;
    std::vector<std::string> missing;
    for (const Rule& rule : profile.rules) {
      if (!rule.args.empty()) continue;
      for (const std::string& name : rule.names) {
        std::optional<int> nr = syscalls::NumberOf(arch, name);
        if (!nr) continue;
        if (std::find(checked.begin(), checked.end(), name) != checked.end()) {
          continue;
        }
        checked.push_back(name);
        Action want = Normalized(profile.ActionFor(name));
        seccomp_data d = MakeSeccompData(arch, static_cast<std::uint32_t>(*nr));
        G2S_ASSIGN_OR_RETURN(std::uint32_t ret, EvaluateBpf(prog, d));
        Action got = ActionFromSeccompRet(ret);
        if (got == want) continue;
        if (got.kind == Action::Kind::kAllow) {
          return MakeError(ErrorCode::kSystem,
                           "libseccomp produced a filter that allows \"{}\" "
                           "(nr {}) on {}, which the profile does not ({})",
                           name, *nr, GetArchInfo(arch).name, ToString(want));
        }
        missing.push_back(fmt::format("{} ({})", name, *nr));
      }
    }
    if (!missing.empty()) {
      const struct scmp_version* v = seccomp_version();
      notes.push_back(fmt::format(
          "{}: libseccomp {}.{}.{} cannot express {}; they get the default "
          "action there",
          GetArchInfo(arch).name, v->major, v->minor, v->micro,
          fmt::join(missing, ", ")));
    }
  }
  return {};
}

}  // namespace

Filter::Filter(Filter&& other) noexcept
    : ctx_(std::exchange(other.ctx_, nullptr)),
      notes_(std::move(other.notes_)) {}

Filter& Filter::operator=(Filter&& other) noexcept {
  if (this != &other) {
    if (ctx_) seccomp_release(ctx_);
    ctx_ = std::exchange(other.ctx_, nullptr);
    notes_ = std::move(other.notes_);
  }
  return *this;
}

Filter::~Filter() {
  if (ctx_) seccomp_release(ctx_);
}

Result<Filter> CompileFilter(const Profile& profile,
                             const FilterOptions& options) {
  if (profile.arches.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the profile lists no architectures");
  }
  auto notify = [](const Action& a) { return a.kind == Action::Kind::kNotify; };
  bool uses_notify = notify(profile.default_action);
  for (const Rule& r : profile.rules) uses_notify |= notify(r.action);
  if (uses_notify || notify(options.bad_arch_action)) {
    return MakeError(ErrorCode::kUnsupported,
                     "SCMP_ACT_NOTIFY needs a user-space notification "
                     "listener, which go2seccomp does not provide");
  }
  auto too_big = [](const Action& a) {
    return a.HasErrnoRet() && a.errno_ret > 0xffff;  // SECCOMP_RET_DATA
  };
  bool errno_too_big = too_big(profile.default_action);
  for (const Rule& r : profile.rules) errno_too_big |= too_big(r.action);
  if (errno_too_big) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "an errno above 0xffff does not fit SECCOMP_RET_DATA");
  }
  std::uint32_t default_action = ScmpAction(profile.default_action);
  std::uint32_t bad_arch = ScmpAction(options.bad_arch_action);

  std::vector<std::string> notes;
  CtxPtr merged;
  std::vector<Arch> done;
  for (Arch arch : profile.arches) {
    if (std::find(done.begin(), done.end(), arch) != done.end()) continue;
    done.push_back(arch);
    G2S_ASSIGN_OR_RETURN(CtxPtr ctx, CompileArch(profile, arch, default_action,
                                                 bad_arch, notes));
    if (!merged) {
      merged = std::move(ctx);
      continue;
    }
    // seccomp_merge() consumes the source context on success only.
    int rc = seccomp_merge(merged.get(), ctx.get());
    if (rc < 0) {
      return MakeError(ErrorCode::kSystem, "merging the {} filter: {}",
                       GetArchInfo(arch).name, std::strerror(-rc));
    }
    (void)ctx.release();
  }
  G2S_TRY(Verify(profile, merged.get(), notes));
  return Filter(merged.release(), std::move(notes));
}

Result<std::vector<sock_filter>> ExportBpf(const Filter& filter) {
  return ExportCtxBpf(filter.ctx());
}

Result<std::string> ExportPfc(const Filter& filter) {
  return ExportToMemory(filter.ctx(), seccomp_export_pfc, "seccomp_export_pfc");
}

int HighestKnownNumber(Arch arch) {
  // arm's private calls (__ARM_NR_BASE = 0x0f0000: set_tls, cacheflush, ...)
  // sit far above the numbered table.
  constexpr int kArmPrivateBase = 0x0f0000;
  int highest = -1;
  for (const syscalls::SyscallEntry& e : syscalls::Table(arch)) {
    if (arch == Arch::kArm && e.nr >= kArmPrivateBase) continue;
    highest = std::max(highest, e.nr);
  }
  return highest;
}

std::vector<sock_filter> WithUnknownEnosys(std::span<const sock_filter> program,
                                           std::span<const Arch> arches) {
  // x32 numbers carry __X32_SYSCALL_BIT; libseccomp sends them (and -1) to
  // the bad-arch action, so the prefix must leave them alone. On arm the
  // private range starts lower.
  constexpr std::uint32_t kX32Bit = 0x40000000;
  constexpr std::uint32_t kArmPrivateBase = 0x0f0000;
  std::vector<sock_filter> out;
  std::vector<Arch> done;
  for (Arch arch : arches) {
    if (std::find(done.begin(), done.end(), arch) != done.end()) continue;
    done.push_back(arch);
    const std::uint32_t limit = arch == Arch::kArm ? kArmPrivateBase : kX32Bit;
    const auto highest = static_cast<std::uint32_t>(HighestKnownNumber(arch));
    // Each block: if arch matches and highest < nr < limit, ENOSYS; else
    // fall through to the next block (jump offsets count from the next
    // instruction).
    const sock_filter block[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, GetArchInfo(arch).audit_arch, 0, 4),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, highest, 0, 2),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, limit, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
    };
    out.insert(out.end(), std::begin(block), std::end(block));
  }
  out.insert(out.end(), program.begin(), program.end());
  return out;
}

std::vector<sock_filter> RouteToListener(
    std::span<const sock_filter> program,
    const std::function<bool(std::uint32_t ret)>& route) {
  std::vector<sock_filter> out(program.begin(), program.end());
  for (sock_filter& insn : out) {
    if (insn.code == (BPF_RET | BPF_K) && route(insn.k)) {
      insn.k = SECCOMP_RET_USER_NOTIF;
    }
  }
  return out;
}

}  // namespace go2seccomp::profile
