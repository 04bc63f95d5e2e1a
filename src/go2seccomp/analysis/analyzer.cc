#include "go2seccomp/analysis/analyzer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "go2seccomp/analysis/function_flow.h"
#include "go2seccomp/analysis/name_rules.h"
#include "go2seccomp/analysis/scan.h"
#include "go2seccomp/base/parallel.h"
#include "go2seccomp/disasm/decoder.h"
#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::analysis {

using disasm::Flow;
using disasm::Instruction;

const char* FindingKindName(Finding::Kind kind) {
  switch (kind) {
    case Finding::Kind::kUnresolvedNumber:
      return "unresolved-number";
    case Finding::Kind::kUnknownNumber:
      return "unknown-number";
    case Finding::Kind::kForeignSyscall:
      return "foreign-syscall";
    case Finding::Kind::kBadTrap:
      return "bad-trap";
    case Finding::Kind::kWrapperAddressTaken:
      return "wrapper-address-taken";
    case Finding::Kind::kOutsideGoFunctions:
      return "outside-go-functions";
    case Finding::Kind::kUndecodable:
      return "undecodable";
  }
  return "finding";
}

std::set<int> Report::Numbers() const {
  std::set<int> out;
  for (const auto& [nr, u] : uses) out.insert(nr);
  return out;
}

std::optional<std::size_t> Program::FuncAt(std::uint64_t pc) const {
  auto it = std::upper_bound(funcs.begin(), funcs.end(), pc,
                             [](std::uint64_t a, const Function& f) { return a < f.entry; });
  if (it == funcs.begin()) return std::nullopt;
  --it;
  if (pc >= it->end) return std::nullopt;
  return static_cast<std::size_t>(it - funcs.begin());
}

std::optional<std::size_t> Program::FuncWithEntry(std::uint64_t entry) const {
  auto it = std::lower_bound(funcs.begin(), funcs.end(), entry,
                             [](const Function& f, std::uint64_t a) { return f.entry < a; });
  if (it == funcs.end() || it->entry != entry) return std::nullopt;
  return static_cast<std::size_t>(it - funcs.begin());
}

std::optional<Bytes> Program::CodeAt(std::uint64_t addr, std::uint64_t size) const {
  for (const Region& r : code) {
    if (r.Contains(addr) && size <= r.bytes.size() - (addr - r.vaddr)) {
      return r.bytes.subspan(addr - r.vaddr, size);
    }
  }
  return std::nullopt;
}

namespace {

// Decodes [f.entry, f.end) linearly. On arm64, words that an earlier
// LDR (literal) in the same function reads are data and are skipped
// (Go's arm64 assembler puts literal pools after the code).
void DecodeFunction(const disasm::Decoder& dec, const Program& p, const Function& f,
                    std::vector<Instruction>* out) {
  out->clear();
  auto bytes = p.CodeAt(f.entry, f.end - f.entry);
  if (!bytes) return;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> literals;  // [start, end)
  Instruction insn;
  std::uint64_t off = 0;
  while (off < bytes->size()) {
    const std::uint64_t addr = f.entry + off;
    bool skipped = false;
    for (const auto& [lo, hi] : literals) {
      if (addr >= lo && addr < hi) {
        off = hi - f.entry;
        skipped = true;
        break;
      }
    }
    if (skipped) continue;
    dec.Decode(bytes->subspan(off), addr, &insn);
    if (insn.length == 0) insn.length = 1;  // never loop forever
    if (insn.literal_address > addr && insn.literal_address < f.end) {
      std::uint64_t size = std::max<std::uint64_t>(insn.literal_size, 4);
      size = (size + 3) & ~std::uint64_t{3};
      literals.emplace_back(insn.literal_address, insn.literal_address + size);
    }
    out->push_back(insn);
    off += insn.length;
  }
}

struct FuncResult {
  bool analyzed = false;
  std::vector<SiteValue> sites;
  std::size_t instructions = 0;
  // Instruction starts whose flow is kInvalid, as [start, end) byte ranges:
  // a syscall candidate inside one of them was not decoded.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> invalid;
  std::vector<std::uint64_t> insn_starts;  // only kept when candidates exist
};

class Env : public FlowEnv {
 public:
  Env(const Program& p, const std::unordered_map<std::uint64_t, std::vector<EntryLoc>>& w,
      const std::unordered_map<std::uint64_t, CallSummary>* summaries = nullptr)
      : p_(p), wrappers_(w), summaries_(summaries) {}
  const CallSummary* ArgSummary(std::uint64_t target) const override {
    if (summaries_ == nullptr) return nullptr;
    auto it = summaries_->find(target);
    return it == summaries_->end() ? nullptr : &it->second;
  }
  std::span<const EntryLoc> WrapperLocs(std::uint64_t target) const override {
    auto it = wrappers_.find(target);
    if (it == wrappers_.end()) return {};
    return it->second;
  }
  std::optional<std::uint32_t> ArgsSize(std::uint64_t target) const override {
    auto i = p_.FuncWithEntry(target);
    if (!i) return std::nullopt;
    // Assembly functions without a declared frame size carry
    // ArgsSizeUnknown (-0x80000000, Go runtime/symtab.go).
    if (p_.funcs[*i].args >= 0x80000000u) return std::nullopt;
    return p_.funcs[*i].args;
  }
  bool MayReturn(std::uint64_t target) const override {
    return !p_.may_return || p_.may_return(target);
  }
  std::optional<std::uint64_t> CalleeClobbers(std::uint64_t target) const override {
    if (!p_.callee_clobbers) return std::nullopt;
    return p_.callee_clobbers(target);
  }
  std::optional<std::int64_t> SpDeltaAt(std::uint64_t pc) const override {
    if (!p_.sp_delta_for) return std::nullopt;
    return p_.sp_delta_for(pc);
  }

