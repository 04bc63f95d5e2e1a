#include "go2seccomp/runtime/qemu_log.h"

#include <fmt/format.h>

#include <charconv>
#include <utility>

#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::runtime {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) ||
         c == '_';
}

class LogParser {
 public:
  LogParser(std::string_view log, Arch guest) : log_(log), guest_(guest) {}

  // Finds every record start in the log (see qemu_log.h for why the log
  // is scanned for records rather than read line by line).
  Result<QemuStraceLog> Parse() {
    const std::size_t first = log_.find_first_not_of('\n');
    if (first == std::string_view::npos) return std::move(out_);
    pos_ = first;
    if (!AtRecordStart()) {
      return Malformed("the log does not start with a \"PID NAME(\" record");
    }
    for (; pos_ < log_.size(); ++pos_) {
      if (log_.substr(pos_).starts_with("--- SIG")) {
        ++out_.signals;
      } else if (IsDigit(log_[pos_]) &&
                 (pos_ == 0 || !IsNameChar(log_[pos_ - 1]))) {
        Candidate();
      }
    }
    return std::move(out_);
  }

 private:
  // "PID NAME(" or "PID Unknown syscall N" at pos_?
  bool AtRecordStart() const {
    std::size_t p = pos_;
    while (p < log_.size() && IsDigit(log_[p])) ++p;
    if (p == pos_ || p >= log_.size() || log_[p] != ' ') return false;
    ++p;
    if (log_.substr(p).starts_with("Unknown syscall ")) return true;
    const std::size_t name = p;
    while (p < log_.size() && IsNameChar(log_[p])) ++p;
    return p > name && p < log_.size() && log_[p] == '(' &&
           !IsDigit(log_[name]);
  }

  // A number at pos_ not inside a word: a record, a lost record ("PID "
  // followed by another process's record), or part of a result.
  void Candidate() {
    std::size_t p = pos_;
    pid_t pid = 0;
    const auto [end, ec] =
        std::from_chars(log_.data() + p, log_.data() + log_.size(), pid);
    p = static_cast<std::size_t>(end - log_.data());
    if (ec != std::errc() || p + 1 >= log_.size() || log_[p] != ' ') return;
    if (IsDigit(log_[p + 1])) {
      ++out_.lost_records;  // "30863 30858 clock_gettime(...": see .h
      return;
    }
    if (!AtRecordStart()) return;
    out_.pids.insert(pid);
    ++p;
    constexpr std::string_view kUnknown = "Unknown syscall ";
    if (log_.substr(p).starts_with(kUnknown)) {
      p += kUnknown.size();
      int nr = -1;
      std::from_chars(log_.data() + p, log_.data() + log_.size(), nr);
      CountNumber(nr);
      pos_ = p;
      return;
    }
    const std::size_t open = log_.find('(', p);
    const std::string_view name = log_.substr(p, open - p);
    CountName(name);
    if (name == "execve" || name == "execveat") {
      out_.execs.push_back({pid, FirstString(open + 1)});
    }
    pos_ = open;  // the arguments may hold other processes' records
  }

  // The first quoted argument (execve's filename), "" if none.
  std::string FirstString(std::size_t args_start) const {
    const std::string_view args = log_.substr(args_start);
    if (!args.starts_with('"')) return {};
    const std::size_t close = args.find_first_of("\"\n", 1);
    if (close == std::string_view::npos || args[close] != '"') return {};
    return std::string(args.substr(1, close - 1));
  }

  void CountName(std::string_view name) {
    if (syscalls::NumberOf(guest_, name)) {
      ++out_.counts[guest_][std::string(name)];
    } else {
      ++out_.unknown_names[std::string(name)];
    }
  }

  void CountNumber(int nr) {
    const std::optional<std::string_view> name = syscalls::NameOf(guest_, nr);
    ++out_.counts[guest_][name ? std::string(*name) : fmt::format("nr:{}", nr)];
  }

  tl::unexpected<Error> Malformed(std::string_view what) const {
    const std::size_t nl = log_.find('\n', pos_);
    const std::string_view line = log_.substr(
        pos_,
        std::min<std::size_t>(
            nl == std::string_view::npos ? log_.size() - pos_ : nl - pos_, 60));
    return MakeError(ErrorCode::kMalformed,
                     "offset {}: not a qemu strace log ({}): \"{}\"", pos_,
                     what, line);
  }

  std::string_view log_;
  Arch guest_;
  std::size_t pos_ = 0;
  QemuStraceLog out_;
};

}  // namespace

Result<QemuStraceLog> ParseQemuStraceLog(std::string_view log, Arch guest) {
  return LogParser(log, guest).Parse();
}

std::optional<Arch> ArchOfElfHeader(std::span<const std::byte> header) {
  // e_ident: "\x7fELF", EI_CLASS (1 = 32-bit, 2 = 64-bit), EI_DATA (1 =
  // little-endian); e_machine is the 16-bit field at offset 18.
  if (header.size() < 20) return std::nullopt;
  const auto u8 = [&](std::size_t i) {
    return std::to_integer<unsigned>(header[i]);
  };
  if (u8(0) != 0x7f || u8(1) != 'E' || u8(2) != 'L' || u8(3) != 'F' ||
      u8(5) != 1) {
    return std::nullopt;
  }
  const int elf_class = u8(4) == 2 ? 64 : u8(4) == 1 ? 32 : 0;
  const auto machine = static_cast<std::uint16_t>(u8(18) | (u8(19) << 8));
  return ArchFromElfMachine(machine, elf_class);
}

}  // namespace go2seccomp::runtime
