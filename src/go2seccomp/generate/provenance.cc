#include "go2seccomp/generate/provenance.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "go2seccomp/generate/generator.h"
#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::generate {

std::string_view NameSourceKindName(NameSource::Kind kind) {
  switch (kind) {
    case NameSource::Kind::kAlwaysAllowed:
      return "always-allowed";
    case NameSource::Kind::kRuntimePreset:
      return "runtime-preset";
    case NameSource::Kind::kLoaderGroup:
      return "dynamic-loader";
    case NameSource::Kind::kNativeCode:
      return "native-code";
  }
  return "?";
}

std::string_view ResolutionName(analysis::Resolution how) {
  switch (how) {
    case analysis::Resolution::kConstantAtSyscall:
      return "constant-at-syscall";
    case analysis::Resolution::kConstantToWrapper:
      return "constant-to-wrapper";
    case analysis::Resolution::kVdsoFallback:
      return "vdso-fallback";
  }
  return "?";
}

std::vector<SiteRef> Generated::UsesOf(std::string_view name) const {
  std::vector<SiteRef> out;
  for (std::size_t b = 0; b < binaries.size(); ++b) {
    const analysis::Report& r = binaries[b].report;
    const analysis::Program& prog = binaries[b].bin.program();
    auto nr = syscalls::NumberOf(r.arch, name);
    if (!nr) continue;
    auto it = r.uses.find(*nr);
    if (it == r.uses.end()) continue;
    const std::size_t first = out.size();
    for (const analysis::SyscallUse& u : it->second)
      out.push_back(SiteRef{b, &u});
    // vDSO fallbacks (no function) last; otherwise by function name, pc.
    std::sort(
        out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
        [&](const SiteRef& x, const SiteRef& y) {
          const bool xv = x.use->how == analysis::Resolution::kVdsoFallback;
          const bool yv = y.use->how == analysis::Resolution::kVdsoFallback;
          if (xv != yv) return yv;
          if (!xv && x.use->func != y.use->func) {
            return prog.funcs[x.use->func].name < prog.funcs[y.use->func].name;
          }
          return x.use->pc < y.use->pc;
        });
  }
  return out;
}

std::vector<NameSource> Generated::SourcesOf(std::string_view name) const {
  auto it = sources.find(name);
  return it == sources.end() ? std::vector<NameSource>{} : it->second;
}

std::vector<std::vector<ChainHop>> WrapperChains(const analysis::Report& report,
                                                 std::uint32_t callee,
                                                 std::uint64_t pc,
                                                 std::size_t max_paths) {
  std::map<std::uint32_t, const analysis::WrapperInfo*> wrappers;
  for (const analysis::WrapperInfo& w : report.wrappers) wrappers[w.func] = &w;
  std::vector<std::vector<ChainHop>> paths;
  std::vector<ChainHop> path;
  std::set<std::uint32_t> on_path;  // a recursive wrapper must not loop
  // Depth-first over the edges; every path ends at a syscall instruction, at
  // a wrapper known by name only, or where the edges run out (a cycle).
  auto visit = [&](auto&& self, std::uint32_t func, std::uint64_t at) -> void {
    if (paths.size() >= max_paths) return;
    ChainHop hop;
    hop.pc = at;
    hop.func = func;
    auto it = wrappers.find(func);
    hop.by_name_rule = it != wrappers.end() && it->second->from_name_rule &&
                       it->second->edges.empty();
    path.push_back(hop);
    on_path.insert(func);
    bool extended = false;
    if (it != wrappers.end()) {
      for (const analysis::WrapperEdge& e : it->second->edges) {
        if (paths.size() >= max_paths) break;
        if (e.raw) {
          ChainHop raw;
          raw.pc = e.pc;
          raw.raw = true;
          path.push_back(raw);
          paths.push_back(path);
          path.pop_back();
          extended = true;
        } else if (!on_path.count(e.callee)) {
          self(self, e.callee, e.pc);
          extended = true;
        }
      }
    }
    if (!extended) paths.push_back(path);
    on_path.erase(func);
    path.pop_back();
  };
  visit(visit, callee, pc);
  return paths;
}

std::string FormatChain(const std::vector<ChainHop>& chain,
                        const analysis::Program& program) {
  std::string out;
  for (const ChainHop& h : chain) {
    if (!out.empty()) out += " -> ";
    if (h.raw) {
      out += fmt::format("{} at {:#x}",
                         GetArchInfo(program.arch).syscall_instruction, h.pc);
      continue;
    }
    out += h.func < program.funcs.size()
               ? std::string(program.funcs[h.func].name)
               : "?";
    if (h.by_name_rule)
      out +=
          " (known wrapper: the number reaches the syscall through runtime "
          "state)";
  }
  return out;
}

std::string DescribeUse(const AnalyzedBinary& binary,
                        const analysis::SyscallUse& use, int nr) {
  const analysis::Program& prog = binary.bin.program();
  if (use.how == analysis::Resolution::kVdsoFallback) {
    return fmt::format(
        "vDSO fallback: the Go runtime calls {}, which makes this syscall "
        "itself when it "
        "cannot answer in user space",
        use.detail);
  }
  std::string where = use.func < prog.funcs.size()
                          ? std::string(prog.funcs[use.func].name)
                          : std::string("?");
  if (prog.line_for) {
    if (auto pos = prog.line_for(use.pc))
      where += fmt::format(" ({}:{})", pos->file, pos->line);
  }
  const std::string value =
      use.detail.empty() ? fmt::format("constant {:#x}", nr)
                         : fmt::format("{:#x} from the {}", nr, use.detail);
  const ArchInfo& arch = GetArchInfo(prog.arch);
  if (use.how == analysis::Resolution::kConstantAtSyscall) {
    return fmt::format("{} at {:#x}: {} in {} at the {}", where, use.pc, value,
                       arch.syscall_nr_register, arch.syscall_instruction);
  }
  std::string chains;
  for (const std::vector<ChainHop>& c :
       WrapperChains(binary.report, use.callee, use.pc)) {
    if (!chains.empty()) chains += "; or ";
    chains += FormatChain(c, prog);
  }
  return fmt::format("{} at {:#x}: {} passed to {}", where, use.pc, value,
                     chains);
}

}  // namespace go2seccomp::generate
