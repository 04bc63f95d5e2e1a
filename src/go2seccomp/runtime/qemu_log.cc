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

  Result<QemuStraceLog> Parse() {
    while (pos_ < log_.size()) G2S_TRY(Record());
    return std::move(out_);
  }

 private:
  // One record at pos_: an entry (maybe run together with the next), a
  // result line, a signal, an unknown syscall, or an empty line.
  Result<void> Record() {
    const char c = log_[pos_];
    if (c == '\n') {
      ++pos_;
      return {};
    }
    if (log_.substr(pos_).starts_with(" = ")) return SkipLine();
    if (log_.substr(pos_).starts_with("--- SIG")) return Signal();
    if (IsDigit(c)) return Entry();
    return Malformed("expected \"PID NAME(\", \" = \" or \"--- SIG\"");
  }

  Result<void> Entry() {
    const std::size_t start = pos_;
    pid_t pid = 0;
    const auto [end, ec] =
        std::from_chars(log_.data() + pos_, log_.data() + log_.size(), pid);
    pos_ = static_cast<std::size_t>(end - log_.data());
    if (ec != std::errc() || pos_ >= log_.size() || log_[pos_] != ' ') {
      pos_ = start;
      return Malformed("expected \"PID \"");
    }
    ++pos_;
    out_.pids.insert(pid);
    constexpr std::string_view kUnknown = "Unknown syscall ";
    if (log_.substr(pos_).starts_with(kUnknown)) {
      pos_ += kUnknown.size();
      int nr = -1;
      const auto [e, ec2] =
          std::from_chars(log_.data() + pos_, log_.data() + log_.size(), nr);
      if (ec2 != std::errc()) return Malformed("expected a syscall number");
      pos_ = static_cast<std::size_t>(e - log_.data());
      CountNumber(nr);
      return SkipLine();
    }
    const std::size_t name_start = pos_;
    while (pos_ < log_.size() && IsNameChar(log_[pos_])) ++pos_;
    if (pos_ == name_start || pos_ >= log_.size() || log_[pos_] != '(') {
      pos_ = name_start;
      return Malformed("expected a syscall name and '('");
    }
    const std::string_view name = log_.substr(name_start, pos_ - name_start);
    const std::size_t args_start = pos_ + 1;
    SkipArguments();
    CountName(name);
    if (name == "execve" || name == "execveat") {
      out_.execs.push_back({pid, FirstString(args_start)});
    }
    // After the arguments: the result on the same line, the end of the
    // line, or (interleaved) the next record right away.
    if (log_.substr(pos_).starts_with(" = ")) return SkipLine();
    return {};
  }

  // Moves pos_ past the closing ')' of the argument list, across quoted
  // strings and nested parentheses. A newline ends the record anyway (qemu
  // prints no newline inside arguments, but a truncated log may end there).
  void SkipArguments() {
    int depth = 1;
    bool quoted = false;
    ++pos_;  // '('
    for (; pos_ < log_.size() && log_[pos_] != '\n'; ++pos_) {
      const char c = log_[pos_];
      if (quoted) {
        if (c == '"') quoted = false;
      } else if (c == '"') {
        quoted = true;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')' && --depth == 0) {
        ++pos_;
        return;
      }
    }
  }

  // The first quoted argument (execve's filename), "" if none.
  std::string FirstString(std::size_t args_start) const {
    const std::string_view args = log_.substr(args_start, pos_ - args_start);
    if (!args.starts_with('"')) return {};
    const std::size_t close = args.find('"', 1);
    if (close == std::string_view::npos) return {};
    return std::string(args.substr(1, close - 1));
  }

  // "--- SIGURG {si_signo=SIGURG, ...} ---" (print_taken_signal), followed
  // by a newline.
  Result<void> Signal() {
    const std::size_t end = log_.find(" ---", pos_ + 4);
    const std::size_t nl = log_.find('\n', pos_);
    if (end == std::string_view::npos ||
        (nl != std::string_view::npos && nl < end)) {
      return Malformed("signal record without its closing \" ---\"");
    }
    ++out_.signals;
    pos_ = end + 4;
    return {};
  }

  Result<void> SkipLine() {
    const std::size_t nl = log_.find('\n', pos_);
    pos_ = nl == std::string_view::npos ? log_.size() : nl + 1;
    return {};
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
                     "offset {}: not a qemu strace record ({}): \"{}\"", pos_,
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
