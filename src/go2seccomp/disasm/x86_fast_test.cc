// The fast x86-64 paths against Zydis (through X86Decoder::Decode, which
// never takes them): wherever FastDecodeX86_64 answers, and for every
// instruction DecodeShape answers, length, flow, target and Moves of an
// immediate must be Decode's, on random instructions built to hit every
// prefix/opcode/ModRM combination and on real code.
#include "go2seccomp/disasm/x86_fast.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "go2seccomp/disasm/decoder.h"
#include "go2seccomp/disasm/test_util.h"
#include "tests/common/files.h"

namespace go2seccomp::disasm {
namespace {

std::unique_ptr<Decoder> X86() {
  auto d = MakeDecoder(Arch::kX86_64);
  EXPECT_TRUE(d.has_value());
  return std::move(*d);
}

std::string Hex(const std::uint8_t* p, std::size_t n) {
  std::string s;
  for (std::size_t k = 0; k < n && k < 15; ++k)
    s += fmt::format("{:02x} ", p[k]);
  return s;
}

// Decode's Moves of an immediate: what DecodeShape must keep.
std::vector<MicroOp> ImmMoves(const Instruction& insn) {
  std::vector<MicroOp> v;
  for (int k = 0; k < insn.num_ops; ++k) {
    const MicroOp& op = insn.ops[k];
    if (op.kind == OpKind::kMove && op.src.kind == Operand::Kind::kImm)
      v.push_back(op);
  }
  return v;
}

// Empty if the fast path agrees with Decode on these bytes (or declines).
// `answered` is set when it answered.
std::string Mismatch(const Decoder& dec, const std::uint8_t* p, std::size_t n,
                     std::uint64_t pc, bool* answered) {
  Instruction ref;
  dec.Decode(Bytes(p, n), pc, &ref);
  const std::string where = Hex(p, n);
  std::vector<MicroOp> want = ImmMoves(ref);
  // DecodeShape, whichever of its paths answers (fast table, Zydis
  // without operands, full Decode), gives Decode's shape.
  Instruction shape;
  dec.DecodeShape(Bytes(p, n), pc, &shape);
  const bool branch = ref.flow == Flow::kCall || ref.flow == Flow::kJump ||
                      ref.flow == Flow::kCondJump;
  if (shape.length != ref.length || shape.flow != ref.flow ||
      (branch && shape.target != ref.target) || ImmMoves(shape) != want ||
      shape.num_ops != want.size()) {
    return fmt::format(
        "DecodeShape: length {} flow {} ops {} vs Decode's {} {} {} for {}",
        shape.length, int(shape.flow), shape.num_ops, ref.length, int(ref.flow),
        want.size(), where);
  }
  FastX86 fast;
  *answered = FastDecodeX86_64(p, n, pc, &fast);
  if (!*answered) return {};
  if (ref.flow == Flow::kInvalid)
    return "Zydis: invalid, fast: length " + std::to_string(fast.length) +
           " for " + where;
  if (ref.length != fast.length) {
    return fmt::format("length {} vs Zydis {} for {}", fast.length, ref.length,
                       where);
  }
  if (ref.flow != fast.flow) {
    return fmt::format("flow {} vs {} for {}", int(fast.flow), int(ref.flow),
                       where);
  }
  if (branch && ref.target != fast.target) {
    return fmt::format("target {:#x} vs {:#x} for {}", fast.target, ref.target,
                       where);
  }
  std::vector<MicroOp> got;
  if (fast.has_move) {
    got.push_back(
        MicroOp{OpKind::kMove, Operand::Register(fast.move_reg, fast.move_size),
                Operand::Immediate(fast.move_imm, fast.move_size), 0});
  }
  if (want != got) {
    return fmt::format("{} immediate moves vs Decode's {} for {}", got.size(),
                       want.size(), where);
  }
  return {};
}

TEST(X86FastTest, KnownEncodings) {
  auto dec = X86();
  struct Case {
    std::vector<std::uint8_t> bytes;
    std::uint8_t length;
    Flow flow;
    std::uint64_t target;
  };
  const std::uint64_t pc = 0x401000;
  const Case cases[] = {
      {{0xe8, 0x10, 0x00, 0x00, 0x00}, 5, Flow::kCall, pc + 0x15},  // call
      {{0xeb, 0xfe}, 2, Flow::kJump, pc},                           // jmp .
      {{0x0f, 0x84, 0x00, 0x01, 0x00, 0x00}, 6, Flow::kCondJump, pc + 0x106},
      {{0x0f, 0x05}, 2, Flow::kSyscall, 0},                   // syscall
      {{0xf3, 0xc3}, 2, Flow::kReturn, 0},                    // repz ret
      {{0x3e, 0xff, 0xe0}, 3, Flow::kIndirectJump, 0},        // notrack jmp rax
      {{0xff, 0x15, 0, 0, 0, 0}, 6, Flow::kIndirectCall, 0},  // call [rip]
      {{0xf3, 0x0f, 0x1e, 0xfa}, 4, Flow::kNext, 0},          // endbr64
      {{0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8}, 10, Flow::kNext, 0},  // movabs
      {{0x66, 0x0f, 0x1f, 0x44, 0, 0}, 6, Flow::kNext, 0},         // nopw
      {{0x48, 0x8d, 0x3d, 0x10, 0, 0, 0}, 7, Flow::kNext, 0},  // lea rdi,[rip]
  };
  for (const Case& c : cases) {
    FastX86 f;
    ASSERT_TRUE(FastDecodeX86_64(c.bytes.data(), c.bytes.size(), pc, &f))
        << Hex(c.bytes.data(), c.bytes.size());
    EXPECT_EQ(f.length, c.length) << Hex(c.bytes.data(), c.bytes.size());
    EXPECT_EQ(f.flow, c.flow) << Hex(c.bytes.data(), c.bytes.size());
    if (c.target) {
      EXPECT_EQ(f.target, c.target);
    }
    bool answered;
    EXPECT_EQ(Mismatch(*dec, c.bytes.data(), c.bytes.size(), pc, &answered),
              "");
  }
  // lea rdi, [rip+0x10] materialises pc+7+0x10 in RDI.
  FastX86 f;
  const std::uint8_t lea[] = {0x48, 0x8d, 0x3d, 0x10, 0, 0, 0};
  ASSERT_TRUE(FastDecodeX86_64(lea, sizeof lea, pc, &f));
  EXPECT_TRUE(f.has_move);
  EXPECT_EQ(f.move_reg, 7);
  EXPECT_EQ(f.move_imm, static_cast<std::int64_t>(pc + 0x17));
  // Declined: LOCK, VEX, cut off, invalid in 64-bit mode.
  for (const std::vector<std::uint8_t>& b :
       std::vector<std::vector<std::uint8_t>>{{0xf0, 0x48, 0x0f, 0xb1, 0x0a},
                                              {0xc5, 0xf8, 0x77},
                                              {0xe8, 0x00, 0x00},
                                              {0x06},
                                              {0x0f, 0x0f, 0xc0, 0x0c}}) {
    EXPECT_FALSE(FastDecodeX86_64(b.data(), b.size(), pc, &f))
        << Hex(b.data(), b.size());
  }
}

// Random instructions: prefixes, an optional REX, a one- or two-byte opcode
// and random ModRM/SIB/displacement/immediate bytes, sometimes cut short.
TEST(X86FastTest, AgreesWithZydisOnRandomInstructions) {
  auto dec = X86();
  std::mt19937_64 rng(20261123);
  const std::uint8_t prefixes[] = {0x66, 0xf2, 0xf3, 0x2e, 0x3e, 0x26,
                                   0x36, 0x64, 0x65, 0x67, 0xf0};
  std::size_t answered_count = 0, failures = 0;
  // G2S_X86_FAST_ROUNDS raises the count for a long run by hand.
  const char* env = std::getenv("G2S_X86_FAST_ROUNDS");
  const int kRounds = env ? std::atoi(env) : 1'500'000;
  for (int round = 0; round < kRounds && failures < 20; ++round) {
    std::uint8_t buf[24];
    std::size_t k = 0;
    const int npre = static_cast<int>(rng() % 4);
    for (int j = 0; j < npre; ++j) buf[k++] = prefixes[rng() % sizeof prefixes];
    if (rng() % 2) buf[k++] = static_cast<std::uint8_t>(0x40 | (rng() % 16));
    if (rng() % 2) buf[k++] = 0x0f;
    while (k < sizeof buf) buf[k++] = static_cast<std::uint8_t>(rng());
    const std::size_t n = rng() % 8 == 0 ? 1 + rng() % 12 : sizeof buf;
    bool answered;
    const std::string m =
        Mismatch(*dec, buf, n, 0x400000 + rng() % 0x100000, &answered);
    answered_count += answered;
    if (!m.empty()) {
      ADD_FAILURE() << m;
      ++failures;
    }
  }
  // The generator must exercise the fast path, or this proves nothing.
  EXPECT_GT(answered_count, static_cast<std::size_t>(kRounds) / 5);
}

// Real code: linear sweeps of Go binaries and of the host's C libraries.
// The fast path must agree at every instruction and answer most of them
// (that it does is the speed of the C-library call graph).
TEST(X86FastTest, AgreesWithZydisOnRealCode) {
  auto dec = X86();
  std::vector<std::string> files = {test_util::Fixture("httpsrv"),
                                    test_util::Fixture("cgonet", "amd64-cgo")};
  for (const char* lib :
       {"/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libm.so.6",
        "/lib64/ld-linux-x86-64.so.2",
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6"}) {
    files.emplace_back(lib);
  }
  for (const std::string& path : files) {
    auto text = test::ReadElfSection(path, ".text");
    if (!text) {
      ADD_FAILURE() << "cannot read .text of " << path;
      continue;
    }
    std::size_t total = 0, answered_count = 0, failures = 0;
    Instruction insn;
    const std::vector<std::uint8_t>& b = text->bytes;
    for (std::size_t off = 0; off < b.size() && failures < 10;
         off += insn.length) {
      dec->Decode(Bytes(b).subspan(off), text->addr + off, &insn);
      bool answered;
      const std::string m = Mismatch(*dec, b.data() + off, b.size() - off,
                                     text->addr + off, &answered);
      ++total;
      answered_count += answered;
      if (!m.empty()) {
        ADD_FAILURE() << path << " +" << off << ": " << m;
        ++failures;
      }
    }
    std::printf("%s: fast path answered %zu of %zu instructions (%.1f%%)\n",
                path.c_str(), answered_count, total,
                100.0 * answered_count / total);
    EXPECT_GT(answered_count * 10, total * 8) << path;
  }
}

}  // namespace
}  // namespace go2seccomp::disasm