 private:
  const Program& p_;
  const std::unordered_map<std::uint64_t, std::vector<EntryLoc>>& wrappers_;
  const std::unordered_map<std::uint64_t, CallSummary>* summaries_;
};

class Analyzer {
 public:
  Analyzer(const Program& p, const Options& o) : p_(p), opt_(o), cfg_(FlowConfigFor(p.arch)) {
    cfg_.track_args = !o.tracked_args.empty();
  }
  Report Run();

 private:
  void AnalyzeFunctions(const std::vector<std::uint32_t>& funcs);
  int Threads() const {
    return opt_.threads > 0 ? opt_.threads : HardwareThreads();
  }
  // Merges entry locations from a function's sites into the wrapper table;
  // returns true if that function's wrapper locations grew.
  bool UpdateWrapper(std::uint32_t func, const std::vector<EntryLoc>& locs, bool by_name);
  // Recomputes a function's CallSummary from its sites; true if it grew.
  bool UpdateSummary(std::uint32_t func);
  bool Tracked(int nr, int k) const { return opt_.tracked_args.count({nr, k}) > 0; }
  bool TracksSyscall(int nr) const {
    auto it = opt_.tracked_args.lower_bound({nr, -1});
    return it != opt_.tracked_args.end() && it->first == nr;
  }
  void ComputeArgValues(Report* r);
  void Finalize(Report* r, const std::vector<std::uint64_t>& candidates);
  // The steps of Finalize.
  void JudgeSite(std::uint32_t fi, const SiteValue& s, Report* r);
  void ResolveNumbers(std::uint32_t fi, const SiteValue& s, Report* r);
  void AccountForCandidates(const std::vector<std::uint64_t>& candidates, Report* r) const;
  void FindAddressTakenWrappers(Report* r) const;
  void AddVdsoFallbacks(Report* r) const;
  void ExportWrappers(Report* r) const;
  // Values of globals loaded as syscall numbers, for the ones nothing can
  // write (see ResolveGlobals).
  void ResolveGlobals();
  // The steps of ResolveGlobals: what the functions `funcs` do to globals
  // (their GlobalEffects, one list each), analysed on `threads` threads.
  std::vector<std::vector<GlobalEffect>> AuditGlobals(const std::vector<std::uint32_t>& funcs,
                                                      int threads) const;
  std::optional<std::uint64_t> ReadData(std::uint64_t addr, int size) const;
  // Whether a linear sweep of `f` starts an instruction at one of `cands`
  // (sorted, inside f), or meets bytes that do not decode before the last.
  bool MayStartInstruction(const Function& f, std::span<const std::uint64_t> cands) const;
  std::vector<std::uint32_t> CalleesFirst(const CodeIndex& index,
                                          std::vector<std::uint32_t>* todo) const;
  void AddFinding(Report* r, Finding::Kind kind, std::uint64_t pc, std::string detail) const;

  const Program& p_;
  const Options& opt_;
  FlowConfig cfg_;
  std::unique_ptr<disasm::Decoder> decoder_;
  // By function index (address order): Finalize reports sites in this
  // order, which must not depend on the rounds that found them.
  std::map<std::uint32_t, FuncResult> results_;
  // Wrapper entry address -> locations of the number (what FlowEnv serves).
  std::unordered_map<std::uint64_t, std::vector<EntryLoc>> wrapper_locs_;
  std::map<std::uint32_t, WrapperInfo> wrappers_;
  std::unordered_map<std::uint64_t, CallSummary> summaries_;  // by entry
  std::set<std::uint32_t> covered_;  // functions whose unresolved sites a name rule covers
  std::set<std::uint64_t> candidate_set_;
  // Global (addr, size) -> its constant value, or why it is not one.
  struct GlobalValue {
    std::optional<std::int64_t> value;  // the initial value, while constant
    std::vector<std::int64_t> stored;   // constants the code stores into it
    std::string why_not;
  };
  std::map<std::pair<std::uint64_t, int>, GlobalValue> globals_;
  Stats stats_;
  const char* trace_func_ = std::getenv("G2S_TRACE_FUNC");
};

void Analyzer::AnalyzeFunctions(const std::vector<std::uint32_t>& funcs) {
  const int threads = Threads();
  std::vector<FuncResult> out(funcs.size());
  std::vector<std::vector<Instruction>> scratch(threads);
  Env env(p_, wrapper_locs_, cfg_.track_args ? &summaries_ : nullptr);
  // Biggest first: threads take the next item when they finish one, so a
  // big function last (cmd/go: syscall.forkAndExecInChild1, ~40% of its
  // round, sits near the end of the text) would leave the others idle.
  std::vector<std::size_t> order(funcs.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  auto size = [&](std::size_t i) { return p_.funcs[funcs[i]].end - p_.funcs[funcs[i]].entry; };
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return size(a) > size(b); });
  ParallelFor(order.size(), threads, [&](std::size_t k, int t) {
    const std::size_t i = order[k];
    const Function& f = p_.funcs[funcs[i]];
    auto& insns = scratch[t];
    DecodeFunction(*decoder_, p_, f, &insns);
    FuncResult& r = out[i];
    r.analyzed = true;
    r.instructions = insns.size();
    for (const Instruction& insn : insns) {
      if (insn.flow == Flow::kInvalid) {
        if (!r.invalid.empty() && r.invalid.back().second == insn.address) {
          r.invalid.back().second = insn.address + insn.length;
        } else {
          r.invalid.emplace_back(insn.address, insn.address + insn.length);
        }
      }
    }
    auto first = candidate_set_.lower_bound(f.entry);
    if (first != candidate_set_.end() && *first < f.end) {
      r.insn_starts.reserve(insns.size());
      for (const Instruction& insn : insns) r.insn_starts.push_back(insn.address);
    }
    FlowConfig cfg = cfg_;
    if (trace_func_ && (f.name == trace_func_ || fmt::format("{:#x}", f.entry) == trace_func_)) {
      cfg.trace = true;
      std::fprintf(stderr, "%s:\n", trace_func_);
    }
    r.sites = AnalyzeInstructions(insns, f.entry, f.end, cfg, env).sites;
  });
  for (std::size_t i = 0; i < funcs.size(); ++i) {
    stats_.instructions += out[i].instructions;
    results_[funcs[i]] = std::move(out[i]);
  }
}

