#include "go2seccomp/analysis/function_flow.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <queue>

#include <fmt/format.h>

namespace go2seccomp::analysis {

using disasm::Flow;
using disasm::Instruction;
using disasm::MemRef;
using disasm::MicroOp;
using disasm::Operand;
using disasm::OpKind;
using disasm::Reg;

std::string EntryLoc::ToString() const {
  if (kind == Kind::kReg) return fmt::format("entry r{}", value);
  return fmt::format("entry [sp{:+#x}]", value);
}

std::string Value::ToString() const {
  if (top_) return "⊤";
  std::string s = "{";
  for (int i = 0; i < n_; ++i) {
    if (i) s += ", ";
    const Atom& a = atoms_[i];
    switch (a.kind) {
      case Atom::Kind::kConst:
        s += fmt::format("{:#x}", a.value);
        break;
      case Atom::Kind::kEntry:
        s += a.loc().ToString();
        if (a.entry_mask()) s += fmt::format("|{:#x}", a.entry_mask());
        break;
      case Atom::Kind::kStackAddr:
        s += fmt::format("&sp{:+#x}", a.value);
        break;
      case Atom::Kind::kGlobal:
        s += fmt::format("[{:#x}]:{}", a.value, a.size);
        break;
    }
  }
  return s + "}";
}

FlowConfig FlowConfigFor(Arch arch) {
  const ArchInfo& info = GetArchInfo(arch);
  FlowConfig c;
  c.arch = arch;
  c.call_push = info.call_push_bytes;
  c.first_arg_offset = info.first_stack_arg_offset;
  c.ptr_size = info.ptr_size;
  switch (arch) {
    case Arch::kX86_64:
      c.nr_reg = 0;      // AX
      c.frame_reg = 5;   // BP: Go's amd64 frame pointer (framepointer_enabled)
      c.arg_regs = {7, 6, 2, 10, 8, 9};  // DI SI DX R10 R8 R9 (syscall ABI)
      break;
    case Arch::kI386:
      c.nr_reg = 0;  // AX
      // BP is an ordinary allocatable register on 386 (gp = "AX CX DX BX BP
      // SI DI", cmd/compile/internal/ssa/gen/386Ops.go): no frame pointer
      // (runtime2.go framepointer_enabled is amd64/arm64 only).
      c.frame_reg = disasm::kNoReg;
      c.arg_regs = {3, 1, 2, 6, 7, 5};  // BX CX DX SI DI BP (int $0x80 ABI)
      break;
    case Arch::kArm64:
      c.nr_reg = 8;      // X8 (Linux arm64 syscall ABI)
      c.arg_regs = {0, 1, 2, 3, 4, 5};
      c.frame_reg = 29;  // FP
      c.asm_temp_reg = 27;
      break;
    case Arch::kArm:
      c.nr_reg = 7;  // R7 (EABI)
      c.frame_reg = disasm::kNoReg;
      c.asm_temp_reg = 11;  // REGTMP (cmd/internal/obj/arm a.out.go)
      c.arg_regs = {0, 1, 2, 3, 4, 5};
      break;
  }
  return c;
}

namespace {

struct Slot {
  std::int64_t off;
  std::uint8_t size;
  Value v;
  bool operator==(const Slot&) const = default;
};

// Registers plus the stack slots we know, keyed by entry-SP-relative offset.
// A slot that is absent reads as the caller's argument (Entry(stack off))
// when it lies in the argument area, and as Top below it.
struct State {
  bool reached = false;
  // A store went somewhere in the frame we can't name: the slots known
  // before it are gone and absent slots read as Top; stores after it to
  // named slots are tracked again (arm's byte-copy loops into a frame
  // buffer come before the stores of a call's constant arguments).
  bool stack_lost = false;
  // The caller's argument area may have been overwritten (a callee got a
  // pointer into it): absent slots there no longer read as arguments.
  bool args_lost = false;
  std::array<Value, disasm::kNumTrackedRegs> regs;
  std::vector<Slot> slots;  // sorted by off, non-overlapping

  bool operator==(const State&) const = default;
};

// Whether two slot lists hold the same offsets and widths.
bool SameKeys(const std::vector<Slot>& a, const std::vector<Slot>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k].off != b[k].off || a[k].size != b[k].size) return false;
  }
  return true;
}

class Flow_ {
 public:
  Flow_(std::span<const Instruction> insns, std::uint64_t entry,
        std::uint64_t end, const FlowConfig& config, const FlowEnv& env)
      : insns_(insns), entry_(entry), end_(end), cfg_(config), env_(env) {}

  FunctionFlow Run();

 private:
  // --- state helpers ---
  State EntryState() const {
    State s;
    s.reached = true;
    for (Reg r = 0; r < 32; ++r) s.regs[r] = Value::Entry(EntryLoc::Reg(r));
    s.regs[disasm::kSp] = Value::StackAddr(0);
    s.regs[disasm::kZero] = Value::Const(0);
    s.regs[disasm::kPc] = Value::Top();
    return s;
  }
  static State TopState() {
    State s;
    s.reached = true;
    s.stack_lost = true;
    s.regs[disasm::kZero] = Value::Const(0);
    return s;
  }

  Value ReadSlot(const State& s, std::int64_t off, int size) const {
    auto it = std::lower_bound(
        s.slots.begin(), s.slots.end(), off,
        [](const Slot& sl, std::int64_t o) { return sl.off + sl.size <= o; });
    // `it` is the first slot that ends after `off`.
    if (it != s.slots.end() && it->off < off + size) {
      if (it->off == off && it->size >= size) return it->v.Truncated(size);
      return Value::Top();  // partial overlap
    }
    if (s.stack_lost) return Value::Top();
    if (off >= cfg_.first_arg_offset && !s.args_lost) {
      // The caller's argument words (ABI0) or spill area (ABIInternal).
      if (size >= 4 && off % 4 == 0) return Value::Entry(EntryLoc::Stack(static_cast<std::int32_t>(off)));
    }
    return Value::Top();
  }

