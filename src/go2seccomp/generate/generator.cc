#include "go2seccomp/generate/generator.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <future>
#include <set>
#include <utility>
#include <variant>

#include "go2seccomp/analysis/analyzer.h"
#include "go2seccomp/analysis/loader.h"
#include "go2seccomp/analysis/native.h"
#include "go2seccomp/analysis/native_cache.h"
#include "go2seccomp/analysis/report.h"
#include "go2seccomp/analysis/scan.h"
#include "go2seccomp/profile/builder.h"
#include "go2seccomp/profile/deny_actions.h"
#include "go2seccomp/profile/groups.h"
#include "go2seccomp/profile/runtime_presets.h"
#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::generate {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// The arguments ArgumentFilters() follows: the ones whose values say what a
// call can do (socket(2) domain, ioctl(2) request, prctl(2) option, fcntl(2)
// command, clone(2) flags).
std::set<std::pair<int, int>> TrackedArgs(Arch arch) {
  std::set<std::pair<int, int>> out;
  for (auto [name, index] : {std::pair<const char*, int>{"socket", 0},
                             {"ioctl", 1},
                             {"prctl", 0},
                             {"fcntl", 1},
                             {"fcntl64", 1},
                             {"clone", 0}}) {
    if (auto nr = syscalls::NumberOf(arch, name)) out.insert({*nr, index});
  }
  return out;
}

// Namespace-creating clone(2) flags (linux/sched.h): a Go program that
// never passes them can have them refused by a masked compare.
constexpr std::uint64_t kCloneNamespaceFlags =
    0x00020000 /*NEWNS*/ | 0x02000000 /*NEWCGROUP*/ | 0x04000000 /*NEWUTS*/ |
    0x08000000 /*NEWIPC*/ | 0x10000000 /*NEWUSER*/ | 0x20000000 /*NEWPID*/ |
    0x40000000 /*NEWNET*/;

// (syscall name, argument index) -> the constants passed there; nullopt
// once some site passes a value that is not constant.
using ArgInfo = std::map<std::pair<std::string, int>, analysis::ArgValueSet>;

// Turns proven argument values into allow rules and takes their names out
// of the unconditional list. A name also added by a preset, a group or C
// code keeps its unconditional allow: those callers were not analysed.
std::vector<profile::Rule> ArgumentRules(const ArgInfo& info,
                                         const Generated& g,
                                         std::vector<std::string>* names) {
  std::vector<profile::Rule> rules;
  std::set<std::string> filtered;
  for (const auto& [key, values] : info) {
    const auto& [name, index] = key;
    if (!values || values->empty() || g.sources.count(name)) continue;
    using Op = profile::ArgCondition::Op;
    const std::uint32_t k = static_cast<std::uint32_t>(index);
    if (name == "clone") {
      bool creates_namespaces = false;
      for (std::uint64_t v : *values)
        creates_namespaces |= (v & kCloneNamespaceFlags) != 0;
      if (!creates_namespaces) {
        rules.push_back(profile::Rule::Make(
            {name}, profile::Action::Allow(),
            {profile::ArgCondition::Make(k, Op::kMaskedEqual,
                                         kCloneNamespaceFlags, 0)},
            "go2seccomp --args: no call site creates namespaces"));
        filtered.insert(name);
        continue;
      }
    }
    for (std::uint64_t v : *values) {
      rules.push_back(profile::Rule::Make(
          {name}, profile::Action::Allow(),
          {profile::ArgCondition::Make(k, Op::kEqual, v)},
          fmt::format(
              "go2seccomp --args: argument {} is a constant at every call site",
              k)));
    }
    filtered.insert(name);
  }
  std::erase_if(*names,
                [&](const std::string& n) { return filtered.count(n) > 0; });
  return rules;
}

// explain's line for a syscall the C side makes: the C function that makes
// it with the shortest chain (the most direct reason; the first such in the
// analysis's address order), how that function is reached, and how many
// others make it.
std::string NativeReason(const std::vector<analysis::NativeUse>& uses) {
  auto steps = [](const analysis::NativeUse& u) {
    std::size_t n = 0;
    for (std::size_t at = u.chain.find(" -> "); at != std::string::npos;
         at = u.chain.find(" -> ", at + 1)) {
      ++n;
    }
    return n;
  };
  const analysis::NativeUse& u = *std::min_element(
      uses.begin(), uses.end(),
      [&](const auto& a, const auto& b) { return steps(a) < steps(b); });
  std::string s = fmt::format("{} (and {} more C function(s))", u.function,
                              uses.size() - 1);
  if (!u.chain.empty()) s += "; reached: " + u.chain;
  return s;
}