bool Analyzer::UpdateWrapper(std::uint32_t func, const std::vector<EntryLoc>& locs, bool by_name) {
  if (locs.empty()) return false;
  WrapperInfo& w = wrappers_[func];
  w.func = func;
  bool grew = false;
  for (const EntryLoc& l : locs) {
    if (std::find(w.locs.begin(), w.locs.end(), l) == w.locs.end()) {
      w.locs.push_back(l);
      grew = true;
    }
  }
  if (grew) {
    std::sort(w.locs.begin(), w.locs.end());
    w.from_name_rule = w.from_name_rule || by_name;
    wrapper_locs_[p_.funcs[func].entry] = w.locs;
  }
  return grew;
}

bool Analyzer::UpdateSummary(std::uint32_t func) {
  auto it = results_.find(func);
  if (it == results_.end()) return false;
  auto has_entry = [](const Value& v) {
    for (const Atom& a : v) {
      if (a.kind == Atom::Kind::kEntry) return true;
    }
    return false;
  };
  CallSummary next;
  bool passthrough = false;
  for (int k = 0; k < kMaxSyscallArgs; ++k) next.passthrough_args[k] = Value::Bottom();
  std::map<int, ArgValues> fixed;
  for (const SiteValue& s : it->second.sites) {
    if (s.kind != SiteValue::Kind::kSyscall && s.kind != SiteValue::Kind::kWrapperCall &&
        s.kind != SiteValue::Kind::kArgsCall) {
      continue;
    }
    if (s.nr.is_top()) continue;
    for (const Atom& a : s.nr) {
      if (a.kind == Atom::Kind::kEntry && a.entry_mask() == 0 &&
          s.kind != SiteValue::Kind::kArgsCall) {
        passthrough = true;
        for (int k = 0; k < kMaxSyscallArgs; ++k) next.passthrough_args[k].Join(s.args[k]);
      } else if (a.kind == Atom::Kind::kConst && TracksSyscall(static_cast<int>(a.value))) {
        const int nr = static_cast<int>(a.value);
        bool needs_callers = false;
        for (int k = 0; k < kMaxSyscallArgs; ++k) {
          needs_callers |= Tracked(nr, k) && has_entry(s.args[k]);
        }
        if (!needs_callers) continue;
        auto [f, inserted] = fixed.try_emplace(nr);
        if (inserted) {
          for (int k = 0; k < kMaxSyscallArgs; ++k) f->second[k] = Value::Bottom();
        }
        for (int k = 0; k < kMaxSyscallArgs; ++k) {
          // Only tracked arguments matter to callers; the rest stay Top.
          f->second[k].Join(Tracked(nr, k) ? s.args[k] : Value::Top());
        }
      }
    }
  }
  if (!passthrough) {
    for (int k = 0; k < kMaxSyscallArgs; ++k) next.passthrough_args[k] = Value::Top();
  }
  next.fixed.assign(fixed.begin(), fixed.end());
  if (!passthrough && next.fixed.empty()) return false;
  const std::uint64_t entry = p_.funcs[func].entry;
  auto old = summaries_.find(entry);
  if (old != summaries_.end()) {
    // Join with what we had: summaries only grow, so the fixpoint ends.
    bool changed = false;
    for (int k = 0; k < kMaxSyscallArgs; ++k) {
      changed |= old->second.passthrough_args[k].Join(next.passthrough_args[k]);
    }
    for (const auto& [nr, args] : next.fixed) {
      // (A copy: C++20 lambdas cannot capture structured bindings in
      // clang 14, which builds the fuzzers.)
      const auto number = nr;
      auto f = std::find_if(old->second.fixed.begin(), old->second.fixed.end(),
                            [&](const auto& e) { return e.first == number; });
      if (f == old->second.fixed.end()) {
        old->second.fixed.emplace_back(nr, args);
        changed = true;
      } else {
        for (int k = 0; k < kMaxSyscallArgs; ++k) changed |= f->second[k].Join(args[k]);
      }
    }
    return changed;
  }
  summaries_.emplace(entry, std::move(next));
  return true;
}

