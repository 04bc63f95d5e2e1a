// Finding a program by name as execvp(3) does (glibc posix/execvpe.c): the
// one PATH search of go2seccomp, shared by the launcher (launch.h), the
// tracers (trace.h, qemu_trace.h) and the CLI (`exec --analyze` analyses
// the file the launcher will run; `trace` reads its ELF header).
//
//   ProgramLookup l = LookUpProgram("mkdir", SearchPathOf(nullptr));
//   if (l.status == ProgramLookup::Status::kFound) execve(l.path, ...);
//
// The rules:
//   - A name with a '/' is a path: it is not searched.
//   - Otherwise each PATH entry in order, an empty entry meaning the current
//     directory; an unset PATH means "/bin:/usr/bin" (glibc's default,
//     posix/execvpe.c).
//   - Only an executable regular file matches: execve(2) refuses a directory
//     with EACCES even when it is searchable, and a file without execute
//     permission (access(2) X_OK) with EACCES. As execvp does, the search
//     goes on past such a candidate and remembers it, so it ends with EACCES
//     ("cannot execute") rather than ENOENT when nothing else matches.
// It decides by stat/access instead of trying execve, so the launcher can
// search in the parent before fork() (where it may allocate) and the child
// only execs the result under its filter.
#ifndef GO2SECCOMP_RUNTIME_PATH_SEARCH_H_
#define GO2SECCOMP_RUNTIME_PATH_SEARCH_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace go2seccomp::runtime {

// glibc's execvp search path when PATH is unset (posix/execvpe.c).
inline constexpr std::string_view kDefaultSearchPath = "/bin:/usr/bin";

struct ProgramLookup {
  enum class Status : std::uint8_t {
    kFound,
    kNotFound,       // no such file (ENOENT, ENOTDIR, ENAMETOOLONG)
    kNotExecutable,  // a match execve would refuse (EACCES, EPERM, ...)
  };
  Status status = Status::kNotFound;
  std::string path;  // the file to execve; set when kFound
  int error = 0;     // the errno execvp would fail with; 0 when kFound
};

// `prog` as execvp would find it with PATH = `search_path`. A name with a
// '/' is checked where it is; an empty name is not found (ENOENT, as
// execvp).
ProgramLookup LookUpProgram(std::string_view prog,
                            std::string_view search_path);

// 0 if `path` names an executable regular file, else the errno execve would
// most likely give (EACCES for a directory).
int ExecutableError(const std::string& path);

// The PATH the program will search: from `env` ("NAME=value" entries) when
// given, else this process's; kDefaultSearchPath when it has none.
std::string SearchPathOf(const std::vector<std::string>* env);

// "PROG: not found in PATH (...)", "PROG: cannot execute: Permission
// denied", ...: what a failed LookUpProgram(prog, search_path) means.
std::string DescribeLookupFailure(std::string_view prog,
                                  const ProgramLookup& lookup,
                                  std::string_view search_path);

// `prog` on this process's PATH, as execvp would find it; a name with a '/'
// is returned as it is (unchecked: the caller opens or runs it and says
// what fails); nullopt when the search finds nothing.
std::optional<std::string> FindOnPath(std::string_view prog);

}  // namespace go2seccomp::runtime

#endif  // GO2SECCOMP_RUNTIME_PATH_SEARCH_H_
