// `go2seccomp trace`: run a program under ptrace and record the syscalls it
// (and every thread and child) really makes.
//
//   go2seccomp trace [-o PROFILE.json] [--own] [--counts COUNTS.json]
//                    [--errno N] [--top N] [-q] [--emulate] [--qemu PATH]
//                    [--qemu-sysroot DIR] [--] PROG ARGS...
//
// A PROG of another arch (arm64, arm on x86-64) runs under qemu-user and
// its log is recorded instead (runtime/qemu_trace.h): observation only,
// qemu does not enforce a guest's seccomp filter, and programs the guest
// executes are not followed.
//
// Prints a summary to stderr (the most frequent syscalls per arch, the
// programs executed), writes the observed profile (the same Docker/OCI JSON
// as `analyze`; "-" for stdout) and exits with PROG's exit code (128+n when
// killed by signal n; 127/126 when PROG cannot be started, as `exec`).
// runtime/trace.h documents what is recorded.
#include "go2seccomp/runtime/trace.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "go2seccomp/base/arch.h"
#include "go2seccomp/base/file_io.h"
#include "go2seccomp/profile/oci_json.h"
#include "go2seccomp/runtime/path_search.h"
#include "go2seccomp/runtime/qemu_trace.h"
#include "tools/go2seccomp/commands.h"

namespace go2seccomp::cli {
namespace {

struct TraceFlags {
  std::string output;  // profile; empty: none
  std::string counts;  // counts JSON; empty: none
  int errno_ret = EPERM;
  int top = 15;
  bool quiet = false;
  bool own = false;                  // profile only PROG's own binary
  bool emulate = false;              // qemu even for an arch the host runs
  std::string qemu;                  // --qemu PATH
  std::string qemu_sysroot;          // --qemu-sysroot DIR
  std::vector<std::string> command;  // PROG ARGS...
};

nlohmann::json CountsJson(const runtime::ArchCounts& counts) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [arch, calls] : counts) {
    nlohmann::json c = nlohmann::json::object();
    for (const auto& [name, n] : calls) c[name] = n;
    out[std::string(GetArchInfo(arch).name)] = std::move(c);
  }
  return out;
}

// The --counts file: everything the trace recorded, for scripts.
std::string RenderCounts(const runtime::TraceResult& r,
                         const std::vector<std::string>& command) {
  nlohmann::json j;
  j["command"] = command;
  j["exit_code"] = r.exit_code;
  j["threads"] = r.threads;
  j["processes"] = r.processes;
  j["total"] = runtime::TotalCalls(r.counts);
  j["counts"] = CountsJson(r.counts);
  nlohmann::json programs = nlohmann::json::array();
  for (const runtime::ProgramTrace& p : r.programs) {
    programs.push_back({{"exe", p.exe}, {"counts", CountsJson(p.counts)}});
  }
  j["programs"] = std::move(programs);
  nlohmann::json execs = nlohmann::json::array();
  for (const runtime::ExecRecord& e : r.execs) {
    nlohmann::json x = {{"pid", e.pid},
                        {"path", e.path},
                        {"succeeded", e.succeeded},
                        {"initial", e.initial}};
    if (!e.exe.empty()) x["exe"] = e.exe;
    if (!e.succeeded && e.error != 0) x["errno"] = e.error;
    execs.push_back(std::move(x));
  }
  j["execs"] = std::move(execs);
  if (r.unknown_arch_stops > 0) j["unknown_arch_stops"] = r.unknown_arch_stops;
  return j.dump(4) + "\n";
}

// The calls made by PROG's own binary: the program image of the first
// exec (every later exec of the same file included), without the programs
// it runs. What `analyze PROG` must cover.
runtime::ArchCounts OwnCounts(const runtime::TraceResult& r) {
  if (r.programs.empty()) return {};
  return r.programs.front().counts;
}

