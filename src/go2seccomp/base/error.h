// Error values and Result<T> for every go2seccomp library.
//
// Library code never throws and never aborts on bad input: a malformed ELF, a
// lying pclntab offset or a failed syscall becomes an Error that says what,
// where and with which values, and travels up through Result<T>:
//
//   Result<ElfFile> f = ElfFile::Parse(bytes);
//   if (!f) return f.error();            // or: G2S_ASSIGN_OR_RETURN(auto f, ...)
//
// Only the CLI's main() turns an Error into text and an exit code
// (see ExitCodeFor below). A *finding* (an unresolved syscall site) is not an
// Error: it is data in the analysis report.
#ifndef GO2SECCOMP_BASE_ERROR_H_
#define GO2SECCOMP_BASE_ERROR_H_

#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <tl/expected.hpp>

namespace go2seccomp {

// Closed set of error kinds (libseccomp's _rc_filter discipline): callers
// branch on the code, humans read the message.
enum class ErrorCode {
  kMalformed,        // input bytes violate their format (truncated, bad offset)
  kUnsupported,      // well-formed but outside what we handle (arch, class)
  kNotFound,         // a named thing does not exist (file, section, syscall)
  kInvalidArgument,  // the caller asked for something inconsistent
  kIo,               // reading or writing a file failed
  kSystem,           // a kernel call failed (seccomp, ptrace, fork, ...)
};

std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;

  // Prefixes context, outermost last: Error{..., "offset 0x10 past end"}
  // .Wrap("section .gopclntab") -> "section .gopclntab: offset 0x10 past end".
  Error Wrap(std::string_view context) const& {
    return Error{code, fmt::format("{}: {}", context, message)};
  }
  Error Wrap(std::string_view context) && {
    message = fmt::format("{}: {}", context, message);
    return std::move(*this);
  }
};

template <class T>
using Result = tl::expected<T, Error>;

// Builds the unexpected value: return MakeError(ErrorCode::kMalformed, "...").
template <class... Args>
tl::unexpected<Error> MakeError(ErrorCode code, fmt::format_string<Args...> f,
                                Args&&... args) {
  return tl::unexpected<Error>(
      Error{code, fmt::format(f, std::forward<Args>(args)...)});
}

inline tl::unexpected<Error> Unexpected(Error e) {
  return tl::unexpected<Error>(std::move(e));
}

// Process exit codes of the CLI, one per ErrorCode, documented in README.md
// ("Exit codes"). 1 is reserved for "the check said no" (findings with
// --strict, a diff that grew) so scripts can tell it from a failure.
int ExitCodeFor(ErrorCode code);

}  // namespace go2seccomp

#define G2S_CONCAT_INNER_(a, b) a##b
#define G2S_CONCAT_(a, b) G2S_CONCAT_INNER_(a, b)

// Evaluates a Result<void>-like expression; returns its error from the
// enclosing function if it failed.
#define G2S_TRY(expr)                                            \
  do {                                                           \
    auto&& g2s_try_result_ = (expr);                             \
    if (!g2s_try_result_) {                                      \
      return ::tl::unexpected<::go2seccomp::Error>(              \
          std::move(g2s_try_result_).error());                   \
    }                                                            \
  } while (false)

// G2S_ASSIGN_OR_RETURN(auto x, ParseThing(...)); declares/assigns x from the
// value of a Result or returns its error.
#define G2S_ASSIGN_OR_RETURN(lhs, expr) \
  G2S_ASSIGN_OR_RETURN_IMPL_(G2S_CONCAT_(g2s_result_, __LINE__), lhs, expr)
#define G2S_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)                       \
  auto tmp = (expr);                                                     \
  if (!tmp) {                                                            \
    return ::tl::unexpected<::go2seccomp::Error>(std::move(tmp).error()); \
  }                                                                      \
  lhs = std::move(*tmp)

#endif  // GO2SECCOMP_BASE_ERROR_H_
