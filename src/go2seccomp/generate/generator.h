// The whole job of go2seccomp as a library call: analyse a binary (and the
// programs it runs), assemble its profile, and keep why every name is in it.
// `analyze`, `explain`, `diff`, `exec --analyze`, `image` and the batch form
// all call this; the CLI only parses flags, prints and picks exit codes.
//
//   Result<Generated> g = Generator()
//                             .Binary("/usr/local/bin/server")
//                             .With("/bin/true")            // it execs this
//                             .Runtime("runc")
//                             .ArgumentFilters(true)        // --args
//                             .Run();
//   if (!g) return g.error();
//   profile::AllowanceOf(g->profile, "fcntl");              // what it allows
//   for (const Finding& f : g->findings) ...                // unresolved sites
//
// Builder with a sticky error (as profile::ProfileBuilder): a setter given a
// bad value (an unknown runtime or default action) records the first such
// error and Run() returns it, so a chain of setters needs one check.
//
// The order of the work, for one input (Run()):
//   1. Open it: a Go binary (pclntab) or, without a Go line table, an ELF
//      analysed as C code (analysis/native.h: its own code, interpreter and
//      libraries).
//   2. Go: the syscall sites (analysis/analyzer.h) and, on its own thread,
//      the C code it runs: ld.so and the libraries when it has an
//      interpreter, the C start-up code when it was linked statically by an
//      external linker. If the interpreter is not there to analyse (a binary
//      for another system without Root()), the loader's measured start-up
//      groups stand in (profile/groups.h).
//   3. The programs it names by constant path that exist: reported as not
//      covered, or analysed too with FollowExec() (filters survive execve).
// Then the profile: every input's names, the always-allowed group, the
// runtime preset, argument rules (--args) and the default action.
#ifndef GO2SECCOMP_GENERATE_GENERATOR_H_
#define GO2SECCOMP_GENERATE_GENERATOR_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "go2seccomp/base/arch.h"
#include "go2seccomp/base/error.h"
#include "go2seccomp/generate/provenance.h"
#include "go2seccomp/profile/profile.h"

namespace go2seccomp::generate {

// A syscall site (or C function) that could not be resolved: the profile
// may lack what it makes (base/error.h: a finding is data, not an error).
struct Finding {
  std::string binary;  // the input it is in
  std::string text;  // "0x4011e4 in main.raw: syscall number not constant ..."
};

// What was learnt about one input, for summaries and --stats.
struct InputSummary {
  std::string path;
  bool is_go = true;       // false: an ELF with no Go line table, analysed as C
  std::string go_version;  // "go1.19.8" or "unknown Go version" (Go only)
  Arch arch = Arch::kX86_64;
  std::size_t go_functions = 0;
  std::size_t syscalls = 0;  // names this input contributes (Go and C sides)
  std::size_t findings = 0;

  // The C side (interpreter, libraries, static C code, or the whole
  // program when it is not Go).
  bool has_c_code = false;
  std::vector<std::string> c_images;  // "ld-linux-x86-64.so.2", "libc.so.6"
  std::size_t c_functions = 0;
  std::size_t c_reachable_functions = 0;
  // An interpreter that was not there to analyse: the measured loader
  // groups were added instead.
  std::optional<std::string> missing_interpreter;
  std::vector<std::string> loader_groups;  // their names, when added

  // Programs the input names by constant path that exist and that no
  // input covered (FollowExec(): they were added as inputs).
  std::vector<std::string> execs_uncovered;

  // Timings, milliseconds (wall clock), and the Go analysis' counts.
  struct Stats {
    double total_ms = 0, load_ms = 0, index_ms = 0, fixpoint_ms = 0,
           finalize_ms = 0;
    double go_ms = 0;  // load to findings, the Go side
    double c_ms = 0;   // the C side, alongside
    double c_graph_ms = 0, c_syscalls_ms = 0;
    std::size_t functions_analyzed = 0, instructions = 0;
    int rounds = 0;
    std::size_t syscall_sites = 0, wrapper_call_sites = 0, wrappers = 0;
    std::size_t cache_hits = 0, cache_misses = 0, cache_writes = 0;
  } stats;
};

// The result: the profile and everything that explains it.
struct Generated {
  profile::Profile profile;
  Arch arch = Arch::kX86_64;
  std::string runtime;                   // as given ("docker", "none", ...)
  std::vector<AnalyzedBinary> binaries;  // the Go inputs, with their reports
  std::vector<InputSummary> inputs;      // every input, Go or not, in order
  std::vector<Finding> findings;
  // name -> why it is allowed when that is not a Go call site: a group, the
  // runtime preset, C code.
  std::map<std::string, std::vector<NameSource>, std::less<>> sources;

  // The uses of `name` in every Go binary, sorted by binary, function
  // name, pc (vDSO fallbacks last).
  std::vector<SiteRef> UsesOf(std::string_view name) const;
  std::vector<NameSource> SourcesOf(std::string_view name) const;
};

class Generator {
 public:
  using FindProgram =
      std::function<std::optional<std::string>(const std::string&)>;

  // The program the profile is for (its file).
  Generator& Binary(std::string path);
  // Another program to cover: one the binary runs (seccomp filters
  // survive execve). Its architecture must be the binary's.
  Generator& With(std::string path);
  // Root filesystem where interpreters and libraries are found (a
  // container image's tree); default "/".
  Generator& Root(std::string dir);
  // The container runtime whose post-filter syscalls the profile allows
  // (profile/runtime_presets.h): "docker" (= runc, the default), "runc",
  // "crun", "none".
  Generator& Runtime(std::string_view name);
  // What every other syscall gets (profile/deny_actions.h): "errno" (the
  // default, with `errno_value`), "kill-process", "kill-thread", "trap",
  // "log". errno_value is 1..4095.
  Generator& DefaultAction(std::string_view name, int errno_value = 1);
  // Argument rules where every call site passes constants (--args).
  Generator& ArgumentFilters(bool on);
  // clone3 denied with ENOSYS when not used (glibc falls back to clone).
  Generator& UnknownEnosys(bool on);
  // The shared-library analysis cache (analysis/native_cache.h): a
  // directory, or "" for none. Default: analysis::DefaultLibraryCacheDir().
  Generator& CacheDir(std::string dir);
  // Analyse the programs each input names by constant path, transitively.
  Generator& FollowExec(bool on);
  // Known Go function names where data flow cannot follow a number
  // (analysis/name_rules.h); on by default, off for debugging.
  Generator& NameRules(bool on);
  // Where a program named by path (as the binary sees it) is, as a file
  // to analyse; default: an executable regular file at the path under
  // Root().
  Generator& Programs(FindProgram find);

  // Analyses and assembles. Errors: the first setter error, then any
  // input's (unreadable, not ELF, corrupt tables, mixed architectures).
  Result<Generated> Run() const;

 private:
  std::optional<Error> error_;
  std::string binary_;
  std::vector<std::string> with_;
  std::string root_ = "/";
  std::string runtime_ = "docker";
  profile::Action deny_ = profile::Action::Errno(1);
  bool args_ = false;
  bool unknown_enosys_ = false;
  std::optional<std::string> cache_dir_;
  bool follow_exec_ = false;
  bool name_rules_ = true;
  FindProgram find_;
};

}  // namespace go2seccomp::generate

#endif  // GO2SECCOMP_GENERATE_GENERATOR_H_