// The functions of `todo` (sorted) that branch to another one of them wait
// for the next round: what the callee's analysis finds (a wrapper, an
// argument summary) would have them analysed again, and the callers are
// the big ones (syscall.forkAndExecInChild1, ~1000 instructions, was
// analysed three times on cmd/go: a third of the fixpoint). Returns them,
// removed from todo; none when every function waits on another (a cycle).
std::vector<std::uint32_t> Analyzer::CalleesFirst(const CodeIndex& index,
                                                  std::vector<std::uint32_t>* todo) const {
  std::vector<std::uint32_t> later, now;
  if (todo->size() < 2) return later;
  std::vector<std::uint64_t> entries;
  entries.reserve(todo->size());
  // Sorted like todo: funcs are in entry order.
  for (std::uint32_t f : *todo) entries.push_back(p_.funcs[f].entry);
  for (std::uint32_t f : *todo) {
    const Function& fn = p_.funcs[f];
    bool waits = false;
    for (const BranchHit& h : index.BranchesFrom(fn.entry, fn.end)) {
      if (h.target != fn.entry && std::binary_search(entries.begin(), entries.end(), h.target)) {
        waits = true;
        break;
      }
    }
    (waits ? later : now).push_back(f);
  }
  if (now.empty()) return {};
  *todo = std::move(now);
  return later;
}

Report Analyzer::Run() {
  Report report;
  report.arch = p_.arch;
  stats_.functions = p_.funcs.size();
  auto dec = disasm::MakeDecoder(p_.arch);
  if (!dec) {
    // No decoder for this arch: every candidate is a finding.
    AddFinding(&report, Finding::Kind::kUndecodable, 0,
               fmt::format("no instruction decoder for {}", GetArchInfo(p_.arch).name));
    return report;
  }
  decoder_ = std::move(*dec);

  const int threads = Threads();
  using Clock = std::chrono::steady_clock;
  auto ms_since = [](Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
  };
  auto t = Clock::now();
  const CodeIndex index = CodeIndex::Build(p_, threads);
  stats_.index_ms = ms_since(t);
  t = Clock::now();
  const std::vector<std::uint64_t>& candidates = index.syscall_candidates();
  candidate_set_.insert(candidates.begin(), candidates.end());
  std::vector<std::uint32_t> todo;
  // x86 candidates are byte patterns (0F 05 ...) that also occur inside
  // other instructions' immediates and displacements; a big function
  // holding one by chance would be decoded and analysed in full. A
  // length-only sweep from its entry (Go puts no data in text) settles
  // whether any candidate starts an instruction first. Bytes that do not
  // decode before the last candidate keep the function, so Finalize still
  // reports them.
  const bool x86 = p_.arch == Arch::kX86_64 || p_.arch == Arch::kI386;
  for (std::size_t k = 0; k < candidates.size();) {
    auto f = p_.FuncAt(candidates[k]);
    if (!f) {
      ++k;
      continue;
    }
    const Function& fn = p_.funcs[*f];
    std::size_t last = k;
    while (last + 1 < candidates.size() && candidates[last + 1] < fn.end) ++last;
    if (!x86 || MayStartInstruction(fn, {candidates.data() + k, last - k + 1})) {
      todo.push_back(static_cast<std::uint32_t>(*f));
    }
    k = last + 1;
  }
  if (!p_.external_wrappers.empty()) {
    std::vector<std::uint64_t> entries;
    for (const auto& [addr, locs] : p_.external_wrappers) {
      wrapper_locs_[addr] = locs;
      entries.push_back(addr);
    }
    std::sort(entries.begin(), entries.end());
    for (const BranchHit& h : index.BranchesTo(entries)) {
      if (auto f = p_.FuncAt(h.site)) todo.push_back(static_cast<std::uint32_t>(*f));
    }
  }

  NameRules rules = NameRules::For(p_);
  bool names_applied = false;
  while (true) {
    std::sort(todo.begin(), todo.end());
    todo.erase(std::unique(todo.begin(), todo.end()), todo.end());
    std::vector<std::uint32_t> later = CalleesFirst(index, &todo);
    if (!todo.empty()) {
      ++stats_.rounds;
      AnalyzeFunctions(todo);
    }
    std::vector<std::uint64_t> grown;
    for (std::uint32_t f : todo) {
      std::vector<EntryLoc> locs;
      for (const SiteValue& s : results_[f].sites) {
        if (s.kind != SiteValue::Kind::kSyscall && s.kind != SiteValue::Kind::kWrapperCall) continue;
        for (const Atom& a : s.nr) {
          // An argument OR'ed with flags is not a syscall number passed on.
          if (a.kind == Atom::Kind::kEntry && a.entry_mask() == 0) locs.push_back(a.loc());
        }
      }
      if (UpdateWrapper(f, locs, false)) grown.push_back(p_.funcs[f].entry);
      if (cfg_.track_args && UpdateSummary(f)) grown.push_back(p_.funcs[f].entry);
    }
    if (grown.empty() && later.empty() && opt_.name_rules && !names_applied) {
      // The data flow has converged: let the name rules add what it cannot
      // see (numbers passed through globals or closures), then go on.
      names_applied = true;
      for (const NameRules::Wrapper& w : rules.wrappers) {
        if (UpdateWrapper(w.func, {w.loc}, true)) grown.push_back(p_.funcs[w.func].entry);
      }
      covered_ = rules.covered;
    }
    if (grown.empty() && later.empty()) break;
    std::sort(grown.begin(), grown.end());
    grown.erase(std::unique(grown.begin(), grown.end()), grown.end());
    todo = std::move(later);
    for (const BranchHit& h : index.BranchesTo(grown)) {
      if (auto f = p_.FuncAt(h.site)) todo.push_back(static_cast<std::uint32_t>(*f));
    }
  }
  stats_.fixpoint_ms = ms_since(t);
  t = Clock::now();
  Finalize(&report, candidates);
  report.stats.finalize_ms = ms_since(t);
  return report;
}

