#include "go2seccomp/runtime/supervisor.h"

#include <fmt/format.h>
#include <limits.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include "go2seccomp/profile/bpf_eval.h"
#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::runtime {
namespace {

using profile::Action;

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ReadLink(const std::string& path) {
  char buf[PATH_MAX];
  ssize_t n = readlink(path.c_str(), buf, sizeof(buf));
  if (n <= 0) return {};
  return std::string(buf, static_cast<std::size_t>(n));
}

std::uint64_t ParseHex(std::string_view s) {
  if (s.starts_with("0x")) s.remove_prefix(2);
  std::uint64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v, 16);
  return v;
}

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

pid_t TgidOf(pid_t tid) {
  const std::string status = ReadSmallFile(fmt::format("/proc/{}/status", tid));
  std::size_t at = status.find("\nTgid:");
  if (at == std::string::npos) return 0;
  std::string_view rest = std::string_view(status).substr(at + 6);
  while (!rest.empty() && (rest[0] == ' ' || rest[0] == '\t')) {
    rest.remove_prefix(1);
  }
  pid_t v = 0;
  std::from_chars(rest.data(), rest.data() + rest.size(), v);
  return v;
}

// Reads up to `want` bytes at `addr` of `tid`, page by page (the read fails
// as a whole at an unmapped page, so stop there).
std::vector<std::uint8_t> ReadStack(pid_t tid, std::uint64_t addr,
                                    std::size_t want) {
  std::vector<std::uint8_t> out;
  if (addr == 0) return out;
  const auto page = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  out.resize(want);
  std::size_t got = 0;
  while (got < want) {
    const std::uint64_t at = addr + got;
    const std::size_t chunk =
        std::min<std::uint64_t>(want - got, page - at % page);
    iovec local{out.data() + got, chunk};
    iovec remote{reinterpret_cast<void*>(static_cast<std::uintptr_t>(at)),
                 chunk};
    ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

std::optional<Arch> ArchFromAudit(std::uint32_t audit_arch) {
  for (const ArchInfo& info : AllArchInfos()) {
    if (info.audit_arch == audit_arch) return info.arch;
  }
  return std::nullopt;
}

}  // namespace

bool LeavesDenialsToKernel(const profile::Profile& profile) {
  auto kernel_only = [](const profile::Action& a) {
    return a.kind == profile::Action::Kind::kTrap ||
           a.kind == profile::Action::Kind::kKillThread;
  };
  if (kernel_only(profile.default_action)) return true;
  for (const profile::Rule& r : profile.rules) {
    if (kernel_only(r.action)) return true;
  }
  return false;
}

std::uint64_t StackPointerFromProcSyscall(std::string_view text) {
  // "nr arg0 arg1 arg2 arg3 arg4 arg5 sp pc" while in a syscall;
  // "-1 sp pc" when blocked outside one; "running" otherwise
  // (fs/proc/base.c proc_pid_syscall).
  std::vector<std::string_view> f = Fields(text.substr(0, text.find('\n')));
  if (f.size() == 9) return ParseHex(f[7]);
  if (f.size() == 3) return ParseHex(f[1]);
  return 0;
}

Denial::Mapping MappingFromProcMaps(std::string_view maps, std::uint64_t pc) {
  // "start-end perms offset dev inode [path]" (fs/proc/task_mmu.c).
  Denial::Mapping m;
  while (!maps.empty()) {
    std::size_t nl = maps.find('\n');
    std::string_view line = maps.substr(0, nl);
    maps =
        nl == std::string_view::npos ? std::string_view{} : maps.substr(nl + 1);
    std::vector<std::string_view> f = Fields(line);
    if (f.size() < 5) continue;
    std::size_t dash = f[0].find('-');
    if (dash == std::string_view::npos) continue;
    const std::uint64_t start = ParseHex(f[0].substr(0, dash));
    const std::uint64_t end = ParseHex(f[0].substr(dash + 1));
    if (pc < start || pc >= end) continue;
    m.start = start;
    m.end = end;
    m.offset = ParseHex(f[2]);
    if (f.size() >= 6) {
      // The path may contain spaces: everything from the sixth field on.
      const std::size_t at =
          static_cast<std::size_t>(f[5].data() - line.data());
      m.path = std::string(line.substr(at));
    }
    return m;
  }
  return m;
}

Supervisor::Supervisor(int listener, std::vector<sock_filter> verdicts,
                       Mode mode, std::function<void(const Denial&)> on_first)
    : listener_(listener),
      verdicts_(std::move(verdicts)),
      mode_(mode),
      on_first_(std::move(on_first)) {
  // The kernel's structures may be larger than our headers' (they grow at
  // the end); RECV and SEND take the kernel's sizes.
  seccomp_notif_sizes sizes{};
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0) {
    sizes.seccomp_notif = sizeof(seccomp_notif);
    sizes.seccomp_notif_resp = sizeof(seccomp_notif_resp);
  }
  notif_buf_.resize(
      std::max<std::size_t>(sizes.seccomp_notif, sizeof(seccomp_notif)));
  resp_buf_.resize(std::max<std::size_t>(sizes.seccomp_notif_resp,
                                         sizeof(seccomp_notif_resp)));
}