  // Forgets [lo, hi). Below the argument area forgetting is dropping the
  // slots; inside it, an absent slot would read back as the caller's
  // argument, so the range is covered with Top slots instead.
  void KillRange(State* s, std::int64_t lo, std::int64_t hi) const {
    if (lo >= hi) return;
    std::erase_if(s->slots, [&](const Slot& sl) {
      return sl.off < hi && sl.off + sl.size > lo;
    });
    const std::int64_t arg_lo = std::max<std::int64_t>(lo, cfg_.first_arg_offset);
    if (hi <= arg_lo || s->args_lost) return;
    const std::int64_t word = cfg_.ptr_size;
    if (hi - arg_lo > 64 * word) {
      s->args_lost = true;
      return;
    }
    for (std::int64_t o = arg_lo; o < hi; o += word) {
      Slot slot{o, static_cast<std::uint8_t>(std::min(word, hi - o)), Value::Top()};
      auto pos = std::lower_bound(
          s->slots.begin(), s->slots.end(), o,
          [](const Slot& sl, std::int64_t x) { return sl.off < x; });
      s->slots.insert(pos, slot);
    }
  }

  void WriteSlot(State* s, std::int64_t off, int size, const Value& v) const {
    if (size <= 0) {
      // Unknown extent "from here on" (REP STOS, XSAVE, arm64 DC ZVA in
      // memclr): everything at or above the address may change.
      KillRange(s, off, std::numeric_limits<std::int32_t>::max());
      return;
    }
    if (size > 64) {
      KillRange(s, off, off + size);
      return;
    }
    // Partly overlapped slots are forgotten (KillRange keeps the argument
    // area from reading back as the caller's arguments).
    for (const Slot& sl : s->slots) {
      if (sl.off < off + size && sl.off + sl.size > off &&
          (sl.off != off || sl.size != size)) {
        KillRange(s, std::min(sl.off, off), std::max(sl.off + sl.size, off + size));
        break;
      }
    }
    std::erase_if(s->slots, [&](const Slot& sl) {
      return sl.off < off + size && sl.off + sl.size > off;
    });
    Slot slot{off, static_cast<std::uint8_t>(size), v.Truncated(size)};
    auto pos = std::lower_bound(
        s->slots.begin(), s->slots.end(), off,
        [](const Slot& sl, std::int64_t o) { return sl.off < o; });
    s->slots.insert(pos, slot);
  }

  // Entry-SP-relative address of a memory operand, if it is in our frame.
  // Sets *unknown_stack when the operand is SP-based but SP is unknown.
  // The absolute address of a memory operand, when it is a constant:
  // pc-relative (x86-64 RIP, disp is already absolute), or a register
  // holding a single constant (arm64 ADRP page + offset).
  std::optional<std::uint64_t> ConstAddress(const State& s, const disasm::MemRef& m) const {
    if (m.opaque_base) return std::nullopt;
    std::int64_t index = 0;
    if (m.index != disasm::kNoReg) {
      if (m.index >= disasm::kNumTrackedRegs || !IsSingleConst(s.regs[m.index], &index)) {
        return std::nullopt;
      }
    }
    std::int64_t base = 0;
    if (m.base == disasm::kPc) {
      base = 0;
    } else if (m.base == disasm::kNoReg) {
      base = 0;
    } else if (m.base >= disasm::kNumTrackedRegs || !IsSingleConst(s.regs[m.base], &base)) {
      return std::nullopt;
    }
    const auto addr = static_cast<std::uint64_t>(base + m.disp + index * m.scale);
    return cfg_.ptr_size == 4 ? addr & 0xffffffff : addr;
  }

  static bool IsSingleConst(const Value& v, std::int64_t* c) {
    if (v.is_top() || v.size() != 1 || v.atom(0).kind != Atom::Kind::kConst) return false;
    *c = v.atom(0).value;
    return true;
  }

  // Address arithmetic of 32-bit targets wraps: an index register holding
  // -0x2014 holds the constant 0xffffdfec (arm's big-frame prologue
  // `STR LR, [SP, R11]!`).
  std::int64_t Wrap(std::int64_t v) const {
    return cfg_.ptr_size == 4 ? static_cast<std::int32_t>(v) : v;
  }

  // *indexed_from is set for a variable index into a known frame base.
  std::optional<std::int64_t> StackAddress(const State& s, const MemRef& m,
                                           bool* unknown_stack,
                                           std::int64_t* indexed_from = nullptr) const {
    std::int64_t ignored;
    if (indexed_from == nullptr) indexed_from = &ignored;
    *indexed_from = std::numeric_limits<std::int64_t>::min();
    *unknown_stack = false;
    // Thread-local (FS/GS) and 32-bit-extended addresses are never our frame.
    if (m.base == disasm::kNoReg || m.base == disasm::kPc || m.opaque_base ||
        m.base >= disasm::kNumTrackedRegs) {
      return std::nullopt;
    }
    const Value& base = s.regs[m.base];
    std::int64_t off;
    if (!base.IsSingleStackAddr(&off)) {
      if (m.base == disasm::kSp || base.HasStackAddr()) *unknown_stack = true;
      return std::nullopt;
    }
    if (m.index != disasm::kNoReg) {
      std::int64_t idx;
      if (IsSingleConst(s.regs[m.index], &idx)) return Wrap(off + m.disp + idx * m.scale);
      // An array in the frame indexed by a variable: we cannot say which
      // slot. Go indexes are non-negative (bounds-checked), so the access is
      // at or above base+disp; stores kill from there up (see WriteOperand).
      *indexed_from = off + m.disp;
      *unknown_stack = true;
      return std::nullopt;
    }
    return off + m.disp;
  }

