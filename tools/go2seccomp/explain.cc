// `go2seccomp explain BINARY [SYSCALL...]`: why each syscall is in the
// profile `go2seccomp analyze` writes for BINARY (same flags, same profile,
// made by the same generate::Generator; generate/explain.h decides).
//
//   mkdirat (258)
//     syscall.Mkdirat (.../zsyscall_linux_amd64.go:80) at 0x47b24f: constant
//       0x102 passed to syscall.Syscall -> ... -> SYSCALL at 0x4026e0
//     ...
//   execve (59)
//     runtime preset docker: execve of the container process itself, ...
//
// SYSCALL is a name or a number of the binary's arch; without any, every
// allowed syscall is explained. A syscall the profile does not allow is
// reported as such and makes the exit code 1; one allowed only for some
// argument values (--args) is printed with those conditions, from
// profile::AllowanceOf (the same answer as the compiled filter). --json
// prints the same as one JSON object for tools.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "go2seccomp/analysis/report.h"
#include "go2seccomp/profile/allowance.h"
#include "go2seccomp/profile/runtime_presets.h"
#include "go2seccomp/syscalls/table.h"
#include "tools/go2seccomp/commands.h"

namespace go2seccomp::cli {
namespace {

using generate::AllowanceKindName;
using generate::AnalyzedBinary;
using generate::ChainHop;
using generate::DescribeUse;
using generate::Generated;
using generate::NameSource;
using generate::SiteRef;

struct ExplainFlags {
  std::string binary;
  std::vector<std::string> syscalls;
  AnalyzeSettings settings;
  bool json = false;
  bool all = false;
  std::size_t sites = 5;
};

nlohmann::ordered_json ChainJson(const std::vector<ChainHop>& chain,
                                 const analysis::Program& prog) {
  nlohmann::ordered_json hops = nlohmann::ordered_json::array();
  for (const ChainHop& h : chain) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    if (h.raw) {
      j["syscall_instruction"] =
          std::string(GetArchInfo(prog.arch).syscall_instruction);
      j["pc"] = fmt::format("{:#x}", h.pc);
    } else {
      j["function"] = h.func < prog.funcs.size()
                          ? std::string(prog.funcs[h.func].name)
                          : "?";
      j["called_at"] = fmt::format(
          "{:#x}", h.pc);  // the call or jump that hands the number on
      if (h.by_name_rule) j["known_wrapper"] = true;
    }
    hops.push_back(std::move(j));
  }
  return hops;
}

nlohmann::ordered_json SiteJson(const Generated& p, const SiteRef& s, int nr) {
  const AnalyzedBinary& b = p.binaries[s.binary];
  const analysis::Program& prog = b.bin.program();
  const analysis::SyscallUse& u = *s.use;
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["binary"] = b.path;
  j["how"] = std::string(generate::ResolutionName(u.how));
  if (u.how == analysis::Resolution::kVdsoFallback) {
    j["vdso_symbol"] = u.detail;
  } else {
    j["function"] =
        u.func < prog.funcs.size() ? std::string(prog.funcs[u.func].name) : "?";
    if (prog.line_for) {
      if (auto pos = prog.line_for(u.pc)) {
        j["file"] = pos->file;
        j["line"] = pos->line;
      }
    }
    j["pc"] = fmt::format("{:#x}", u.pc);
    if (!u.detail.empty()) j["detail"] = u.detail;
    if (u.how == analysis::Resolution::kConstantToWrapper) {
      nlohmann::ordered_json chains = nlohmann::ordered_json::array();
      for (const auto& c : generate::WrapperChains(b.report, u.callee, u.pc)) {
        chains.push_back(ChainJson(c, prog));
      }
      j["chains"] = std::move(chains);
    }
  }
  j["text"] = DescribeUse(b, u, nr);
  return j;
}

// The conditional rules, as data: [{action, args: [{index, op, value,
// value_two}]}] (op is the OCI name).
nlohmann::ordered_json WhenJson(const profile::Allowance& a) {
  nlohmann::ordered_json rules = nlohmann::ordered_json::array();
  for (const profile::Allowance::When& w : a.when) {
    nlohmann::ordered_json args = nlohmann::ordered_json::array();
    for (const profile::ArgCondition& c : w.args) {
      args.push_back({{"index", c.index},
                      {"op", std::string(profile::OpName(c.op))},
                      {"value", c.value},
                      {"value_two", c.value_two}});
    }
    rules.push_back(
        {{"action", profile::ToString(w.action)}, {"args", std::move(args)}});
  }
  return rules;
}

// One syscall's explanation as a JSON object.
nlohmann::ordered_json ExplanationJson(const Generated& p,
                                       const generate::SyscallTarget& t,
                                       const generate::Explanation& e) {
  const profile::Allowance& allowance = e.allowance;
  nlohmann::ordered_json item = nlohmann::ordered_json::object();
  item["name"] = t.name;
  item["number"] = t.nr;
  item["allowed"] = allowance.allowed();
  item["allowance"] = std::string(AllowanceKindName(allowance.kind));
  if (allowance.kind == profile::Allowance::Kind::kConditional) {
    item["conditions"] = profile::DescribeConditions(allowance);
    item["when"] = WhenJson(allowance);
  }
  item["otherwise"] = profile::ToString(allowance.otherwise);
  nlohmann::ordered_json sites = nlohmann::ordered_json::array();
  for (const SiteRef& s : e.sites) sites.push_back(SiteJson(p, s, t.nr));
  item["sites"] = std::move(sites);
  nlohmann::ordered_json srcs = nlohmann::ordered_json::array();
  for (const NameSource& s : e.sources) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    j["kind"] = std::string(generate::NameSourceKindName(s.kind));
    j["origin"] = s.origin;
    j["reason"] = s.reason;
    if (!s.binary.empty()) j["binary"] = s.binary;
    srcs.push_back(std::move(j));
  }
  item["sources"] = std::move(srcs);
  return item;
}

