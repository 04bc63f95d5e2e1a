// The C API (sandbox_c.h) over the same code as the C++ Sandbox.
#include "go2seccomp/runtime/sandbox_c.h"

#include <cerrno>
#include <exception>
#include <string>
#include <vector>

#include "go2seccomp/runtime/sandbox_internal.h"

namespace {

thread_local std::string g_last_error;

int ErrnoFor(go2seccomp::ErrorCode code) {
  switch (code) {
    case go2seccomp::ErrorCode::kNotFound:
      return ENOENT;
    case go2seccomp::ErrorCode::kMalformed:
    case go2seccomp::ErrorCode::kInvalidArgument:
      return EINVAL;
    case go2seccomp::ErrorCode::kUnsupported:
      return ENOTSUP;
    case go2seccomp::ErrorCode::kIo:
      return EIO;
    case go2seccomp::ErrorCode::kSystem:
      return EPERM;
  }
  return EINVAL;
}

int Fail(const go2seccomp::Error& e) {
  g_last_error = e.message;
  errno = ErrnoFor(e.code);
  return -1;
}

// Runs `body` (which returns a Result<void>) with no exception escaping
// into C or Go: allocation failure becomes ENOMEM.
template <class Body>
int Guarded(Body body) {
  try {
    g_last_error.clear();
    go2seccomp::Result<void> r = body();
    if (!r) return Fail(r.error());
    return 0;
  } catch (const std::exception& e) {
    try {
      g_last_error = e.what();
    } catch (...) {
    }
    errno = ENOMEM;
    return -1;
  } catch (...) {
    errno = ENOMEM;
    return -1;
  }
}

}  // namespace

extern "C" int g2s_apply_profile_file(const char* path) {
  return Guarded([&]() -> go2seccomp::Result<void> {
    if (path == nullptr) {
      return go2seccomp::MakeError(go2seccomp::ErrorCode::kInvalidArgument,
                                   "g2s_apply_profile_file: path is NULL");
    }
    G2S_ASSIGN_OR_RETURN(go2seccomp::profile::Profile loaded,
                         go2seccomp::internal::LoadSandboxProfileFile(path));
    G2S_ASSIGN_OR_RETURN(go2seccomp::profile::Profile p,
                         go2seccomp::internal::BuildSandboxProfile(
                             loaded, {}, std::nullopt, true));
    return go2seccomp::internal::ApplySandboxProfile(p, true, true);
  });
}

extern "C" int g2s_allow_names(const char* const* names, size_t n,
                               int errno_value) {
  return Guarded([&]() -> go2seccomp::Result<void> {
    if (names == nullptr && n > 0) {
      return go2seccomp::MakeError(go2seccomp::ErrorCode::kInvalidArgument,
                                   "g2s_allow_names: names is NULL");
    }
    if (errno_value < 1 || errno_value > 4095) {
      return go2seccomp::MakeError(
          go2seccomp::ErrorCode::kInvalidArgument,
          "g2s_allow_names: errno {} is not in 1..4095", errno_value);
    }
    std::vector<std::string> list;
    for (size_t i = 0; i < n; ++i) {
      if (names[i] == nullptr) {
        return go2seccomp::MakeError(go2seccomp::ErrorCode::kInvalidArgument,
                                     "g2s_allow_names: names[{}] is NULL", i);
      }
      list.emplace_back(names[i]);
    }
    G2S_ASSIGN_OR_RETURN(go2seccomp::profile::Profile p,
                         go2seccomp::internal::BuildSandboxProfile(
                             std::nullopt, list,
                             go2seccomp::profile::Action::Errno(
                                 static_cast<std::uint32_t>(errno_value)),
                             true));
    return go2seccomp::internal::ApplySandboxProfile(p, true, true);
  });
}

extern "C" const char* g2s_last_error(void) { return g_last_error.c_str(); }