  Value ReadOperand(const State& s, const Operand& op) const {
    switch (op.kind) {
      case Operand::Kind::kImm:
        return Value::Const(op.imm);
      case Operand::Kind::kReg:
        if (op.reg >= disasm::kNumTrackedRegs) return Value::Top();
        if (op.size > 0 && op.size < 4) {
          return s.regs[op.reg].Truncated(op.size);
        }
        return op.size == 4 ? s.regs[op.reg].Truncated(4) : s.regs[op.reg];
      case Operand::Kind::kMem: {
        bool unknown = false;
        auto off = StackAddress(s, op.mem, &unknown);
        if (off) return ReadSlot(s, *off, op.size);
        if (auto g = ConstAddress(s, op.mem); g && (op.size == 4 || op.size == 8)) {
          return Value::Global(*g, op.size);
        }
        return Value::Top();
      }
      case Operand::Kind::kNone:
        break;
    }
    return Value::Top();
  }

  void NoteAddresses(const Value& v) const {
    if (!effects_ || v.is_top()) return;
    for (const Atom& a : v) {
      // Small constants are never data addresses (the zero page is unmapped).
      if (a.kind == Atom::Kind::kConst && a.value >= 0x1000) {
        effects_->push_back({GlobalEffect::Kind::kAddress, current_pc_,
                             static_cast<std::uint64_t>(a.value), 0});
      }
    }
  }

  void WriteOperand(State* s, const Operand& dst, const Value& v) const {
    if (!(dst.kind == Operand::Kind::kReg && dst.reg == cfg_.asm_temp_reg)) NoteAddresses(v);
    if (effects_ && dst.kind == Operand::Kind::kMem) {
      // (A store through an unknown pointer can only reach a variable whose
      // address was taken somewhere, which kAddress effects catch.)
      if (auto g = ConstAddress(*s, dst.mem)) {
        effects_->push_back({GlobalEffect::Kind::kStore, current_pc_, *g, dst.size, v});
      }
    }
    if (dst.kind == Operand::Kind::kReg) {
      if (dst.reg == disasm::kZero || dst.reg >= disasm::kNumTrackedRegs) return;
      if (dst.size > 0 && dst.size < 4) {
        // 8/16-bit writes merge into the old value (x86 AL/AX): known only
        // when both are single constants (musl's __clone: `xor %eax,%eax;
        // mov $60,%al; syscall`).
        std::int64_t old_value, low;
        if (IsSingleConst(s->regs[dst.reg], &old_value) && IsSingleConst(v, &low)) {
          const std::uint64_t mask = (std::uint64_t{1} << (8 * dst.size)) - 1;
          s->regs[dst.reg] = Value::Const(static_cast<std::int64_t>(
              (static_cast<std::uint64_t>(old_value) & ~mask) |
              (static_cast<std::uint64_t>(low) & mask)));
        } else {
          s->regs[dst.reg] = Value::Top();
        }
      } else {
        s->regs[dst.reg] = dst.size == 4 ? v.Truncated(4) : v;
      }
      return;
    }
    if (dst.kind == Operand::Kind::kMem) {
      bool unknown = false;
      std::int64_t indexed_from;
      auto off = StackAddress(*s, dst.mem, &unknown, &indexed_from);
      if (off) {
        WriteSlot(s, *off, dst.size, v);
      } else if (indexed_from != std::numeric_limits<std::int64_t>::min()) {
        KillRange(s, indexed_from, std::numeric_limits<std::int32_t>::max());
      } else if (unknown) {
        s->stack_lost = true;
        s->slots.clear();
      }
      // Stores to the heap or globals do not affect what we track.
    }
  }

  void Apply(State* s, const MicroOp& op) const {
    switch (op.kind) {
      case OpKind::kMove:
        WriteOperand(s, op.dst, ReadOperand(*s, op.src));
        break;
      case OpKind::kMoveMaybe: {
        Value v = ReadOperand(*s, op.dst);
        v.Join(ReadOperand(*s, op.src));
        WriteOperand(s, op.dst, v);
        break;
      }
      case OpKind::kAddImm: {
        Value v = ReadOperand(*s, op.src);
        WriteOperand(s, op.dst, v.Plus(op.imm));
        break;
      }
      case OpKind::kClobber:
        WriteOperand(s, op.dst, Value::Top());
        break;
      case OpKind::kOrImm: {
        Value v = ReadOperand(*s, op.src);
        WriteOperand(s, op.dst, v.Or(op.imm));
        break;
      }
    }
  }

  void ApplyOps(State* s, const Instruction& insn) const {
    for (int i = 0; i < insn.num_ops; ++i) Apply(s, insn.ops[i]);
    if (insn.clobbers_all_registers) {
      for (Reg r = 0; r < 32; ++r) s->regs[r] = Value::Top();
      s->regs[disasm::kSp] = Value::Top();
    }
  }

  Value EvalLoc(const State& s, const EntryLoc& loc,
                std::int64_t callee_entry_delta) const {
    if (loc.kind == EntryLoc::Kind::kReg) {
      if (loc.value < 0 || loc.value >= disasm::kNumTrackedRegs) return Value::Top();
      return s.regs[loc.value];
    }
    std::int64_t sp;
    if (!s.regs[disasm::kSp].IsSingleStackAddr(&sp)) return Value::Top();
    const std::int64_t off = sp + callee_entry_delta + loc.value;
    Value v = ReadSlot(s, off, cfg_.ptr_size);
    if (v.is_top()) {
      // A 32-bit argument stored with a 32-bit move (MOVL $flags, 0(SP)):
      // the callee reads it with a 32-bit load too (syscall numbers, flags),
      // which zero-extends, so the low word is the value it sees.
      v = ReadSlot(s, off, 4);
    }
    return v;
  }

