#include "go2seccomp/profile/bpf_text.h"

#include <fmt/format.h>
#include <linux/seccomp.h>

#include <cstddef>
#include <optional>
#include <vector>

#include "go2seccomp/base/arch.h"
#include "go2seccomp/syscalls/table.h"

namespace go2seccomp::profile {
namespace {

// What the accumulator holds, as far as the comments need to know.
enum class Field : std::uint8_t { kUnknown, kNr, kArch };

// The state on entry to an instruction, merged over every path reaching it.
// The program is a DAG (forward jumps only), so one pass in order sees every
// predecessor of an instruction before the instruction itself.
struct State {
  bool reached = false;
  Field a = Field::kUnknown;
  std::optional<Arch> arch;  // the arch check this path has passed
};

void MergeInto(State& to, const State& from) {
  if (!to.reached) {
    to = from;
    to.reached = true;
    return;
  }
  if (to.a != from.a) to.a = Field::kUnknown;
  if (to.arch != from.arch) to.arch.reset();
}

std::optional<Arch> ArchFromAudit(std::uint32_t audit) {
  for (const ArchInfo& info : AllArchInfos()) {
    if (info.audit_arch == audit) return info.arch;
  }
  return std::nullopt;
}

// seccomp_data field at a load offset. The 64-bit words are read as two
// 32-bit loads; "lo" is the low half on the little-endian hosts we support.
std::string FieldName(std::uint32_t k) {
  if (k == offsetof(seccomp_data, nr)) return "nr";
  if (k == offsetof(seccomp_data, arch)) return "arch";
  constexpr std::uint32_t kIp = offsetof(seccomp_data, instruction_pointer);
  constexpr std::uint32_t kArgs = offsetof(seccomp_data, args);
  if (k == kIp) return "instruction_pointer.lo";
  if (k == kIp + 4) return "instruction_pointer.hi";
  if (k >= kArgs && k < kArgs + 6 * 8 && k % 4 == 0) {
    return fmt::format("args[{}].{}", (k - kArgs) / 8,
                       (k - kArgs) % 8 == 0 ? "lo" : "hi");
  }
  return fmt::format("seccomp_data[{}]", k);
}

std::string ReturnText(std::uint32_t k) {
  const std::uint32_t data = k & SECCOMP_RET_DATA;
  switch (k & SECCOMP_RET_ACTION_FULL) {
    case SECCOMP_RET_KILL_PROCESS:
      return "return KILL_PROCESS";
    case SECCOMP_RET_KILL_THREAD:
      return "return KILL_THREAD";
    case SECCOMP_RET_TRAP:
      return data ? fmt::format("return TRAP({})", data) : "return TRAP";
    case SECCOMP_RET_ERRNO:
      return fmt::format("return ERRNO({})", data);
    case SECCOMP_RET_USER_NOTIF:
      return "return USER_NOTIF";
    case SECCOMP_RET_TRACE:
      return fmt::format("return TRACE({})", data);
    case SECCOMP_RET_LOG:
      return "return LOG";
    case SECCOMP_RET_ALLOW:
      return "return ALLOW";
  }
  return fmt::format("return {:#x}", k);
}

std::string_view AluOp(std::uint16_t code) {
  switch (BPF_OP(code)) {
    case BPF_ADD:
      return "+=";
    case BPF_SUB:
      return "-=";
    case BPF_MUL:
      return "*=";
    case BPF_DIV:
      return "/=";
    case BPF_MOD:
      return "%=";
    case BPF_AND:
      return "&=";
    case BPF_OR:
      return "|=";
    case BPF_XOR:
      return "^=";
    case BPF_LSH:
      return "<<=";
    case BPF_RSH:
      return ">>=";
  }
  return "";
}

std::string_view JumpOp(std::uint16_t code, bool negate) {
  switch (BPF_OP(code)) {
    case BPF_JEQ:
      return negate ? "!=" : "==";
    case BPF_JGT:
      return negate ? "<=" : ">";
    case BPF_JGE:
      return negate ? "<" : ">=";
    case BPF_JSET:
      return negate ? "has no bits of" : "has bits of";
  }
  return "?";
}

}  // namespace

std::string RenderBpfText(std::span<const sock_filter> program) {
  const std::size_t n = program.size();
  std::vector<State> states(n);
  if (n > 0) states[0].reached = true;
  // Width of instruction numbers, so the columns line up.
  const int width =
      static_cast<int>(fmt::format("{}", n == 0 ? 0 : n - 1).size());
  std::string out;
  for (std::size_t pc = 0; pc < n; ++pc) {
    const sock_filter& in = program[pc];
    const State st = states[pc];
    State next = st;  // the state after this instruction, on fall-through
    std::string text;
    std::string comment;
    auto flow_to = [&](std::size_t target, const State& s) {
      if (target < n) MergeInto(states[target], s);
    };
    const bool src_x = BPF_SRC(in.code) == BPF_X;
    const std::string k_hex = fmt::format("{:#x}", in.k);
    switch (BPF_CLASS(in.code)) {
      case BPF_LD:
      case BPF_LDX: {
        const char reg = BPF_CLASS(in.code) == BPF_LD ? 'A' : 'X';
        const bool word = BPF_SIZE(in.code) == BPF_W;
        switch (BPF_MODE(in.code)) {
          case BPF_ABS:
            if (word && reg == 'A') {
              text = fmt::format("A := {}", FieldName(in.k));
              next.a = in.k == offsetof(seccomp_data, nr)     ? Field::kNr
                       : in.k == offsetof(seccomp_data, arch) ? Field::kArch
                                                              : Field::kUnknown;
            }
            break;
          case BPF_IMM:
            if (word) text = fmt::format("{} := {}", reg, k_hex);
            break;
          case BPF_MEM:
            if (word) text = fmt::format("{} := M[{}]", reg, in.k);
            break;
          case BPF_LEN:
            if (word) text = fmt::format("{} := sizeof(seccomp_data)", reg);
            break;
          default:
            break;
        }
        if (reg == 'A' && BPF_MODE(in.code) != BPF_ABS)
          next.a = Field::kUnknown;
        flow_to(pc + 1, next);
        break;
      }
      case BPF_ST:
      case BPF_STX:
        text = fmt::format("M[{}] := {}", in.k,
                           BPF_CLASS(in.code) == BPF_ST ? 'A' : 'X');
        flow_to(pc + 1, next);
        break;
      case BPF_ALU:
        if (BPF_OP(in.code) == BPF_NEG) {
          text = "A := -A";
        } else if (!AluOp(in.code).empty()) {
          text = fmt::format("A {} {}", AluOp(in.code), src_x ? "X" : k_hex);
        }
        next.a = Field::kUnknown;
        flow_to(pc + 1, next);
        break;
      case BPF_JMP: {
        if (BPF_OP(in.code) == BPF_JA) {
          text = fmt::format("goto {}", pc + 1 + in.k);
          flow_to(pc + 1 + in.k, st);
          break;
        }
        if (JumpOp(in.code, false) == "?") break;
        const std::size_t t = pc + 1 + in.jt;
        const std::size_t f = pc + 1 + in.jf;
        const std::string rhs = src_x ? "X" : k_hex;
        if (in.jf == 0) {
          text =
              fmt::format("if A {} {} goto {}", JumpOp(in.code, false), rhs, t);
        } else if (in.jt == 0) {
          text =
              fmt::format("if A {} {} goto {}", JumpOp(in.code, true), rhs, f);
        } else {
          text = fmt::format("if A {} {} goto {} else goto {}",
                             JumpOp(in.code, false), rhs, t, f);
        }
        State taken = st;
        if (!src_x && st.a == Field::kArch) {
          if (auto arch = ArchFromAudit(in.k)) {
            comment = GetArchInfo(*arch).audit_arch_name;
            if (BPF_OP(in.code) == BPF_JEQ) taken.arch = arch;
          }
        } else if (!src_x && st.a == Field::kNr) {
          if (BPF_OP(in.code) == BPF_JEQ && st.arch) {
            if (auto name =
                    syscalls::NameOf(*st.arch, static_cast<int>(in.k))) {
              comment = std::string(*name);
            }
          } else if (in.k == 0x40000000 && st.arch == Arch::kX86_64) {
            // arch/x86/include/uapi/asm/unistd.h __X32_SYSCALL_BIT
            comment = "x32 syscall bit";
          }
        }
        flow_to(t, taken);
        flow_to(f, st);
        break;
      }
      case BPF_RET:
        if (BPF_RVAL(in.code) == BPF_K) {
          text = ReturnText(in.k);
        } else if (BPF_RVAL(in.code) == BPF_A) {
          text = "return A";
        }
        break;
      case BPF_MISC:
        if (BPF_MISCOP(in.code) == BPF_TAX) {
          text = "X := A";
        } else if (BPF_MISCOP(in.code) == BPF_TXA) {
          text = "A := X";
          next.a = Field::kUnknown;
        }
        flow_to(pc + 1, next);
        break;
    }
    if (text.empty()) {
      text = fmt::format("??? code {:#06x} jt {} jf {} k {:#x}", in.code, in.jt,
                         in.jf, in.k);
      flow_to(pc + 1, State{true, Field::kUnknown, std::nullopt});
    }
    if (!st.reached)
      comment = comment.empty() ? "unreachable" : comment + "; unreachable";
    std::string line = fmt::format("{:>{}}: {}", pc, width, text);
    if (!comment.empty()) line = fmt::format("{:<44} # {}", line, comment);
    out += line;
    out += '\n';
  }
  return out;
}

}  // namespace go2seccomp::profile
