#include "go2seccomp/analysis/native.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>

#include "go2seccomp/analysis/analyzer.h"
#include "go2seccomp/analysis/native_cache.h"
#include "go2seccomp/analysis/nss.h"
#include "go2seccomp/analysis/program.h"
#include "go2seccomp/base/byte_reader.h"
#include "go2seccomp/base/file_io.h"
#include "go2seccomp/base/parallel.h"
#include "go2seccomp/disasm/decoder.h"
#include "go2seccomp/elf/eh_frame.h"
#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::analysis {
namespace {

using disasm::Flow;
using disasm::Instruction;
using disasm::Operand;
using disasm::OpKind;

constexpr std::uint8_t kSttGnuIfunc = 10;  // STT_GNU_IFUNC
constexpr std::int64_t kDtInit = 12, kDtFini = 13, kDtInitArray = 25,
                       kDtFiniArray = 26, kDtInitArraySz = 27,
                       kDtFiniArraySz = 28, kDtPreinitArray = 32,
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
  const std::string triple =
      arch == Arch::kArm64 ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
  return {"/lib/" + triple, "/usr/lib/" + triple,
          "/lib64",         "/usr/lib64",
          "/lib",           "/usr/lib"};
}

bool IsFile(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string UnderRoot(const std::string& root, const std::string& path) {
  if (root.empty() || root == "/") return path;
  return root + (path.starts_with("/") ? "" : "/") + path;
}

// An object's own library directories: DT_RPATH and DT_RUNPATH, with
// $ORIGIN (ld.so(8)) as the directory the object is in. Paths are host
// paths (under --root); entries with other tokens ($LIB, $PLATFORM) are
// left out.
struct SearchPaths {
  std::vector<std::string> rpath, runpath;
};

SearchPaths SearchPathsOf(const elf::ElfFile& ef, const std::string& path,
                          const std::string& root) {
  const std::string origin = std::filesystem::path(path).parent_path().string();
  auto expand = [&](std::int64_t tag) {
    std::vector<std::string> dirs;
    auto lists = ef.DynamicStrings(tag);
    if (!lists) return dirs;
    for (std::string_view list : *lists) {
      std::size_t start = 0;
      while (start <= list.size()) {
        const std::size_t colon = std::min(list.find(':', start), list.size());
        std::string d(list.substr(start, colon - start));
        start = colon + 1;
        for (const char* token : {"${ORIGIN}", "$ORIGIN"}) {
          for (std::size_t at; (at = d.find(token)) != std::string::npos;) {
            if (origin.empty()) break;
            d.replace(at, std::string_view(token).size(), origin);
          }
        }
        if (d.empty() || d.find('$') != std::string::npos) continue;
        const bool from_origin = !origin.empty() && d.starts_with(origin);
        dirs.push_back(from_origin ? d : UnderRoot(root, d));
      }
    }
    return dirs;
  };
  return SearchPaths{expand(elf::kDtRpath), expand(elf::kDtRunpath)};
}

// What a call to a PLT entry reaches.
struct PltTarget {
  std::string symbol;  // imported name (JUMP_SLOT / GLOB_DAT)
  std::optional<std::uint64_t> resolver;  // IFUNC resolver (IRELATIVE)
};

struct Image {
  std::string path;
  bool is_interp = false;  // ld.so: its entry is a root
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
  // Registers a call may change. The part its branches decide (PLT and
  // pointer calls: the psABI set; calls into the middle of something: all)
  // is known from the graph pass; the registers its instructions write need
  // a full decode, which Clobbers() does on first use for the function and
  // its callees (most functions are never asked about).
  // The analyzer asks from several threads (libc is analysed on every
  // core): one lock around the cache.
  std::vector<std::uint64_t> flow_writes;
  mutable std::mutex clobbers_mu;
  mutable std::vector<std::uint64_t> clobbers;
  mutable std::vector<bool> clobbers_known;
  std::unique_ptr<disasm::Decoder> decoder;
  std::vector<bool> returns;  // may return to its caller
  std::set<std::uint32_t> address_taken;
  // Functions whose address is stored only in glibc's __libc_subfreeres
  // section (glibc <= 2.37): the section is read by __libc_freeres alone
  // (malloc/set-freeres.c, RUN_HOOK over __start/__stop symbols), which only
  // memory debuggers call (valgrind, mtrace). Address-taken once
  // __libc_freeres is reachable; until then they are RPC and locale
  // clean-ups that would bring socket, connect and more into every profile.
  std::set<std::uint32_t> freeres_taken;
  // For explain: the lowest data address holding each address-taken (or
  // freeres-taken) function's address, where relocations put it there.
  std::map<std::uint32_t, std::uint64_t> stored_at;
  // Code that is not this analysis's: a static Go program's Go functions
  // (NativeOptions::go_code). Left out of the code regions, so calls into
  // it are calls to unknown code and its syscalls are the Go side's.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> foreign_code;
  Report report;
  // The library cache (native_cache.h). Only libraries and the interpreter
  // are cached, never the program itself (is_main). With a cache entry the
  // graph fields above come from it and BuildImage does not run; its report
  // is used if the external wrappers it was computed with are this run's.
  bool is_main = false;
  std::string content_id;  // set when the cache is on
  bool graph_from_cache = false;
  bool report_from_cache = false;
  Report cached_report;
  std::uint64_t cached_wrappers_in = 0;
  std::uint64_t wrappers_in = 0;  // WrappersFingerprint of this run's

  bool InPlt(std::uint64_t a) const {
    for (const auto& [lo, hi] : plt_ranges) {
      if (a >= lo && a < hi) return true;
    }
    return false;
  }
  std::uint64_t Clobbers(std::uint32_t f) const;
  std::string FunctionName(std::uint32_t f) const {
    const Function& fn = program.funcs[f];
    if (!fn.name.empty()) return std::string(fn.name);
    return fmt::format("fn@{:#x}", fn.entry);
  }
};

constexpr std::uint64_t kAllRegs = 0xffffffffu;

// The registers `fn`'s own instructions write (no calls).
std::uint64_t LocalWrites(const disasm::Decoder& dec, const Program& p,
                          const Function& fn) {
  auto code = p.CodeAt(fn.entry, fn.end - fn.entry);
  if (!code) return kAllRegs;
  std::uint64_t writes = 0;
  Instruction insn;
  for (std::uint64_t off = 0; off < code->size();
       off += insn.length ? insn.length : 1) {
    dec.Decode(code->subspan(off), fn.entry + off, &insn);
    if (insn.clobbers_all_registers) return kAllRegs;
    for (int i = 0; i < insn.num_ops; ++i) {
      const disasm::MicroOp& op = insn.ops[i];
      if (op.dst.kind == Operand::Kind::kReg && op.dst.reg < 32) {
        writes |= std::uint64_t{1} << op.dst.reg;
      }
    }
  }
  return writes;
}

std::uint64_t Image::Clobbers(std::uint32_t f) const {
  const std::lock_guard<std::mutex> lock(clobbers_mu);
  if (clobbers_known[f]) return clobbers[f];
  // The callees not known yet, decoded once each; then a fixpoint over just
  // them (recursion converges: masks only grow). They are closed under
  // calls, so their results are final.
  std::vector<std::uint32_t> todo{f}, group;
  std::vector<bool> in_group(clobbers.size(), false);
  in_group[f] = true;
  while (!todo.empty()) {
    const std::uint32_t g = todo.back();
    todo.pop_back();
    group.push_back(g);
    clobbers[g] =
        flow_writes[g] == kAllRegs
            ? kAllRegs
            : flow_writes[g] | LocalWrites(*decoder, program, program.funcs[g]);
    for (std::uint32_t t : calls[g]) {
      if (!clobbers_known[t] && !in_group[t]) {
        in_group[t] = true;
        todo.push_back(t);
      }
    }
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (std::uint32_t g : group) {
      std::uint64_t m = clobbers[g];
      for (std::uint32_t t : calls[g]) m |= clobbers[t];
      if (m != clobbers[g]) {
        clobbers[g] = m;
        changed = true;
      }
    }
  }
  for (std::uint32_t g : group) clobbers_known[g] = true;
  return clobbers[f];
}

// What one piece of code (a symbol's or an FDE's range) does, from a single
// DecodeShape sweep: the input of both the merging of pieces and the call
// graph.
struct PieceScan {
  // Direct calls, and direct jumps that leave the piece, with targets.
  std::vector<std::pair<std::uint64_t, Flow>> branches;
  // Values it materialises that lie in code: candidate function addresses.
  std::vector<std::uint64_t> code_constants;
  bool returns = false;   // a RET, or an indirect jump (tail call, switch)
  bool indirect = false;  // an indirect call or jump
  bool calls = false;     // a direct call
  // Its last instruction that is not alignment padding falls through its
  // end. Only the instructions at the end are decoded fully, from the back,
  // giving what a forward sweep would: NOP-like instructions (no flow, no
  // writes) are padding, and so is a halt (INT3, UD2) after an instruction
  // that does not fall through. A piece ending in a call ends in a call
  // that does not return (__libc_fatal, abort): compilers never let a
  // function fall off its end otherwise, so that does not fall through.
  bool falls_through = false;
};

PieceScan ScanPiece(const disasm::Decoder& dec, const Program& p,
                    const Function& fn, std::vector<std::uint32_t>* starts) {
  PieceScan out;
  auto code = p.CodeAt(fn.entry, fn.end - fn.entry);
  if (!code) return out;
  starts->clear();
  // arm64 builds addresses in two instructions (ADRP, then ADD): follow
  // register constants through AddImm.
  std::map<disasm::Reg, std::uint64_t> consts;
  Instruction insn;
  for (std::uint64_t off = 0; off < code->size();
       off += insn.length ? insn.length : 1) {
    starts->push_back(static_cast<std::uint32_t>(off));
    dec.DecodeShape(code->subspan(off), fn.entry + off, &insn);
    for (int i = 0; i < insn.num_ops; ++i) {
      const disasm::MicroOp& op = insn.ops[i];
      std::optional<std::uint64_t> v;
      if (op.kind == OpKind::kMove && op.src.kind == Operand::Kind::kImm) {
        v = static_cast<std::uint64_t>(op.src.imm);
      } else if (op.kind == OpKind::kAddImm &&
                 op.src.kind == Operand::Kind::kReg &&
                 consts.count(op.src.reg)) {
        v = consts[op.src.reg] + static_cast<std::uint64_t>(op.imm);
      }
      if (v && p.CodeAt(*v, 1)) out.code_constants.push_back(*v);
      if (op.dst.kind == Operand::Kind::kReg) {
        if (v) {
          consts[op.dst.reg] = *v;
        } else {
          consts.erase(op.dst.reg);
        }
      }
    }
    switch (insn.flow) {
      case Flow::kCall:
        out.calls = true;
        out.branches.emplace_back(insn.target, insn.flow);
        break;
      case Flow::kJump:
      case Flow::kCondJump:
        if (insn.target < fn.entry || insn.target >= fn.end) {
          out.branches.emplace_back(insn.target, insn.flow);
        }
        break;
      case Flow::kReturn:
        out.returns = true;
        break;
      case Flow::kIndirectJump:
        out.returns = true;
        out.indirect = true;
        break;
      case Flow::kIndirectCall:
        out.indirect = true;
        break;
      default:
        break;
    }
  }
  std::optional<Flow> last;
  bool halt_after = false;  // a halt follows the instructions still to see
  for (std::size_t k = starts->size(); k-- > 0;) {
    const std::uint32_t at = (*starts)[k];
    // The shape has the exact flow; only a kNext one needs its writes to
    // tell padding (NOP, and anything else that writes nothing) apart.
    dec.DecodeShape(code->subspan(at), fn.entry + at, &insn);
    if (insn.flow == Flow::kNext) {
      dec.Decode(code->subspan(at), fn.entry + at, &insn);
      if (insn.num_ops == 0 && !insn.clobbers_all_registers) continue;
    }
    if (insn.flow == Flow::kHalt) {
      halt_after = true;
      continue;
    }
    last = halt_after && insn.flow == Flow::kNext ? Flow::kHalt : insn.flow;
    break;
  }
  if (!last && halt_after) last = Flow::kHalt;
  out.falls_through = last && *last != Flow::kJump &&
                      *last != Flow::kIndirectJump && *last != Flow::kReturn &&
                      *last != Flow::kHalt && *last != Flow::kInvalid &&
                      *last != Flow::kCall && *last != Flow::kIndirectCall;
  return out;
}

// The parts of [vaddr, vaddr + bytes.size()) outside every `foreign`
// range, as code regions.
void AddCodeOutside(
    std::uint64_t vaddr, Bytes bytes,
    const std::vector<std::pair<std::uint64_t, std::uint64_t>>& foreign,
    std::vector<Region>* code) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> cuts;
  for (const auto& [lo, hi] : foreign) {
    if (lo < vaddr + bytes.size() && hi > vaddr) cuts.emplace_back(lo, hi);
  }
  std::sort(cuts.begin(), cuts.end());
  std::uint64_t at = vaddr;
  const std::uint64_t end = vaddr + bytes.size();
  for (const auto& [lo, hi] : cuts) {
    if (lo > at)
      code->push_back(Region{at, bytes.subspan(at - vaddr, lo - at)});
    at = std::max(at, hi);
  }
  if (at < end) code->push_back(Region{at, bytes.subspan(at - vaddr)});
}