  // A summary value (atoms over the callee's entry) as seen at this call.
  Value Substitute(const State& s, const Value& v, std::int64_t delta) const {
    if (v.is_top()) return Value::Top();
    Value out = Value::Bottom();
    for (const Atom& a : v) {
      if (a.kind == Atom::Kind::kConst) {
        out.Join(Value::Const(a.value));
      } else if (a.kind == Atom::Kind::kEntry) {
        const Value at_call = EvalLoc(s, a.loc(), delta);
        out.Join(a.entry_mask() ? at_call.Or(a.entry_mask()) : at_call);
      } else {
        return Value::Top();
      }
    }
    return out;
  }

  void RecordWrapperSite(const State& s, const Instruction& insn, bool tail,
                         bool record, FunctionFlow* out) const {
    if (!record) return;
    auto locs = env_.WrapperLocs(insn.target);
    const CallSummary* sum = cfg_.track_args ? env_.ArgSummary(insn.target) : nullptr;
    if (locs.empty() && sum == nullptr) return;
    // The callee's entry SP is ours minus the return address a CALL pushes;
    // a tail jump leaves SP where it is.
    const std::int64_t delta = tail ? 0 : -cfg_.call_push;
    if (!locs.empty()) {
      Value nr = Value::Bottom();
      for (const EntryLoc& loc : locs) nr.Join(EvalLoc(s, loc, delta));
      SiteValue site{insn.address, SiteValue::Kind::kWrapperCall, insn.target, tail, nr, {}};
      if (sum != nullptr) {
        for (int k = 0; k < kMaxSyscallArgs; ++k) {
          site.args[k] = Substitute(s, sum->passthrough_args[k], delta);
        }
      }
      out->sites.push_back(site);
    }
    if (sum != nullptr) {
      for (const auto& [nr, args] : sum->fixed) {
        SiteValue site{insn.address, SiteValue::Kind::kArgsCall, insn.target, tail,
                       Value::Const(nr), {}};
        for (int k = 0; k < kMaxSyscallArgs; ++k) site.args[k] = Substitute(s, args[k], delta);
        out->sites.push_back(site);
      }
    }
  }

  void ApplyCall(State* s, const Instruction& insn) const {
    std::int64_t sp = 0;
    const bool sp_known = s->regs[disasm::kSp].IsSingleStackAddr(&sp);
    const std::int64_t callee_entry = sp - cfg_.call_push;
    // A stack address handed to the callee lets it write into our frame.
    std::int64_t lowest_escaped = std::numeric_limits<std::int64_t>::max();
    auto note = [&](const Value& v) {
      for (const Atom& a : v) {
        if (a.kind == Atom::Kind::kStackAddr) lowest_escaped = std::min(lowest_escaped, a.value);
      }
    };
    for (Reg r = 0; r < 32; ++r) {
      if (r != cfg_.frame_reg) note(s->regs[r]);
    }
    std::optional<std::uint32_t> args;
    if (insn.flow == Flow::kCall) args = env_.ArgsSize(insn.target);
    if (sp_known) {
      // Arguments in the outgoing area may be pointers into the frame too.
      const std::int64_t lo = callee_entry + cfg_.first_arg_offset;
      const std::int64_t hi = args ? lo + *args : 0;
      for (const Slot& sl : s->slots) {
        if (sl.off >= lo && (!args || sl.off < hi)) note(sl.v);
      }
      if (args) {
        KillRange(s, lo, lo + *args);
      } else {
        // Unknown callee: it may use any amount of our outgoing area; drop
        // the whole frame below our entry SP (our own arguments above it
        // belong to our caller's frame and stay).
        KillRange(s, sp - cfg_.call_push, 0);
      }
    } else {
      s->stack_lost = true;
      s->slots.clear();
    }
    if (lowest_escaped != std::numeric_limits<std::int64_t>::max()) {
      // The callee may write the object behind the pointer: forget our frame
      // from there up. A pointer into the argument area (&param) may reach
      // any argument.
      if (lowest_escaped >= 0) {
        KillRange(s, lowest_escaped, std::numeric_limits<std::int32_t>::max());
      } else {
        KillRange(s, lowest_escaped, 0);
      }
    }
    const Value frame = cfg_.frame_reg != disasm::kNoReg ? s->regs[cfg_.frame_reg] : Value::Top();
    const Value spv = s->regs[disasm::kSp];
    std::optional<std::uint64_t> clobbers;
    if (insn.flow == Flow::kCall) clobbers = env_.CalleeClobbers(insn.target);
    if (clobbers) {
      for (Reg r = 0; r < 32; ++r) {
        if (*clobbers & (std::uint64_t{1} << r)) s->regs[r] = Value::Top();
      }
      return;  // SP, the frame pointer and untouched registers keep their values
    }
    for (Reg r = 0; r < disasm::kNumTrackedRegs; ++r) s->regs[r] = Value::Top();
    s->regs[disasm::kSp] = spv;
    s->regs[disasm::kZero] = Value::Const(0);
    if (cfg_.frame_reg != disasm::kNoReg) s->regs[cfg_.frame_reg] = frame;
  }

