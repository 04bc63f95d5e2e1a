// `go2seccomp BINARY PROFILE` (the classic form) and `go2seccomp analyze`:
// analyze a Go binary and write a seccomp profile (Docker/OCI JSON unless
// --format says otherwise, formats.h). BuildProfile() here is the one place
// the profile is assembled; `explain` and `diff` use it too (provenance.h).
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "go2seccomp/analysis/analyzer.h"
#include "go2seccomp/analysis/loader.h"
#include "go2seccomp/analysis/native.h"
#include "go2seccomp/analysis/native_cache.h"
#include "go2seccomp/analysis/report.h"
#include "go2seccomp/analysis/scan.h"
#include "go2seccomp/base/file_io.h"
#include "go2seccomp/profile/builder.h"
#include "go2seccomp/profile/deny_actions.h"
#include "go2seccomp/profile/groups.h"
#include "go2seccomp/profile/oci_json.h"
#include "go2seccomp/profile/renderers.h"
#include "go2seccomp/profile/runtime_presets.h"
#include "go2seccomp/syscalls/table.h"
#include "tools/go2seccomp/commands.h"
#include "tools/go2seccomp/formats.h"
#include "tools/go2seccomp/provenance.h"

namespace go2seccomp::cli {
namespace {

namespace fs = std::filesystem;

struct AnalyzeFlags {
  std::string binary;
  std::vector<std::string> binaries;  // `analyze A B C -o DIR/` (batch.cc)
  std::string output;
  AnalyzeSettings settings;
  OutputFormat format = OutputFormat::kOci;
  std::string name;             // --name (spo metadata.name)
  bool runtime_given = false;   // --runtime on the command line
};

// --format and --name, on both forms.
void AddFormatOptions(CLI::App* cmd, AnalyzeFlags* f) {
  cmd->add_option(
         "--format", f->format,
         "Output format: oci (Docker/OCI profile JSON, the default), oci-linux "
         "(the linux.seccomp block of an OCI config.json, for runc/crun), spo "
         "(Kubernetes Security Profiles Operator SeccompProfile YAML), systemd "
         "(a unit drop-in with SystemCallFilter=; implies --runtime none "
         "unless "
         "given), bpf (the compiled seccomp BPF program, raw sock_filter "
         "array), bpf-text (the same program as readable text)")
      // The names as a plain list in --help, like the other choices (the
      // transformer's own description prints the map both ways).
      ->type_name("TEXT")
      ->transform(CLI::CheckedTransformer(OutputFormatNames(), CLI::ignore_case)
                      .description(OutputFormatList()));
  cmd->add_option("--name", f->name,
                  "metadata.name of the spo SeccompProfile (default: the binary's file "
                  "name, made a valid Kubernetes name)");
}

// --cache-dir, else the default; empty (no cache) with --no-cache.
std::string LibraryCacheDir(const AnalyzeSettings& s) {
  if (s.no_cache) return {};
  return s.cache_dir.empty() ? analysis::DefaultLibraryCacheDir() : s.cache_dir;
}

// The C side's phases and library cache use, for --stats.
std::string NativePhases(const analysis::NativeClosure& c) {
  std::string cache = "no library cache";
  if (c.cache_hits + c.cache_misses > 0) {
    cache = fmt::format("library cache: {} hit, {} miss, {} written", c.cache_hits,
                        c.cache_misses, c.cache_writes);
  }
  return fmt::format(" (call graphs {:.1f} ms, syscalls {:.1f} ms; {})", c.graph_ms,
                     c.analysis_ms, cache);
}

}  // namespace

void AddSettingsOptions(CLI::App* cmd, AnalyzeSettings* s) {
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
  cmd->add_flag("-q,--quiet", s->quiet, "Print nothing but errors and findings.");
  cmd->add_flag("--stats", s->stats, "Print analysis statistics and timings.");
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
  cmd->add_option("--runtime", s->runtime,
                  "Also allow what this container runtime does between loading "
                  "the filter and exec'ing the program (measured presets: "
                  "docker = runc, runc, crun; none for `go2seccomp exec` or "
                  "systemd). Default: docker.")
      ->check(CLI::IsMember({"docker", "runc", "crun", "none"}));
  cmd->add_option(
         "--root", s->root,
         "For dynamically linked binaries: find the interpreter and the "
         "libraries under this directory (a container image's root "
         "filesystem) instead of /.")
      ->check(CLI::ExistingDirectory);
  cmd->add_flag("--args", s->args,
                "Add argument filters where every call site passes constants: "
                "socket domain, ioctl request, prctl option, fcntl command (one "
                "allow rule per value), clone flags (a masked compare that keeps "
                "namespace-creating flags out). A syscall with any non-constant "
                "argument, or also needed by a preset, group or C code, stays "
                "unconditional.");
  cmd->add_option("--cache-dir", s->cache_dir,
                  "Keep the analyses of shared libraries (ld.so, libc, ...) under DIR/libs, "
                  "keyed by their build-id, for the next dynamically linked program "
                  "(default: $XDG_CACHE_HOME/go2seccomp, else ~/.cache/go2seccomp).");
  cmd->add_flag("--no-cache", s->no_cache,
                "Analyse every shared library afresh; read and write no cache.");
  cmd->add_flag("--follow-exec", s->follow_exec,
                "Also analyse and cover the programs the binary names by constant path "
                "(exec.Command(\"/bin/true\")) that exist here (or under --root), and "
                "those they name, transitively; prints what was added.");
  cmd->add_flag("--no-name-rules", s->no_name_rules,
                "Do not use known Go function names where data flow cannot "
                "follow the number (see ARCHITECTURE.md); for debugging.");
}

namespace {

// The programs a binary names by constant path (analysis::FindProgramPaths)
// that `find` locates: for each candidate run of file-name bytes, the
// longest prefix that is one (Go string literals run together in the
// binary). Pairs of (path as the program sees it, file to analyse).
std::vector<std::pair<std::string, std::string>> ExistingPrograms(
    const std::vector<std::string>& candidates,
    const std::function<std::optional<std::string>(const std::string&)>& find) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& c : candidates) {
    const std::size_t dir_end = c.rfind('/') + 1;
    for (std::size_t len = c.size(); len > dir_end; --len) {
      const std::string path = c.substr(0, len);
      if (auto file = find(path)) {
        out.emplace_back(path, *file);
        break;
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// The default AnalyzeSettings::find_program: an executable regular file
// at `path` under `root`.
std::optional<std::string> ExecutableUnder(const std::string& root, const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path on_disk = root.empty() ? fs::path(path) : fs::path(root) / path.substr(1);
  const auto st = fs::status(on_disk, ec);
  if (!ec && fs::is_regular_file(st) &&
      (st.permissions() & (fs::perms::owner_exec | fs::perms::group_exec |
                           fs::perms::others_exec)) != fs::perms::none) {
    return on_disk.string();
  }
  return std::nullopt;
}

// Records why each member of `group` that applies on `arch` is allowed.
void AddGroupSources(const profile::SyscallGroup& group, Arch arch, NameSource::Kind kind,
                     const std::string& binary, ProfileWithProvenance* out) {
  for (std::string_view name : group.NamesFor(arch)) {
    for (const profile::GroupMember& m : group.members) {
      if (m.name != name) continue;
      out->sources[std::string(name)].push_back(
          NameSource{kind, std::string(group.name), std::string(m.reason), binary});
      break;
    }
  }
}

}  // namespace

// The arguments --args follows: the ones whose values say what a call can
// do (socket(2) domain, ioctl(2) request, prctl(2) option, fcntl(2)
// command, clone(2) flags).
std::set<std::pair<int, int>> TrackedArgs(Arch arch) {
  std::set<std::pair<int, int>> out;
  for (auto [name, index] : {std::pair<const char*, int>{"socket", 0}, {"ioctl", 1},
                             {"prctl", 0}, {"fcntl", 1}, {"fcntl64", 1}, {"clone", 0}}) {
    if (auto nr = syscalls::NumberOf(arch, name)) out.insert({*nr, index});
  }
  return out;
}

// Namespace-creating clone(2) flags (linux/sched.h): a Go program that
// never passes them can have them refused by a masked compare.
constexpr std::uint64_t kCloneNamespaceFlags = 0x00020000 /*NEWNS*/ | 0x02000000 /*NEWCGROUP*/ |
                                               0x04000000 /*NEWUTS*/ | 0x08000000 /*NEWIPC*/ |
                                               0x10000000 /*NEWUSER*/ | 0x20000000 /*NEWPID*/ |
                                               0x40000000 /*NEWNET*/;

// Turns proven argument values into allow rules and takes their names out
// of the unconditional list. A name also added by a preset, a group or C
// code keeps its unconditional allow: those callers were not analysed.
std::vector<profile::Rule> ArgumentRules(
    const std::map<std::pair<std::string, int>, analysis::ArgValueSet>& info,
    const ProfileWithProvenance& prov, std::vector<std::string>* names) {
  std::vector<profile::Rule> rules;
  std::set<std::string> filtered;
  for (const auto& [key, values] : info) {
    const auto& [name, index] = key;
    if (!values || values->empty() || prov.sources.count(name)) continue;
    using Op = profile::ArgCondition::Op;
    const std::uint32_t k = static_cast<std::uint32_t>(index);
    if (name == "clone") {
      bool creates_namespaces = false;
      for (std::uint64_t v : *values) creates_namespaces |= (v & kCloneNamespaceFlags) != 0;
      if (!creates_namespaces) {
        rules.push_back(profile::Rule::Make(
            {name}, profile::Action::Allow(),
            {profile::ArgCondition::Make(k, Op::kMaskedEqual, kCloneNamespaceFlags, 0)},
            "go2seccomp --args: no call site creates namespaces"));
        filtered.insert(name);
        continue;
      }
    }
    for (std::uint64_t v : *values) {
      rules.push_back(profile::Rule::Make(
          {name}, profile::Action::Allow(), {profile::ArgCondition::Make(k, Op::kEqual, v)},
          fmt::format("go2seccomp --args: argument {} is a constant at every call site", k)));
    }
    filtered.insert(name);
  }
  std::erase_if(*names, [&](const std::string& n) { return filtered.count(n) > 0; });
  return rules;
}

// explain's line for a syscall the C side makes: the first C function
// that makes it, how that function is reached, and how many others make it.
static std::string NativeReason(const std::vector<analysis::NativeUse>& uses) {
  const analysis::NativeUse& u = uses.front();
  std::string s = fmt::format("{} (and {} more C function(s))", u.function, uses.size() - 1);
  if (!u.chain.empty()) s += "; reached: " + u.chain;
  return s;
}

Result<ProfileWithProvenance> BuildProfile(const std::string& binary,
                                           const AnalyzeSettings& s,
                                           AnalyzeSummary* summary) {
  ProfileWithProvenance out;
  out.runtime = s.runtime;
  std::vector<std::string> paths = {binary};
  paths.insert(paths.end(), s.with.begin(), s.with.end());
  std::optional<Arch> arch;
  std::vector<std::string> names;
  analysis::Options options;
  options.name_rules = !s.no_name_rules;
  // (syscall name, argument index) -> constants passed there (--args).
  std::map<std::pair<std::string, int>, analysis::ArgValueSet> arg_info;
  // Indexed: --follow-exec appends the programs each binary runs.
  for (std::size_t path_index = 0; path_index < paths.size(); ++path_index) {
    const std::string path = paths[path_index];
    const auto t0 = std::chrono::steady_clock::now();
    auto loaded = analysis::LoadedBinary::Open(path);
    if (!loaded && loaded.error().code == ErrorCode::kUnsupported &&
        loaded.error().message.find("not a Go binary") != std::string::npos) {
      // Not Go (a C program a Go program runs, like gofmt -d's diff): its
      // own code, its interpreter and libraries as C code.
      G2S_ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(path));
      auto ef = elf::ElfFile::Parse(file.bytes());
      if (!ef) return Unexpected(ef.error().Wrap(path));
      if (!ef->arch()) return Unexpected(loaded.error());
      if (arch && *arch != *ef->arch()) {
        return MakeError(
            ErrorCode::kInvalidArgument,
            "{}: is {}, but {} is {}; one profile covers one architecture",
            path, GetArchInfo(*ef->arch()).name, paths.front(),
            GetArchInfo(*arch).name);
      }
      arch = *ef->arch();
      analysis::NativeOptions nopt;
      nopt.root = s.root;
      nopt.main_path = path;
      nopt.cache_dir = LibraryCacheDir(s);
      auto native = analysis::AnalyzeNativeDependencies(*ef, *arch, nopt);
      if (!native) return Unexpected(native.error().Wrap(path));
      for (const std::string& f : native->findings) {
        std::fprintf(stderr, "%s: finding: %s\n", path.c_str(), f.c_str());
      }
      std::size_t count = 0;
      for (const auto& [nr, uses] : native->syscalls) {
        auto name = syscalls::NameOf(*arch, nr);
        if (!name) continue;
        ++count;
        names.emplace_back(*name);
        out.sources[std::string(*name)].push_back(
            NameSource{NameSource::Kind::kNativeCode, uses.front().image,
                       NativeReason(uses), path});
      }
      if (summary) {
        summary->findings += native->findings.size();
        summary->lines.push_back(fmt::format(
            "{}: not Go; analysed as C: {} image(s) ({}), {} of {} functions "
            "reachable: {} syscalls, {} findings",
            path, native->images.size(), fmt::join(native->images, ", "),
            native->reachable_functions, native->functions, count, native->findings.size()));
        if (s.stats) summary->lines.push_back("  C code" + NativePhases(*native));
      }
      continue;
    }
    if (!loaded) return Unexpected(loaded.error());
    analysis::LoadedBinary bin = std::move(*loaded);
    const analysis::Program& prog = bin.program();
    if (arch && *arch != prog.arch) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "{}: is {}, but {} is {}; one profile covers one architecture",
                       path, GetArchInfo(prog.arch).name, paths.front(),
                       GetArchInfo(*arch).name);
    }
    arch = prog.arch;
    const double load_ms = std::chrono::duration<double, std::milli>(
                               std::chrono::steady_clock::now() - t0)
                               .count();
    if (s.args) options.tracked_args = TrackedArgs(prog.arch);
    // A dynamically linked program runs ld.so, its libraries' init code and
    // whatever C functions it calls under the filter too: analyse that C
    // code (analysis/native.h), on its own thread while the Go code is
    // analysed (it reads only the ELF file and the libraries).
    const std::optional<std::string_view> interp = bin.elf().Interpreter();
    // A static program whose entry is not Go's (_rt0_<arch>_linux) was linked
    // by an external linker with C start-up code and C libraries in it
    // (-extldflags=-static): that C code is analysed from its own roots.
    const bool static_c = !interp && !prog.funcs.empty() && !prog.FuncAt(bin.elf().entry());
    double native_ms = 0;
    std::future<Result<analysis::NativeClosure>> native_job;
    if (interp || static_c) {
      analysis::NativeOptions nopt;
      nopt.root = s.root;
      nopt.program_path = path;
      nopt.cache_dir = LibraryCacheDir(s);
      if (static_c) {
        nopt.main_path = path;
        nopt.go_code = {{prog.funcs.front().entry, prog.funcs.back().end}};
      }
      native_job = std::async(std::launch::async, [&bin, &native_ms, arch = prog.arch, nopt] {
        const auto start = std::chrono::steady_clock::now();
        auto r = analysis::AnalyzeNativeDependencies(bin.elf(), arch, nopt);
        native_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                              start)
                        .count();
        return r;
      });
    }
    analysis::Report report = analysis::Analyze(prog, options);
    if (static_c) {
      // Syscall bytes outside the Go functions are the C analysis's to
      // judge (it covers every other executable byte, and reports what it
      // cannot resolve in reachable code or outside any C function).
      const std::uint64_t go_lo = prog.funcs.front().entry, go_hi = prog.funcs.back().end;
      std::erase_if(report.findings, [&](const analysis::Finding& f) {
        return f.kind == analysis::Finding::Kind::kOutsideGoFunctions &&
               (f.pc < go_lo || f.pc >= go_hi);
      });
    }
    for (const auto& [key, values] : report.arg_values) {
      auto name = syscalls::NameOf(prog.arch, key.first);
      if (!name) continue;
      auto [it, fresh] = arg_info.try_emplace({std::string(*name), key.second}, values);
      if (!fresh) {
        if (!it->second || !values) {
          it->second.reset();
        } else {
          it->second->insert(values->begin(), values->end());
        }
      }
    }
    const double ms = std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - t0)
                          .count();
    for (const analysis::Finding& f : report.findings) {
      std::fprintf(stderr, "%s: finding: %s\n", path.c_str(),
                   analysis::FormatFinding(f, prog).c_str());
    }
    auto n = analysis::SyscallNames(report);
    // If the interpreter is not there to analyse (a binary for another
    // system without --root), fall back to the loader's measured start-up
    // set, and say so.
    std::size_t native_findings = 0;
    std::string native_phases;
    if (interp || static_c) {
      auto native = native_job.get();
      if (!native) return Unexpected(native.error().Wrap(path));
      if (!native->images.empty()) {
        for (const std::string& f : native->findings) {
          std::fprintf(stderr, "%s: finding: %s\n", path.c_str(), f.c_str());
        }
        native_findings = native->findings.size();
        native_phases = NativePhases(*native);
        for (const auto& [nr, uses] : native->syscalls) {
          auto name = syscalls::NameOf(prog.arch, nr);
          if (!name) continue;
          n.emplace_back(*name);
          const analysis::NativeUse& u = uses.front();
          out.sources[std::string(*name)].push_back(
              NameSource{NameSource::Kind::kNativeCode, u.image, NativeReason(uses), path});
        }
        if (summary) {
          summary->lines.push_back(fmt::format(
              "{}: C code: {} image(s) ({}), {} of {} functions reachable",
              path, native->images.size(), fmt::join(native->images, ", "),
              native->reachable_functions, native->functions));
        }
      } else {
        for (const std::string& f : native->findings) {
          std::fprintf(stderr, "%s: finding: %s\n", path.c_str(), f.c_str());
        }
        native_findings = native->findings.size();
        native_phases = NativePhases(*native);
        std::vector<const profile::SyscallGroup*> groups = {
            &profile::DynamicLoaderStartup()};
        auto needed = bin.elf().Needed();
        if (needed && !needed->empty())
          groups.push_back(&profile::DynamicLoaderLibraries());
        for (const profile::SyscallGroup* g : groups) {
          for (std::string_view name : g->NamesFor(prog.arch))
            n.emplace_back(name);
          AddGroupSources(*g, prog.arch, NameSource::Kind::kLoaderGroup, path,
                          &out);
        }
        if (summary) {
          summary->lines.push_back(fmt::format(
              "{}: note: interpreter {} not found; added {}{} (measured with "
              "glibc 2.36)",
              path, *interp, groups[0]->name,
              groups.size() > 1 ? " and dynamic-loader-libraries" : ""));
        }
      }
    }
    if (summary) {
      summary->findings += report.findings.size() + native_findings;
      summary->lines.push_back(
          fmt::format("{}: {} ({}), {} functions: {} syscalls, {} findings",
                      path, bin.GoVersionString(),
                      GetArchInfo(prog.arch).go_arch, prog.funcs.size(),
                      n.size(), report.findings.size() + native_findings));
      if (s.stats) {
        const auto& st = report.stats;
        const double total_ms = std::chrono::duration<double, std::milli>(
                                    std::chrono::steady_clock::now() - t0)
                                    .count();
        summary->lines.push_back(fmt::format(
            "  {:.1f} ms; analysed {} functions ({} instructions) in {} rounds; "
            "{} syscall sites, {} wrapper call sites, {} wrappers",
            total_ms, st.functions_analyzed, st.instructions, st.rounds,
            st.syscall_sites, st.wrapper_call_sites, report.wrappers.size()));
        summary->lines.push_back(fmt::format(
            "  phases: load+pclntab {:.1f} ms, code index {:.1f} ms, wrapper "
            "fixpoint {:.1f} ms, globals+findings {:.1f} ms (Go: {:.1f} ms); C code "
            "{:.1f} ms{}, alongside",
            load_ms, st.index_ms, st.fixpoint_ms, st.finalize_ms, ms, native_ms,
            native_phases));
      }
    }
    // Seccomp filters survive execve: name the programs this one may run
    // (constant paths in its data that exist here) that the profile does
    // not cover yet, so the user can add them with --with.
    const bool execs = std::find(n.begin(), n.end(), "execve") != n.end() ||
                       std::find(n.begin(), n.end(), "execveat") != n.end();
    if (execs && (summary || s.follow_exec)) {
      std::vector<std::filesystem::path> covered;
      for (const std::string& w : paths) {
        std::error_code ec;
        covered.push_back(std::filesystem::weakly_canonical(w, ec));
      }
      std::function<std::optional<std::string>(const std::string&)> find = s.find_program;
      if (!find) find = [&s](const std::string& p) { return ExecutableUnder(s.root, p); };
      std::vector<std::string> uncovered;
      for (const auto& [prog_path, file] :
           ExistingPrograms(analysis::FindProgramPaths(prog), find)) {
        std::error_code ec;
        const auto canon = std::filesystem::weakly_canonical(file, ec);
        if (ec || std::find(covered.begin(), covered.end(), canon) == covered.end()) {
          uncovered.push_back(prog_path);
          if (s.follow_exec) {
            paths.push_back(file);
            covered.push_back(canon);
          }
        }
      }
      if (!uncovered.empty() && summary) {
        summary->lines.push_back(
            s.follow_exec
                ? fmt::format("{}: --follow-exec: also covering {} (constant paths in the binary)",
                              path, fmt::join(uncovered, ", "))
                : fmt::format("{}: may execute {} (constant paths in the binary); filters "
                              "survive execve: cover each it runs with --with PATH "
                              "(or --follow-exec)",
                              path, fmt::join(uncovered, ", ")));
      }
    }
    names.insert(names.end(), n.begin(), n.end());
    out.binaries.push_back(AnalyzedBinary{path, std::move(bin), std::move(report)});
  }
  auto runtime = profile::ContainerRuntimeFromName(s.runtime);
  if (!runtime) {
    return MakeError(ErrorCode::kInvalidArgument, "unknown --runtime \"{}\"", s.runtime);
  }
  if (!profile::RuntimePresetAvailable(*runtime, *arch)) {
    return MakeError(ErrorCode::kUnsupported,
                     "no measured {} preset for {}; use --runtime none and add what the "
                     "runtime needs by hand",
                     s.runtime, GetArchInfo(*arch).name);
  }
  for (const profile::PresetEntry& e : profile::RuntimePreset(*runtime, *arch)) {
    names.emplace_back(e.name);
    out.sources[std::string(e.name)].push_back(
        NameSource{NameSource::Kind::kRuntimePreset, fmt::format("runtime preset {}", s.runtime),
                   std::string(e.reason), {}});
  }
  AddGroupSources(profile::AlwaysAllowed(), *arch, NameSource::Kind::kAlwaysAllowed, {}, &out);
  const std::optional<profile::Action> deny = profile::DenyActionFromName(
      s.default_action, static_cast<std::uint32_t>(s.errno_ret));
  if (!deny) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "unknown --default-action \"{}\"", s.default_action);
  }
  std::vector<profile::Rule> arg_rules;
  if (s.args) arg_rules = ArgumentRules(arg_info, out, &names);
  profile::ProfileBuilder b;
  b.DefaultAction(*deny)
      .Arches(profile::ProfileArches(*runtime, *arch))
      .Allow(profile::AlwaysAllowed())
      .Allow(std::span<const std::string>(names));
  for (profile::Rule& rule : arg_rules) b.Add(std::move(rule));
  G2S_ASSIGN_OR_RETURN(out.profile, b.Build());
  if (s.unknown_enosys) profile::AddEnosysFallbacks(out.profile);
  out.arch = *arch;
  return out;
}