void PrintSummary(const runtime::TraceResult& r, const TraceFlags& flags) {
  std::size_t distinct = 0;
  for (const auto& [arch, calls] : r.counts) distinct += calls.size();
  fmt::print(stderr,
             "go2seccomp: traced {}: exit code {}; {} syscalls ({} distinct) "
             "in {} thread{} of {} process{}\n",
             flags.command.front(), r.exit_code, runtime::TotalCalls(r.counts),
             distinct, r.threads, r.threads == 1 ? "" : "s", r.processes,
             r.processes == 1 ? "" : "es");
  for (const auto& [arch, calls] : r.counts) {
    std::vector<std::pair<std::string, std::uint64_t>> sorted(calls.begin(),
                                                              calls.end());
    std::stable_sort(
        sorted.begin(), sorted.end(),
        [](const auto& a, const auto& b) { return a.second > b.second; });
    const std::size_t shown =
        std::min(sorted.size(), static_cast<std::size_t>(flags.top));
    fmt::print(stderr, "  {}: {} syscalls, top {}:\n", GetArchInfo(arch).name,
               calls.size(), shown);
    for (std::size_t i = 0; i < shown; ++i) {
      fmt::print(stderr, "    {:>9}  {}\n", sorted[i].second, sorted[i].first);
    }
  }
  bool header = false;
  for (const runtime::ExecRecord& e : r.execs) {
    if (e.initial) continue;
    if (!header) {
      fmt::print(stderr, "  programs executed:\n");
      header = true;
    }
    if (e.succeeded) {
      fmt::print(
          stderr, "    {} (pid {}){}\n", e.path, e.pid,
          e.exe.empty() || e.exe == e.path ? "" : fmt::format(" -> {}", e.exe));
    } else {
      fmt::print(stderr, "    {} (pid {}): failed: {}\n", e.path, e.pid,
                 std::strerror(e.error));
    }
  }
  if (r.unknown_arch_stops > 0) {
    fmt::print(stderr,
               "  {} syscall(s) made with an architecture go2seccomp has no "
               "table for were not recorded\n",
               r.unknown_arch_stops);
  }
}

// PROG's arch from its ELF header (PROG searched on PATH as the tracers
// do); nullopt when it is not an ELF file we can read: then the ptrace
// tracer starts it and reports what happens (a script, not found, ...).
std::optional<Arch> ProgramArch(const std::string& prog) {
  const std::string path = runtime::FindOnPath(prog).value_or("");
  std::FILE* f = path.empty() ? nullptr : std::fopen(path.c_str(), "rb");
  if (f == nullptr) return std::nullopt;
  std::array<std::byte, 20> header{};
  const std::size_t n = std::fread(header.data(), 1, header.size(), f);
  std::fclose(f);
  return runtime::ArchOfElfHeader(std::span(header).first(n));
}

// qemu runs PROG when the host cannot (arm64, arm on x86-64), or when asked
// (--emulate, --qemu): i386 runs natively on x86-64 through IA32
// emulation, where the ptrace tracer sees it with its real numbers.
bool UseQemu(const TraceFlags& flags, std::optional<Arch> arch) {
  if (!arch || *arch == HostArch()) return false;
  if (flags.emulate || !flags.qemu.empty()) return true;
  return !(HostArch() == Arch::kX86_64 && *arch == Arch::kI386);
}

// The qemu log as a TraceResult, so the summary, --counts and the profile
// take the same path as a ptrace trace.
runtime::TraceResult FromQemu(const runtime::QemuTraceResult& q,
                              const std::string& prog) {
  runtime::TraceResult r;
  r.started = q.started;
  r.failure = q.failure;
  r.exit_code = q.exit_code;
  r.counts = q.log.counts;
  r.programs.push_back({prog, q.log.counts});
  r.processes = q.log.pids.size();
  r.threads = q.log.pids.size();  // qemu logs getpid(): threads merge
  r.execs.push_back({0, prog, prog, true, 0, true});
  for (const runtime::QemuExec& e : q.log.execs) {
    r.execs.push_back({e.pid, e.path, "", true, 0, false});
  }
  return r;
}

// The observation notice is part of the summary (-q drops it); the
// warnings are about what the profile lacks and always print.
void PrintQemuNotes(const runtime::QemuTraceResult& q, Arch arch, bool quiet) {
  if (!quiet) {
    fmt::print(stderr,
               "go2seccomp: {} program run under {}: this OBSERVES the "
               "guest's syscalls (qemu's strace log); qemu-user does not "
               "apply a guest's seccomp filter, so nothing was enforced\n",
               GetArchInfo(arch).name, q.qemu);
  }
  if (!q.log.execs.empty()) {
    fmt::print(stderr,
               "go2seccomp: warning: the {} program(s) the guest executed "
               "were not traced: without binfmt_misc, qemu-user leaves "
               "execve to the host kernel (listed under \"programs "
               "executed\"; their calls are not in the profile)\n",
               q.log.execs.size());
  }
  if (q.log.lost_records > 0) {
    fmt::print(stderr,
               "go2seccomp: warning: {} call(s) lost their name in qemu's "
               "log (guest processes writing it at once interleave mid-"
               "record); the observed profile may lack them\n",
               q.log.lost_records);
  }
  for (const auto& [name, n] : q.log.unknown_names) {
    fmt::print(stderr,
               "go2seccomp: warning: qemu logged \"{}\" ({} time{}), which "
               "go2seccomp's {} table does not name; not in the profile\n",
               name, n, n == 1 ? "" : "s", GetArchInfo(arch).name);
  }
}

