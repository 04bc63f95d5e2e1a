// The data flow on hand-built instruction sequences that mirror what Go
// compilers and the Go assembler emit (each case names the Go release and
// function it imitates). The decoders are tested separately against real
// bytes; end-to-end behaviour on real binaries is tested in analyzer_test.cc.
#include "go2seccomp/analysis/function_flow.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace go2seccomp::analysis {
namespace {

using disasm::Flow;
using disasm::Instruction;
using disasm::MemRef;
using disasm::Operand;
using disasm::Reg;

constexpr Reg AX = 0, CX = 1, DX = 2, BX = 3, BP = 5, DI = 7;
constexpr Reg SP = disasm::kSp;

// Builds instructions at consecutive addresses (4 bytes each, whatever the
// arch: only boundaries matter here).
class Asm {
 public:
  explicit Asm(std::uint64_t base = 0x1000) : pc_(base) {}
  Instruction& Add(Flow flow = Flow::kNext) {
    Instruction i;
    i.address = pc_;
    i.length = 4;
    i.flow = flow;
    pc_ += 4;
    insns_.push_back(i);
    return insns_.back();
  }
  std::uint64_t pc() const { return pc_; }
  void MovImm(Reg r, std::int64_t v, int size = 4) {
    Add().AddMove(Operand::Register(r, size), Operand::Immediate(v, size));
  }
  void MovReg(Reg d, Reg s) {
    Add().AddMove(Operand::Register(d, 8), Operand::Register(s, 8));
  }
  void Store(std::int64_t sp_disp, Reg s, int size = 8) {
    Add().AddMove(Operand::Memory(MemRef{SP, disasm::kNoReg, 1, sp_disp}, size),
                  Operand::Register(s, size));
  }
  void StoreImm(std::int64_t sp_disp, std::int64_t v) {
    Add().AddMove(Operand::Memory(MemRef{SP, disasm::kNoReg, 1, sp_disp}, 8),
                  Operand::Immediate(v, 8));
  }
  void Load(Reg d, std::int64_t sp_disp, int size = 8) {
    Add().AddMove(Operand::Register(d, size),
                  Operand::Memory(MemRef{SP, disasm::kNoReg, 1, sp_disp}, size));
  }
  void SubSp(std::int64_t n) { Add().AddAddImm(SP, SP, -n); }
  void AddSp(std::int64_t n) { Add().AddAddImm(SP, SP, n); }
  void Push(Reg r) {
    auto& i = Add();
    i.AddAddImm(SP, SP, -8);
    i.AddMove(Operand::Memory(MemRef{SP, disasm::kNoReg, 1, 0}, 8), Operand::Register(r, 8));
  }
  void Pop(Reg r) {
    auto& i = Add();
    i.AddMove(Operand::Register(r, 8), Operand::Memory(MemRef{SP, disasm::kNoReg, 1, 0}, 8));
    i.AddAddImm(SP, SP, 8);
  }
  void Lea(Reg d, std::int64_t sp_disp) { Add().AddAddImm(d, SP, sp_disp); }
  void Clobber(Reg r) { Add().AddClobber(Operand::Register(r, 8)); }
  void Call(std::uint64_t target) { Add(Flow::kCall).target = target; }
  void Jmp(std::uint64_t target) { Add(Flow::kJump).target = target; }
  void Jcc(std::uint64_t target) { Add(Flow::kCondJump).target = target; }
  void Syscall() {
    auto& i = Add(Flow::kSyscall);
    i.AddClobber(Operand::Register(AX, 8));
    i.AddClobber(Operand::Register(CX, 8));
  }
  void Ret() { Add(Flow::kReturn); }
  std::vector<Instruction>& insns() { return insns_; }

