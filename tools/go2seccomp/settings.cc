// The analysis flags every command that makes a profile shares, and the
// CLI's side of generate::Generator: flags in, lines and exit codes out.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <string>
#include <vector>

#include "go2seccomp/base/arch.h"
#include "tools/go2seccomp/commands.h"
#include "tools/go2seccomp/heap.h"

namespace go2seccomp::cli {
namespace {

// The C side's phases and library cache use, for --stats.
std::string CPhases(const generate::InputSummary::Stats& st) {
  std::string cache = "no library cache";
  if (st.cache_hits + st.cache_misses > 0) {
    cache = fmt::format("library cache: {} hit, {} miss, {} written",
                        st.cache_hits, st.cache_misses, st.cache_writes);
  }
  return fmt::format(" (call graphs {:.1f} ms, syscalls {:.1f} ms; {})",
                     st.c_graph_ms, st.c_syscalls_ms, cache);
}

// The lines of one input that is not Go.
void CProgramLines(const generate::InputSummary& in, bool stats,
                   std::vector<std::string>* out) {
  out->push_back(fmt::format(
      "{}: not Go; analysed as C: {} image(s) ({}), {} of {} functions "
      "reachable: {} syscalls, "
      "{} findings",
      in.path, in.c_images.size(), fmt::join(in.c_images, ", "),
      in.c_reachable_functions, in.c_functions, in.syscalls, in.findings));
  if (stats) out->push_back("  C code" + CPhases(in.stats));
}

void GoBinaryLines(const generate::InputSummary& in, bool stats,
                   bool follow_exec, std::vector<std::string>* out) {
  if (in.missing_interpreter) {
    out->push_back(fmt::format(
        "{}: note: interpreter {} not found; added {}{} (measured with glibc "
        "2.36)",
        in.path, *in.missing_interpreter, in.loader_groups.front(),
        in.loader_groups.size() > 1 ? " and dynamic-loader-libraries" : ""));
  } else if (in.has_c_code) {
    out->push_back(fmt::format(
        "{}: C code: {} image(s) ({}), {} of {} functions reachable", in.path,
        in.c_images.size(), fmt::join(in.c_images, ", "),
        in.c_reachable_functions, in.c_functions));
  }
  out->push_back(
      fmt::format("{}: {} ({}), {} functions: {} syscalls, {} findings",
                  in.path, in.go_version, GetArchInfo(in.arch).go_arch,
                  in.go_functions, in.syscalls, in.findings));
  if (stats) {
    const generate::InputSummary::Stats& st = in.stats;
    out->push_back(fmt::format(
        "  {:.1f} ms; analysed {} functions ({} instructions) in {} rounds; {} "
        "syscall sites, "
        "{} wrapper call sites, {} wrappers",
        st.total_ms, st.functions_analyzed, st.instructions, st.rounds,
        st.syscall_sites, st.wrapper_call_sites, st.wrappers));
    out->push_back(
        fmt::format("  phases: load+pclntab {:.1f} ms, code index {:.1f} ms, "
                    "wrapper fixpoint {:.1f} ms, "
                    "globals+findings {:.1f} ms (Go: {:.1f} ms); C code {:.1f} "
                    "ms{}, alongside",
                    st.load_ms, st.index_ms, st.fixpoint_ms, st.finalize_ms,
                    st.go_ms, st.c_ms, in.has_c_code ? CPhases(st) : ""));
  }
  if (!in.execs_uncovered.empty()) {
    out->push_back(
        follow_exec
            ? fmt::format("{}: --follow-exec: also covering {} (constant paths "
                          "in the binary)",
                          in.path, fmt::join(in.execs_uncovered, ", "))
            : fmt::format(
                  "{}: may execute {} (constant paths in the binary); filters "
                  "survive execve: cover each it runs with --with PATH "
                  "(or --follow-exec)",
                  in.path, fmt::join(in.execs_uncovered, ", ")));
  }
}

}  // namespace

void AddAnalysisOptions(CLI::App* cmd, AnalyzeSettings* s) {
  cmd->add_option("--with", s->with,
                  "Also cover these binaries (programs BINARY runs: seccomp "
                  "filters survive execve, so the profile must allow what "
                  "they do too). Repeatable: --with A --with B.")
      ->check(CLI::ExistingFile)
      // One binary per --with, so `--with A BIN OUT` leaves BIN and OUT as
      // the positionals.
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);
  cmd->add_flag("--strict", s->strict,
                "Fail (exit 1, no profile written) if any syscall site could "
                "not be resolved.");
  cmd->add_flag("-q,--quiet", s->quiet,
                "Print nothing but errors and findings.");
  cmd->add_flag("--stats", s->stats, "Print analysis statistics and timings.");
  cmd->add_option("--runtime", s->runtime,
                  "Also allow what this container runtime does between loading "
                  "the filter and exec'ing the program (measured presets: "
                  "docker = runc, runc, crun; none for `go2seccomp exec` or "
                  "systemd). Default: docker (exec --analyze: none).")
      ->check(CLI::IsMember({"docker", "runc", "crun", "none"}));
  cmd->add_option(
         "--root", s->root,
         "For dynamically linked binaries: find the interpreter and the "
         "libraries under this directory (a container image's root "
         "filesystem) instead of /.")
      ->check(CLI::ExistingDirectory);
  cmd->add_flag(
      "--args", s->args,
      "Add argument filters where every call site passes constants: "
      "socket domain, ioctl request, prctl option, fcntl command (one "
      "allow rule per value), clone flags (a masked compare that keeps "
      "namespace-creating flags out). A syscall with any non-constant "
      "argument, or also needed by a preset, group or C code, stays "
      "unconditional.");
  cmd->add_option(
      "--cache-dir", s->cache_dir,
      "Keep the analyses of shared libraries (ld.so, libc, ...) under "
      "DIR/libs, "
      "keyed by their build-id, for the next dynamically linked program "
      "(default: $XDG_CACHE_HOME/go2seccomp, else ~/.cache/go2seccomp).");
  cmd->add_flag(
      "--no-cache", s->no_cache,
      "Analyse every shared library afresh; read and write no cache.");
  cmd->add_flag(
      "--follow-exec", s->follow_exec,
      "Also analyse and cover the programs the binary names by constant path "
      "(exec.Command(\"/bin/true\")) that exist here (or under --root), and "
      "those they name, transitively; prints what was added.");
  cmd->add_flag("--no-name-rules", s->no_name_rules,
                "Do not use known Go function names where data flow cannot "
                "follow the number (see ARCHITECTURE.md); for debugging.");
}