void Analyzer::AddFinding(Report* r, Finding::Kind kind, std::uint64_t pc,
                          std::string detail) const {
  Finding f;
  f.kind = kind;
  f.pc = pc;
  if (auto i = p_.FuncAt(pc)) f.func = static_cast<std::uint32_t>(*i);
  f.detail = std::move(detail);
  r->findings.push_back(std::move(f));
}

bool Analyzer::MayStartInstruction(const Function& f,
                                   std::span<const std::uint64_t> cands) const {
  auto bytes = p_.CodeAt(f.entry, f.end - f.entry);
  if (!bytes) return true;  // the full path reports what it cannot read
  std::size_t k = 0;
  for (std::uint64_t off = 0; off < bytes->size();) {
    const std::uint64_t addr = f.entry + off;
    while (k < cands.size() && cands[k] < addr) ++k;  // inside the last instruction
    if (k == cands.size()) return false;
    if (cands[k] == addr) return true;
    const std::size_t len = decoder_->Length(bytes->subspan(off), addr);
    if (len == 0) return true;
    off += len;
  }
  return false;
}

std::optional<std::uint64_t> Analyzer::ReadData(std::uint64_t addr, int size) const {
  for (const Region& reg : p_.data) {
    if (reg.Contains(addr) && static_cast<std::uint64_t>(size) <= reg.bytes.size() - (addr - reg.vaddr)) {
      const std::uint8_t* q = reg.bytes.data() + (addr - reg.vaddr);
      return size == 8 ? LoadLe64(q) : LoadLe32(q);
    }
  }
  return std::nullopt;
}

// A package-level variable (internal/syscall/unix.FcntlSyscall,
// syscall.fcntl64Syscall: `var x uintptr = SYS_FCNTL`, Go 1.13+) is a
// constant if nothing writes it. We prove that for the variable's bytes:
//  - its initial value is in the file (not .bss, not a relocated pointer);
//  - no pointer-sized word in data holds its address;
//  - every function whose code may refer to it (byte scan: x86 rip-relative
//    and absolute displacements, arm64 ADRP of its page, literal words) is
//    analysed, and none stores to it or materialises its address (which
//    could then be written through).
void Analyzer::ResolveGlobals() {
  std::set<std::pair<std::uint64_t, int>> wanted;
  // Functions that load one of them: their code refers to it, so the byte
  // scan below finds them too.
  std::vector<std::uint32_t> readers;
  for (auto& [fi, res] : results_) {
    for (const SiteValue& s : res.sites) {
      if (s.nr.is_top()) continue;
      for (const Atom& a : s.nr) {
        if (a.kind == Atom::Kind::kGlobal) {
          wanted.insert({static_cast<std::uint64_t>(a.value), a.size});
          if (readers.empty() || readers.back() != fi) readers.push_back(fi);
        }
      }
    }
  }
  if (wanted.empty()) return;
  std::vector<std::uint64_t> addrs;
  for (const auto& [addr, size] : wanted) {
    GlobalValue g;
    auto init = ReadData(addr, size);
    // A relocated word overlapping [addr, addr+size): the first one ending
    // after addr, if it starts before the end (relocated_words is sorted).
    auto it = std::lower_bound(
        p_.relocated_words.begin(), p_.relocated_words.end(), addr < 7 ? 0 : addr - 7,
        [](const std::pair<std::uint64_t, std::uint64_t>& w, std::uint64_t a) {
          return w.first < a;
        });
    const bool relocated = it != p_.relocated_words.end() && it->first < addr + size;
    if (!init) {
      g.why_not = fmt::format("its initial value is not in the file (.bss?)");
    } else if (relocated) {
      g.why_not = "it holds a relocated pointer";
    } else {
      g.value = static_cast<std::int64_t>(*init);
    }
    globals_[{addr, size}] = g;
    addrs.push_back(addr);
  }
  std::sort(addrs.begin(), addrs.end());
  addrs.erase(std::unique(addrs.begin(), addrs.end()), addrs.end());
  auto spoil = [&](std::uint64_t lo, std::uint64_t hi, const std::string& why) {
    for (auto& [key, g] : globals_) {
      const std::uint64_t a = key.first, b = key.first + key.second;
      if (lo < b && hi > a && g.value) {
        g.value.reset();
        g.why_not = why;
      }
    }
  };
  // The readers' audit (one big function, syscall.forkAndExecInChild1,
  // is most of it) runs on a second thread while this one scans data and
  // code for references; the functions only the scan finds follow.
  const int threads = Threads();
  std::vector<std::vector<GlobalEffect>> reader_effects;
  std::vector<BranchHit> data_refs, code_refs;
  {
    auto audit_readers = [&] { reader_effects = AuditGlobals(readers, 1); };
    std::jthread reader_audit;  // joins when the block ends, also on a throw
    if (threads > 1) {
      reader_audit = std::jthread(audit_readers);
    } else {
      audit_readers();
    }
    data_refs = FindAddressReferences(p_, addrs);
    code_refs = FindCodeReferences(p_, addrs, std::max(threads - 1, 1));
  }
  for (const BranchHit& h : data_refs) {
    spoil(h.target, h.target + 1, fmt::format("its address is stored in data at {:#x}", h.site));
  }
  std::vector<std::uint32_t> funcs;
  for (const BranchHit& ref : code_refs) {
    const std::uint64_t site = ref.site;
    if (auto f = p_.FuncAt(site)) {
      funcs.push_back(static_cast<std::uint32_t>(*f));
    } else {
      spoil(addrs.front(), addrs.back() + 8,
            fmt::format("code outside the Go functions may refer to it ({:#x})", site));
    }
  }
  std::sort(funcs.begin(), funcs.end());
  funcs.erase(std::unique(funcs.begin(), funcs.end()), funcs.end());
  // Only what the scan found counts (a reader it missed would be a bug in
  // the scan, not a reason to trust the variable).
  std::vector<std::vector<GlobalEffect>> effects(funcs.size());
  std::vector<std::uint32_t> rest;
  for (std::size_t i = 0; i < funcs.size(); ++i) {
    auto r = std::lower_bound(readers.begin(), readers.end(), funcs[i]);
    if (r != readers.end() && *r == funcs[i]) {
      effects[i] = std::move(reader_effects[r - readers.begin()]);
    } else {
      rest.push_back(funcs[i]);
    }
  }
  std::vector<std::vector<GlobalEffect>> rest_effects = AuditGlobals(rest, threads);
  for (std::size_t i = 0, k = 0; i < funcs.size() && k < rest.size(); ++i) {
    if (funcs[i] == rest[k]) effects[i] = std::move(rest_effects[k++]);
  }
  // A store of known constants to exactly the variable leaves it a set of
  // constants: its initial value or one of those (32-bit Linux's init
  // functions set FcntlSyscall and fcntl64Syscall to SYS_FCNTL64).
  auto constant_store = [&](const GlobalEffect& e) {
    if (e.value.is_top() || e.value.is_bottom()) return false;
    std::vector<std::int64_t> values;
    for (const Atom& a : e.value) {
      if (a.kind != Atom::Kind::kConst) return false;
      values.push_back(a.value);
    }
    bool stored = false;
    for (auto& [key, g] : globals_) {
      if (key.first == e.addr && static_cast<std::uint32_t>(key.second) == e.size && g.value) {
        g.stored.insert(g.stored.end(), values.begin(), values.end());
        stored = true;
      }
    }
    return stored;
  };
  for (std::size_t i = 0; i < funcs.size(); ++i) {
    const std::string_view fname = p_.funcs[funcs[i]].name;
    for (const GlobalEffect& e : effects[i]) {
      if (e.kind == GlobalEffect::Kind::kStore) {
        const std::uint64_t hi = e.size == 0 ? ~std::uint64_t{0} : e.addr + e.size;
        if (constant_store(e)) {
          // Still spoils other (wider, overlapping) views of the bytes.
          for (auto& [key, g] : globals_) {
            const std::uint64_t a = key.first, b = key.first + key.second;
            if (e.addr < b && hi > a && !(a == e.addr && b == hi) && g.value) {
              g.value.reset();
              g.why_not = fmt::format("{} writes part of it at {:#x}", fname, e.pc);
            }
          }
          continue;
        }
        spoil(e.addr, hi, fmt::format("{} writes it at {:#x}", fname, e.pc));
      } else {
        spoil(e.addr, e.addr + 1, fmt::format("{} takes its address at {:#x}", fname, e.pc));
      }
    }
  }
}

