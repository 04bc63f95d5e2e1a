#include "go2seccomp/disasm/instruction.h"

#include <fmt/format.h>

#include <cstdint>
#include <iterator>
#include <string>

namespace go2seccomp::disasm {
namespace {

// "0x18" / "-0x18": signed hex, so SP adjustments read naturally.
void AppendSignedHex(std::string* out, std::int64_t v) {
  if (v < 0) {
    // Negate in unsigned arithmetic so INT64_MIN does not overflow.
    fmt::format_to(std::back_inserter(*out), "-{:#x}",
                   std::uint64_t{0} - static_cast<std::uint64_t>(v));
  } else {
    fmt::format_to(std::back_inserter(*out), "{:#x}", v);
  }
}

void AppendReg(std::string* out, Reg r, std::uint8_t size) {
  // sp/zero/pc are 8 bytes unless said otherwise (arm64 WSP/WZR: ":4").
  const char* special = nullptr;
  if (r == kSp) special = "sp";
  if (r == kZero) special = "zero";
  if (r == kPc) special = "pc";
  if (special != nullptr) {
    out->append(special);
    if (size != 8) fmt::format_to(std::back_inserter(*out), ":{}", size);
    return;
  }
  if (r == kNoReg) {
    out->append("?reg");
  } else {
    fmt::format_to(std::back_inserter(*out), "r{}", r);
  }
  fmt::format_to(std::back_inserter(*out), ":{}", size);
}

// Register name inside an address: no size suffix.
void AppendAddrReg(std::string* out, Reg r) {
  if (r == kSp) {
    out->append("sp");
  } else if (r == kZero) {
    out->append("zero");
  } else if (r == kPc) {
    out->append("pc");
  } else {
    fmt::format_to(std::back_inserter(*out), "r{}", r);
  }
}

void AppendOperand(std::string* out, const Operand& op) {
  switch (op.kind) {
    case Operand::Kind::kNone:
      out->append("-");
      return;
    case Operand::Kind::kReg:
      AppendReg(out, op.reg, op.size);
      return;
    case Operand::Kind::kImm:
      out->push_back('#');
      AppendSignedHex(out, op.imm);
      return;
    case Operand::Kind::kMem: {
      const MemRef& m = op.mem;
      out->push_back('[');
      if (m.opaque_base) out->push_back('?');
      if (m.base == kPc) {
        // pc-relative: disp already holds the absolute address.
        fmt::format_to(std::back_inserter(*out), "{:#x}",
                       static_cast<std::uint64_t>(m.disp));
      } else {
        bool any = false;
        if (m.base != kNoReg) {
          AppendAddrReg(out, m.base);
          any = true;
        }
        if (m.index != kNoReg) {
          if (any) out->push_back('+');
          AppendAddrReg(out, m.index);
          if (m.scale != 1)
            fmt::format_to(std::back_inserter(*out), "*{}", m.scale);
          any = true;
        }
        if (!any && m.opaque_base) {
          AppendSignedHex(out, m.disp);  // a segment offset: "[?-0x8]"
        } else if (!any) {
          fmt::format_to(std::back_inserter(*out), "{:#x}",
                         static_cast<std::uint64_t>(m.disp));
        } else if (m.disp != 0) {
          if (m.disp > 0) out->push_back('+');
          AppendSignedHex(out, m.disp);
        }
      }
      fmt::format_to(std::back_inserter(*out), "]:{}", op.size);
      return;
    }
  }
}

const char* OpName(OpKind kind) {
  switch (kind) {
    case OpKind::kMove:
      return "mov";
    case OpKind::kMoveMaybe:
      return "movmaybe";
    case OpKind::kAddImm:
      return "add";
    case OpKind::kClobber:
      return "clobber";
    case OpKind::kOrImm:
      return "or";
  }
  return "?";
}

}  // namespace

const char* FlowName(Flow flow) {
  switch (flow) {
    case Flow::kNext:
      return "next";
    case Flow::kJump:
      return "jmp";
    case Flow::kCondJump:
      return "jcc";
    case Flow::kIndirectJump:
      return "jmp*";
    case Flow::kCall:
      return "call";
    case Flow::kIndirectCall:
      return "call*";
    case Flow::kReturn:
      return "ret";
    case Flow::kSyscall:
      return "syscall";
    case Flow::kForeignSyscall:
      return "foreign-syscall";
    case Flow::kHalt:
      return "halt";
    case Flow::kInvalid:
      return "invalid";
  }
  return "?";
}

std::string ToString(const Operand& op) {
  std::string s;
  AppendOperand(&s, op);
  return s;
}

// Layout: [flow part] then ops, "; "-separated. The flow part is omitted for
// kNext. Consecutive clobbers share one "clobber" word so the common
// "everything else" line stays short: "clobber r0:8 r2:8".
std::string ToString(const Instruction& insn) {
  std::string s;
  auto sep = [&s] {
    if (!s.empty()) s.append("; ");
  };
  if (insn.flow != Flow::kNext) {
    s.append(FlowName(insn.flow));
    switch (insn.flow) {
      case Flow::kJump:
      case Flow::kCondJump:
      case Flow::kCall:
        fmt::format_to(std::back_inserter(s), " {:#x}", insn.target);
        break;
      case Flow::kSyscall:
      case Flow::kForeignSyscall:
        // The immediate only when it says something (SVC #0x80, INT $0x80).
        if (insn.trap_imm != 0) {
          fmt::format_to(std::back_inserter(s), " #{:#x}", insn.trap_imm);
        }
        break;
      default:
        break;
    }
  }
  bool in_clobber_run = false;
  for (int i = 0; i < insn.num_ops; ++i) {
    const MicroOp& op = insn.ops[i];
    if (op.kind == OpKind::kClobber && in_clobber_run) {
      s.push_back(' ');
      AppendOperand(&s, op.dst);
      continue;
    }
    sep();
    in_clobber_run = op.kind == OpKind::kClobber;
    s.append(OpName(op.kind));
    s.push_back(' ');
    AppendOperand(&s, op.dst);
    switch (op.kind) {
      case OpKind::kMove:
      case OpKind::kMoveMaybe:
        s.append(" <- ");
        AppendOperand(&s, op.src);
        break;
      case OpKind::kAddImm:
        s.append(" <- ");
        AppendOperand(&s, op.src);
        s.append(" + ");
        AppendSignedHex(&s, op.imm);
        break;
      case OpKind::kOrImm:
        s.append(" <- ");
        AppendOperand(&s, op.src);
        s.append(" | ");
        AppendSignedHex(&s, op.imm);
        break;
      case OpKind::kClobber:
        break;
    }
  }
  if (insn.clobbers_all_registers) {
    sep();
    s.append("clobber-all");
  }
  if (insn.literal_address != 0) {
    sep();
    fmt::format_to(std::back_inserter(s), "literal {:#x}:{}",
                   insn.literal_address, insn.literal_size);
  }
  if (s.empty()) s = "nop";
  return s;
}

}  // namespace go2seccomp::disasm