void AddActionOptions(CLI::App* cmd, AnalyzeSettings* s) {
  AddErrnoOption(cmd, &s->errno_ret,
                 "Errno returned for syscalls the profile does not allow "
                 "(default EPERM = 1).");
  cmd->add_option("--default-action", s->default_action,
                  "What the profile does with syscalls it does not allow: "
                  "errno (fail with --errno, default EPERM), kill-process, "
                  "kill-thread, trap (SIGSYS the program may handle) or log "
                  "(allow and audit-log: for finding what is missing).")
      ->check(CLI::IsMember(
          {"errno", "kill-process", "kill-thread", "trap", "log"}));
  cmd->add_flag("--unknown-enosys", s->unknown_enosys,
                "Deny clone3 with ENOSYS instead of the default action when "
                "the program does not use it, so glibc (>= 2.34) falls back "
                "to clone, as Docker's default profile does. (Syscalls newer "
                "than the profile get ENOSYS from runc itself, and from "
                "`go2seccomp exec --unknown-enosys`.)");
}

void AddSettingsOptions(CLI::App* cmd, AnalyzeSettings* s) {
  AddAnalysisOptions(cmd, s);
  AddActionOptions(cmd, s);
}

generate::Generator MakeGenerator(const std::string& binary,
                                  const AnalyzeSettings& s) {
  generate::Generator g;
  g.Binary(binary)
      .Root(s.root)
      .Runtime(s.runtime)
      .DefaultAction(s.default_action, s.errno_ret)
      .ArgumentFilters(s.args)
      .UnknownEnosys(s.unknown_enosys)
      .FollowExec(s.follow_exec)
      .NameRules(!s.no_name_rules);
  for (const std::string& w : s.with) g.With(w);
  if (s.no_cache) {
    g.CacheDir("");
  } else if (!s.cache_dir.empty()) {
    g.CacheDir(s.cache_dir);
  }
  if (s.find_program) g.Programs(s.find_program);
  return g;
}

Result<generate::Generated> Generate(const std::string& binary,
                                     const AnalyzeSettings& s,
                                     std::string_view hide_prefix) {
  AdviseHugePagesForFile(binary);
  Result<generate::Generated> g = MakeGenerator(binary, s).Run();
  if (g) PrintFindings(*g, hide_prefix);
  return g;
}

void PrintFindings(const generate::Generated& g, std::string_view hide_prefix) {
  for (const generate::Finding& f : g.findings) {
    std::string line = fmt::format("{}: finding: {}", f.binary, f.text);
    HidePrefix(&line, hide_prefix);
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

void HidePrefix(std::string* line, std::string_view prefix) {
  if (prefix.empty()) return;
  for (std::size_t at; (at = line->find(prefix)) != std::string::npos;) {
    line->erase(at, prefix.size());
  }
}

std::vector<std::string> SummaryLines(const generate::Generated& g,
                                      const AnalyzeSettings& s) {
  std::vector<std::string> out;
  for (const generate::InputSummary& in : g.inputs) {
    if (in.is_go) {
      GoBinaryLines(in, s.stats, s.follow_exec, &out);
    } else {
      CProgramLines(in, s.stats, &out);
    }
  }
  return out;
}

bool StrictRefuses(const AnalyzeSettings& s, const generate::Generated& g,
                   std::string_view consequence) {
  if (!s.strict || g.findings.empty()) return false;
  std::fprintf(stderr, "go2seccomp: %zu unresolved site(s); --strict: %.*s\n",
               g.findings.size(), static_cast<int>(consequence.size()),
               consequence.data());
  return true;
}

}  // namespace go2seccomp::cli
