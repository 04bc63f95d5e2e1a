#include "go2seccomp/runtime/path_search.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace go2seccomp::runtime {

int ExecutableError(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return errno;
  if (!S_ISREG(st.st_mode)) return EACCES;  // execve(2) on a directory
  if (access(path.c_str(), X_OK) != 0) return errno;
  return 0;
}

ProgramLookup LookUpProgram(std::string_view prog,
                            std::string_view search_path) {
  using Status = ProgramLookup::Status;
  ProgramLookup out;
  if (prog.empty()) {
    out.error = ENOENT;
    return out;
  }
  if (prog.find('/') != std::string_view::npos) {
    std::string path(prog);
    out.error = ExecutableError(path);
    if (out.error == 0) {
      out.status = Status::kFound;
      out.path = std::move(path);
    } else if (out.error != ENOENT && out.error != ENOTDIR &&
               out.error != ENAMETOOLONG) {
      out.status = Status::kNotExecutable;
    }
    return out;
  }
  int denied = 0;
  while (true) {
    const std::size_t colon =
        std::min(search_path.find(':'), search_path.size());
    // An empty entry is the current directory (posix/execvpe.c).
    const std::string_view dir =
        colon == 0 ? std::string_view(".") : search_path.substr(0, colon);
    std::string candidate = fmt::format("{}/{}", dir, prog);
    const int err = ExecutableError(candidate);
    if (err == 0) {
      out.status = Status::kFound;
      out.path = std::move(candidate);
      return out;
    }
    // As execvp: EACCES is remembered and the search goes on.
    if (err == EACCES || err == EPERM) denied = err;
    if (colon == search_path.size()) break;
    search_path.remove_prefix(colon + 1);
  }
  if (denied != 0) {
    out.status = Status::kNotExecutable;
    out.error = denied;
  } else {
    out.error = ENOENT;
  }
  return out;
}

std::string SearchPathOf(const std::vector<std::string>* env) {
  if (env == nullptr) {
    const char* p = std::getenv("PATH");
    return p ? std::string(p) : std::string(kDefaultSearchPath);
  }
  for (const std::string& e : *env) {
    if (e.starts_with("PATH=")) return e.substr(5);
  }
  return std::string(kDefaultSearchPath);
}

std::string DescribeLookupFailure(std::string_view prog,
                                  const ProgramLookup& lookup,
                                  std::string_view search_path) {
  const char* why = std::strerror(lookup.error);
  switch (lookup.status) {
    case ProgramLookup::Status::kFound:
      break;
    case ProgramLookup::Status::kNotFound:
      if (prog.find('/') != std::string_view::npos) {
        return fmt::format("{}: not found: {}", prog, why);
      }
      return fmt::format("{}: not found in PATH ({})", prog, search_path);
    case ProgramLookup::Status::kNotExecutable:
      return fmt::format("{}: cannot execute: {}", prog, why);
  }
  return fmt::format("{}: found", prog);
}

std::optional<std::string> FindOnPath(std::string_view prog) {
  if (prog.find('/') != std::string_view::npos) return std::string(prog);
  ProgramLookup l = LookUpProgram(prog, SearchPathOf(nullptr));
  if (l.status != ProgramLookup::Status::kFound) return std::nullopt;
  return std::move(l.path);
}

}  // namespace go2seccomp::runtime