  void TraceState(const Instruction& insn, const State& s) const {
    std::string slots;
    for (const Slot& sl : s.slots) {
      slots += fmt::format(" [{:+#x}:{}]={}", sl.off, sl.size, sl.v.ToString());
    }
    static const int extra = [] {
      const char* r = std::getenv("G2S_TRACE_REG");  // one more register to show
      return r ? std::atoi(r) : -1;
    }();
    if (extra >= 0 && extra < disasm::kNumTrackedRegs) {
      slots = fmt::format(" r{}={}", extra, s.regs[extra].ToString()) + slots;
    }
    std::fprintf(stderr, "  %#llx %-60s nr=%s sp=%s%s%s\n",
                 static_cast<unsigned long long>(insn.address), disasm::ToString(insn).c_str(),
                 s.regs[cfg_.nr_reg].ToString().c_str(), s.regs[disasm::kSp].ToString().c_str(),
                 s.stack_lost ? " stack-lost" : (s.args_lost ? " args-lost" : ""),
                 slots.c_str());
  }

  // Runs one block from `in`; returns the out state; calls `succ` for each
  // in-function successor. Records sites when `record`.
  template <class Succ>
  State RunBlock(int b, State s, bool record, FunctionFlow* out, Succ&& succ);

  bool InFunction(std::uint64_t a) const { return a >= entry_ && a < end_; }
  int BlockOf(std::uint64_t addr) const {
    auto it = std::lower_bound(block_starts_.begin(), block_starts_.end(), addr);
    if (it == block_starts_.end() || *it != addr) return -1;
    return static_cast<int>(it - block_starts_.begin());
  }
  std::size_t InsnIndex(std::uint64_t addr) const {
    auto it = std::lower_bound(insns_.begin(), insns_.end(), addr,
                               [](const Instruction& i, std::uint64_t a) { return i.address < a; });
    return static_cast<std::size_t>(it - insns_.begin());
  }

  std::span<const Instruction> insns_;
  std::uint64_t entry_, end_;
  const FlowConfig& cfg_;
  const FlowEnv& env_;
  std::vector<std::uint64_t> block_starts_;
  std::vector<std::size_t> block_first_insn_;
  std::vector<std::size_t> misaligned_;  // insn indexes with a branch into an insn

  // --- the steps of Run() ---
  void FindBlocks();
  void ScanEdges();
  void MarkRelevant();
  void Converge(FunctionFlow* out);
  void Propagate(int b, FunctionFlow* out);
  void JoinInto(int b, std::uint64_t target, const State& s);
  bool SeedUnjumpedBlocks();
  void EvaluateSites(FunctionFlow* out);
  static bool JoinValue(Value* into, const Value& from, bool widen);
  bool JoinState(State* into, const State& from, bool widen) const;
  std::vector<Slot> JoinSlots(const State& a, const State& b, bool widen) const;
  static bool JoinSlotsInPlace(std::vector<Slot>* into, const std::vector<Slot>& from, bool widen);
  int NumBlocks() const { return static_cast<int>(block_starts_.size()); }
  // In-states are allocated on first use: big functions have thousands of
  // blocks and a state is a few KiB.
  State& In(int b) {
    if (!in_states_[b]) in_states_[b] = std::make_unique<State>();
    return *in_states_[b];
  }
  void Push(int b) {
    if (!queued_[b]) {
      queued_[b] = true;
      worklist_.push(b);
    }
  }

  // The control-flow graph (ScanEdges, MarkRelevant).
  std::vector<std::vector<int>> preds_;
  std::vector<bool> has_pred_;
  std::vector<bool> interesting_;  // holds a site, or audits globals
  std::vector<bool> relevant_;     // interesting or leads to one
  std::vector<int> indirect_blocks_;
  bool have_indirect_ = false;
  // The fixpoint (Converge).
  std::vector<std::unique_ptr<State>> in_states_;
  std::vector<int> visits_;
  std::vector<bool> queued_;
  std::priority_queue<int, std::vector<int>, std::greater<int>> worklist_;
  State indirect_seed_;  // join of states at indirect jumps
  // Set during the final pass when auditing globals.
  mutable std::vector<GlobalEffect>* effects_ = nullptr;
  mutable std::uint64_t current_pc_ = 0;
};