// Roots of a static executable, which has no dynamic table to name them:
// glibc's and musl's __libc_start_main run .preinit_array, .init (_init),
// .init_array, and at exit .fini_array and .fini (csu/libc-start.c,
// csu/elf-init.c; musl src/env/__libc_start_main.c), found by their
// sections. ld.so does not run (there is none), so nothing else calls in.
void AddStaticRoots(const elf::ElfFile& ef, Image* img) {
  constexpr std::uint32_t kShtInitArray = 14, kShtFiniArray = 15,
                          kShtPreinitArray = 16;
  for (const elf::Section& sec : ef.sections()) {
    if ((sec.name == ".init" || sec.name == ".fini") && sec.IsExecutable()) {
      img->roots.push_back(sec.addr);
    }
    if (sec.type != kShtInitArray && sec.type != kShtFiniArray &&
        sec.type != kShtPreinitArray) {
      continue;
    }
    for (std::uint64_t off = 0; off + ef.ptr_size() <= sec.size;
         off += ef.ptr_size()) {
      if (auto v = ef.ReadPointer(sec.addr + off)) img->roots.push_back(*v);
    }
  }
}

// A non-PIE executable (ET_EXEC) stores function addresses in its data as
// plain words: no relocation marks them (only a PIE's RELATIVE ones do).
// Every aligned word of its data that is a function's entry makes that
// function address-taken: conservative (a number that happens to equal an
// entry counts too), never missing a pointer the program stores whole.
void AddDataPointers(const elf::ElfFile& ef, Image* img) {
  const Program& p = img->program;
  if (p.funcs.empty()) return;
  const std::uint64_t lo = p.funcs.front().entry, hi = p.funcs.back().end;
  const std::size_t ps = ef.ptr_size();
  auto scan = [&](std::uint64_t vaddr, Bytes bytes) {
    for (std::uint64_t off = (ps - vaddr % ps) % ps; off + ps <= bytes.size();
         off += ps) {
      const std::uint64_t w =
          ps == 8 ? LoadLe64(bytes.data() + off) : LoadLe32(bytes.data() + off);
      if (w < lo || w >= hi) continue;
      if (auto f = p.FuncWithEntry(w))
        img->address_taken.insert(static_cast<std::uint32_t>(*f));
    }
  };
  for (const Region& r : p.data) scan(r.vaddr, r.bytes);
  for (const elf::Section& sec : ef.sections()) {
    // Init and fini arrays are not PROGBITS, so not among the data regions.
    if (sec.type >= 14 && sec.type <= 16 && sec.IsAlloc())
      scan(sec.addr, sec.data);
  }
}

// Maps and parses the file: enough to follow its DT_NEEDED. BuildImage
// does the rest.
Result<std::unique_ptr<Image>> OpenImage(const std::string& path, Arch arch,
                                         bool is_interp) {
  auto img = std::make_unique<Image>();
  img->path = path;
  img->is_interp = is_interp;
  G2S_ASSIGN_OR_RETURN(img->file, MappedFile::Open(path));
  auto parsed = elf::ElfFile::Parse(img->file.bytes());
  if (!parsed) return Unexpected(parsed.error().Wrap(path));
  img->elf = std::move(*parsed);
  if (img->elf->arch() != arch) {
    return MakeError(ErrorCode::kUnsupported, "{}: is not a {} ELF file", path,
                     GetArchInfo(arch).name);
  }
  return img;
}