 private:
  std::uint64_t pc_;
  std::vector<Instruction> insns_;
};

class FakeEnv : public FlowEnv {
 public:
  std::map<std::uint64_t, CallSummary> summaries;
  const CallSummary* ArgSummary(std::uint64_t t) const override {
    auto it = summaries.find(t);
    return it == summaries.end() ? nullptr : &it->second;
  }
  std::map<std::uint64_t, std::vector<EntryLoc>> wrappers;
  std::map<std::uint64_t, std::uint32_t> args;
  std::span<const EntryLoc> WrapperLocs(std::uint64_t t) const override {
    auto it = wrappers.find(t);
    if (it == wrappers.end()) return {};
    return it->second;
  }
  std::optional<std::uint32_t> ArgsSize(std::uint64_t t) const override {
    auto it = args.find(t);
    if (it == args.end()) return std::nullopt;
    return it->second;
  }
};

FunctionFlow RunFlow(Asm& a, const FakeEnv& env, Arch arch = Arch::kX86_64,
                     bool track_args = false) {
  const auto& v = a.insns();
  FlowConfig cfg = FlowConfigFor(arch);
  cfg.track_args = track_args;
  return AnalyzeInstructions(v, v.front().address, a.pc(), cfg, env);
}

std::vector<std::int64_t> Consts(const Value& v) {
  std::vector<std::int64_t> out;
  if (v.is_top()) return {-1};
  for (const Atom& at : v) {
    if (at.kind == Atom::Kind::kConst) out.push_back(at.value);
  }
  return out;
}

// runtime·exit in sys_linux_amd64.s: MOVL $SYS_exit_group, AX; SYSCALL.
TEST(FunctionFlowTest, RawSyscallWithConstant) {
  Asm a;
  a.Load(DI, 8, 4);  // MOVL code+0(FP), DI
  a.MovImm(AX, 231);
  a.Syscall();
  a.Ret();
  FakeEnv env;
  auto f = RunFlow(a, env);
  ASSERT_EQ(f.sites.size(), 1u);
  EXPECT_EQ(f.sites[0].kind, SiteValue::Kind::kSyscall);
  EXPECT_EQ(Consts(f.sites[0].nr), std::vector<std::int64_t>{231});
}

// XORL AX, AX is read(2) (Go's runtime·read does MOVL $SYS_read, AX, but
// C code and hand-written asm zero the register).
TEST(FunctionFlowTest, ZeroingIdiomIsConstantZero) {
  Asm a;
  a.Add().AddMove(Operand::Register(AX, 4), Operand::Immediate(0, 4));
  a.Syscall();
  a.Ret();
  FakeEnv env;
  auto f = RunFlow(a, env);
  ASSERT_EQ(f.sites.size(), 1u);
  EXPECT_EQ(Consts(f.sites[0].nr), std::vector<std::int64_t>{0});
}

// Go <= 1.16 syscall.Syscall (asm_linux_amd64.s, ABI0, frame $0-56):
// CALL runtime·entersyscall; MOVQ trap+0(FP), AX; SYSCALL.
TEST(FunctionFlowTest, Abi0WrapperTakesNumberFromFirstStackArgument) {
  Asm a;
  a.Call(0x9000);     // runtime.entersyscall, no arguments
  a.Load(AX, 8);      // trap+0(FP) = 8(SP) in a frameless function
  a.Syscall();
  a.Ret();
  FakeEnv env;
  env.args[0x9000] = 0;
  auto f = RunFlow(a, env);
  ASSERT_EQ(f.sites.size(), 1u);
  ASSERT_EQ(f.sites[0].nr.size(), 1);
  EXPECT_EQ(f.sites[0].nr.atom(0).kind, Atom::Kind::kEntry);
  EXPECT_EQ(f.sites[0].nr.atom(0).loc(), EntryLoc::Stack(8));
}

// Go 1.19+ runtime/internal/syscall.Syscall6 (ABIInternal asm): the number
// is already in AX.
TEST(FunctionFlowTest, RegisterWrapperTakesNumberFromAx) {
  Asm a;
  a.MovReg(10, 6);  // MOVQ SI, R10
  a.MovReg(DX, DI);
  a.Syscall();
  a.Ret();
  FakeEnv env;
  auto f = RunFlow(a, env);
  ASSERT_EQ(f.sites.size(), 1u);
  ASSERT_EQ(f.sites[0].nr.size(), 1);
  EXPECT_EQ(f.sites[0].nr.atom(0).loc(), EntryLoc::Reg(AX));
}

// Go 1.17+ caller: MOVL $0x102, AX; CALL syscall.Syscall (mkdirat).
TEST(FunctionFlowTest, RegisterAbiCallSite) {
  Asm a;
  a.Push(BP);
  a.MovReg(BP, SP);
  a.SubSp(0x28);
  a.MovImm(AX, 0x102);
  a.MovImm(BX, -100);
  a.Call(0x5000);
  a.AddSp(0x28);
  a.Pop(BP);
  a.Ret();
  FakeEnv env;
  env.wrappers[0x5000] = {EntryLoc::Reg(AX)};
  auto f = RunFlow(a, env);
  ASSERT_EQ(f.sites.size(), 1u);
  EXPECT_EQ(f.sites[0].kind, SiteValue::Kind::kWrapperCall);
  EXPECT_EQ(f.sites[0].callee, 0x5000u);
  EXPECT_EQ(Consts(f.sites[0].nr), std::vector<std::int64_t>{0x102});
}

// Go <= 1.16 caller: MOVQ $0x4f, 0(SP); CALL syscall.Syscall (getcwd).
// The callee reads 8(SP) at its entry, which is our 0(SP) after the CALL
// pushes the return address.
TEST(FunctionFlowTest, StackAbiCallSite) {
  Asm a;
  a.SubSp(0x40);
  a.StoreImm(0, 0x4f);
  a.Store(8, CX);
  a.Call(0x5000);
  a.AddSp(0x40);
  a.Ret();
  FakeEnv env;
  env.wrappers[0x5000] = {EntryLoc::Stack(8)};
  env.args[0x5000] = 56;
  auto f = RunFlow(a, env);
  ASSERT_EQ(f.sites.size(), 1u);
  EXPECT_EQ(Consts(f.sites[0].nr), std::vector<std::int64_t>{0x4f});
}

// A value spilled across a call survives in our frame (Go 1.17+
// syscall.Syscall: trap spilled, runtime.entersyscall called, trap reloaded
// for RawSyscall6), but registers do not.
TEST(FunctionFlowTest, SpillSurvivesCallRegistersDoNot) {
  Asm a;
  a.SubSp(0x30);
  a.Store(0x38, AX);  // spill AX to the caller-allocated spill area
  a.Call(0x9000);     // entersyscall
  a.Load(AX, 0x38);
  a.Call(0x5000);     // RawSyscall6(AX, ...)
  a.Call(0x9000);
  a.Call(0x5000);     // AX is garbage now
  a.AddSp(0x30);
  a.Ret();
  FakeEnv env;
  env.args[0x9000] = 0;
  env.wrappers[0x5000] = {EntryLoc::Reg(AX)};
  auto f = RunFlow(a, env);
  ASSERT_EQ(f.sites.size(), 2u);
  ASSERT_EQ(f.sites[0].nr.size(), 1);
  EXPECT_EQ(f.sites[0].nr.atom(0).loc(), EntryLoc::Reg(AX));
  EXPECT_TRUE(f.sites[1].nr.is_top());
}

// x/sys/unix asm_linux_amd64.s: TEXT ·Syscall(SB); JMP syscall·Syscall(SB).
// A tail jump passes our own stack arguments through unchanged.
TEST(FunctionFlowTest, TailJumpPassesArgumentsThrough) {
  Asm a;
  a.Jmp(0x5000);
  FakeEnv env;
  env.wrappers[0x5000] = {EntryLoc::Stack(8)};
  auto f = RunFlow(a, env);
  ASSERT_EQ(f.sites.size(), 1u);
  EXPECT_TRUE(f.sites[0].tail);
  ASSERT_EQ(f.sites[0].nr.size(), 1);
  EXPECT_EQ(f.sites[0].nr.atom(0).loc(), EntryLoc::Stack(8));
}

// n := SYS_GETUID; if c { n = SYS_GETEUID }; syscall(n): both numbers.
TEST(FunctionFlowTest, BranchesJoinToBothConstants) {
  Asm a;
  a.MovImm(AX, 102);
  const std::uint64_t skip_at = a.pc();
  a.Jcc(0);  // patched below
  a.MovImm(AX, 107);
  const std::uint64_t join = a.pc();
  a.Syscall();
  a.Ret();
  for (auto& i : a.insns()) {
    if (i.address == skip_at) i.target = join;
  }
  FakeEnv env;
  auto f = RunFlow(a, env);
  ASSERT_EQ(f.sites.size(), 1u);
  EXPECT_EQ(Consts(f.sites[0].nr), (std::vector<std::int64_t>{102, 107}));
}

// A number loaded from memory we do not track (a global, the heap) is Top:
// an unresolved site, never a guess.
TEST(FunctionFlowTest, UntrackedMemoryIsTop) {
  Asm a;
  a.Add().AddMove(Operand::Register(AX, 8),
                  Operand::Memory(MemRef{DX, disasm::kNoReg, 1, 8}, 8));
  a.Syscall();
  a.Ret();
  FakeEnv env;
  auto f = RunFlow(a, env);
  ASSERT_EQ(f.sites.size(), 1u);
  EXPECT_TRUE(f.sites[0].nr.is_top());
}

// After a call, the callee's argument area may hold its results or
// anything it wrote (ABI0): a value stored there before the call is gone.
TEST(FunctionFlowTest, CalleeArgumentAreaIsClobbered) {
  Asm a;
  a.SubSp(0x20);
  a.StoreImm(0, 39);
  a.Call(0x9000);  // f(x) with 16 bytes of args+results
  a.Call(0x5000);  // wrapper reading 0(SP) -> must be Top, not 39
  a.Ret();
  FakeEnv env;
  env.args[0x9000] = 16;
  env.wrappers[0x5000] = {EntryLoc::Stack(8)};
  env.args[0x5000] = 56;
  auto f = RunFlow(a, env);
  ASSERT_EQ(f.sites.size(), 1u);
  EXPECT_TRUE(f.sites[0].nr.is_top());
}

// var nr uintptr; fill(&nr); syscall(nr): the callee may write through the
// pointer into our frame, so the old value must not be trusted.
TEST(FunctionFlowTest, EscapedStackAddressKillsSlots) {
  Asm a;
  a.SubSp(0x30);
  a.StoreImm(0x20, 0);  // nr = 0
  a.Lea(AX, 0x20);      // &nr
  a.Call(0x9000);       // fill(&nr)
  a.Load(AX, 0x20);
  a.Syscall();
  a.Ret();
  FakeEnv env;
  env.args[0x9000] = 8;
  auto f = RunFlow(a, env);
  ASSERT_EQ(f.sites.size(), 1u);
  EXPECT_TRUE(f.sites[0].nr.is_top());
}

// A frameless function calling something with arguments: the callee's
// argument area *is* our own argument area, so our "first argument" is no
// longer the caller's value after the call.
TEST(FunctionFlowTest, FramelessCallClobbersOwnArguments) {
  Asm a;
  a.Call(0x9000);  // 16 bytes of args at [entry+0, entry+16) for the callee
  a.Load(AX, 8);
  a.Syscall();
  a.Ret();
  FakeEnv env;
  env.args[0x9000] = 16;
  auto f = RunFlow(a, env);
  ASSERT_EQ(f.sites.size(), 1u);
  EXPECT_TRUE(f.sites[0].nr.is_top());
}

// ANDQ $~15, SP (runtime asm aligning for C): SP unknown, stack reads Top.
TEST(FunctionFlowTest, UnknownSpLosesStack) {
  Asm a;
  a.StoreImm(-16, 39);
  a.Clobber(SP);
  a.Load(AX, -16);
  a.Syscall();
  a.Ret();
  FakeEnv env;
  auto f = RunFlow(a, env);
  ASSERT_EQ(f.sites.size(), 1u);
  EXPECT_TRUE(f.sites[0].nr.is_top());
}

// A loop that increments the number never converges to a small set: Top.
TEST(FunctionFlowTest, LoopCounterBecomesTop) {
  Asm a;
  a.MovImm(AX, 1);
  const std::uint64_t loop = a.pc();
  a.Add().AddAddImm(AX, AX, 1, 8);
  a.Syscall();
  a.MovImm(CX, 0);  // keep AX flowing around: AX was clobbered by SYSCALL,
  a.Jcc(loop);      // so the loop value comes only from the first entry
  a.Ret();
  FakeEnv env;
  auto f = RunFlow(a, env);
  ASSERT_EQ(f.sites.size(), 1u);
  // AX at the syscall is 2 on entry and Top (clobbered by SYSCALL, +1) around
  // the back edge.
  EXPECT_TRUE(f.sites[0].nr.is_top());
}

// arm64: MOVD $34, R8; SVC $0 (mkdirat), and SVC with a non-zero immediate
// is reported separately.
TEST(FunctionFlowTest, Arm64SvcUsesR8) {
  Asm a;
  a.MovImm(8, 34, 8);
  auto& svc = a.Add(Flow::kSyscall);
  svc.AddClobber(Operand::Register(0, 8));
  auto& bad = a.Add(Flow::kSyscall);
  bad.trap_imm = 1;
  a.Ret();
  FakeEnv env;
  auto f = RunFlow(a, env, Arch::kArm64);
  ASSERT_EQ(f.sites.size(), 2u);
  EXPECT_EQ(Consts(f.sites[0].nr), std::vector<std::int64_t>{34});
  EXPECT_EQ(f.sites[1].kind, SiteValue::Kind::kBadTrap);
}

// arm64 ABI0 caller (Go <= 1.17): MOVD $34, R0; MOVD R0, 8(RSP); BL
// syscall.Syscall. No return address is pushed, so the callee's 8(RSP) is
// our 8(RSP).
TEST(FunctionFlowTest, Arm64StackAbiCallSite) {
  Asm a;
  a.SubSp(0x40);
  a.MovImm(0, 34, 8);
  a.Store(8, 0);
  a.Call(0x5000);
  a.Ret();
  FakeEnv env;
  env.wrappers[0x5000] = {EntryLoc::Stack(8)};
  env.args[0x5000] = 56;
  auto f = RunFlow(a, env, Arch::kArm64);
  ASSERT_EQ(f.sites.size(), 1u);
  EXPECT_EQ(Consts(f.sites[0].nr), std::vector<std::int64_t>{34});
}

// Jump-table targets (no direct predecessor) start from the state at the
// indirect jump, not from nothing.
TEST(FunctionFlowTest, JumpTableTargetsSeededFromIndirectJump) {
  Asm a;
  a.MovImm(AX, 39);
  a.Add(Flow::kIndirectJump);
  a.Syscall();  // only reachable through the table
  a.Ret();
  FakeEnv env;
  auto f = RunFlow(a, env);
  ASSERT_EQ(f.sites.size(), 1u);
  EXPECT_EQ(Consts(f.sites[0].nr), std::vector<std::int64_t>{39});
}

// Dead code (no predecessor, no indirect jump) is still evaluated, from Top.
TEST(FunctionFlowTest, UnreachableSiteIsReportedAsTop) {
  Asm a;
  a.Ret();
  a.MovImm(AX, 39);  // reachable in principle: the constant is right there
  a.Syscall();
  a.Ret();
  FakeEnv env;
  auto f = RunFlow(a, env);
  ASSERT_EQ(f.sites.size(), 1u);
  EXPECT_EQ(Consts(f.sites[0].nr), std::vector<std::int64_t>{39});
}

// runtime·clone (sys_linux_amd64.s): MOVL flags+0(FP), DI; ORQ
// $CLONE_SETTLS, DI; MOVL $SYS_clone, AX; SYSCALL -- the flags argument is
// the caller's flags with a bit added.
TEST(FunctionFlowTest, ArgumentOrImmediateKeepsTheEntry) {
  Asm a;
  a.Load(DI, 8, 4);
  a.Add().AddOrImm(DI, DI, 0x80000, 8);
  a.MovImm(AX, 56);
  a.Syscall();
  a.Ret();
  FakeEnv env;
  auto f = RunFlow(a, env, Arch::kX86_64, /*track_args=*/true);
  ASSERT_EQ(f.sites.size(), 1u);
  ASSERT_EQ(f.sites[0].args[0].size(), 1);
  const Atom& arg = f.sites[0].args[0].atom(0);
  EXPECT_EQ(arg.kind, Atom::Kind::kEntry);
  EXPECT_EQ(arg.loc(), EntryLoc::Stack(8));
  EXPECT_EQ(arg.entry_mask(), 0x80000u);
}

// runtime.newosproc calls clone with the constant cloneFlags stored at 0(SP)
// by a 32-bit move; with clone's summary the call site yields the syscall
// with the flags resolved (and the callee's OR applied).
TEST(FunctionFlowTest, ArgsCallSubstitutesTheCallersConstants) {
  Asm a;
  a.SubSp(0x40);
  a.Add().AddMove(Operand::Memory(MemRef{SP, disasm::kNoReg, 1, 0}, 4),
                  Operand::Immediate(0x50f00, 4));
  a.Call(0x5000);
  a.Ret();
  FakeEnv env;
  CallSummary sum;
  ArgValues args;
  args[0] = Value::Entry(EntryLoc::Stack(8)).Or(0x80000);
  sum.fixed.emplace_back(56, args);
  env.summaries[0x5000] = sum;
  env.args[0x5000] = 40;
  auto f = RunFlow(a, env, Arch::kX86_64, /*track_args=*/true);
  ASSERT_EQ(f.sites.size(), 1u);
  EXPECT_EQ(f.sites[0].kind, SiteValue::Kind::kArgsCall);
  EXPECT_EQ(Consts(f.sites[0].nr), std::vector<std::int64_t>{56});
  EXPECT_EQ(Consts(f.sites[0].args[0]), std::vector<std::int64_t>{0x50f00 | 0x80000});
  EXPECT_TRUE(f.sites[0].args[1].is_top());
}

}  // namespace
}  // namespace go2seccomp::analysis