// One syscall's explanation as text: why it is denied, or its conditions,
// the first --sites call sites (all with --all) and the groups and presets
// that add it.
std::string ExplanationText(const Generated& p, const ExplainFlags& flags,
                            const generate::SyscallTarget& t,
                            const generate::Explanation& e) {
  const profile::Allowance& allowance = e.allowance;
  const std::vector<SiteRef>& uses = e.sites;
  std::string text = fmt::format("\n{} ({})\n", t.name, t.nr);
  if (!allowance.allowed() && uses.empty() && e.sources.empty()) {
    return text +
           fmt::format(
               "  not allowed by the profile: no call site in {} and "
               "no group or preset adds it\n",
               p.binaries.size() == 1 ? flags.binary : "the analysed binaries");
  }
  if (!allowance.allowed()) {
    return text + fmt::format("  not allowed by the profile: it answers {}\n",
                              profile::ToString(allowance.otherwise));
  }
  if (allowance.kind == profile::Allowance::Kind::kConditional) {
    text += fmt::format("  allowed only if {} (otherwise {})\n",
                        profile::DescribeConditions(allowance),
                        profile::ToString(allowance.otherwise));
  }
  const std::size_t shown =
      flags.all ? uses.size() : std::min(uses.size(), flags.sites);
  for (std::size_t i = 0; i < shown; ++i) {
    const AnalyzedBinary& b = p.binaries[uses[i].binary];
    const std::string prefix = p.binaries.size() > 1 ? b.path + ": " : "";
    text += fmt::format("  {}{}\n", prefix, DescribeUse(b, *uses[i].use, t.nr));
  }
  if (shown < uses.size()) {
    std::set<std::pair<std::size_t, std::uint32_t>> funcs;
    for (std::size_t i = shown; i < uses.size(); ++i) {
      funcs.insert({uses[i].binary, uses[i].use->func});
    }
    text += fmt::format(
        "  ... and {} more site{} in {} function{} (--all lists them)\n",
        uses.size() - shown, uses.size() - shown == 1 ? "" : "s", funcs.size(),
        funcs.size() == 1 ? "" : "s");
  }
  for (const NameSource& s : e.sources) {
    text += fmt::format("  {}\n", generate::DescribeSource(s));
  }
  return text;
}