Result<profile::Profile> AnalyzeToProfile(const std::string& binary,
                                          const AnalyzeSettings& s,
                                          AnalyzeSummary* summary) {
  G2S_ASSIGN_OR_RETURN(ProfileWithProvenance p, BuildProfile(binary, s, summary));
  return std::move(p.profile);
}

void AddAnalyzeCommand(CLI::App& app, Runner* run) {
  // Both forms share the flags; the classic one has them on the app itself.
  static AnalyzeFlags classic;
  static AnalyzeFlags sub;
  app.add_option("binary", classic.binary, "Go binary to analyze (classic form)");
  app.add_option("profile", classic.output,
                 "Where to write the profile (classic form; - for stdout)");
  AddSettingsOptions(&app, &classic.settings);
  AddFormatOptions(&app, &classic);

  CLI::App* cmd = app.add_subcommand(
      "analyze",
      "Analyze a Go binary and write a seccomp profile (Docker/OCI JSON, or --format).");
  cmd->add_option("binary", sub.binaries,
                  "Go binaries to analyze (several, or -o ending in /: one profile each in "
                  "that directory, analysed on every core)")
      ->required();
  cmd->add_option("-o,--output", sub.output,
                  "Where to write the profile (- for stdout), or the directory (DIR/) for "
                  "several binaries")
      ->default_val("-");
  AddSettingsOptions(cmd, &sub.settings);
  AddFormatOptions(cmd, &sub);

  auto runner = [](AnalyzeFlags f) -> int {
    AnalyzeSummary summary;
    // systemd execs the program right after installing the filter: there is
    // no container runtime whose syscalls the profile would need.
    if (f.format == OutputFormat::kSystemd && !f.runtime_given) {
      f.settings.runtime = "none";
      summary.lines.push_back("note: --format systemd: using --runtime none");
    }
    auto p = AnalyzeToProfile(f.binary, f.settings, &summary);
    if (!p) return ReportError(p.error());
    const bool to_stdout = f.output == "-";
    if (!f.settings.quiet) {
      for (const std::string& l : summary.lines) {
        std::fprintf(to_stdout ? stderr : stdout, "%s\n", l.c_str());
      }
    }
    if (f.settings.strict && summary.findings > 0) {
      std::fprintf(stderr,
                   "go2seccomp: %zu unresolved site(s); --strict: no profile written\n",
                   summary.findings);
      return 1;
    }
    const std::string name =
        f.name.empty() ? profile::SpoObjectName(fs::path(f.binary).filename().string()) : f.name;
    auto rendered = RenderProfile(*p, f.format, name);
    if (!rendered) return ReportError(rendered.error().Wrap(f.binary));
    for (const std::string& note : rendered->notes) {
      std::fprintf(stderr, "go2seccomp: note: %s\n", note.c_str());
    }
    if (auto w = WriteFileAtomically(f.output, rendered->content); !w) {
      return ReportError(w.error());
    }
    if (!f.settings.quiet && !to_stdout) {
      std::printf("Saved seccomp profile at %s\n", f.output.c_str());
    }
    return 0;
  };
  cmd->callback([cmd, run, runner] {
    sub.runtime_given = cmd->count("--runtime") > 0;
    if (sub.binaries.size() > 1 || sub.output.ends_with('/')) {
      *run = [] {
        if (sub.output == "-") {
          std::fprintf(stderr, "go2seccomp: several binaries need -o DIR/\n");
          return 2;
        }
        return RunBatch(sub.binaries, sub.output, sub.settings, sub.format);
      };
      return;
    }
    sub.binary = sub.binaries.front();
    *run = [runner] { return runner(sub); };
  });
  app.callback([&app, run, runner] {
    if (!app.get_subcommands().empty()) return;
    classic.runtime_given = app.count("--runtime") > 0;
    if (classic.binary.empty()) return;  // main prints help
    if (classic.output.empty()) {
      *run = [] {
        std::fprintf(stderr, "usage: go2seccomp /path/to/binary /path/to/profile.json\n");
        return 2;
      };
      return;
    }
    *run = [runner] { return runner(classic); };
  });
}

}  // namespace go2seccomp::cli
