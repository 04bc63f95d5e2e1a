#include "go2seccomp/profile/bpf_eval.h"

#include <array>
#include <cstring>

namespace go2seccomp::profile {
namespace {

constexpr std::size_t kMaxInstructions = BPF_MAXINSNS;  // 4096

}  // namespace

seccomp_data MakeSeccompData(Arch arch, std::uint32_t nr,
                             std::initializer_list<std::uint64_t> args) {
  seccomp_data d{};
  d.nr = static_cast<int>(nr);
  d.arch = GetArchInfo(arch).audit_arch;
  std::size_t i = 0;
  for (std::uint64_t a : args) {
    if (i == 6) break;
    d.args[i++] = a;
  }
  return d;
}

Result<std::uint32_t> EvaluateBpf(std::span<const sock_filter> program,
                                  const seccomp_data& data) {
  if (program.empty() || program.size() > kMaxInstructions) {
    return MakeError(ErrorCode::kMalformed,
                     "BPF program has {} instructions (1..{} allowed)",
                     program.size(), kMaxInstructions);
  }
  std::array<std::uint8_t, sizeof(seccomp_data)> bytes;
  std::memcpy(bytes.data(), &data, sizeof(data));
  std::array<std::uint32_t, BPF_MEMWORDS> mem{};
  std::uint32_t a = 0;
  std::uint32_t x = 0;

  for (std::size_t pc = 0; pc < program.size(); ++pc) {
    const sock_filter& in = program[pc];
    auto bad = [&](std::string_view why) {
      return MakeError(ErrorCode::kMalformed,
                       "BPF instruction {} (code 0x{:04x} k 0x{:x}): {}", pc,
                       in.code, in.k, why);
    };
    auto jump = [&](std::uint32_t offset) -> Result<void> {
      if (pc + 1 + offset >= program.size()) {
        return bad("jump past the end of the program");
      }
      pc += offset;
      return {};
    };
    std::uint32_t src = BPF_SRC(in.code) == BPF_X ? x : in.k;

    switch (BPF_CLASS(in.code)) {
      case BPF_LD:
      case BPF_LDX: {
        // seccomp_check_filter: only 32-bit words, from seccomp_data (ABS,
        // 4-byte aligned, in bounds), its length, an immediate or memory.
        if (BPF_SIZE(in.code) != BPF_W) return bad("load size is not BPF_W");
        std::uint32_t v = 0;
        switch (BPF_MODE(in.code)) {
          case BPF_ABS:
            if (BPF_CLASS(in.code) != BPF_LD) return bad("LDX with BPF_ABS");
            if (in.k % 4 != 0 || in.k >= sizeof(seccomp_data)) {
              return bad("load outside seccomp_data or unaligned");
            }
            std::memcpy(&v, bytes.data() + in.k, 4);
            break;
          case BPF_LEN:
            v = sizeof(seccomp_data);
            break;
          case BPF_IMM:
            v = in.k;
            break;
          case BPF_MEM:
            if (in.k >= BPF_MEMWORDS) return bad("scratch memory index");
            v = mem[in.k];
            break;
          default:
            return bad("load mode not allowed in seccomp");
        }
        (BPF_CLASS(in.code) == BPF_LD ? a : x) = v;
        break;
      }
      case BPF_ST:
      case BPF_STX:
        if (in.k >= BPF_MEMWORDS) return bad("scratch memory index");
        mem[in.k] = BPF_CLASS(in.code) == BPF_ST ? a : x;
        break;
      case BPF_ALU:
        switch (BPF_OP(in.code)) {
          case BPF_ADD:
            a += src;
            break;
          case BPF_SUB:
            a -= src;
            break;
          case BPF_MUL:
            a *= src;
            break;
          case BPF_DIV:
            // Classic BPF: division by zero ends the program returning 0
            // (kill-thread in seccomp).
            if (src == 0) return 0u;
            a /= src;
            break;
          case BPF_MOD:
            if (src == 0) return 0u;
            a %= src;
            break;
          case BPF_AND:
            a &= src;
            break;
          case BPF_OR:
            a |= src;
            break;
          case BPF_XOR:
            a ^= src;
            break;
          case BPF_LSH:
            a = src >= 32 ? 0 : a << src;
            break;
          case BPF_RSH:
            a = src >= 32 ? 0 : a >> src;
            break;
          case BPF_NEG:
            a = 0u - a;
            break;
          default:
            return bad("unknown ALU operation");
        }
        break;
      case BPF_JMP: {
        if (BPF_OP(in.code) == BPF_JA) {
          G2S_TRY(jump(in.k));
          break;
        }
        bool taken = false;
        switch (BPF_OP(in.code)) {
          case BPF_JEQ:
            taken = a == src;
            break;
          case BPF_JGT:
            taken = a > src;
            break;
          case BPF_JGE:
            taken = a >= src;
            break;
          case BPF_JSET:
            taken = (a & src) != 0;
            break;
          default:
            return bad("unknown jump");
        }
        G2S_TRY(jump(taken ? in.jt : in.jf));
        break;
      }
      case BPF_RET:
        switch (BPF_RVAL(in.code)) {
          case BPF_K:
            return in.k;
          case BPF_A:
            return a;
          default:
            return bad("RET of X is not allowed in seccomp");
        }
      case BPF_MISC:
        switch (BPF_MISCOP(in.code)) {
          case BPF_TAX:
            x = a;
            break;
          case BPF_TXA:
            a = x;
            break;
          default:
            return bad("unknown MISC operation");
        }
        break;
      default:
        return bad("unknown instruction class");
    }
  }
  return MakeError(ErrorCode::kMalformed,
                   "BPF program falls off its end (no RET reached)");
}

Action ActionFromSeccompRet(std::uint32_t ret) {
  std::uint32_t data = ret & SECCOMP_RET_DATA;
  switch (ret & SECCOMP_RET_ACTION_FULL) {
    case SECCOMP_RET_KILL_PROCESS:
      return Action::KillProcess();
    case SECCOMP_RET_KILL_THREAD:
      return Action::KillThread();
    case SECCOMP_RET_TRAP:
      return Action::Trap();
    case SECCOMP_RET_ERRNO:
      return Action::Errno(data);
    case SECCOMP_RET_USER_NOTIF:
      return Action::Notify();
    case SECCOMP_RET_TRACE:
      return Action::Trace(data);
    case SECCOMP_RET_LOG:
      return Action::Log();
    case SECCOMP_RET_ALLOW:
      return Action::Allow();
  }
  // kernel/seccomp.c __seccomp_filter: unknown actions kill the process.
  return Action::KillProcess();
}

}  // namespace go2seccomp::profile