// The image's code (outside code another image owns), the data it can read,
// and where its PLT sections are.
void CollectRegions(const elf::ElfFile& ef, Image* img) {
  Program& p = img->program;
  for (const elf::Section& sec : ef.sections()) {
    if (!sec.IsAlloc() || sec.type == elf::kShtNobits || sec.size == 0)
      continue;
    auto bytes = ef.ReadVirtual(sec.addr, sec.size);
    if (!bytes) continue;
    if (sec.IsExecutable()) {
      if (sec.name == ".plt" || sec.name == ".plt.sec" ||
          sec.name == ".plt.got") {
        img->plt_ranges.emplace_back(sec.addr, sec.addr + sec.size);
      }
      AddCodeOutside(sec.addr, *bytes, img->foreign_code, &p.code);
    } else if (sec.type == elf::kShtProgbits &&
               !sec.name.starts_with(".eh_frame") &&
               !sec.name.starts_with(".gcc_except") &&
               !sec.name.starts_with(".note")) {
      // Data the program can read; symbol, relocation and unwind tables
      // hold function addresses too, but nothing calls through those.
      p.data.push_back(Region{sec.addr, *bytes});
    }
  }
}

// The image's functions into img->program.funcs, by entry: symbols where
// there are any, FDEs for the rest, and one unnamed function per stretch of
// code neither covers.
void FindFunctions(const elf::ElfFile& ef,
                   const std::vector<elf::Symbol>& dynsyms, Image* img) {
  Program& p = img->program;
  std::map<std::uint64_t, std::pair<std::uint64_t, std::string_view>> starts;
  auto add = [&](std::uint64_t begin, std::uint64_t end,
                 std::string_view name) {
    auto [it, inserted] = starts.emplace(begin, std::make_pair(end, name));
    if (!inserted) {
      it->second.first = std::max(it->second.first, end);
      if (it->second.second.empty()) it->second.second = name;
    }
  };
  std::vector<elf::Symbol> symtab;
  if (auto s = ef.Symbols()) symtab = std::move(*s);
  const std::vector<elf::Symbol>& syms = symtab;
  for (const auto* list : {&syms, &dynsyms}) {
    for (const elf::Symbol& s : *list) {
      if ((s.type == elf::kSttFunc || s.type == kSttGnuIfunc) && s.shndx != 0 &&
          s.value != 0) {
        add(s.value, s.value + s.size, s.name);
      }
    }
  }
  if (const elf::Section* eh = ef.FindSection(".eh_frame");
      eh != nullptr && eh->size > 0) {
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
    for (auto it = starts.lower_bound(r.vaddr);
         it != starts.end() && it->first < region_end; ++it) {
      if (it->first > covered_to) gaps.push_back(covered_to);
      covered_to = std::max(covered_to, std::min(it->second.first, region_end));
    }
    if (covered_to < region_end) gaps.push_back(covered_to);
    for (std::uint64_t g : gaps) add(g, 0, {});
  }
  for (auto it = starts.begin(); it != starts.end(); ++it) {
    std::uint64_t end = it->second.first;
    auto next = std::next(it);
    if (next != starts.end() && (end <= it->first || end > next->first))
      end = next->first;
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
}

// Every function piece swept once (the call graph reads the scans), and
// the pieces that fall through into an unnamed one merged with it.
struct SweptPieces {
  std::vector<PieceScan> scans;
  // first_piece[f]: the scan of merged function f's first piece; its last
  // is first_piece[f + 1] - 1.
  std::vector<std::uint32_t> first_piece;
};

SweptPieces SweepAndMergePieces(const disasm::Decoder& dec, Program* program) {
  Program& p = *program;
  SweptPieces out;
  // Hand-written assembly often ends an FDE in the middle of a function and
  // starts another right after (glibc's __clone3: the FDE stops just before
  // its SYSCALL). A piece whose last instruction falls through into an
  // unnamed piece is one function with it, or the number set in the first
  // piece would be lost at the second's "entry".
  // Every piece is swept once, here; the call graph below reads the scans.
  std::vector<PieceScan>& scans = out.scans;
  scans.resize(p.funcs.size());
  {
    std::vector<std::uint32_t> insn_starts;  // scratch
    for (std::size_t k = 0; k < p.funcs.size(); ++k) {
      scans[k] = ScanPiece(dec, p, p.funcs[k], &insn_starts);
    }
  }
  // first_piece[f]: the scan of merged function f's first piece; its last
  // is first_piece[f + 1] - 1.
  std::vector<std::uint32_t>& first_piece = out.first_piece;
  {
    std::vector<Function> merged;
    for (std::uint32_t k = 0; k < p.funcs.size(); ++k) {
      const Function& fn = p.funcs[k];
      if (!merged.empty() && fn.name.empty() && merged.back().end == fn.entry &&
          scans[k - 1].falls_through) {
        merged.back().end = fn.end;
        continue;
      }
      merged.push_back(fn);
      first_piece.push_back(k);
    }
    first_piece.push_back(static_cast<std::uint32_t>(p.funcs.size()));
    p.funcs = std::move(merged);
  }
  return out;
}

// The exported functions (and which are IFUNCs), by name.
void CollectExports(const std::vector<elf::Symbol>& dynsyms, Image* img) {
  const Program& p = img->program;
  for (const elf::Symbol& s : dynsyms) {
    if ((s.type == elf::kSttFunc || s.type == kSttGnuIfunc) && s.shndx != 0 &&
        s.value != 0) {
      if (auto f = p.FuncWithEntry(s.value)) {
        img->exports.emplace(std::string(s.name),
                             static_cast<std::uint32_t>(*f));
        if (s.type == kSttGnuIfunc)
          img->ifunc_exports.insert(std::string(s.name));
      }
    }
  }
}

// Function addresses stored in data (RELA/REL and RELR relocations) are
// address-taken; returns the dynamic relocations by offset (the PLT's GOT
// slots are among them).
Result<std::unordered_map<std::uint64_t, elf::Relocation>>
CollectStoredPointers(const elf::ElfFile& ef, Arch arch,
                      const std::vector<elf::Symbol>& dynsyms, Image* img) {
  const Program& p = img->program;
  const RelocTypes rt = RelocTypesFor(arch);
  std::unordered_map<std::uint64_t, elf::Relocation> by_offset;  // the result
  // Each function address stored in data: the lowest location holding it
  // (for explain), and whether one lies outside __libc_subfreeres.
  struct Stored {
    std::uint64_t at;
    bool outside_freeres;
  };
  std::map<std::uint64_t, Stored> stored;
  const elf::Section* freeres = ef.FindSection("__libc_subfreeres");
  auto add_taken = [&](std::uint64_t at, std::uint64_t value) {
    const bool outside = !(freeres && freeres->ContainsAddress(at));
    auto [it, fresh] = stored.emplace(value, Stored{at, outside});
    if (fresh) return;
    it->second.at = std::min(it->second.at, at);
    it->second.outside_freeres |= outside;
  };
  // An unreadable table would hide function pointers: fail, naming it.
  auto relocs = ef.DynamicRelocations();
  if (!relocs) return Unexpected(std::move(relocs).error().Wrap(img->path));
  for (const elf::Relocation& r : *relocs) {
    by_offset[r.offset] = r;
    if (r.type == rt.relative || r.type == rt.irelative) {
      add_taken(r.offset, static_cast<std::uint64_t>(r.addend));
    } else if ((r.type == rt.glob_dat || r.type == rt.abs64) && r.sym > 0 &&
               r.sym <= dynsyms.size() && dynsyms[r.sym - 1].shndx != 0) {
      add_taken(r.offset, dynsyms[r.sym - 1].value);
    }
  }
  // Packed relative relocations (glibc 2.36's own libc.so.6 and ld.so keep
  // all of theirs here): the word in the file is the link-time address.
  auto relr = ef.RelrOffsets();
  if (!relr) return Unexpected(std::move(relr).error().Wrap(img->path));
  for (std::uint64_t at : *relr) {
    if (auto w = ef.ReadPointer(at)) add_taken(at, *w);
  }
  for (const auto& [value, where] : stored) {
    auto f = p.FuncWithEntry(value);
    if (!f) continue;
    const auto fi = static_cast<std::uint32_t>(*f);
    (where.outside_freeres ? img->address_taken : img->freeres_taken)
        .insert(fi);
    img->stored_at.emplace(fi, where.at);
  }
  return by_offset;
}

// Init and fini functions (and ld.so's entry) run whatever the program
// does.
void AddStartupRoots(const elf::ElfFile& ef, Image* img) {
  const bool is_interp = img->is_interp;
  auto dyn = ef.DynamicEntries();
  if (dyn && dyn->empty()) AddStaticRoots(ef, img);
  if (dyn) {
    std::map<std::int64_t, std::uint64_t> tags;
    for (const elf::DynamicEntry& d : *dyn) tags[d.tag] = d.value;
    for (std::int64_t t : {kDtInit, kDtFini}) {
      if (tags.count(t)) img->roots.push_back(tags[t]);
    }
    for (auto [arr, sz] : {std::pair{kDtInitArray, kDtInitArraySz},
                           std::pair{kDtFiniArray, kDtFiniArraySz},
                           std::pair{kDtPreinitArray, kDtPreinitArraySz}}) {
      if (!tags.count(arr) || !tags.count(sz)) continue;
      for (std::uint64_t off = 0; off + ef.ptr_size() <= tags[sz];
           off += ef.ptr_size()) {
        if (auto v = ef.ReadPointer(tags[arr] + off)) img->roots.push_back(*v);
      }
    }
  }
  if (is_interp && ef.entry() != 0) {
    img->roots.push_back(
        ef.entry());  // ld.so: its entry is where everything starts
  }
}

// PLT entries: the GOT slot each one jumps through names its target (a
// symbol, or an IRELATIVE resolver).
void MapPltEntries(
    const elf::ElfFile& ef, Arch arch, const disasm::Decoder& dec,
    const std::vector<elf::Symbol>& dynsyms,
    std::unordered_map<std::uint64_t, elf::Relocation>& by_offset, Image* img) {
  const RelocTypes rt = RelocTypesFor(arch);
  for (const elf::Section& sec : ef.sections()) {
    if (sec.name != ".plt" && sec.name != ".plt.sec" && sec.name != ".plt.got")
      continue;
    auto bytes = ef.ReadVirtual(sec.addr, sec.size);
    if (!bytes) continue;
    const std::uint64_t entsize =
        sec.entsize ? sec.entsize : (sec.name == ".plt.got" ? 8 : 16);
    std::map<disasm::Reg, std::uint64_t> consts;
    std::optional<std::uint64_t> slot;
    Instruction insn;
    for (std::uint64_t off = 0; off < bytes->size();
         off += insn.length ? insn.length : 1) {
      dec.Decode(bytes->subspan(off), sec.addr + off, &insn);
      for (int i = 0; i < insn.num_ops; ++i) {
        const disasm::MicroOp& op = insn.ops[i];
        if (op.dst.kind != Operand::Kind::kReg) continue;
        if (op.kind == OpKind::kMove && op.src.kind == Operand::Kind::kImm) {
          consts[op.dst.reg] = static_cast<std::uint64_t>(op.src.imm);
        } else if (op.kind == OpKind::kMove &&
                   op.src.kind == Operand::Kind::kMem &&
                   op.src.mem.base != disasm::kNoReg &&
                   consts.count(op.src.mem.base)) {
          slot = consts[op.src.mem.base] +
                 static_cast<std::uint64_t>(op.src.mem.disp);
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
}

// Call edges, indirect calls, function addresses taken in code, what each
// call clobbers and whether each function may return, from the sweeps.
void BuildCallGraph(Arch arch, const SweptPieces& swept, Image* img) {
  Program& p = img->program;
  const std::vector<PieceScan>& scans = swept.scans;
  const std::vector<std::uint32_t>& first_piece = swept.first_piece;
  const std::size_t n = p.funcs.size();
  img->calls.resize(n);
  img->plt_calls.resize(n);
  img->takes.resize(n);
  img->indirect.assign(n, false);
  // What calls and pointer calls do to registers: the psABIs'
  // call-clobbered sets (SysV x86-64: rax rcx rdx rsi rdi r8-r11; AAPCS64:
  // x0-x18, x30) stand for calls we cannot follow.
  const std::uint64_t abi_clobbered =
      arch == Arch::kArm64
          ? ((std::uint64_t{1} << 19) - 1) | (std::uint64_t{1} << 30)
          : (1u << 0) | (1u << 1) | (1u << 2) | (1u << 6) | (1u << 7) |
                (0xfu << 8);
  img->flow_writes.assign(n, 0);
  // Whether each function may return: it has a RET, an indirect jump (a
  // tail call through a pointer, or a switch), or a tail jump to a function
  // that may return; the rest is a least fixpoint below.
  std::vector<bool> returns(n, false);
  std::vector<std::vector<std::uint32_t>> tail_jumps(n);
  // The call graph, from the scans of each function's pieces.
  for (std::uint32_t f = 0; f < n; ++f) {
    const Function& fn = p.funcs[f];
    std::uint64_t& writes = img->flow_writes[f];
    for (std::uint32_t k = first_piece[f]; k < first_piece[f + 1]; ++k) {
      const PieceScan& scan = scans[k];
      if (scan.calls && arch == Arch::kArm64) writes |= std::uint64_t{1} << 30;
      for (std::uint64_t v : scan.code_constants) {
        if (auto t = p.FuncWithEntry(v))
          img->takes[f].push_back(static_cast<std::uint32_t>(*t));
      }
      if (scan.returns) returns[f] = true;
      if (scan.indirect) {
        img->indirect[f] = true;
        writes |= abi_clobbered;
      }
      for (const auto& [target, flow] : scan.branches) {
        const bool inside = target >= fn.entry && target < fn.end;
        if (flow != Flow::kCall) {
          if (inside) continue;  // a jump between pieces of this function
          if (auto t = p.FuncWithEntry(target); t && !img->plt.count(target)) {
            tail_jumps[f].push_back(static_cast<std::uint32_t>(*t));
          } else {
            returns[f] =
                true;  // a PLT tail call or into the middle of something
          }
        }
        auto pit = img->plt.find(target);
        if (pit != img->plt.end()) {
          img->plt_calls[f].push_back(&pit->second);
          writes |= abi_clobbered;
        } else if (img->InPlt(target)) {
          img->indirect[f] = true;  // a PLT entry we could not name
          writes |= abi_clobbered;
        } else if (auto t = p.FuncAt(target)) {
          img->calls[f].push_back(static_cast<std::uint32_t>(*t));
          if (p.funcs[*t].entry != target)
            writes = kAllRegs;  // into the middle
        } else {
          writes = kAllRegs;
        }
      }
    }
  }
  img->clobbers.assign(n, 0);
  img->clobbers_known.assign(n, false);
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
    const Image* self = img;
    p.callee_clobbers =
        [self,
         abi_clobbered](std::uint64_t target) -> std::optional<std::uint64_t> {
      auto f = self->program.FuncWithEntry(target);
      if (!f)
        return abi_clobbered;  // a PLT entry or another image: the ABI holds
      // Callee-saved registers are restored whatever the callee writes (the
      // psABI contract, which -fipa-ra only ever narrows for call-clobbered
      // ones): a push/pop pair is not a clobber.
      return self->Clobbers(static_cast<std::uint32_t>(*f)) & abi_clobbered;
    };
    p.may_return = [self](std::uint64_t target) {
      auto f = self->program.FuncWithEntry(target);
      return !f || self->returns[*f];
    };
  }
}

// The functions, PLT, roots and call graph of an opened image. It reads
// only the image itself, so images are built in parallel (BuildImages).
Result<void> BuildImage(Image* img, Arch arch) {
  const elf::ElfFile& ef = *img->elf;
  img->program.arch = arch;
  CollectRegions(ef, img);
  std::vector<elf::Symbol> dynsyms;
  if (auto d = ef.DynamicSymbols()) dynsyms = std::move(*d);
  FindFunctions(ef, dynsyms, img);
  auto decoder = disasm::MakeDecoder(arch);
  if (!decoder) return Unexpected(decoder.error());
  img->decoder = std::move(*decoder);
  const SweptPieces swept = SweepAndMergePieces(*img->decoder, &img->program);
  CollectExports(dynsyms, img);
  G2S_ASSIGN_OR_RETURN(auto by_offset,
                       CollectStoredPointers(ef, arch, dynsyms, img));
  if (ef.type() == elf::kEtExec) AddDataPointers(ef, img);
  AddStartupRoots(ef, img);
  MapPltEntries(ef, arch, *img->decoder, dynsyms, by_offset, img);
  BuildCallGraph(arch, swept, img);
  return {};
}

// The graph fields BuildImage would compute, from a cache entry (whose
// indices ParseImageSummary has checked).
void RestoreImage(ImageSummary&& s, Image* img) {
  Program& p = img->program;
  p.arch = s.arch;
  for (CachedFunction& f : s.funcs) {
    img->names.push_back(std::move(f.name));
    p.funcs.push_back(Function{f.entry, f.end, img->names.back(), 0x80000000u});
  }
  std::vector<const PltTarget*> plt;
  for (CachedPltTarget& t : s.plt) {
    auto it =
        img->plt.emplace(t.entry, PltTarget{std::move(t.symbol), t.resolver})
            .first;
    plt.push_back(&it->second);
  }
  const std::size_t n = p.funcs.size();
  img->calls = std::move(s.calls);
  img->takes = std::move(s.takes);
  img->indirect = std::move(s.indirect);
  img->plt_calls.resize(n);
  for (std::size_t f = 0; f < n; ++f) {
    for (std::uint32_t k : s.plt_calls[f]) img->plt_calls[f].push_back(plt[k]);
  }
  img->address_taken.insert(s.address_taken.begin(), s.address_taken.end());
  img->freeres_taken.insert(s.freeres_taken.begin(), s.freeres_taken.end());
  img->stored_at.insert(s.stored_at.begin(), s.stored_at.end());
  for (auto& [name, f] : s.exports) img->exports.emplace(std::move(name), f);
  img->ifunc_exports.insert(s.ifunc_exports.begin(), s.ifunc_exports.end());
  img->roots = std::move(s.roots);
  img->cached_report = std::move(s.report);
  img->cached_wrappers_in = s.wrappers_in;
  img->graph_from_cache = true;
}

// What RestoreImage needs, from an analysed image.
ImageSummary SummarizeImage(const Image& img) {
  ImageSummary s;
  s.arch = img.program.arch;
  s.is_interp = img.is_interp;
  s.content_id = img.content_id;
  s.tool_id = ToolId();
  s.wrappers_in = img.wrappers_in;
  for (const Function& f : img.program.funcs) {
    s.funcs.push_back(CachedFunction{f.entry, f.end, std::string(f.name)});
  }
  std::unordered_map<const PltTarget*, std::uint32_t> plt_index;
  for (const auto& [entry, t] : img.plt) {
    plt_index[&t] = static_cast<std::uint32_t>(s.plt.size());
    s.plt.push_back(CachedPltTarget{entry, t.symbol, t.resolver});
  }
  s.calls = img.calls;
  s.takes = img.takes;
  s.indirect = img.indirect;
  s.plt_calls.resize(img.plt_calls.size());
  for (std::size_t f = 0; f < img.plt_calls.size(); ++f) {
    for (const PltTarget* t : img.plt_calls[f])
      s.plt_calls[f].push_back(plt_index.at(t));
  }
  s.address_taken.assign(img.address_taken.begin(), img.address_taken.end());
  s.freeres_taken.assign(img.freeres_taken.begin(), img.freeres_taken.end());
  s.stored_at.assign(img.stored_at.begin(), img.stored_at.end());
  s.exports.assign(img.exports.begin(), img.exports.end());
  std::sort(s.exports.begin(), s.exports.end());  // deterministic files
  s.ifunc_exports.assign(img.ifunc_exports.begin(), img.ifunc_exports.end());
  s.roots = img.roots;
  s.report.uses = img.report.uses;
  s.report.findings = img.report.findings;
  s.report.wrappers = img.report.wrappers;
  return s;
}

// BuildImage for images[from..], biggest first on every core; with a
// cache, libraries with an entry are restored from it instead.
Result<void> BuildImages(const std::vector<std::unique_ptr<Image>>& images,
                         std::size_t from, Arch arch,
                         const LibraryCache* cache) {
  std::vector<Image*> todo;
  for (std::size_t i = from; i < images.size(); ++i)
    todo.push_back(images[i].get());
  std::sort(todo.begin(), todo.end(), [](const Image* a, const Image* b) {
    return a->file.bytes().size() > b->file.bytes().size();
  });
  std::vector<Result<void>> results(todo.size());
  ParallelFor(
      todo.size(), HardwareThreads(),
      [&](std::size_t i, int) {
        Image* img = todo[i];
        if (cache != nullptr && !img->is_main) {
          img->content_id = ContentId(*img->elf, img->file.bytes());
          if (auto s = cache->Load(arch, img->is_interp, img->content_id)) {
            RestoreImage(std::move(*s), img);
            return;
          }
        }
        results[i] = BuildImage(img, arch);
      },
      /*serial_below=*/2);
  for (Result<void>& r : results) G2S_TRY(r);
  return {};
}

// Where the dynamic loader binds each symbol: its first definition in load
// order (the interpreter first), as for a global lookup scope.
struct Definition {
  std::size_t image;
  std::uint32_t func;
  bool ifunc;
};
using SymbolScope = std::unordered_map<std::string_view, Definition>;

// Adds the exports of images[from..] (earlier definitions win).
void ExtendScope(const std::vector<std::unique_ptr<Image>>& images,
                 std::size_t from, SymbolScope* scope) {
  for (std::size_t i = from; i < images.size(); ++i) {
    for (const auto& [name, f] : images[i]->exports) {
      scope->emplace(
          name, Definition{i, f, images[i]->ifunc_exports.count(name) > 0});
    }
  }
}

// Runs the syscall analysis over an image, with the wrappers that the
// images it binds PLT calls to export (those are analysed first).
void AnalyzeImage(Image* img, const std::vector<std::unique_ptr<Image>>& images,
                  const SymbolScope& scope, int threads) {
  std::unordered_map<std::uint64_t, std::vector<EntryLoc>> external_wrappers;
  for (const auto& [entry, target] : img->plt) {
    if (target.symbol.empty()) continue;
    auto it = scope.find(target.symbol);
    if (it == scope.end()) continue;
    for (const WrapperInfo& w : images[it->second.image]->report.wrappers) {
      if (w.func == it->second.func) external_wrappers[entry] = w.locs;
    }
  }
  // The report is a function of the image's bytes and these wrappers only
  // (Analyze reads nothing else: name rules are off), so a cache entry with
  // the same content id and the same wrappers holds this very report.
  img->wrappers_in = WrappersFingerprint(external_wrappers);
  if (img->graph_from_cache && img->cached_wrappers_in == img->wrappers_in) {
    img->report = std::move(img->cached_report);
    img->report_from_cache = true;
    return;
  }
  Options opt;
  opt.name_rules = false;  // Go's names mean nothing here
  opt.threads = threads;
  if (!img->graph_from_cache) {
    img->program.external_wrappers = std::move(external_wrappers);
    img->report = Analyze(img->program, opt);
    return;
  }
  // The graph came from the cache but the wrappers differ (another libc
  // under --root): analyse the bytes again, in a fresh Image, since this
  // one's exports are in the scope other images read meanwhile. BuildImage
  // is deterministic, so the fresh function indices are the cached ones.
  Image fresh;
  fresh.path = img->path;
  fresh.is_interp = img->is_interp;
  auto parsed = elf::ElfFile::Parse(img->file.bytes());
  if (parsed) fresh.elf = std::move(*parsed);
  if (!parsed || !BuildImage(&fresh, img->program.arch)) {
    // Not reached in practice (the file parsed and built before); if it is,
    // say so rather than trust a report made for other libraries.
    img->report = Report{};
    img->report.findings.push_back(
        Finding{Finding::Kind::kUndecodable, 0, std::nullopt,
                "could not re-analyse a cached library"});
    return;
  }
  fresh.program.external_wrappers = std::move(external_wrappers);
  img->report = Analyze(fresh.program, opt);
}

// Analyses images[from..], each after the images its PLT calls bind to
// (libc's syscall() must be known as a wrapper before libcap's calls to it
// are analysed). Images whose providers are all done form a wave, analysed
// in parallel; a wave of one image (libc) uses every core itself. A cycle
// of imports (rare: the loader allows it) is broken at its last-loaded
// image, whose calls into the cycle then count as plain calls.
void AnalyzeImages(const std::vector<std::unique_ptr<Image>>& images,
                   std::size_t from, const SymbolScope& scope) {
  const std::size_t n = images.size();
  std::vector<std::set<std::size_t>> providers(n);
  for (std::size_t i = from; i < n; ++i) {
    for (const auto& [entry, target] : images[i]->plt) {
      if (target.symbol.empty()) continue;
      auto it = scope.find(target.symbol);
      if (it != scope.end() && it->second.image != i &&
          it->second.image >= from) {
        providers[i].insert(it->second.image);
      }
    }
  }
  std::vector<bool> done(n, false);
  for (std::size_t remaining = n - from; remaining > 0;) {
    std::vector<std::size_t> wave;
    for (std::size_t i = from; i < n; ++i) {
      if (done[i]) continue;
      bool ready = true;
      for (std::size_t j : providers[i]) ready = ready && done[j];
      if (ready) wave.push_back(i);
    }
    if (wave.empty()) {
      for (std::size_t i = n; i-- > from;) {
        if (!done[i]) {
          wave.push_back(i);
          break;
        }
      }
    }
    if (wave.size() == 1) {
      AnalyzeImage(images[wave[0]].get(), images, scope, HardwareThreads());
    } else {
      ParallelFor(
          wave.size(), HardwareThreads(),
          [&](std::size_t k, int) {
            AnalyzeImage(images[wave[k]].get(), images, scope, 1);
          },
          /*serial_below=*/2);
    }
    for (std::size_t i : wave) done[i] = true;
    remaining -= wave.size();
  }
}

// Why each reachable function is reachable: the first way reachability
// found it (callers, roots, pointers), for `explain`'s chain from what the
// program enters to the function that makes a syscall.
struct ReachLog {
  struct Via {
    enum class Kind : std::uint8_t {
      kRoot,
      kImport,
      kNss,
      kCall,
      kPointer
    } kind = Kind::kRoot;
    // kCall: the caller; kPointer: the function with the indirect call (or
    // IFUNC/IRELATIVE use) that made address-taken functions callable;
    // image == kGo for the Go code of a static program.
    std::size_t image = 0;
    std::uint32_t func = 0;
  };
  static constexpr std::size_t kGo = ~std::size_t{0};
  std::vector<std::vector<Via>> via;
  // Functions whose address code materialises: the first function seen
  // doing so (absent: the address is in data).
  std::map<std::pair<std::size_t, std::uint32_t>,
           std::pair<std::size_t, std::uint32_t>>
      taken_by;
  Via current;  // what the next first reach is recorded with

  std::string Name(const std::vector<std::unique_ptr<Image>>& images,
                   std::size_t i, std::uint32_t f) const {
    return fmt::format(
        "{}:{}", std::filesystem::path(images[i]->path).filename().string(),
        images[i]->FunctionName(f));
  }

  // " at SECTION+OFF (ADDR)": where a relocation stores f's address.
  static std::string StoredAt(const Image& img, std::uint32_t f) {
    auto it = img.stored_at.find(f);
    if (it == img.stored_at.end()) return "";
    const std::uint64_t at = it->second;
    const elf::Section* sec =
        img.elf ? img.elf->FindSectionByAddress(at) : nullptr;
    if (sec && !sec->name.empty()) {
      return fmt::format(" at {}+{:#x} ({:#x})", sec->name, at - sec->addr, at);
    }
    return fmt::format(" at {:#x}", at);
  }

  // "root -> ... -> f", each step a function; a pointer step says where the
  // address was taken and which indirect call made it callable. Reach order
  // makes this a walk to ever earlier functions, so it ends; long chains
  // are cut after kMaxSteps.
  std::string Chain(const std::vector<std::unique_ptr<Image>>& images,
                    std::size_t i, std::uint32_t f) const {
    constexpr int kMaxSteps = 24;
    std::vector<std::string> steps;
    bool cut = true;
    for (int n = 0; n < kMaxSteps; ++n) {
      const Via& v = via[i][f];
      std::string step = Name(images, i, f);
      switch (v.kind) {
        case Via::Kind::kRoot:
          steps.push_back(step + " (entry, init or fini)");
          cut = false;
          break;
        case Via::Kind::kImport:
          steps.push_back(step + " (imported by the program)");
          cut = false;
          break;
        case Via::Kind::kNss:
          steps.push_back(step + " (NSS module entry point)");
          cut = false;
          break;
        case Via::Kind::kCall:
          steps.push_back(step);
          break;
        case Via::Kind::kPointer: {
          auto t = taken_by.find({i, f});
          const std::string where =
              t == taken_by.end()
                  ? "its address is in data" + StoredAt(*images[i], f)
                  : "its address is taken by " +
                        Name(images, t->second.first, t->second.second);
          const std::string caller =
              v.image == kGo ? "Go code (cgo)" : Name(images, v.image, v.func);
          steps.push_back(
              fmt::format("{} ({}; called through a pointer from {})", step,
                          where, caller));
          if (v.image == kGo) cut = false;
          break;
        }
      }
      if (!cut) break;
      i = v.image;
      f = v.func;
    }
    std::reverse(steps.begin(), steps.end());
    return fmt::format("{}{}", cut ? "... -> " : "", fmt::join(steps, " -> "));
  }
};

// A static executable has no dynamic symbols to name its exports, but
// static glibc still has dlopen: NSS (getaddrinfo, getpwnam: nss/nss_module.c
// loads libnss_<service>.so.2), iconv (gconv modules) and the program's own
// dlopen calls (SQLite's load_extension) map shared objects at run time, with
// ld.so's code that is linked into the program. Those objects are not
// analysed. With .symtab, the reachable functions' names tell; stripped, the
// loader's own error message in the file is the evidence.
std::optional<std::string> StaticDlopenFinding(
    const Image& img, const std::vector<bool>& reached) {
  bool named = false;
  for (std::uint32_t f = 0; f < img.program.funcs.size(); ++f) {
    const std::string_view n = img.program.funcs[f].name;
    if (n.empty()) continue;
    named = true;
    if (reached[f] && (n == "dlopen" || n == "__libc_dlopen_mode" ||
                       n == "_dl_open" || n == "dlmopen" ||
                       n == "__nss_module_load" || n == "__gconv_find_shlib")) {
      return fmt::format(
          "{}: {} is reachable: this static program loads shared objects at "
          "run time "
          "(NSS modules, gconv, dlopen) that are not analysed",
          img.path, n);
    }
  }
  if (named) return std::nullopt;
  constexpr std::string_view kLoaderMessage = "cannot open shared object file";
  const Bytes bytes = img.file.bytes();
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()),
                              bytes.size());
  if (text.find(kLoaderMessage) == std::string_view::npos) return std::nullopt;
  return fmt::format(
      "{}: has glibc's dynamic loader linked in (\"{}\") and no symbols to "
      "tell whether it "
      "is reachable: shared objects it may load at run time (NSS modules, "
      "gconv, dlopen) are "
      "not analysed",
      img.path, kLoaderMessage);
}

// One run of AnalyzeNativeDependencies: the images found so far, and the
// reachability over (image, function) that grows as images are added.
class NativeJob {
 public:
  NativeJob(const elf::ElfFile& main, Arch arch, const NativeOptions& options)
      : main_(main), arch_(arch), options_(options) {
    dirs_ = options.library_path;
    for (const std::string& d : DefaultLibraryDirs(arch)) dirs_.push_back(d);
    if (!options.cache_dir.empty()) cache_.emplace(options.cache_dir);
  }

  Result<NativeClosure> Run();

 private:
  using Clock = std::chrono::steady_clock;
  using Via = ReachLog::Via;

  Result<void> Load(const std::string& path, bool is_interp);
  Result<void> LoadProgramAndLibraries();
  std::string FindNeeded(const std::string& name, const SearchPaths& by,
                         const SearchPaths& program_paths,
                         std::size_t* searched) const;
  Result<void> BuildAndAnalyze(std::size_t from);
  void StoreInCache(std::size_t from);
  void AddReachState(std::size_t from);
  void Reach(std::size_t i, std::uint32_t f);
  void ReachAddress(std::size_t i, std::uint64_t a);
  bool ReachSymbol(std::string_view name, bool from_analysed_code);
  void ReachAllTaken();
  void ReachRoots();
  void Propagate();
  bool ReleaseFreeres();
  void PropagateToFixpoint();
  template <class Fn>
  void ForEachReachedExport(Fn fn) const;
  Result<void> AddNssModules();
  void AddRunTimeLoadingFindings();
  void CollectSyscallsAndFindings();
  void EndPhase(double* ms) {
    *ms += std::chrono::duration<double, std::milli>(Clock::now() - t_phase_)
               .count();
    t_phase_ = Clock::now();
  }

  const elf::ElfFile& main_;
  const Arch arch_;
  const NativeOptions& options_;
  NativeClosure out_;
  Clock::time_point t_phase_ = Clock::now();
  std::vector<std::unique_ptr<Image>> images_;
  std::set<std::string> seen_;  // canonical paths of images_
  std::vector<std::string> dirs_;
  std::optional<LibraryCache> cache_;
  SymbolScope scope_;
  // Global reachability over (image, function).
  std::vector<std::vector<bool>> reached_;
  std::vector<std::pair<std::size_t, std::uint32_t>> work_;
  // Functions entered from outside their image's direct calls: roots,
  // cross-image symbol calls, calls through pointers. A syscall wrapper
  // entered that way gets numbers nobody analysed.
  std::vector<std::set<std::uint32_t>> external_;
  ReachLog log_;
  // Address-taken functions: from data, plus those whose address reachable
  // code materialises. Once any indirect call is reachable, all of them are.
  bool indirect_reached_ = false;
  std::vector<std::set<std::uint32_t>> taken_;
  Via first_pointer_call_;  // what made address-taken functions callable
};

// The same file under two names (/lib64/ld-linux-x86-64.so.2 is a symlink
// to the copy libc names in DT_NEEDED) is one image, as for the loader.
std::string Canonical(const std::string& p) {
  std::error_code ec;
  auto c = std::filesystem::canonical(p, ec);
  return ec ? p : c.string();
}

Result<void> NativeJob::Load(const std::string& path, bool is_interp) {
  if (!seen_.insert(Canonical(path)).second) return {};
  G2S_ASSIGN_OR_RETURN(auto img, OpenImage(path, arch_, is_interp));
  images_.push_back(std::move(img));
  return {};
}

// glibc's _dl_map_object (elf/dl-load.c): a name with a slash is a path;
// otherwise DT_RPATH of the object (when it has no DT_RUNPATH) and of the
// program, LD_LIBRARY_PATH, DT_RUNPATH, then the system directories.
std::string NativeJob::FindNeeded(const std::string& name,
                                  const SearchPaths& by,
                                  const SearchPaths& program_paths,
                                  std::size_t* searched) const {
  *searched = 0;
  if (name.find('/') != std::string::npos) {
    return IsFile(UnderRoot(options_.root, name))
               ? UnderRoot(options_.root, name)
               : "";
  }
  std::vector<std::string> order;
  if (by.runpath.empty()) order = by.rpath;
  if (program_paths.runpath.empty()) {
    order.insert(order.end(), program_paths.rpath.begin(),
                 program_paths.rpath.end());
  }
  for (const std::string& d : options_.library_path)
    order.push_back(UnderRoot(options_.root, d));
  order.insert(order.end(), by.runpath.begin(), by.runpath.end());
  for (const std::string& d : DefaultLibraryDirs(arch_)) {
    order.push_back(UnderRoot(options_.root, d));
  }
  *searched = order.size();
  for (const std::string& d : order) {
    const std::string cand = d + "/" + name;
    if (IsFile(cand)) return cand;
  }
  return "";
}

// The program itself (when it is analysed as C), its interpreter and its
// DT_NEEDED closure, breadth first (the loader's search order for
// symbols), each looked up where the loader looks for the object that
// needs it.
Result<void> NativeJob::LoadProgramAndLibraries() {
  if (!options_.main_path.empty()) {
    G2S_TRY(Load(options_.main_path, /*is_interp=*/true));
    images_.front()->foreign_code = options_.go_code;
    images_.front()->is_main = true;
  }
  if (auto interp = main_.Interpreter()) {
    const std::string p = UnderRoot(options_.root, std::string(*interp));
    if (IsFile(p)) {
      G2S_TRY(Load(p, true));
    } else {
      out_.findings.push_back(fmt::format("interpreter {} not found", p));
    }
  }
  const std::string program_path =
      !options_.main_path.empty() ? options_.main_path : options_.program_path;
  const SearchPaths program_paths =
      SearchPathsOf(main_, program_path, options_.root);
  std::deque<std::pair<std::string, SearchPaths>> queue;
  if (auto needed = main_.Needed()) {
    for (std::string_view n : *needed)
      queue.emplace_back(std::string(n), program_paths);
  }
  while (!queue.empty()) {
    const auto [name, by] = std::move(queue.front());
    queue.pop_front();
    std::size_t searched = 0;
    const std::string found = FindNeeded(name, by, program_paths, &searched);
    if (found.empty()) {
      out_.findings.push_back(
          fmt::format("library {} not found (searched {} directories under {})",
                      name, searched, options_.root));
      continue;
    }
    if (seen_.count(Canonical(found))) continue;
    G2S_TRY(Load(found, false));
    const SearchPaths paths =
        SearchPathsOf(*images_.back()->elf, found, options_.root);
    if (auto more = images_.back()->elf->Needed()) {
      for (std::string_view n : *more)
        queue.emplace_back(std::string(n), paths);
    }
  }
  return {};
}

// Entries for the images analysed afresh, once their reports are final.
void NativeJob::StoreInCache(std::size_t from) {
  if (!cache_) return;
  for (std::size_t i = from; i < images_.size(); ++i) {
    const Image& img = *images_[i];
    if (img.is_main) continue;
    if (img.report_from_cache) {
      ++out_.cache_hits;
      continue;
    }
    ++out_.cache_misses;
    if (cache_->Store(SummarizeImage(img))) ++out_.cache_writes;
  }
}

// Images [from, end): call graphs, symbol scope, syscall analysis, cache.
Result<void> NativeJob::BuildAndAnalyze(std::size_t from) {
  G2S_TRY(BuildImages(images_, from, arch_, cache_ ? &*cache_ : nullptr));
  EndPhase(&out_.graph_ms);
  ExtendScope(images_, from, &scope_);
  AnalyzeImages(images_, from, scope_);
  StoreInCache(from);
  return {};
}

// Reachability state for images [from, end), nothing reached yet.
void NativeJob::AddReachState(std::size_t from) {
  for (std::size_t i = from; i < images_.size(); ++i) {
    reached_.emplace_back(images_[i]->program.funcs.size(), false);
    log_.via.emplace_back(images_[i]->program.funcs.size());
    external_.emplace_back();
    taken_.push_back(images_[i]->address_taken);
    out_.functions += images_[i]->program.funcs.size();
    out_.images.push_back(images_[i]->path);
  }
}

void NativeJob::Reach(std::size_t i, std::uint32_t f) {
  if (!reached_[i][f]) {
    reached_[i][f] = true;
    log_.via[i][f] = log_.current;
    work_.emplace_back(i, f);
  }
}

void NativeJob::ReachAddress(std::size_t i, std::uint64_t a) {
  if (auto f = images_[i]->program.FuncAt(a)) {
    external_[i].insert(static_cast<std::uint32_t>(*f));
    Reach(i, static_cast<std::uint32_t>(*f));
  }
}

// Symbol lookup in load order (the interpreter comes first; its few
// exports are what libc imports from it). `from_analysed_code`: the call
// is a PLT call in an image we analysed, whose data flow evaluated it
// (external_wrappers); otherwise (the Go program's imports) nobody saw the
// arguments. True if the symbol is an IFUNC.
bool NativeJob::ReachSymbol(std::string_view name, bool from_analysed_code) {
  auto it = scope_.find(name);
  if (it == scope_.end()) return false;
  const Definition& d = it->second;
  if (!from_analysed_code) external_[d.image].insert(d.func);
  Reach(d.image, d.func);
  return d.ifunc;
}

void NativeJob::ReachAllTaken() {
  if (indirect_reached_) return;
  indirect_reached_ = true;
  first_pointer_call_ = log_.current;
  for (std::size_t i = 0; i < images_.size(); ++i) {
    for (std::uint32_t f : taken_[i]) {
      external_[i].insert(f);
      Reach(i, f);
    }
  }
}

// What the program enters: every image's init/fini (and ld.so's entry),
// the Go code's calls through pointers, ld.so's call of libc by name, and
// the program's imports.
void NativeJob::ReachRoots() {
  log_.current = Via{Via::Kind::kRoot};
  for (std::size_t i = 0; i < images_.size(); ++i) {
    for (std::uint64_t a : images_[i]->roots) ReachAddress(i, a);
  }
  // Go code calls C only through function pointers (cgocall's fn, the
  // runtime's _cgo_* hooks): for the Go side, every address-taken C
  // function may be called.
  if (!options_.go_code.empty()) {
    log_.current = Via{Via::Kind::kPointer, ReachLog::kGo};
    ReachAllTaken();
  }
  // ld.so calls libc's early initialisation by name (glibc 2.32+,
  // elf/libc_early_init.c), not through a relocation.
  log_.current = Via{Via::Kind::kRoot};
  ReachSymbol("__libc_early_init", false);
  auto dynsyms = main_.DynamicImports();
  if (dynsyms && options_.main_path.empty()) {
    log_.current = Via{Via::Kind::kImport};
    for (const elf::Symbol& s : *dynsyms) {
      if (s.shndx == 0 && !s.name.empty()) ReachSymbol(s.name, false);
    }
  }
}

// Follows calls, materialised addresses, PLT calls and indirect calls
// from every function reached and not yet visited.
void NativeJob::Propagate() {
  while (!work_.empty()) {
    auto [i, f] = work_.back();
    work_.pop_back();
    const Image& img = *images_[i];
    log_.current = Via{Via::Kind::kCall, i, f};
    for (std::uint32_t t : img.calls[f]) Reach(i, t);
    for (std::uint32_t t : img.takes[f]) {
      if (!taken_[i].insert(t).second) continue;
      if (!img.address_taken.count(t))
        log_.taken_by.emplace(std::pair{i, t}, std::pair{i, f});
      if (indirect_reached_) {
        external_[i].insert(t);
        log_.current = Via{Via::Kind::kPointer, i, f};
        Reach(i, t);
        log_.current = Via{Via::Kind::kCall, i, f};
      }
    }
    for (const PltTarget* t : img.plt_calls[f]) {
      log_.current = Via{Via::Kind::kCall, i, f};
      if (t->resolver) {
        ReachAddress(i, *t->resolver);
        log_.current = Via{Via::Kind::kPointer, i, f};
        ReachAllTaken();  // the resolver picks one of the implementations
      } else if (ReachSymbol(t->symbol, true)) {
        log_.current = Via{Via::Kind::kPointer, i, f};
        ReachAllTaken();  // an IFUNC: any implementation its resolver returns
      }
    }
    log_.current = Via{Via::Kind::kPointer, i, f};
    if (img.indirect[f]) ReachAllTaken();
  }
}

// __libc_subfreeres's functions once __libc_freeres is reachable (see
// Image::freeres_taken); true if that made more functions address-taken.
bool NativeJob::ReleaseFreeres() {
  bool more = false;
  for (std::size_t i = 0; i < images_.size(); ++i) {
    const Image& img = *images_[i];
    auto it = img.exports.find("__libc_freeres");
    if (img.freeres_taken.empty() || it == img.exports.end() ||
        !reached_[i][it->second]) {
      continue;
    }
    log_.current = Via{Via::Kind::kPointer, i, it->second};
    for (std::uint32_t f : img.freeres_taken) {
      if (!taken_[i].insert(f).second) continue;
      more = true;
      if (indirect_reached_) {
        external_[i].insert(f);
        Reach(i, f);
      }
    }
  }
  return more;
}

void NativeJob::PropagateToFixpoint() {
  do {
    Propagate();
  } while (ReleaseFreeres());
}

template <class Fn>
void NativeJob::ForEachReachedExport(Fn fn) const {
  for (std::size_t i = 0; i < images_.size(); ++i) {
    for (const auto& [name, f] : images_[i]->exports) {
      if (reached_[i][f]) fn(name);
    }
  }
}

// glibc's NSS (getpwuid_r, getaddrinfo, ...) dlopen()s the modules that
// /etc/nsswitch.conf names for the database a lookup uses
// (libnss_systemd.so.2 for "passwd: files systemd" on Debian), so the
// modules of each database whose entry points are reachable are analysed,
// with every _nss_* function they export as a root (nss.h). Their code may
// reach entry points of more databases: to a fixpoint.
Result<void> NativeJob::AddNssModules() {
  std::set<std::string> nss_databases;
  std::optional<NssConfig> nss_conf;
  for (;;) {
    std::set<std::string> databases = nss_databases;
    ForEachReachedExport([&](const std::string& name) {
      for (std::string& db : NssDatabasesOf(name))
        databases.insert(std::move(db));
    });
    if (databases == nss_databases) return {};
    nss_databases = databases;
    if (!nss_conf) {
      std::ifstream conf(UnderRoot(options_.root, "/etc/nsswitch.conf"));
      nss_conf = ParseNsswitchConf(conf);
    }
    const std::size_t before = images_.size();
    for (const std::string& svc : NssServicesFor(*nss_conf, nss_databases)) {
      const std::string lib = "libnss_" + svc + ".so.2";
      for (const std::string& d : dirs_) {
        const std::string cand = UnderRoot(options_.root, d + "/" + lib);
        if (!IsFile(cand) || seen_.count(Canonical(cand))) continue;
        G2S_TRY(Load(cand, false));
        out_.nss_modules.push_back(cand);
        break;
      }
    }
    if (images_.size() == before) continue;
    EndPhase(&out_.analysis_ms);
    G2S_TRY(BuildAndAnalyze(before));
    AddReachState(before);
    for (std::size_t i = before; i < images_.size(); ++i) {
      log_.current = Via{Via::Kind::kNss};
      for (std::uint64_t a : images_[i]->roots) ReachAddress(i, a);
      for (const auto& [name, f] : images_[i]->exports) {
        if (name.starts_with("_nss_")) {
          external_[i].insert(f);
          Reach(i, f);
        }
      }
      if (indirect_reached_) {
        log_.current = first_pointer_call_;
        for (std::uint32_t f : taken_[i]) Reach(i, f);
      }
    }
    PropagateToFixpoint();
  }
}

// Code that loads more code at run time, which is not analysed, is a
// finding.
void NativeJob::AddRunTimeLoadingFindings() {
  bool loads_at_run_time = false;
  ForEachReachedExport([&](const std::string& n) {
    loads_at_run_time |= n == "dlopen" || n == "dlmopen" || n == "iconv_open";
  });
  if (loads_at_run_time) {
    out_.findings.push_back(
        "dlopen/iconv_open is reachable: libraries the program or libc loads "
        "at run time "
        "(other than the NSS modules of nsswitch.conf) are not analysed");
  }
  if (!options_.main_path.empty() && !main_.Interpreter()) {
    if (auto f = StaticDlopenFinding(*images_.front(), reached_.front())) {
      out_.findings.push_back(*f);
    }
  }
}

// Syscalls of reachable functions, and findings in them.
void NativeJob::CollectSyscallsAndFindings() {
  for (std::size_t i = 0; i < images_.size(); ++i) {
    const Image& img = *images_[i];
    for (std::uint32_t f = 0; f < reached_[i].size(); ++f) {
      if (reached_[i][f]) ++out_.reachable_functions;
    }
    for (const auto& [nr, uses] : img.report.uses) {
      for (const SyscallUse& u : uses) {
        const bool vdso = u.how == Resolution::kVdsoFallback;
        // The interpreter names the vDSO functions only to look them up for
        // libc (glibc's setup_vdso_pointers into GLRO(dl_vdso_*); musl's
        // ld.so is its libc). Whoever calls one pairs it with the syscall:
        // glibc's INLINE_VSYSCALL (sysdeps/unix/sysv/linux/sysdep-vdso.h)
        // and musl's clock_gettime make it from the same function when the
        // vDSO is absent or says ENOSYS, and glibc's IFUNCs that return the
        // vDSO function (x86 gettimeofday, time) pick between it and a
        // *_syscall function the resolver materialises. That function is
        // reached when the caller is, so its syscall site stands for the
        // vDSO's own fallback; an unreached caller makes neither.
        if (vdso && img.is_interp) continue;
        if (!vdso && !reached_[i][u.func]) continue;
        out_.syscalls[nr].push_back(
            NativeUse{img.path, vdso ? u.detail : img.FunctionName(u.func),
                      vdso ? "" : log_.Chain(images_, i, u.func)});
      }
    }
    for (const Finding& fd : img.report.findings) {
      // (A finding with no function: a syscall instruction in bytes no FDE
      // or symbol covers; it always counts.)
      if (fd.func && !reached_[i][*fd.func]) continue;
      out_.findings.push_back(fmt::format(
          "{}: {} at {:#x}{}: {}", img.path, FindingKindName(fd.kind), fd.pc,
          fd.func ? " in " + img.FunctionName(*fd.func) : "", fd.detail));
    }
    for (const WrapperInfo& w : img.report.wrappers) {
      if (!reached_[i][w.func] || !external_[i].count(w.func)) continue;
      out_.findings.push_back(
          fmt::format("{}: {} takes a syscall number as an argument and is "
                      "entered from outside "
                      "its library's own calls (an export, a pointer, an init "
                      "hook): the numbers "
                      "passed to it are not analysed",
                      img.path, img.FunctionName(w.func)));
    }
  }
}

Result<NativeClosure> NativeJob::Run() {
  G2S_TRY(LoadProgramAndLibraries());
  G2S_TRY(BuildAndAnalyze(0));
  AddReachState(0);
  ReachRoots();
  PropagateToFixpoint();
  G2S_TRY(AddNssModules());
  AddRunTimeLoadingFindings();
  CollectSyscallsAndFindings();
  EndPhase(&out_.analysis_ms);
  return std::move(out_);
}

}  // namespace

Result<NativeClosure> AnalyzeNativeDependencies(const elf::ElfFile& main,
                                                Arch arch,
                                                const NativeOptions& options) {
  return NativeJob(main, arch, options).Run();
}

}  // namespace go2seccomp::analysis