std::vector<std::vector<GlobalEffect>> Analyzer::AuditGlobals(
    const std::vector<std::uint32_t>& funcs, int threads) const {
  std::vector<std::vector<GlobalEffect>> effects(funcs.size());
  std::vector<std::vector<Instruction>> scratch(std::max(threads, 1));
  const Env env(p_, wrapper_locs_);
  FlowConfig cfg = cfg_;
  cfg.audit_globals = true;
  ParallelFor(funcs.size(), threads, [&](std::size_t i, int t) {
    const Function& f = p_.funcs[funcs[i]];
    DecodeFunction(*decoder_, p_, f, &scratch[t]);
    effects[i] = AnalyzeInstructions(scratch[t], f.entry, f.end, cfg, env).global_effects;
  });
  return effects;
}

// For each tracked (syscall, argument): the constants all its sites pass.
// A site's argument may be this function's own argument (Entry): then its
// callers were analysed with the function's CallSummary and contribute
// kArgsCall sites -- unless the function is also called through a pointer,
// where nobody saw the argument. Anything else not constant poisons the set.
void Analyzer::ComputeArgValues(Report* r) {
  std::vector<std::uint64_t> entries;
  for (const auto& [entry, sum] : summaries_) entries.push_back(entry);
  std::sort(entries.begin(), entries.end());
  std::set<std::uint64_t> pointer_called;
  for (const BranchHit& h : FindAddressReferences(p_, entries)) pointer_called.insert(h.target);
  for (const auto& [nr, uses] : r->uses) {
    for (int k = 0; k < kMaxSyscallArgs; ++k) {
      if (!Tracked(nr, k)) continue;
      ArgValueSet set = std::set<std::uint64_t>{};
      for (const SyscallUse& u : uses) {
        if (u.how == Resolution::kVdsoFallback) set.reset();  // no site to look at
      }
      r->arg_values[{nr, k}] = set;
    }
  }
  for (const auto& [fi, res] : results_) {
    const std::uint64_t entry = p_.funcs[fi].entry;
    for (const SiteValue& s : res.sites) {
      if (s.kind != SiteValue::Kind::kSyscall && s.kind != SiteValue::Kind::kWrapperCall &&
          s.kind != SiteValue::Kind::kArgsCall) {
        continue;
      }
      if (s.nr.is_top()) continue;
      for (const Atom& a : s.nr) {
        if (a.kind != Atom::Kind::kConst) continue;
        const int nr = static_cast<int>(static_cast<std::int32_t>(a.value));
        for (int k = 0; k < kMaxSyscallArgs; ++k) {
          auto it = r->arg_values.find({nr, k});
          if (it == r->arg_values.end() || !it->second) continue;
          const Value& v = s.args[k];
          if (v.is_top()) {
            it->second.reset();
            continue;
          }
          for (const Atom& arg : v) {
            if (arg.kind == Atom::Kind::kConst) {
              it->second->insert(static_cast<std::uint64_t>(arg.value));
            } else if (arg.kind == Atom::Kind::kEntry && summaries_.count(entry) &&
                       !pointer_called.count(entry)) {
              // resolved at the callers (their kArgsCall sites)
            } else {
              it->second.reset();
              break;
            }
          }
        }
      }
    }
  }
}