// The programs a binary names by constant path (analysis::FindProgramPaths)
// that `find` locates: for each candidate run of file-name bytes, the
// longest prefix that is one (Go string literals run together in the
// binary). Pairs of (path as the program sees it, file to analyse).
std::vector<std::pair<std::string, std::string>> ExistingPrograms(
    const std::vector<std::string>& candidates,
    const Generator::FindProgram& find) {
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

// The default FindProgram: an executable regular file at `path` under
// `root`.
std::optional<std::string> ExecutableUnder(const std::string& root,
                                           const std::string& path) {
  std::error_code ec;
  const fs::path on_disk =
      root.empty() ? fs::path(path) : fs::path(root) / path.substr(1);
  const auto st = fs::status(on_disk, ec);
  if (!ec && fs::is_regular_file(st) &&
      (st.permissions() & (fs::perms::owner_exec | fs::perms::group_exec |
                           fs::perms::others_exec)) != fs::perms::none) {
    return on_disk.string();
  }
  return std::nullopt;
}

// Records why each member of `group` that applies on `arch` is allowed.
void AddGroupSources(const profile::SyscallGroup& group, Arch arch,
                     NameSource::Kind kind, const std::string& binary,
                     Generated* out) {
  for (std::string_view name : group.NamesFor(arch)) {
    for (const profile::GroupMember& m : group.members) {
      if (m.name != name) continue;
      out->sources[std::string(name)].push_back(NameSource{
          kind, std::string(group.name), std::string(m.reason), binary});
      break;
    }
  }
}

// One run of Generator::Run(): the inputs still to analyse grow with
// FollowExec(), and every input adds names, sources and findings.
class Job {
 public:
  Job(const Generator::FindProgram& find, std::string root,
      std::optional<std::string> cache_dir, bool args, bool follow_exec,
      bool name_rules)
      : find_(find),
        root_(std::move(root)),
        cache_dir_(std::move(cache_dir)),
        args_(args),
        follow_exec_(follow_exec) {
    options_.name_rules = name_rules;
    if (!find_)
      find_ = [this](const std::string& p) {
        return ExecutableUnder(root_, p);
      };
  }

  Result<void> AnalyzeAll(std::vector<std::string> paths);
  Generated& out() { return out_; }
  std::vector<std::string>& names() { return names_; }
  const ArgInfo& arg_info() const { return arg_info_; }
  std::optional<Arch> arch() const { return arch_; }

 private:
  Result<void> CheckArch(const std::string& path, Arch arch);
  Result<void> AnalyzeElfProgram(const std::string& path,
                                 analysis::ElfProgram program);
  Result<void> AnalyzeGoBinary(const std::string& path,
                               analysis::LoadedBinary bin,
                               Clock::time_point t0);
  // The C code a Go binary runs, its names into `n`.
  Result<void> AddCCode(const std::string& path,
                        const analysis::LoadedBinary& bin,
                        Result<analysis::NativeClosure> native,
                        std::vector<std::string>* n, InputSummary* summary);
  void AddNativeSyscalls(const std::string& path, Arch arch,
                         const analysis::NativeClosure& native,
                         std::vector<std::string>* n, InputSummary* summary);
  void MergeArgValues(const analysis::Report& report, Arch arch);
  void FindExecs(const analysis::Program& prog,
                 const std::vector<std::string>& n, InputSummary* summary);
  std::string CacheDir() const {
    return cache_dir_ ? *cache_dir_ : analysis::DefaultLibraryCacheDir();
  }

  Generator::FindProgram find_;
  std::string root_;
  std::optional<std::string> cache_dir_;
  bool args_;
  bool follow_exec_;
  analysis::Options options_;
  std::vector<std::string> paths_;  // every input so far, in order
  std::optional<Arch> arch_;
  std::vector<std::string> names_;
  ArgInfo arg_info_;
  Generated out_;
};

Result<void> Job::AnalyzeAll(std::vector<std::string> paths) {
  paths_ = std::move(paths);
  // Indexed: FollowExec() appends the programs each input runs.
  for (std::size_t i = 0; i < paths_.size(); ++i) {
    const std::string path = paths_[i];
    const auto t0 = Clock::now();
    G2S_ASSIGN_OR_RETURN(auto opened,
                         analysis::LoadedBinary::OpenGoOrElf(path));
    if (auto* program = std::get_if<analysis::ElfProgram>(&opened)) {
      G2S_TRY(AnalyzeElfProgram(path, std::move(*program)));
    } else {
      G2S_TRY(AnalyzeGoBinary(
          path, std::move(std::get<analysis::LoadedBinary>(opened)), t0));
    }
  }
  return {};
}

Result<void> Job::CheckArch(const std::string& path, Arch arch) {
  if (arch_ && *arch_ != arch) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "{}: is {}, but {} is {}; one profile covers one architecture", path,
        GetArchInfo(arch).name, paths_.front(), GetArchInfo(*arch_).name);
  }
  arch_ = arch;
  return {};
}

