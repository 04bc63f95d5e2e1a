#include "go2seccomp/analysis/native.h"

#include <sys/stat.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "go2seccomp/analysis/analyzer.h"
#include "go2seccomp/analysis/program.h"
#include "go2seccomp/base/file_io.h"
#include "go2seccomp/disasm/decoder.h"
#include "go2seccomp/elf/eh_frame.h"
#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::analysis {
namespace {

using disasm::Flow;
using disasm::Instruction;
using disasm::OpKind;
using disasm::Operand;

constexpr std::uint8_t kSttGnuIfunc = 10;  // STT_GNU_IFUNC
constexpr std::int64_t kDtInit = 12, kDtFini = 13, kDtInitArray = 25, kDtFiniArray = 26,
                       kDtInitArraySz = 27, kDtFiniArraySz = 28, kDtPreinitArray = 32,
                       kDtPreinitArraySz = 33;

struct RelocTypes {
  std::uint32_t jump_slot, glob_dat, irelative, relative, abs64;
};

RelocTypes RelocTypesFor(Arch arch) {
  switch (arch) {
    case Arch::kArm64:
      return {1026, 1025, 1032, 1027, 257};  // R_AARCH64_*
    case Arch::kX86_64:
    default:
      return {7, 6, 37, 8, 1};  // R_X86_64_*
  }
}

std::vector<std::string> DefaultLibraryDirs(Arch arch) {
  const std::string triple = arch == Arch::kArm64 ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
  return {"/lib/" + triple, "/usr/lib/" + triple, "/lib64", "/usr/lib64", "/lib", "/usr/lib"};
}

bool IsFile(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string UnderRoot(const std::string& root, const std::string& path) {
  if (root.empty() || root == "/") return path;
  return root + (path.starts_with("/") ? "" : "/") + path;
}

// What a call to a PLT entry reaches.
struct PltTarget {
  std::string symbol;               // imported name (JUMP_SLOT / GLOB_DAT)
  std::optional<std::uint64_t> resolver;  // IFUNC resolver (IRELATIVE)
};

struct Image {
  std::string path;
  MappedFile file;
  std::optional<elf::ElfFile> elf;
  Program program;
  std::deque<std::string> names;  // storage for Function::name
  std::unordered_map<std::string, std::uint32_t> exports;
  std::set<std::string> ifunc_exports;
  std::map<std::uint64_t, PltTarget> plt;  // PLT entry address -> target
  std::vector<std::pair<std::uint64_t, std::uint64_t>> plt_ranges;
  std::vector<std::uint64_t> roots;  // init/fini (and entry for ld.so)
  // Per function.
  std::vector<std::vector<std::uint32_t>> calls;
  std::vector<std::vector<const PltTarget*>> plt_calls;
  std::vector<bool> indirect;
  // Function addresses each function materialises in code (LEA, ADRP+ADD):
  // they become possible indirect-call targets once the function is
  // reachable. Addresses stored in data (relocations) are address_taken
  // from the start.
  std::vector<std::vector<std::uint32_t>> takes;
  std::vector<std::uint64_t> clobbers;  // registers a call may change
  std::vector<bool> returns;            // may return to its caller
  std::set<std::uint32_t> address_taken;
  Report report;

  bool InPlt(std::uint64_t a) const {
    for (const auto& [lo, hi] : plt_ranges) {
      if (a >= lo && a < hi) return true;
    }
    return false;
  }
  std::string FunctionName(std::uint32_t f) const {
    const Function& fn = program.funcs[f];
    if (!fn.name.empty()) return std::string(fn.name);
    return fmt::format("fn@{:#x}", fn.entry);
  }
};

Result<std::unique_ptr<Image>> LoadImage(const std::string& path, Arch arch, bool is_interp) {
  auto img = std::make_unique<Image>();
  img->path = path;
  G2S_ASSIGN_OR_RETURN(img->file, MappedFile::Open(path));
  auto parsed = elf::ElfFile::Parse(img->file.bytes());
  if (!parsed) return Unexpected(parsed.error().Wrap(path));
  img->elf = std::move(*parsed);
  const elf::ElfFile& ef = *img->elf;
  if (ef.arch() != arch) {
    return MakeError(ErrorCode::kUnsupported, "{}: is not a {} ELF file", path,
                     GetArchInfo(arch).name);
  }
  Program& p = img->program;
  p.arch = arch;
  for (const elf::Section& sec : ef.sections()) {
    if (!sec.IsAlloc() || sec.type == elf::kShtNobits || sec.size == 0) continue;
    auto bytes = ef.ReadVirtual(sec.addr, sec.size);
    if (!bytes) continue;
    if (sec.IsExecutable()) {
      if (sec.name == ".plt" || sec.name == ".plt.sec" || sec.name == ".plt.got") {
        img->plt_ranges.emplace_back(sec.addr, sec.addr + sec.size);
      }
      p.code.push_back(Region{sec.addr, *bytes});
    } else if (sec.type == elf::kShtProgbits && !sec.name.starts_with(".eh_frame") &&
               !sec.name.starts_with(".gcc_except") && !sec.name.starts_with(".note")) {
      // Data the program can read; symbol, relocation and unwind tables
      // hold function addresses too, but nothing calls through those.
      p.data.push_back(Region{sec.addr, *bytes});
    }
  }

  // Functions: symbols where there are any, FDEs for the rest.
  std::map<std::uint64_t, std::pair<std::uint64_t, std::string_view>> starts;
  auto add = [&](std::uint64_t begin, std::uint64_t end, std::string_view name) {
    auto [it, inserted] = starts.emplace(begin, std::make_pair(end, name));
    if (!inserted) {
      it->second.first = std::max(it->second.first, end);
      if (it->second.second.empty()) it->second.second = name;
    }
  };
  std::vector<elf::Symbol> dynsyms;
  if (auto d = ef.DynamicSymbols()) dynsyms = std::move(*d);
  std::vector<elf::Symbol> syms;
  if (auto s = ef.Symbols()) syms = std::move(*s);
  for (const auto* list : {&syms, &dynsyms}) {
    for (const elf::Symbol& s : *list) {
      if ((s.type == elf::kSttFunc || s.type == kSttGnuIfunc) && s.shndx != 0 && s.value != 0) {
        add(s.value, s.value + s.size, s.name);
      }
    }
  }
  if (const elf::Section* eh = ef.FindSection(".eh_frame"); eh != nullptr && eh->size > 0) {
    if (auto bytes = ef.ReadVirtual(eh->addr, eh->size)) {
      if (auto ranges = elf::ParseEhFrame(*bytes, eh->addr, ef.ptr_size())) {
        for (const elf::FunctionRange& r : *ranges) add(r.begin, r.end, {});
      }
    }
  }
  // Code no symbol or FDE covers (assembly such as ld.so's _start, signal
  // trampolines, padding) becomes one unnamed function per gap, so a root or
  // a syscall there is not lost.
  for (const Region& r : p.code) {
    if (img->InPlt(r.vaddr)) continue;
    std::uint64_t covered_to = r.vaddr;
    const std::uint64_t region_end = r.vaddr + r.bytes.size();
    std::vector<std::uint64_t> gaps;
    for (auto it = starts.lower_bound(r.vaddr); it != starts.end() && it->first < region_end; ++it) {
      if (it->first > covered_to) gaps.push_back(covered_to);
      covered_to = std::max(covered_to, std::min(it->second.first, region_end));
    }
    if (covered_to < region_end) gaps.push_back(covered_to);
    for (std::uint64_t g : gaps) add(g, 0, {});
  }
  for (auto it = starts.begin(); it != starts.end(); ++it) {
    std::uint64_t end = it->second.first;
    auto next = std::next(it);
    if (next != starts.end() && (end <= it->first || end > next->first)) end = next->first;
    if (end <= it->first) {
      for (const Region& r : p.code) {
        if (r.Contains(it->first)) end = r.vaddr + r.bytes.size();
      }
    }
    if (end <= it->first) continue;
    bool in_code = false;
    for (const Region& r : p.code) in_code |= r.Contains(it->first);
    if (!in_code) continue;
    p.funcs.push_back(Function{it->first, end, it->second.second, 0x80000000u});
  }
  auto decoder = disasm::MakeDecoder(arch);
  if (!decoder) return Unexpected(decoder.error());
  // Hand-written assembly often ends an FDE in the middle of a function and
  // starts another right after (glibc's __clone3: the FDE stops just before
  // its SYSCALL). A piece whose last instruction falls through into an
  // unnamed piece is one function with it, or the number set in the first
  // piece would be lost at the second's "entry".
  {
    std::vector<Function> merged;
    Instruction insn;
    for (const Function& fn : p.funcs) {
      if (!merged.empty() && fn.name.empty() && merged.back().end == fn.entry) {
        const Function& prev = merged.back();
        std::optional<Flow> last;
        if (auto code = p.CodeAt(prev.entry, prev.end - prev.entry)) {
          for (std::uint64_t off = 0; off < code->size(); off += insn.length ? insn.length : 1) {
            (*decoder)->Decode(code->subspan(off), prev.entry + off, &insn);
            // Alignment padding (NOPs, INT3) after a RET is not a fall-through.
            const bool padding = (insn.flow == Flow::kNext && insn.num_ops == 0 &&
                                  !insn.clobbers_all_registers) ||
                                 (insn.flow == Flow::kHalt && last && *last != Flow::kNext);
            if (!padding) last = insn.flow;
          }
        }
        // A piece ending in a call ends in a call that does not return
        // (__libc_fatal, abort): compilers never let a function fall off its
        // end otherwise, so that is not a split.
        const bool falls = last && *last != Flow::kJump && *last != Flow::kIndirectJump &&
                           *last != Flow::kReturn && *last != Flow::kHalt &&
                           *last != Flow::kInvalid && *last != Flow::kCall &&
                           *last != Flow::kIndirectCall;
        if (falls) {
          merged.back().end = fn.end;
          continue;
        }
      }
      merged.push_back(fn);
    }
    p.funcs = std::move(merged);
  }
  for (const elf::Symbol& s : dynsyms) {
    if ((s.type == elf::kSttFunc || s.type == kSttGnuIfunc) && s.shndx != 0 && s.value != 0) {
      if (auto f = p.FuncWithEntry(s.value)) {
        img->exports.emplace(std::string(s.name), static_cast<std::uint32_t>(*f));
        if (s.type == kSttGnuIfunc) img->ifunc_exports.insert(std::string(s.name));
      }
    }
  }

  // Relocations: PLT slots, and function addresses stored in data.
  const RelocTypes rt = RelocTypesFor(arch);
  std::unordered_map<std::uint64_t, elf::Relocation> by_offset;
  std::set<std::uint64_t> taken_addrs;
  if (auto relocs = ef.DynamicRelocations()) {
    for (const elf::Relocation& r : *relocs) {
      by_offset[r.offset] = r;
      if (r.type == rt.relative || r.type == rt.irelative) {
        taken_addrs.insert(static_cast<std::uint64_t>(r.addend));
      } else if ((r.type == rt.glob_dat || r.type == rt.abs64) && r.sym > 0 &&
                 r.sym <= dynsyms.size() && dynsyms[r.sym - 1].shndx != 0) {
        taken_addrs.insert(dynsyms[r.sym - 1].value);
      }
    }
  }
  for (std::uint64_t a : taken_addrs) {
    if (auto f = p.FuncWithEntry(a)) img->address_taken.insert(static_cast<std::uint32_t>(*f));
  }

  // Init and fini functions run whatever the program does.
  if (auto dyn = ef.DynamicEntries()) {
    std::map<std::int64_t, std::uint64_t> tags;
    for (const elf::DynamicEntry& d : *dyn) tags[d.tag] = d.value;
    for (std::int64_t t : {kDtInit, kDtFini}) {
      if (tags.count(t)) img->roots.push_back(tags[t]);
    }
    for (auto [arr, sz] : {std::pair{kDtInitArray, kDtInitArraySz},
                           std::pair{kDtFiniArray, kDtFiniArraySz},
                           std::pair{kDtPreinitArray, kDtPreinitArraySz}}) {
      if (!tags.count(arr) || !tags.count(sz)) continue;
      for (std::uint64_t off = 0; off + ef.ptr_size() <= tags[sz]; off += ef.ptr_size()) {
        if (auto v = ef.ReadPointer(tags[arr] + off)) img->roots.push_back(*v);
      }
    }
  }
  if (is_interp && ef.entry() != 0) {
    img->roots.push_back(ef.entry());  // ld.so: its entry is where everything starts
  }

  // PLT entries: the GOT slot each one jumps through names its target.
  for (const elf::Section& sec : ef.sections()) {
    if (sec.name != ".plt" && sec.name != ".plt.sec" && sec.name != ".plt.got") continue;
    auto bytes = ef.ReadVirtual(sec.addr, sec.size);
    if (!bytes) continue;
    const std::uint64_t entsize = sec.entsize ? sec.entsize : (sec.name == ".plt.got" ? 8 : 16);
    std::map<disasm::Reg, std::uint64_t> consts;
    std::optional<std::uint64_t> slot;
    Instruction insn;
    for (std::uint64_t off = 0; off < bytes->size(); off += insn.length ? insn.length : 1) {
      (*decoder)->Decode(bytes->subspan(off), sec.addr + off, &insn);
      for (int i = 0; i < insn.num_ops; ++i) {
        const disasm::MicroOp& op = insn.ops[i];
        if (op.dst.kind != Operand::Kind::kReg) continue;
        if (op.kind == OpKind::kMove && op.src.kind == Operand::Kind::kImm) {
          consts[op.dst.reg] = static_cast<std::uint64_t>(op.src.imm);
        } else if (op.kind == OpKind::kMove && op.src.kind == Operand::Kind::kMem &&
                   op.src.mem.base != disasm::kNoReg && consts.count(op.src.mem.base)) {
          slot = consts[op.src.mem.base] + static_cast<std::uint64_t>(op.src.mem.disp);
        } else {
          consts.erase(op.dst.reg);
        }
      }
      if (insn.flow == Flow::kIndirectJump) {
        // x86: jmp *disp(%rip) -- the IR gives no operand for the target, so
        // find the slot among this entry's rip-relative bytes.
        std::optional<std::uint64_t> got = slot;
        if (!got && arch == Arch::kX86_64 && insn.length >= 6) {
          const std::uint8_t* q = bytes->data() + off;
          for (int k = 0; k + 4 <= insn.length; ++k) {
            const std::uint64_t cand =
                sec.addr + off + insn.length +
                static_cast<std::uint64_t>(static_cast<std::int64_t>(
                    static_cast<std::int32_t>(LoadLe32(q + k))));
            if (by_offset.count(cand)) {
              got = cand;
              break;
            }
          }
        }
        if (got && by_offset.count(*got)) {
          const elf::Relocation& r = by_offset[*got];
          PltTarget t;
          if (r.type == rt.irelative) {
            t.resolver = static_cast<std::uint64_t>(r.addend);
          } else if (r.sym > 0 && r.sym <= dynsyms.size()) {
            t.symbol = std::string(dynsyms[r.sym - 1].name);
          }
          const std::uint64_t entry = sec.addr + (off / entsize) * entsize;
          img->plt.emplace(entry, t);
        }
        slot.reset();
        consts.clear();
      }
    }
  }

  // Call edges, indirect calls, and function addresses taken in code.
  const std::size_t n = p.funcs.size();
  img->calls.resize(n);
  img->plt_calls.resize(n);
  img->takes.resize(n);
  img->indirect.assign(n, false);
  // Registers each function writes itself; calls add their callees' below.
  // The psABIs' call-clobbered sets (SysV x86-64: rax rcx rdx rsi rdi
  // r8-r11; AAPCS64: x0-x18, x30) stand for calls we cannot follow.
  const std::uint64_t abi_clobbered =
      arch == Arch::kArm64 ? ((std::uint64_t{1} << 19) - 1) | (std::uint64_t{1} << 30)
                           : (1u << 0) | (1u << 1) | (1u << 2) | (1u << 6) | (1u << 7) |
                                 (0xfu << 8);
  constexpr std::uint64_t kAllRegs = 0xffffffffu;
  std::vector<std::uint64_t> writes(n, 0);
  // Whether each function may return: it has a RET, an indirect jump (a
  // tail call through a pointer, or a switch), or a tail jump to a function
  // that may return; the rest is a least fixpoint below.
  std::vector<bool> returns(n, false);
  std::vector<std::vector<std::uint32_t>> tail_jumps(n);
  for (std::uint32_t f = 0; f < n; ++f) {
    const Function& fn = p.funcs[f];
    auto code = p.CodeAt(fn.entry, fn.end - fn.entry);
    if (!code) continue;
    std::map<disasm::Reg, std::uint64_t> consts;
    Instruction insn;
    for (std::uint64_t off = 0; off < code->size(); off += insn.length ? insn.length : 1) {
      (*decoder)->Decode(code->subspan(off), fn.entry + off, &insn);
      if (insn.clobbers_all_registers) writes[f] = kAllRegs;
      if (insn.flow == Flow::kCall && arch == Arch::kArm64) writes[f] |= std::uint64_t{1} << 30;
      for (int i = 0; i < insn.num_ops; ++i) {
        const disasm::MicroOp& op = insn.ops[i];
        if (op.dst.kind == Operand::Kind::kReg && op.dst.reg < 32) {
          writes[f] |= std::uint64_t{1} << op.dst.reg;
        }
        std::optional<std::uint64_t> v;
        if (op.kind == OpKind::kMove && op.src.kind == Operand::Kind::kImm) {
          v = static_cast<std::uint64_t>(op.src.imm);
        } else if (op.kind == OpKind::kAddImm && op.src.kind == Operand::Kind::kReg &&
                   consts.count(op.src.reg)) {
          v = consts[op.src.reg] + static_cast<std::uint64_t>(op.imm);
        }
        if (v) {
          if (auto t = p.FuncWithEntry(*v)) {
            img->takes[f].push_back(static_cast<std::uint32_t>(*t));
          }
        }
        if (op.dst.kind == Operand::Kind::kReg) {
          if (v) {
            consts[op.dst.reg] = *v;
          } else {
            consts.erase(op.dst.reg);
          }
        }
      }
      if (insn.flow == Flow::kReturn || insn.flow == Flow::kIndirectJump) returns[f] = true;
      if ((insn.flow == Flow::kJump || insn.flow == Flow::kCondJump) &&
          !(insn.target >= fn.entry && insn.target < fn.end)) {
        if (auto t = p.FuncWithEntry(insn.target); t && !img->plt.count(insn.target)) {
          tail_jumps[f].push_back(static_cast<std::uint32_t>(*t));
        } else {
          returns[f] = true;  // a PLT tail call or into the middle of something
        }
      }
      switch (insn.flow) {
        case Flow::kCall:
        case Flow::kJump:
        case Flow::kCondJump: {
          if (insn.target >= fn.entry && insn.target < fn.end && insn.flow != Flow::kCall) break;
          auto pit = img->plt.find(insn.target);
          if (pit != img->plt.end()) {
            img->plt_calls[f].push_back(&pit->second);
            writes[f] |= abi_clobbered;
          } else if (img->InPlt(insn.target)) {
            img->indirect[f] = true;  // a PLT entry we could not name
            writes[f] |= abi_clobbered;
          } else if (auto t = p.FuncAt(insn.target)) {
            img->calls[f].push_back(static_cast<std::uint32_t>(*t));
            if (p.funcs[*t].entry != insn.target) writes[f] = kAllRegs;  // into the middle
          } else {
            writes[f] = kAllRegs;
          }
          break;
        }
        case Flow::kIndirectCall:
        case Flow::kIndirectJump:
          img->indirect[f] = true;
          writes[f] |= abi_clobbered;
          break;
        default:
          break;
      }
    }
  }

  // What a call may clobber: the callee's writes and its callees', to a
  // fixpoint (recursion converges: masks only grow).
  for (bool changed = true; changed;) {
    changed = false;
    for (std::uint32_t f = 0; f < n; ++f) {
      std::uint64_t m = writes[f];
      for (std::uint32_t t : img->calls[f]) m |= writes[t];
      if (m != writes[f]) {
        writes[f] = m;
        changed = true;
      }
    }
  }
  img->clobbers = std::move(writes);
  for (bool changed = true; changed;) {
    changed = false;
    for (std::uint32_t f = 0; f < n; ++f) {
      if (returns[f]) continue;
      for (std::uint32_t t : tail_jumps[f]) {
        if (returns[t]) {
          returns[f] = true;
          changed = true;
          break;
        }
      }
    }
  }
  img->returns = std::move(returns);
  {
    const Image* self = img.get();
    p.callee_clobbers = [self, abi_clobbered](std::uint64_t target) -> std::optional<std::uint64_t> {
      auto f = self->program.FuncWithEntry(target);
      if (!f) return abi_clobbered;  // a PLT entry or another image: the ABI holds
      // Callee-saved registers are restored whatever the callee writes (the
      // psABI contract, which -fipa-ra only ever narrows for call-clobbered
      // ones): a push/pop pair is not a clobber.
      return self->clobbers[*f] & abi_clobbered;
    };
    p.may_return = [self](std::uint64_t target) {
      auto f = self->program.FuncWithEntry(target);
      return !f || self->returns[*f];
    };
  }
  return img;
}

// Runs the syscall analysis over an image, with the wrappers other
// (already analysed) images export reachable through its PLT.
void AnalyzeImage(Image* img, const std::vector<std::unique_ptr<Image>>& analysed) {
  Program& p = img->program;
  for (const auto& [entry, target] : img->plt) {
    if (target.symbol.empty()) continue;
    for (const auto& other : analysed) {
      auto it = other->exports.find(target.symbol);
      if (it == other->exports.end()) continue;
      for (const WrapperInfo& w : other->report.wrappers) {
        if (w.func == it->second) p.external_wrappers[entry] = w.locs;
      }
      break;  // the first definition in load order is the one the loader binds
    }
  }
  Options opt;
  opt.name_rules = false;  // Go's names mean nothing here
  opt.threads = 1;
  img->report = Analyze(p, opt);
}

}  // namespace

Result<NativeClosure> AnalyzeNativeDependencies(const elf::ElfFile& main, Arch arch,
                                                const NativeOptions& options) {
  NativeClosure out;
  std::vector<std::unique_ptr<Image>> images;
  std::set<std::string> seen;
  std::vector<std::string> dirs = options.library_path;
  for (const std::string& d : DefaultLibraryDirs(arch)) dirs.push_back(d);

  // The same file under two names (/lib64/ld-linux-x86-64.so.2 is a symlink
  // to the copy libc names in DT_NEEDED) is one image, as for the loader.
  auto canonical = [](const std::string& p) {
    std::error_code ec;
    auto c = std::filesystem::canonical(p, ec);
    return ec ? p : c.string();
  };
  auto load = [&](const std::string& path, bool is_interp) -> Result<void> {
    if (!seen.insert(canonical(path)).second) return {};
    G2S_ASSIGN_OR_RETURN(auto img, LoadImage(path, arch, is_interp));
    images.push_back(std::move(img));
    return {};
  };
  if (!options.main_path.empty()) G2S_TRY(load(options.main_path, /*is_entry=*/true));
  if (auto interp = main.Interpreter()) {
    const std::string p = UnderRoot(options.root, std::string(*interp));
    if (IsFile(p)) {
      G2S_TRY(load(p, true));
    } else {
      out.findings.push_back(fmt::format("interpreter {} not found", p));
    }
  }
  // DT_NEEDED, breadth first (the loader's search order for symbols).
  std::deque<std::string> queue;
  if (auto needed = main.Needed()) {
    for (std::string_view n : *needed) queue.emplace_back(n);
  }
  while (!queue.empty()) {
    const std::string name = queue.front();
    queue.pop_front();
    std::string found;
    if (name.find('/') != std::string::npos) {
      if (IsFile(UnderRoot(options.root, name))) found = UnderRoot(options.root, name);
    } else {
      for (const std::string& d : dirs) {
        const std::string cand = UnderRoot(options.root, d + "/" + name);
        if (IsFile(cand)) {
          found = cand;
          break;
        }
      }
    }
    if (found.empty()) {
      out.findings.push_back(fmt::format("library {} not found (searched {} directories under {})",
                                         name, dirs.size(), options.root));
      continue;
    }
    if (seen.count(canonical(found))) continue;
    G2S_TRY(load(found, false));
    if (auto more = images.back()->elf->Needed()) {
      for (std::string_view n : *more) queue.emplace_back(n);
    }
  }

  // Analyse libraries before the images that import from them (reverse
  // load order), so a wrapper export is known where it is called.
  for (std::size_t k = images.size(); k-- > 0;) AnalyzeImage(images[k].get(), images);
  // Global reachability over (image, function).
  std::vector<std::vector<bool>> reached(images.size());
  for (std::size_t i = 0; i < images.size(); ++i) {
    reached[i].assign(images[i]->program.funcs.size(), false);
    out.functions += images[i]->program.funcs.size();
    out.images.push_back(images[i]->path);
  }
  std::vector<std::pair<std::size_t, std::uint32_t>> work;
  // Functions entered from outside their image's direct calls: roots,
  // cross-image symbol calls, calls through pointers. A syscall wrapper
  // entered that way gets numbers nobody analysed.
  std::vector<std::set<std::uint32_t>> external(images.size());
  auto reach = [&](std::size_t i, std::uint32_t f) {
    if (!reached[i][f]) {
      reached[i][f] = true;
      work.emplace_back(i, f);
    }
  };
  auto reach_addr = [&](std::size_t i, std::uint64_t a) {
    if (auto f = images[i]->program.FuncAt(a)) {
      external[i].insert(static_cast<std::uint32_t>(*f));
      reach(i, static_cast<std::uint32_t>(*f));
    }
  };
  // Symbol lookup in load order (the interpreter comes first; its few
  // exports are what libc imports from it).
  // `from_analysed_code`: the call is a PLT call in an image we analysed,
  // whose data flow evaluated it (external_wrappers); otherwise (the Go
  // program's imports) nobody saw the arguments.
  auto reach_symbol = [&](const std::string& name, bool from_analysed_code) {
    for (std::size_t i = 0; i < images.size(); ++i) {
      auto it = images[i]->exports.find(name);
      if (it == images[i]->exports.end()) continue;
      if (!from_analysed_code) external[i].insert(it->second);
      reach(i, it->second);
      return images[i]->ifunc_exports.count(name) > 0;
    }
    return false;
  };
  // Address-taken functions: from data, plus those whose address reachable
  // code materialises. Once any indirect call is reachable, all of them are.
  bool indirect_reached = false;
  std::vector<std::set<std::uint32_t>> taken(images.size());
  for (std::size_t i = 0; i < images.size(); ++i) taken[i] = images[i]->address_taken;
  auto reach_all_taken = [&] {
    if (indirect_reached) return;
    indirect_reached = true;
    for (std::size_t i = 0; i < images.size(); ++i) {
      for (std::uint32_t f : taken[i]) {
        external[i].insert(f);
        reach(i, f);
      }
    }
  };
  for (std::size_t i = 0; i < images.size(); ++i) {
    for (std::uint64_t a : images[i]->roots) reach_addr(i, a);
  }
  // ld.so calls libc's early initialisation by name (glibc 2.32+,
  // elf/libc_early_init.c), not through a relocation.
  reach_symbol("__libc_early_init", false);
  auto dynsyms = main.DynamicSymbols();
  if (dynsyms && options.main_path.empty()) {
    for (const elf::Symbol& s : *dynsyms) {
      if (s.shndx == 0 && !s.name.empty()) reach_symbol(std::string(s.name), false);
    }
  }
  auto run = [&] {
    while (!work.empty()) {
      auto [i, f] = work.back();
      work.pop_back();
      const Image& img = *images[i];
      for (std::uint32_t t : img.calls[f]) reach(i, t);
      for (std::uint32_t t : img.takes[f]) {
        if (taken[i].insert(t).second && indirect_reached) {
          external[i].insert(t);
          reach(i, t);
        }
      }
      for (const PltTarget* t : img.plt_calls[f]) {
        if (t->resolver) {
          reach_addr(i, *t->resolver);
          reach_all_taken();  // the resolver picks one of the implementations
        } else if (reach_symbol(t->symbol, true)) {
          reach_all_taken();  // an IFUNC: any implementation its resolver returns
        }
      }
      if (img.indirect[f]) reach_all_taken();
    }
  };
  run();

  // glibc's NSS (getpwuid_r, getaddrinfo, ...) dlopen()s the modules named
  // in /etc/nsswitch.conf (libnss_systemd.so.2 for "passwd: files systemd"
  // on Debian). When an NSS entry point is reachable, those modules are
  // analysed too, with every _nss_* function they export as a root.
  auto reached_export = [&](auto pred) {
    for (std::size_t i = 0; i < images.size(); ++i) {
      for (const auto& [name, f] : images[i]->exports) {
        if (reached[i][f] && pred(name)) return true;
      }
    }
    return false;
  };
  const bool nss = reached_export([](const std::string& n) {
    for (const char* p : {"getpw", "getgr", "getsp", "getaddrinfo", "gethostby", "getservby",
                          "getprotoby", "getnetby", "initgroups", "getgrouplist", "getnameinfo",
                          "getrpcby", "getnetgrent", "innetgr"}) {
      if (n.starts_with(p)) return true;
    }
    return false;
  });
  if (nss) {
    std::ifstream conf(UnderRoot(options.root, "/etc/nsswitch.conf"));
    std::set<std::string> services;
    std::string line;
    while (std::getline(conf, line)) {
      line = line.substr(0, line.find('#'));
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::istringstream words(line.substr(colon + 1));
      for (std::string w; words >> w;) {
        if (!w.empty() && w[0] != '[') services.insert(w);
      }
    }
    const std::size_t before = images.size();
    for (const std::string& svc : services) {
      const std::string lib = "libnss_" + svc + ".so.2";
      for (const std::string& d : dirs) {
        const std::string cand = UnderRoot(options.root, d + "/" + lib);
        if (!IsFile(cand) || seen.count(canonical(cand))) continue;
        G2S_TRY(load(cand, false));
        out.nss_modules.push_back(cand);
        break;
      }
    }
    for (std::size_t i = images.size(); i-- > before;) AnalyzeImage(images[i].get(), images);
    for (std::size_t i = before; i < images.size(); ++i) {
      reached.emplace_back(images[i]->program.funcs.size(), false);
      external.emplace_back();
      taken.push_back(images[i]->address_taken);
      out.functions += images[i]->program.funcs.size();
      out.images.push_back(images[i]->path);
      for (std::uint64_t a : images[i]->roots) reach_addr(i, a);
      for (const auto& [name, f] : images[i]->exports) {
        if (name.starts_with("_nss_")) {
          external[i].insert(f);
          reach(i, f);
        }
      }
      if (indirect_reached) {
        for (std::uint32_t f : taken[i]) reach(i, f);
      }
    }
    run();
  }
  if (reached_export([](const std::string& n) {
        return n == "dlopen" || n == "dlmopen" || n == "iconv_open";
      })) {
    out.findings.push_back(
        "dlopen/iconv_open is reachable: libraries the program or libc loads at run time "
        "(other than the NSS modules of nsswitch.conf) are not analysed");
  }

  // Syscalls of reachable functions, and findings in them.
  for (std::size_t i = 0; i < images.size(); ++i) {
    const Image& img = *images[i];
    for (std::uint32_t f = 0; f < reached[i].size(); ++f) {
      if (reached[i][f]) ++out.reachable_functions;
    }
    for (const auto& [nr, uses] : img.report.uses) {
      for (const SyscallUse& u : uses) {
        const bool counts = u.how == Resolution::kVdsoFallback || reached[i][u.func];
        if (!counts) continue;
        out.syscalls[nr].push_back(NativeUse{
            img.path, u.how == Resolution::kVdsoFallback ? u.detail : img.FunctionName(u.func)});
      }
    }
    for (const Finding& fd : img.report.findings) {
      if (fd.func && !reached[i][*fd.func]) continue;
      if (!fd.func && fd.kind == Finding::Kind::kOutsideGoFunctions) {
        // A syscall instruction in bytes no FDE or symbol covers.
      }
      out.findings.push_back(fmt::format("{}: {} at {:#x}{}: {}", img.path, FindingKindName(fd.kind),
                                         fd.pc,
                                         fd.func ? " in " + img.FunctionName(*fd.func) : "",
                                         fd.detail));
    }
    for (const WrapperInfo& w : img.report.wrappers) {
      if (!reached[i][w.func] || !external[i].count(w.func)) continue;
      out.findings.push_back(fmt::format(
          "{}: {} takes a syscall number as an argument and is entered from outside "
          "its library's own calls (an export, a pointer, an init hook): the numbers "
          "passed to it are not analysed",
          img.path, img.FunctionName(w.func)));
    }
  }
  return out;
}

}  // namespace go2seccomp::analysis