void Analyzer::Finalize(Report* r, const std::vector<std::uint64_t>& candidates) {
  ResolveGlobals();
  for (auto& [fi, res] : results_) {
    for (const SiteValue& s : res.sites) JudgeSite(fi, s, r);
  }
  AccountForCandidates(candidates, r);
  FindAddressTakenWrappers(r);
  AddVdsoFallbacks(r);
  ExportWrappers(r);
  std::sort(r->findings.begin(), r->findings.end(),
            [](const Finding& a, const Finding& b) { return a.pc < b.pc; });
  if (cfg_.track_args) ComputeArgValues(r);
  stats_.functions_analyzed = results_.size();
  r->stats = stats_;
}

// One site of function `fi`: its syscall numbers become uses, what cannot
// be resolved a finding.
void Analyzer::JudgeSite(std::uint32_t fi, const SiteValue& s, Report* r) {
  switch (s.kind) {
    case SiteValue::Kind::kSyscall:
    case SiteValue::Kind::kWrapperCall:
      ResolveNumbers(fi, s, r);
      break;
    case SiteValue::Kind::kForeignSyscall:
      AddFinding(r, Finding::Kind::kForeignSyscall, s.pc,
                 "INT $0x80/SYSENTER enters the i386 syscall table; a filter for "
                 "x86_64 must deny it");
      break;
    case SiteValue::Kind::kBadTrap:
      AddFinding(r, Finding::Kind::kBadTrap, s.pc,
                 fmt::format("system call instruction with immediate {:#x}",
                             s.nr.size() ? s.nr.atom(0).value : 0));
      break;
    case SiteValue::Kind::kUndecodable:
    case SiteValue::Kind::kMisalignedBranch:
    case SiteValue::Kind::kArgsCall:  // arguments only (ComputeArgValues)
      break;  // judged against the candidates (AccountForCandidates)
  }
}

// A syscall instruction or a call to a wrapper: each value its number can
// have at the site.
void Analyzer::ResolveNumbers(std::uint32_t fi, const SiteValue& s, Report* r) {
  const bool raw = s.kind == SiteValue::Kind::kSyscall;
  raw ? ++stats_.syscall_sites : ++stats_.wrapper_call_sites;
  std::optional<std::size_t> callee;
  if (!raw) callee = p_.FuncWithEntry(s.callee);
  // A use of syscall `nr` resolved at this site to a constant.
  auto add_use = [&](int nr, std::string detail) {
    SyscallUse u;
    u.pc = s.pc;
    u.func = fi;
    u.how = raw ? Resolution::kConstantAtSyscall : Resolution::kConstantToWrapper;
    u.callee = callee ? static_cast<std::uint32_t>(*callee) : 0;
    u.detail = std::move(detail);
    r->uses[nr].push_back(std::move(u));
  };
  const std::string via =
      raw ? fmt::format("{} at the syscall instruction",
                        GetArchInfo(p_.arch).syscall_nr_register)
          : fmt::format("the number passed to {}",
                        callee ? p_.funcs[*callee].name : std::string_view("?"));
  // A name rule says where this site's numbers come from instead.
  const bool covered = covered_.count(fi) > 0;
  if (s.nr.is_top()) {
    if (!covered) {
      AddFinding(r, Finding::Kind::kUnresolvedNumber, s.pc,
                 fmt::format("{} is not a constant the analysis can see", via));
    }
    return;
  }
  for (const Atom& a : s.nr) {
    if (a.kind == Atom::Kind::kConst) {
      const int nr = static_cast<int>(static_cast<std::int32_t>(a.value));
      // A number of an ABI the kernel no longer serves fails with
      // ENOSYS under any profile, and no profile can name it: not
      // a finding (arm OABI getrlimit, see syscalls/table.h).
      if (syscalls::AbiRemovedName(p_.arch, nr)) continue;
      if (!syscalls::NameOf(p_.arch, nr)) {
        AddFinding(r, Finding::Kind::kUnknownNumber, s.pc,
                   fmt::format("{} is {:#x}, not a {} syscall", via, a.value,
                               GetArchInfo(p_.arch).name));
        continue;
      }
      add_use(nr, "");
    } else if (a.kind == Atom::Kind::kGlobal) {
      const auto& g = globals_[{static_cast<std::uint64_t>(a.value), a.size}];
      if (!g.value) {
        if (covered) continue;
        AddFinding(r, Finding::Kind::kUnresolvedNumber, s.pc,
                   fmt::format("{} is loaded from the variable at {:#x}, which is not "
                               "constant: {}",
                               via, a.value, g.why_not));
        continue;
      }
      std::vector<std::int64_t> values = {*g.value};
      values.insert(values.end(), g.stored.begin(), g.stored.end());
      std::sort(values.begin(), values.end());
      values.erase(std::unique(values.begin(), values.end()), values.end());
      for (const std::int64_t value : values) {
        const int nr = static_cast<int>(static_cast<std::int32_t>(value));
        if (!syscalls::NameOf(p_.arch, nr)) {
          AddFinding(r, Finding::Kind::kUnknownNumber, s.pc,
                     fmt::format("{} is loaded from the variable at {:#x} = {:#x}, not a "
                                 "{} syscall",
                                 via, a.value, value, GetArchInfo(p_.arch).name));
          continue;
        }
        add_use(nr, g.stored.empty()
                        ? fmt::format("read-only variable at {:#x}", a.value)
                        : fmt::format("variable at {:#x}, only ever set to constants",
                                      a.value));
      }
    } else if (a.kind == Atom::Kind::kStackAddr && !covered) {
      AddFinding(r, Finding::Kind::kUnresolvedNumber, s.pc,
                 fmt::format("{} is a stack address", via));
    } else if (a.kind == Atom::Kind::kEntry && a.entry_mask() != 0 && !covered) {
      AddFinding(r, Finding::Kind::kUnresolvedNumber, s.pc,
                 fmt::format("{} is an argument OR'ed with {:#x}", via, a.entry_mask()));
    }
    // kEntry: this function is a wrapper; its callers resolve it.
  }
}