void Job::AddNativeSyscalls(const std::string& path, Arch arch,
                            const analysis::NativeClosure& native,
                            std::vector<std::string>* n,
                            InputSummary* summary) {
  for (const std::string& f : native.findings)
    out_.findings.push_back(Finding{path, f});
  summary->findings += native.findings.size();
  summary->has_c_code = true;
  summary->c_images = native.images;
  summary->c_functions = native.functions;
  summary->c_reachable_functions = native.reachable_functions;
  summary->stats.c_graph_ms = native.graph_ms;
  summary->stats.c_syscalls_ms = native.analysis_ms;
  summary->stats.cache_hits = native.cache_hits;
  summary->stats.cache_misses = native.cache_misses;
  summary->stats.cache_writes = native.cache_writes;
  for (const auto& [nr, uses] : native.syscalls) {
    auto name = syscalls::NameOf(arch, nr);
    if (!name) continue;
    n->emplace_back(*name);
    out_.sources[std::string(*name)].push_back(
        NameSource{NameSource::Kind::kNativeCode, uses.front().image,
                   NativeReason(uses), path});
  }
}

// Not Go (a C program a Go program runs, like gofmt -d's diff): its own
// code, its interpreter and libraries as C code.
Result<void> Job::AnalyzeElfProgram(const std::string& path,
                                    analysis::ElfProgram program) {
  const Arch arch = *program.elf.arch();  // OpenGoOrElf refuses other machines
  G2S_TRY(CheckArch(path, arch));
  const auto t0 = Clock::now();
  analysis::NativeOptions nopt;
  nopt.root = root_;
  nopt.main_path = path;
  nopt.cache_dir = CacheDir();
  auto native = analysis::AnalyzeNativeDependencies(program.elf, arch, nopt);
  if (!native) return Unexpected(native.error().Wrap(path));
  InputSummary summary;
  summary.path = path;
  summary.is_go = false;
  summary.arch = arch;
  std::vector<std::string> n;
  AddNativeSyscalls(path, arch, *native, &n, &summary);
  summary.syscalls = n.size();
  summary.stats.c_ms = summary.stats.total_ms = MsSince(t0);
  names_.insert(names_.end(), n.begin(), n.end());
  out_.inputs.push_back(std::move(summary));
  return {};
}

void Job::MergeArgValues(const analysis::Report& report, Arch arch) {
  for (const auto& [key, values] : report.arg_values) {
    auto name = syscalls::NameOf(arch, key.first);
    if (!name) continue;
    auto [it, fresh] =
        arg_info_.try_emplace({std::string(*name), key.second}, values);
    if (fresh) continue;
    if (!it->second || !values) {
      it->second.reset();
    } else {
      it->second->insert(values->begin(), values->end());
    }
  }
}

Result<void> Job::AddCCode(const std::string& path,
                           const analysis::LoadedBinary& bin,
                           Result<analysis::NativeClosure> native,
                           std::vector<std::string>* n, InputSummary* summary) {
  if (!native) return Unexpected(native.error().Wrap(path));
  const Arch arch = bin.program().arch;
  AddNativeSyscalls(path, arch, *native, n, summary);
  if (!native->images.empty()) return {};
  // The interpreter is not there to analyse (a binary for another system
  // without Root()): the loader's measured start-up set stands in.
  summary->missing_interpreter =
      std::string(bin.elf().Interpreter().value_or(""));
  std::vector<const profile::SyscallGroup*> groups = {
      &profile::DynamicLoaderStartup()};
  auto needed = bin.elf().Needed();
  if (needed && !needed->empty())
    groups.push_back(&profile::DynamicLoaderLibraries());
  for (const profile::SyscallGroup* g : groups) {
    for (std::string_view name : g->NamesFor(arch)) n->emplace_back(name);
    AddGroupSources(*g, arch, NameSource::Kind::kLoaderGroup, path, &out_);
    summary->loader_groups.emplace_back(g->name);
  }
  return {};
}