Result<runtime::TraceResult> Trace(const TraceFlags& flags) {
  const std::optional<Arch> arch = ProgramArch(flags.command.front());
  if (!UseQemu(flags, arch)) {
    runtime::TraceOptions options;
    options.argv = flags.command;
    return runtime::TraceProgram(options);
  }
  runtime::QemuTraceOptions options;
  options.argv = flags.command;
  options.guest = *arch;
  options.qemu = flags.qemu;
  options.sysroot = flags.qemu_sysroot;
  G2S_ASSIGN_OR_RETURN(runtime::QemuTraceResult q,
                       runtime::TraceUnderQemu(options));
  if (q.started) PrintQemuNotes(q, *arch, flags.quiet);
  return FromQemu(q, flags.command.front());
}

int RunTrace(const TraceFlags& flags) {
  Result<runtime::TraceResult> traced = Trace(flags);
  if (!traced) return ReportError(traced.error().Wrap("trace"));
  const runtime::TraceResult& r = *traced;
  if (!r.started) {
    fmt::print(stderr, "go2seccomp: {}\n", r.failure);
    return r.exit_code;
  }
  if (!flags.quiet) PrintSummary(r, flags);

  if (!flags.counts.empty()) {
    if (auto w =
            WriteFileAtomically(flags.counts, RenderCounts(r, flags.command));
        !w) {
      return ReportError(w.error());
    }
  }
  if (!flags.output.empty()) {
    runtime::TraceProfileOptions po;
    po.default_action =
        profile::Action::Errno(static_cast<std::uint32_t>(flags.errno_ret));
    Result<runtime::TracedProfile> p =
        runtime::TraceToProfile(flags.own ? OwnCounts(r) : r.counts, po);
    if (!p) return ReportError(p.error().Wrap("trace"));
    for (const std::string& note : p->notes) {
      fmt::print(stderr, "go2seccomp: warning: {}\n", note);
    }
    if (auto w =
            WriteFileAtomically(flags.output, profile::ToOciJson(p->profile));
        !w) {
      return ReportError(w.error());
    }
    if (!flags.quiet && flags.output != "-") {
      fmt::print(stderr, "go2seccomp: wrote the observed profile to {}\n",
                 flags.output);
    }
  }
  return r.exit_code;
}

}  // namespace

void AddTraceCommand(CLI::App& app, Runner* run) {
  auto flags = std::make_shared<TraceFlags>();
  CLI::App* cmd = app.add_subcommand(
      "trace",
      "Run a program under ptrace, following every thread and child, and "
      "record the syscalls it makes; write them as a profile");
  cmd->add_option("-o,--output", flags->output,
                  "Write the observed profile here (Docker/OCI JSON, the "
                  "same shape as analyze; - for stdout): exactly the "
                  "syscalls seen, plus the always-allowed group");
  cmd->add_flag("--own", flags->own,
                "Put only the syscalls of PROG's own binary in the profile, "
                "not those of programs it executes (seccomp filters are "
                "inherited across execve, so a profile for running PROG "
                "needs them; one to compare with `analyze PROG` does not)");
  cmd->add_option("--counts", flags->counts,
                  "Write a JSON file with the per-syscall counts (per arch "
                  "and per executed program) and the programs executed");
  AddErrnoOption(cmd, &flags->errno_ret,
                 "Errno the profile returns for everything not observed "
                 "(default EPERM = 1)");
  cmd->add_option("--top", flags->top,
                  "How many of the most frequent syscalls the summary lists "
                  "per arch")
      ->check(CLI::Range(0, 100000));
  cmd->add_flag("-q,--quiet", flags->quiet, "Print no summary");
  cmd->add_flag("--emulate", flags->emulate,
                "Run PROG under qemu-user even when the host can run its "
                "arch (i386 on x86-64). A PROG of an arch the host cannot "
                "run (arm64, arm) always runs under qemu: its syscalls are "
                "observed from qemu's log, not enforced, and programs it "
                "executes are not followed");
  cmd->add_option("--qemu", flags->qemu,
                  "The qemu-user binary for PROG's arch (default "
                  "qemu-aarch64, qemu-arm or qemu-i386 on PATH); implies "
                  "--emulate");
  cmd->add_option("--qemu-sysroot", flags->qemu_sysroot,
                  "qemu's -L: where a dynamically linked guest's ld.so and "
                  "libraries are (default /usr/aarch64-linux-gnu, "
                  "/usr/arm-linux-gnueabihf or /usr/i686-linux-gnu when "
                  "present)");
  cmd->add_option("command", flags->command,
                  "PROG [ARGS...]: the program (searched on PATH) and its "
                  "arguments; use -- before PROG if it starts with '-'")
      ->required();
  cmd->positionals_at_end();
  cmd->callback([flags, run] { *run = [flags] { return RunTrace(*flags); }; });
}

}  // namespace go2seccomp::cli