Supervisor::~Supervisor() { Close(); }

void Supervisor::Close() {
  if (listener_ >= 0) close(listener_);
  listener_ = -1;
}

Denial Supervisor::Describe(pid_t tid, Arch arch, std::int64_t nr,
                            std::uint64_t pc, const Action& action) const {
  Denial d;
  d.arch = arch;
  d.nr = nr;
  if (auto name = nr >= 0 && nr <= INT_MAX
                      ? syscalls::NameOf(arch, static_cast<int>(nr))
                      : std::nullopt) {
    d.name = std::string(*name);
  } else {
    d.name = fmt::format("nr:{}", nr);
  }
  d.action = action;
  d.tid = tid;
  d.pc = pc;
  if (tid <= 0) return d;  // not visible from our pid namespace
  d.tgid = TgidOf(tid);
  d.exe = ReadLink(fmt::format("/proc/{}/exe", tid));
  // Readable by a tracer-equivalent (PTRACE_MODE_ATTACH): our own child.
  d.sp = StackPointerFromProcSyscall(
      ReadSmallFile(fmt::format("/proc/{}/syscall", tid)));
  d.mapping =
      MappingFromProcMaps(ReadSmallFile(fmt::format("/proc/{}/maps", tid)), pc);
  d.stack = ReadStack(tid, d.sp, kStackSnapshotBytes);
  return d;
}

Result<void> Supervisor::HandleOne() {
  std::fill(notif_buf_.begin(), notif_buf_.end(), 0);  // RECV requires zeros
  if (ioctl(listener_, SECCOMP_IOCTL_NOTIF_RECV, notif_buf_.data()) != 0) {
    // ENOENT: the target was killed or interrupted before we got it.
    if (errno == ENOENT || errno == EINTR || errno == EAGAIN) return {};
    return MakeError(ErrorCode::kSystem, "SECCOMP_IOCTL_NOTIF_RECV: {}",
                     std::strerror(errno));
  }
  seccomp_notif req;
  std::memcpy(&req, notif_buf_.data(), sizeof(req));

  Result<std::uint32_t> ret = profile::EvaluateBpf(verdicts_, req.data);
  const Action verdict = ret ? profile::ActionFromSeccompRet(*ret)
                             : Action::Errno(EPERM);  // cannot happen
  const auto tid = static_cast<pid_t>(req.pid);

  const std::optional<Arch> arch = ArchFromAudit(req.data.arch);
  const std::int64_t nr =
      arch && GetArchInfo(*arch).elf_class == 32
          ? static_cast<std::int64_t>(static_cast<std::int32_t>(req.data.nr))
          : static_cast<std::int64_t>(req.data.nr);
  const auto key = std::make_pair(req.data.arch, nr);
  auto it = index_.find(key);
  std::size_t index;
  if (it == index_.end()) {
    Denial d = Describe(tid, arch.value_or(HostArch()), nr,
                        req.data.instruction_pointer, verdict);
    if (!arch)
      d.name = fmt::format("nr:{} (audit arch {:#x})", nr, req.data.arch);
    // The facts are only worth keeping if the thread they were read from is
    // still the one that made the call (ids are reused).
    std::uint64_t id = req.id;
    if (ioctl(listener_, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) != 0) return {};
    index = denials_.size();
    index_.emplace(key, index);
    denials_.push_back(std::move(d));
    ++denials_[index].count;
    if (on_first_) on_first_(denials_[index]);
  } else {
    index = it->second;
    ++denials_[index].count;
  }

  std::fill(resp_buf_.begin(), resp_buf_.end(), 0);
  seccomp_notif_resp resp{};
  resp.id = req.id;
  if (mode_ == Mode::kAudit) {
    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  } else if (verdict.kind == Action::Kind::kErrno) {
    resp.error = -static_cast<std::int32_t>(verdict.errno_ret);
  } else if (verdict.kind == Action::Kind::kKillProcess) {
    // Kill first: the blocked thread must never return to user space. The
    // kernel drops the notification with the process.
    const pid_t tgid = TgidOf(tid);
    killed_.emplace(tgid > 0 ? tgid : tid, index);
    kill(tid, SIGKILL);  // a thread id names its whole process for kill()
    return {};
  } else {
    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  }
  std::memcpy(resp_buf_.data(), &resp, sizeof(resp));
  if (ioctl(listener_, SECCOMP_IOCTL_NOTIF_SEND, resp_buf_.data()) != 0) {
    if (errno == ENOENT || errno == EINTR) return {};  // target gone
    return MakeError(ErrorCode::kSystem, "SECCOMP_IOCTL_NOTIF_SEND: {}",
                     std::strerror(errno));
  }
  return {};
}

}  // namespace go2seccomp::runtime