// Seccomp filters survive execve: the programs this one may run (constant
// paths in its data that exist) that no input covers yet; FollowExec()
// adds them as inputs.
void Job::FindExecs(const analysis::Program& prog,
                    const std::vector<std::string>& n, InputSummary* summary) {
  const bool execs = std::find(n.begin(), n.end(), "execve") != n.end() ||
                     std::find(n.begin(), n.end(), "execveat") != n.end();
  if (!execs) return;
  std::vector<fs::path> covered;
  for (const std::string& w : paths_) {
    std::error_code ec;
    covered.push_back(fs::weakly_canonical(w, ec));
  }
  for (const auto& [prog_path, file] :
       ExistingPrograms(analysis::FindProgramPaths(prog), find_)) {
    std::error_code ec;
    const auto canon = fs::weakly_canonical(file, ec);
    if (!ec &&
        std::find(covered.begin(), covered.end(), canon) != covered.end())
      continue;
    summary->execs_uncovered.push_back(prog_path);
    if (follow_exec_) {
      paths_.push_back(file);
      covered.push_back(canon);
    }
  }
}

Result<void> Job::AnalyzeGoBinary(const std::string& path,
                                  analysis::LoadedBinary bin,
                                  Clock::time_point t0) {
  const analysis::Program& prog = bin.program();
  G2S_TRY(CheckArch(path, prog.arch));
  InputSummary summary;
  summary.path = path;
  summary.arch = prog.arch;
  summary.go_version = bin.GoVersionString();
  summary.go_functions = prog.funcs.size();
  summary.stats.load_ms = MsSince(t0);
  analysis::Options options = options_;
  if (args_) options.tracked_args = TrackedArgs(prog.arch);
  // A dynamically linked program runs ld.so, its libraries' init code and
  // whatever C functions it calls under the filter too: analyse that C
  // code (analysis/native.h), on its own thread while the Go code is
  // analysed (it reads only the ELF file and the libraries).
  const std::optional<std::string_view> interp = bin.elf().Interpreter();
  // A static program whose entry is not Go's (_rt0_<arch>_linux) was linked
  // by an external linker with C start-up code and C libraries in it
  // (-extldflags=-static): that C code is analysed from its own roots.
  const bool static_c =
      !interp && !prog.funcs.empty() && !prog.FuncAt(bin.elf().entry());
  double native_ms = 0;
  std::future<Result<analysis::NativeClosure>> native_job;
  if (interp || static_c) {
    analysis::NativeOptions nopt;
    nopt.root = root_;
    nopt.program_path = path;
    nopt.cache_dir = CacheDir();
    if (static_c) {
      nopt.main_path = path;
      nopt.go_code = {{prog.funcs.front().entry, prog.funcs.back().end}};
    }
    native_job = std::async(
        std::launch::async, [&bin, &native_ms, arch = prog.arch, nopt] {
          const auto start = Clock::now();
          auto r = analysis::AnalyzeNativeDependencies(bin.elf(), arch, nopt);
          native_ms = MsSince(start);
          return r;
        });
  }
  analysis::Report report = analysis::Analyze(prog, options);
  if (static_c) {
    // Syscall bytes outside the Go functions are the C analysis's to judge
    // (it covers every other executable byte, and reports what it cannot
    // resolve in reachable code or outside any C function).
    const std::uint64_t go_lo = prog.funcs.front().entry,
                        go_hi = prog.funcs.back().end;
    std::erase_if(report.findings, [&](const analysis::Finding& f) {
      return f.kind == analysis::Finding::Kind::kOutsideGoFunctions &&
             (f.pc < go_lo || f.pc >= go_hi);
    });
  }
  MergeArgValues(report, prog.arch);
  summary.stats.go_ms = MsSince(t0);
  for (const analysis::Finding& f : report.findings) {
    out_.findings.push_back(Finding{path, analysis::FormatFinding(f, prog)});
  }
  std::vector<std::string> n = analysis::SyscallNames(report);
  if (interp || static_c) {
    G2S_TRY(AddCCode(path, bin, native_job.get(), &n, &summary));
    summary.stats.c_ms = native_ms;
  }
  summary.findings += report.findings.size();
  summary.syscalls = n.size();
  const auto& st = report.stats;
  summary.stats.index_ms = st.index_ms;
  summary.stats.fixpoint_ms = st.fixpoint_ms;
  summary.stats.finalize_ms = st.finalize_ms;
  summary.stats.functions_analyzed = st.functions_analyzed;
  summary.stats.instructions = st.instructions;
  summary.stats.rounds = st.rounds;
  summary.stats.syscall_sites = st.syscall_sites;
  summary.stats.wrapper_call_sites = st.wrapper_call_sites;
  summary.stats.wrappers = report.wrappers.size();
  summary.stats.total_ms = MsSince(t0);
  FindExecs(prog, n, &summary);
  names_.insert(names_.end(), n.begin(), n.end());
  out_.inputs.push_back(std::move(summary));
  out_.binaries.push_back(
      AnalyzedBinary{path, std::move(bin), std::move(report)});
  return {};
}

}  // namespace