template <class Succ>
State Flow_::RunBlock(int b, State s, bool record, FunctionFlow* out,
                      Succ&& succ) {
  const std::size_t first = block_first_insn_[b];
  const std::size_t last = b + 1 < static_cast<int>(block_first_insn_.size())
                               ? block_first_insn_[b + 1]
                               : insns_.size();
  for (std::size_t i = first; i < last; ++i) {
    const Instruction& insn = insns_[i];
    if (record && cfg_.trace) TraceState(insn, s);
    current_pc_ = insn.address;
    switch (insn.flow) {
      case Flow::kNext:
        ApplyOps(&s, insn);
        break;
      case Flow::kSyscall: {
        if (record) {
          if (insn.trap_imm != 0 && cfg_.arch != Arch::kX86_64 && cfg_.arch != Arch::kI386) {
            out->sites.push_back(SiteValue{insn.address, SiteValue::Kind::kBadTrap, 0, false,
                                           Value::Const(insn.trap_imm), {}});
          } else {
            SiteValue site{insn.address, SiteValue::Kind::kSyscall, 0, false,
                           s.regs[cfg_.nr_reg].Truncated(4), {}};
            if (cfg_.track_args) {
              for (int k = 0; k < kMaxSyscallArgs; ++k) site.args[k] = s.regs[cfg_.arg_regs[k]];
            }
            out->sites.push_back(site);
          }
        }
        ApplyOps(&s, insn);
        break;
      }
      case Flow::kForeignSyscall:
        if (record) {
          out->sites.push_back(SiteValue{insn.address, SiteValue::Kind::kForeignSyscall, 0,
                                         false, s.regs[cfg_.nr_reg].Truncated(4), {}});
        }
        ApplyOps(&s, insn);
        break;
      case Flow::kCall:
        RecordWrapperSite(s, insn, /*tail=*/false, record, out);
        ApplyCall(&s, insn);
        break;
      case Flow::kIndirectCall:
        ApplyCall(&s, insn);
        break;
      case Flow::kJump:
        if (InFunction(insn.target)) {
          succ(insn.target, s);
        } else {
          RecordWrapperSite(s, insn, /*tail=*/true, record, out);
        }
        return s;
      case Flow::kCondJump:
        ApplyOps(&s, insn);  // LOOP/JRCXZ-style counters, if any
        if (InFunction(insn.target)) {
          succ(insn.target, s);
        } else {
          RecordWrapperSite(s, insn, /*tail=*/true, record, out);
        }
        break;
      case Flow::kIndirectJump:
        // Its own writes reach the target (arm LDM Rn!, {..., PC}).
        ApplyOps(&s, insn);
        succ(std::uint64_t{0}, s);  // 0 = "indirect": feeds the jump-table seed
        return s;
      case Flow::kReturn:
      case Flow::kHalt:
        return s;
      case Flow::kInvalid:
        if (record) {
          out->sites.push_back(SiteValue{insn.address, SiteValue::Kind::kUndecodable, 0, false,
                                         Value::Top(), {}});
        }
        return s;
    }
  }
  // Fell off the end of the block into the next one. After a call, the
  // next instruction may belong to another path (the callee never returns);
  // the compiler's SP table tells: a different SP there means no edge.
  if (last < insns_.size()) {
    // Skip the NOPs the assembler pads with after such a call.
    std::size_t k = last - 1;
    while (k > first && insns_[k].flow == Flow::kNext && insns_[k].num_ops == 0 &&
           !insns_[k].clobbers_all_registers) {
      --k;
    }
    const Instruction& prev = insns_[k];
    if (prev.flow == Flow::kCall && !env_.MayReturn(prev.target)) return s;
    if (prev.flow == Flow::kCall || prev.flow == Flow::kIndirectCall) {
      std::int64_t sp;
      if (s.regs[disasm::kSp].IsSingleStackAddr(&sp)) {
        if (auto delta = env_.SpDeltaAt(insns_[last].address); delta && -*delta != sp) {
          return s;
        }
      }
    }
    succ(insns_[last].address, s);
  }
  return s;
}

FunctionFlow Flow_::Run() {
  FunctionFlow out;
  if (insns_.empty()) return out;
  FindBlocks();
  out.num_blocks = NumBlocks();
  ScanEdges();
  MarkRelevant();
  Converge(&out);
  EvaluateSites(&out);
  return out;
}

// Leaders: entry, in-function branch targets, and instructions following
// anything that does not simply fall through.
void Flow_::FindBlocks() {
  std::vector<std::uint64_t> leaders;
  leaders.push_back(insns_.front().address);
  for (std::size_t i = 0; i < insns_.size(); ++i) {
    const Instruction& insn = insns_[i];
    const bool ends = insn.flow == Flow::kJump || insn.flow == Flow::kCondJump ||
                      insn.flow == Flow::kIndirectJump || insn.flow == Flow::kReturn ||
                      insn.flow == Flow::kHalt || insn.flow == Flow::kInvalid;
    if ((insn.flow == Flow::kJump || insn.flow == Flow::kCondJump) && InFunction(insn.target)) {
      const std::size_t t = InsnIndex(insn.target);
      if (t < insns_.size() && insns_[t].address == insn.target) {
        leaders.push_back(insn.target);
      } else {
        misaligned_.push_back(i);
      }
    }
    if (ends && i + 1 < insns_.size()) leaders.push_back(insns_[i + 1].address);
    // After a call that never returns, what follows is another path.
    if (insn.flow == Flow::kCall && i + 1 < insns_.size() && !env_.MayReturn(insn.target)) {
      leaders.push_back(insns_[i + 1].address);
    }
    // Gaps (skipped literal pools) also start a block.
    if (i + 1 < insns_.size() && insns_[i + 1].address != insn.address + insn.length) {
      leaders.push_back(insns_[i + 1].address);
    }
  }
  std::sort(leaders.begin(), leaders.end());
  leaders.erase(std::unique(leaders.begin(), leaders.end()), leaders.end());
  block_starts_ = leaders;
  block_first_insn_.reserve(leaders.size());
  for (std::uint64_t a : leaders) block_first_insn_.push_back(InsnIndex(a));
}

// Structural pass: predecessors, which blocks hold a site (or a call whose
// arguments matter), and where the indirect jumps are.
void Flow_::ScanEdges() {
  const int nblocks = NumBlocks();
  preds_.assign(nblocks, {});
  has_pred_.assign(nblocks, false);
  interesting_.assign(nblocks, cfg_.audit_globals);
  for (int b = 0; b < nblocks; ++b) {
    const std::size_t first = block_first_insn_[b];
    const std::size_t last = b + 1 < nblocks ? block_first_insn_[b + 1] : insns_.size();
    bool falls = true;
    for (std::size_t i = first; i < last; ++i) {
      const Instruction& insn = insns_[i];
      const bool direct = insn.flow == Flow::kJump || insn.flow == Flow::kCondJump;
      if (direct && InFunction(insn.target)) {
        if (int t = BlockOf(insn.target); t >= 0) {
          has_pred_[t] = true;
          preds_[t].push_back(b);
        }
      }
      if (insn.flow == Flow::kSyscall || insn.flow == Flow::kForeignSyscall ||
          ((insn.flow == Flow::kCall || (direct && !InFunction(insn.target))) &&
           (!env_.WrapperLocs(insn.target).empty() ||
            (cfg_.track_args && env_.ArgSummary(insn.target) != nullptr)))) {
        interesting_[b] = true;
      }
      if (insn.flow == Flow::kIndirectJump) {
        have_indirect_ = true;
        indirect_blocks_.push_back(b);
      }
      if (insn.flow == Flow::kJump || insn.flow == Flow::kIndirectJump ||
          insn.flow == Flow::kReturn || insn.flow == Flow::kHalt || insn.flow == Flow::kInvalid ||
          (insn.flow == Flow::kCall && !env_.MayReturn(insn.target))) {
        falls = false;
      }
    }
    if (falls && b + 1 < nblocks) {
      has_pred_[b + 1] = true;
      preds_[b + 1].push_back(b);
    }
  }
}

