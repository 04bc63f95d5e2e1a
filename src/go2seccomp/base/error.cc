#include "go2seccomp/base/error.h"

namespace go2seccomp {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kMalformed:
      return "malformed input";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kNotFound:
      return "not found";
    case ErrorCode::kInvalidArgument:
      return "invalid argument";
    case ErrorCode::kIo:
      return "I/O error";
    case ErrorCode::kSystem:
      return "system error";
  }
  return "error";
}

int ExitCodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 2;  // like CLI11 usage errors
    case ErrorCode::kIo:
      return 3;
    case ErrorCode::kNotFound:
      return 4;
    case ErrorCode::kMalformed:
      return 5;
    case ErrorCode::kUnsupported:
      return 6;
    case ErrorCode::kSystem:
      return 7;
  }
  return 2;
}

}  // namespace go2seccomp