Generator& Generator::Binary(std::string path) {
  binary_ = std::move(path);
  return *this;
}

Generator& Generator::With(std::string path) {
  with_.push_back(std::move(path));
  return *this;
}

Generator& Generator::Root(std::string dir) {
  root_ = std::move(dir);
  return *this;
}

Generator& Generator::Runtime(std::string_view name) {
  if (!profile::ContainerRuntimeFromName(name) && !error_) {
    error_ = Error{ErrorCode::kInvalidArgument,
                   fmt::format("unknown runtime \"{}\"", name)};
  }
  runtime_ = std::string(name);
  return *this;
}

Generator& Generator::DefaultAction(std::string_view name, int errno_value) {
  std::optional<profile::Action> a =
      errno_value >= 1 && errno_value <= 4095
          ? profile::DenyActionFromName(name,
                                        static_cast<std::uint32_t>(errno_value))
          : std::nullopt;
  if (!a) {
    if (!error_) {
      error_ =
          Error{ErrorCode::kInvalidArgument,
                fmt::format("unknown default action \"{}\" (errno {}; 1..4095)",
                            name, errno_value)};
    }
    return *this;
  }
  deny_ = *a;
  return *this;
}

Generator& Generator::ArgumentFilters(bool on) {
  args_ = on;
  return *this;
}

Generator& Generator::UnknownEnosys(bool on) {
  unknown_enosys_ = on;
  return *this;
}

Generator& Generator::CacheDir(std::string dir) {
  cache_dir_ = std::move(dir);
  return *this;
}

Generator& Generator::FollowExec(bool on) {
  follow_exec_ = on;
  return *this;
}

Generator& Generator::NameRules(bool on) {
  name_rules_ = on;
  return *this;
}

Generator& Generator::Programs(FindProgram find) {
  find_ = std::move(find);
  return *this;
}

Result<Generated> Generator::Run() const {
  if (error_) return Unexpected(*error_);
  if (binary_.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "no binary to analyse");
  }
  std::vector<std::string> paths = {binary_};
  paths.insert(paths.end(), with_.begin(), with_.end());
  Job job(find_, root_, cache_dir_, args_, follow_exec_, name_rules_);
  G2S_TRY(job.AnalyzeAll(std::move(paths)));
  Generated& out = job.out();
  const Arch arch = *job.arch();
  out.runtime = runtime_;
  out.arch = arch;
  const profile::ContainerRuntime runtime =
      *profile::ContainerRuntimeFromName(runtime_);
  if (!profile::RuntimePresetAvailable(runtime, arch)) {
    return MakeError(
        ErrorCode::kUnsupported,
        "no measured {} preset for {}; use --runtime none and add what the "
        "runtime needs by hand",
        runtime_, GetArchInfo(arch).name);
  }
  std::vector<std::string>& names = job.names();
  for (const profile::PresetEntry& e : profile::RuntimePreset(runtime, arch)) {
    names.emplace_back(e.name);
    out.sources[std::string(e.name)].push_back(
        NameSource{NameSource::Kind::kRuntimePreset,
                   fmt::format("runtime preset {}", runtime_),
                   std::string(e.reason),
                   {}});
  }
  AddGroupSources(profile::AlwaysAllowed(), arch,
                  NameSource::Kind::kAlwaysAllowed, {}, &out);
  std::vector<profile::Rule> arg_rules;
  if (args_) arg_rules = ArgumentRules(job.arg_info(), out, &names);
  profile::ProfileBuilder b;
  b.DefaultAction(deny_)
      .Arches(profile::ProfileArches(runtime, arch))
      .Allow(profile::AlwaysAllowed())
      .Allow(std::span<const std::string>(names));
  for (profile::Rule& rule : arg_rules) b.Add(std::move(rule));
  G2S_ASSIGN_OR_RETURN(out.profile, b.Build());
  if (unknown_enosys_) profile::AddEnosysFallbacks(out.profile);
  return std::move(out);
}

}  // namespace go2seccomp::generate