// Only blocks that can reach an interesting one need states: a giant
// function with one syscall near its start is analysed over a few blocks,
// not thousands.
void Flow_::MarkRelevant() {
  const int nblocks = NumBlocks();
  relevant_.assign(nblocks, false);
  std::vector<int> stack;
  for (int b = 0; b < nblocks; ++b) {
    if (interesting_[b]) {
      relevant_[b] = true;
      stack.push_back(b);
    }
  }
  while (!stack.empty()) {
    const int b = stack.back();
    stack.pop_back();
    // A block nobody jumps to is reached (if at all) from the indirect
    // jumps (jump tables).
    const std::vector<int>& from = (b != 0 && !has_pred_[b]) ? indirect_blocks_ : preds_[b];
    for (int p : from) {
      if (!relevant_[p]) {
        relevant_[p] = true;
        stack.push_back(p);
      }
    }
  }
}

// Slot-aware join: absent keys read through the implicit argument rule.
// Widening: once a block has been revisited kWidenAfter times, a value
// that still grows goes straight to Top, so loops that count (a set of
// constants growing by one per iteration) converge in a few rounds
// instead of kMaxAtoms rounds per register.
bool Flow_::JoinValue(Value* into, const Value& from, bool widen) {
  if (!into->Join(from)) return false;
  if (widen) *into = Value::Top();
  return true;
}

bool Flow_::JoinState(State* into, const State& from, bool widen) const {
  if (!from.reached) return false;
  if (!into->reached) {
    *into = from;
    return true;
  }
  bool changed = false;
  for (int r = 0; r < disasm::kNumTrackedRegs; ++r) {
    changed |= JoinValue(&into->regs[r], from.regs[r], widen);
  }
  // Merge keys of both sides (reading through each side's own implicit
  // rule, so args_lost and stack_lost are applied before they are
  // joined).
  const bool args_lost = into->args_lost || from.args_lost;
  const bool stack_lost = into->stack_lost || from.stack_lost;
  // In a lost stack an absent slot reads as Top already.
  auto drop_top = [&](std::vector<Slot>* slots) {
    return stack_lost && std::erase_if(*slots, [](const Slot& sl) { return sl.v.is_top(); }) > 0;
  };
  if (SameKeys(into->slots, from.slots)) {
    // Both sides know the same slots (most joins: a loop's back edge, two
    // arms that store the same frame): JoinSlots's result, in place.
    changed |= JoinSlotsInPlace(&into->slots, from.slots, widen);
    changed |= drop_top(&into->slots);
  } else {
    std::vector<Slot> merged = JoinSlots(*into, from, widen);
    drop_top(&merged);
    if (merged != into->slots) {
      into->slots = std::move(merged);
      changed = true;
    }
  }
  if (stack_lost != into->stack_lost) {
    into->stack_lost = stack_lost;
    changed = true;
  }
  if (args_lost != into->args_lost) {
    into->args_lost = args_lost;
    changed = true;
  }
  return changed;
}

// JoinSlots when both sides hold the same keys: each slot reads as its own
// value, truncated to its width (ReadSlot), so it is that join. True if
// any slot changed.
bool Flow_::JoinSlotsInPlace(std::vector<Slot>* into, const std::vector<Slot>& from, bool widen) {
  bool changed = false;
  for (std::size_t k = 0; k < into->size(); ++k) {
    Slot& sl = (*into)[k];
    if (sl.size >= 8) {
      changed |= JoinValue(&sl.v, from[k].v, widen);
      continue;
    }
    Value v = sl.v.Truncated(sl.size);
    JoinValue(&v, from[k].v.Truncated(sl.size), widen);
    if (!(v == sl.v)) {
      sl.v = v;
      changed = true;
    }
  }
  return changed;
}

// The slots of both sides, sorted and non-overlapping, each the join of
// what the two sides read there.
std::vector<Slot> Flow_::JoinSlots(const State& a, const State& b, bool widen) const {
  std::vector<Slot> merged;
  merged.reserve(a.slots.size() + b.slots.size());
  std::size_t i = 0, j = 0;
  auto emit = [&](std::int64_t off, int size) {
    Value v = ReadSlot(a, off, size);
    JoinValue(&v, ReadSlot(b, off, size), widen);
    merged.push_back(Slot{off, static_cast<std::uint8_t>(size), v});
  };
  while (i < a.slots.size() || j < b.slots.size()) {
    if (j == b.slots.size() || (i < a.slots.size() && a.slots[i].off < b.slots[j].off)) {
      emit(a.slots[i].off, a.slots[i].size);
      ++i;
    } else if (i == a.slots.size() || b.slots[j].off < a.slots[i].off) {
      emit(b.slots[j].off, b.slots[j].size);
      ++j;
    } else {
      const int size = std::max(a.slots[i].size, b.slots[j].size);
      if (a.slots[i].size == b.slots[j].size) {
        emit(a.slots[i].off, size);
      } else {
        merged.push_back(Slot{a.slots[i].off, static_cast<std::uint8_t>(size), Value::Top()});
      }
      ++i;
      ++j;
    }
  }
  // Overlapping keys of different widths at different offsets: make the
  // overlap Top (rare; keeps the slots non-overlapping).
  for (std::size_t k = 1; k < merged.size(); ++k) {
    if (merged[k - 1].off + merged[k - 1].size > merged[k].off) {
      merged[k - 1].v = Value::Top();
      merged[k].v = Value::Top();
      merged[k - 1].size = static_cast<std::uint8_t>(merged[k].off - merged[k - 1].off);
    }
  }
  return merged;
}