// The whole --json document: the binaries with their findings, then one
// object per syscall asked about.
std::string ExplainJsonDocument(const Generated& p, const ExplainFlags& flags,
                                std::string_view measured,
                                nlohmann::ordered_json items) {
  nlohmann::ordered_json root = nlohmann::ordered_json::object();
  root["binary"] = flags.binary;
  root["arch"] = std::string(GetArchInfo(p.arch).name);
  root["runtime"] = p.runtime;
  if (!measured.empty()) root["runtime_measured_with"] = std::string(measured);
  nlohmann::ordered_json bins = nlohmann::ordered_json::array();
  for (const AnalyzedBinary& b : p.binaries) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    j["path"] = b.path;
    j["go_version"] = b.bin.GoVersionString();
    nlohmann::ordered_json findings = nlohmann::ordered_json::array();
    for (const analysis::Finding& f : b.report.findings) {
      findings.push_back(analysis::FormatFinding(f, b.bin.program()));
    }
    j["findings"] = std::move(findings);
    bins.push_back(std::move(j));
  }
  root["binaries"] = std::move(bins);
  root["allowed_count"] = p.profile.AllowedNames(p.arch).size();
  root["syscalls"] = std::move(items);
  return root.dump(2, ' ', false,
                   nlohmann::ordered_json::error_handler_t::replace) +
         "\n";
}

int RunExplain(const ExplainFlags& flags) {
  Result<Generated> built = Generate(flags.binary, flags.settings);
  if (!built) return ReportError(built.error());
  const Generated& p = *built;
  if (!flags.settings.quiet) {
    for (const std::string& l : SummaryLines(p, flags.settings))
      std::fprintf(stderr, "%s\n", l.c_str());
  }
  Result<std::vector<generate::SyscallTarget>> targets =
      generate::ResolveSyscalls(p, flags.syscalls);
  if (!targets) return ReportError(targets.error());
  const auto runtime = profile::ContainerRuntimeFromName(p.runtime);
  const std::string_view measured =
      runtime ? profile::RuntimePresetMeasuredWith(*runtime)
              : std::string_view();

  int rc = StrictRefuses(flags.settings, p, "exit code 1") ? 1 : 0;
  std::string text;
  nlohmann::ordered_json items = nlohmann::ordered_json::array();
  if (!flags.json) {
    text += fmt::format("{} ({}): {} syscalls allowed\n", flags.binary,
                        GetArchInfo(p.arch).name,
                        p.profile.AllowedNames(p.arch).size());
    text += measured.empty()
                ? fmt::format("--runtime {}: no container runtime preset\n",
                              p.runtime)
                : fmt::format("--runtime {}: preset measured with {}\n",
                              p.runtime, measured);
  }
  for (const generate::SyscallTarget& t : *targets) {
    const generate::Explanation e = generate::Explain(p, t);
    if (!e.allowance.allowed()) rc = 1;
    if (flags.json) {
      items.push_back(ExplanationJson(p, t, e));
    } else {
      text += ExplanationText(p, flags, t, e);
    }
  }
  if (flags.json) {
    text = ExplainJsonDocument(p, flags, measured, std::move(items));
  }
  std::fputs(text.c_str(), stdout);
  return rc;
}

}  // namespace

void AddExplainCommand(CLI::App& app, Runner* run) {
  auto flags = std::make_shared<ExplainFlags>();
  CLI::App* cmd =
      app.add_subcommand("explain",
                         "Explain why syscalls are in BINARY's profile: the "
                         "call sites that need each one "
                         "(function, file:line, how the number was resolved, "
                         "the wrapper chain) and the "
                         "group or runtime-preset entry that added it. Exit 1 "
                         "if a named syscall is not "
                         "allowed.");
  cmd->add_option("binary", flags->binary, "Go binary whose profile to explain")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option(
      "syscalls", flags->syscalls,
      "Syscalls to explain, by name or number (default: every allowed one)");
  cmd->add_flag(
      "--json", flags->json,
      "Print JSON: {binary, arch, runtime, binaries, allowed_count, syscalls: "
      "[{name, number, allowed, allowance (unconditional, conditional or "
      "denied), conditions, when: [{action, args}], otherwise, "
      "sites: [{binary, how, function, file, line, "
      "pc, "
      "chains: [[{function, called_at} ..., {syscall_instruction, pc}]], "
      "text}], "
      "sources: [{kind, origin, reason}]}]} (every site)");
  cmd->add_flag("--all", flags->all,
                "List every call site (default: the first --sites)");
  cmd->add_option("--sites", flags->sites,
                  "Call sites listed per syscall without --all")
      ->default_val(5)
      ->check(CLI::NonNegativeNumber);
  AddSettingsOptions(cmd, &flags->settings);
  cmd->callback(
      [flags, run] { *run = [flags] { return RunExplain(*flags); }; });
}

}  // namespace go2seccomp::cli