// Every candidate must be accounted for: an instruction we decoded, bytes
// inside another instruction, or a finding.
void Analyzer::AccountForCandidates(const std::vector<std::uint64_t>& candidates,
                                    Report* r) const {
  for (std::uint64_t c : candidates) {
    auto fi = p_.FuncAt(c);
    if (!fi) {
      AddFinding(r, Finding::Kind::kOutsideGoFunctions, c,
                 "syscall instruction bytes outside the Go functions in pclntab "
                 "(C code is not analysed)");
      continue;
    }
    // A function never analysed had candidates only inside other
    // instructions and decoded cleanly up to them (Run's pre-sweep).
    auto it = results_.find(static_cast<std::uint32_t>(*fi));
    if (it == results_.end()) continue;
    const FuncResult& res = it->second;
    for (const auto& [lo, hi] : res.invalid) {
      if (c >= lo && c < hi) {
        AddFinding(r, Finding::Kind::kUndecodable, c,
                   "syscall instruction bytes inside code that does not decode");
        break;
      }
    }
  }
}

// Wrappers used as function values: calls through them are invisible.
void Analyzer::FindAddressTakenWrappers(Report* r) const {
  std::vector<std::uint64_t> entries;
  for (const auto& [fi, w] : wrappers_) entries.push_back(p_.funcs[fi].entry);
  std::sort(entries.begin(), entries.end());
  const std::vector<BranchHit> stored = FindAddressReferences(p_, entries);
  // A word that nothing refers to cannot be loaded and called through (a
  // funcval is reached by LEAQ/ADRP of its own address, or from other
  // data). Small function addresses (arm64 text starts at 0x10000) also
  // occur as plain numbers in data; this drops those.
  std::vector<std::uint64_t> wheres;
  for (const BranchHit& h : stored) wheres.push_back(h.site);
  std::sort(wheres.begin(), wheres.end());
  wheres.erase(std::unique(wheres.begin(), wheres.end()), wheres.end());
  std::set<std::uint64_t> referenced;
  for (const BranchHit& ref : FindCodeReferences(p_, wheres, Threads())) referenced.insert(ref.target);
  for (const BranchHit& ref : FindAddressReferences(p_, wheres)) referenced.insert(ref.target);
  for (const BranchHit& h : stored) {
    if (!referenced.count(h.site)) continue;
    auto fi = p_.FuncWithEntry(h.target);
    Finding f;
    f.kind = Finding::Kind::kWrapperAddressTaken;
    f.pc = h.target;
    if (fi) f.func = static_cast<std::uint32_t>(*fi);
    f.detail = fmt::format("the address of wrapper {} is stored at {:#x}; calls through "
                           "that function value are not resolved",
                           fi ? p_.funcs[*fi].name : std::string_view("?"), h.site);
    r->findings.push_back(std::move(f));
  }
}

// vDSO: the Go runtime calls these through a function pointer, and the
// kernel's vDSO code falls back to the real syscall when it cannot answer
// from user space (e.g. an unstable clocksource on a VM).
void Analyzer::AddVdsoFallbacks(Report* r) const {
  for (const VdsoFallback& v : VdsoFallbacks(p_.arch)) {
    const std::string_view name = v.symbol;
    if (FindStrings(p_, {&name, 1}).empty()) continue;
    if (auto nr = syscalls::NumberOf(p_.arch, v.syscall)) {
      SyscallUse u;
      u.how = Resolution::kVdsoFallback;
      u.detail = std::string(v.symbol);
      r->uses[*nr].push_back(std::move(u));
    }
  }
}

// The wrapper table, each wrapper with the sites that pass its number on.
void Analyzer::ExportWrappers(Report* r) const {
  for (auto& [fi, w] : wrappers_) {
    WrapperInfo info = w;
    auto it = results_.find(fi);
    if (it != results_.end()) {
      for (const SiteValue& s : it->second.sites) {
        if (s.kind != SiteValue::Kind::kSyscall && s.kind != SiteValue::Kind::kWrapperCall) continue;
        bool passes_argument = false;
        for (const Atom& a : s.nr) passes_argument |= a.kind == Atom::Kind::kEntry;
        if (!passes_argument) continue;
        WrapperEdge e;
        e.pc = s.pc;
        e.raw = s.kind == SiteValue::Kind::kSyscall;
        if (!e.raw) {
          if (auto c = p_.FuncWithEntry(s.callee)) e.callee = static_cast<std::uint32_t>(*c);
        }
        info.edges.push_back(e);
      }
    }
    r->wrappers.push_back(std::move(info));
  }
}

}  // namespace

Report Analyze(const Program& program, const Options& options) {
  return Analyzer(program, options).Run();
}

}  // namespace go2seccomp::analysis