// The fixpoint: in-states of the relevant blocks, lowest block first
// (forward order converges fastest), re-seeding the blocks nobody jumps to
// from the indirect jumps until nothing changes.
void Flow_::Converge(FunctionFlow* out) {
  const int nblocks = NumBlocks();
  in_states_.resize(nblocks);
  visits_.assign(nblocks, 0);
  queued_.assign(nblocks, false);
  // Without a relevant entry nothing of interest is reachable from it;
  // sites in dead blocks are still evaluated (from Top) by EvaluateSites.
  if (relevant_[0] || cfg_.audit_globals) In(0) = EntryState();
  if (relevant_[0]) Push(0);
  for (int round = 0; round < 2 * nblocks + 4; ++round) {
    while (!worklist_.empty()) {
      const int b = worklist_.top();
      worklist_.pop();
      queued_[b] = false;
      Propagate(b, out);
    }
    if (!SeedUnjumpedBlocks() && worklist_.empty()) break;
  }
}

// Runs block b from its in-state and joins the result into its successors.
void Flow_::Propagate(int b, FunctionFlow* out) {
  if (++visits_[b] > 256) {
    if (cfg_.trace) std::fprintf(stderr, "  [flow] iteration cap at block %#llx\n", (unsigned long long)block_starts_[b]);
    // Give up precision rather than iterate forever (cannot happen with
    // the capped lattice, but a bound keeps a corrupt input cheap).
    out->hit_iteration_cap = true;
    State top = TopState();
    if (!(In(b) == top)) In(b) = top;
  }
  RunBlock(b, In(b), /*record=*/false, out,
           [&](std::uint64_t target, const State& s) { JoinInto(b, target, s); });
}

// The edge b -> target (0: an indirect jump) carries state s.
void Flow_::JoinInto(int b, std::uint64_t target, const State& s) {
  constexpr int kWidenAfter = 6;
  if (target == 0) {
    JoinState(&indirect_seed_, s, false);
    return;
  }
  const int t = BlockOf(target);
  if (t < 0 || !relevant_[t]) return;
  const bool sp_was_known = !In(t).reached || !In(t).regs[disasm::kSp].is_top();
  const bool stack_was_known = !In(t).reached || !In(t).stack_lost;
  if (cfg_.trace && In(t).reached && !(In(t).regs[disasm::kSp] == s.regs[disasm::kSp])) {
    std::fprintf(stderr, "  [flow] SP differs into %#llx: %s vs %s from %#llx\n",
                 (unsigned long long)block_starts_[t], In(t).regs[disasm::kSp].ToString().c_str(),
                 s.regs[disasm::kSp].ToString().c_str(), (unsigned long long)block_starts_[b]);
  }
  if (JoinState(&In(t), s, visits_[t] >= kWidenAfter)) Push(t);
  if (cfg_.trace && stack_was_known && In(t).stack_lost) {
    std::fprintf(stderr, "  [flow] stack lost entering block %#llx from block %#llx\n",
                 (unsigned long long)block_starts_[t], (unsigned long long)block_starts_[b]);
  }
  if (cfg_.trace && sp_was_known && In(t).regs[disasm::kSp].is_top()) {
    std::fprintf(stderr, "  [flow] SP lost entering block %#llx from block %#llx (visit %d)\n",
                 (unsigned long long)block_starts_[t], (unsigned long long)block_starts_[b],
                 visits_[t]);
  }
}

// Seeds blocks nobody jumps to. Jump-table targets get the state at the
// function's indirect jumps. Without indirect jumps such a block is dead
// (alignment NOPs after a JMP): it is not propagated, so its unknown state
// cannot leak into live code; EvaluateSites still evaluates it from Top so
// a site there is reported, not skipped. Returns whether any changed.
bool Flow_::SeedUnjumpedBlocks() {
  if (!have_indirect_ || !indirect_seed_.reached) return false;
  bool seeded = false;
  for (int b = 1; b < NumBlocks(); ++b) {
    if (has_pred_[b] || !relevant_[b]) continue;
    if (cfg_.trace) std::fprintf(stderr, "  [flow] seeding block %#llx from indirect jumps\n", (unsigned long long)block_starts_[b]);
    if (JoinState(&In(b), indirect_seed_, false)) {
      Push(b);
      seeded = true;
    }
  }
  return seeded;
}

// Final pass: evaluate the sites from the converged in-states.
void Flow_::EvaluateSites(FunctionFlow* out) {
  if (cfg_.audit_globals) effects_ = &out->global_effects;
  for (int b = 0; b < NumBlocks(); ++b) {
    if (!relevant_[b]) continue;  // holds no site, leads to none
    // Unreached and unseeded blocks (dead code; a jump-table target whose
    // indirect jump was itself unreachable) are evaluated from Top, so a
    // site there is reported rather than lost.
    const bool reached = in_states_[b] && in_states_[b]->reached;
    RunBlock(b, reached ? *in_states_[b] : TopState(), /*record=*/true, out,
             [](std::uint64_t, const State&) {});
  }
  effects_ = nullptr;
  for (std::size_t i : misaligned_) {
    out->sites.push_back(SiteValue{insns_[i].address, SiteValue::Kind::kMisalignedBranch, 0,
                                   false, Value::Top(), {}});
  }
}

}  // namespace

FunctionFlow AnalyzeInstructions(std::span<const Instruction> insns,
                                 std::uint64_t entry, std::uint64_t end,
                                 const FlowConfig& config, const FlowEnv& env) {
  return Flow_(insns, entry, end, config, env).Run();
}

}  // namespace go2seccomp::analysis
