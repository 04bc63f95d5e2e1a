// Decode speed: linear-sweeps the .text of an ELF file a few times and
// prints instructions/s and MB/s.
//
//   disasm_bench x86_64 /usr/lib/go-1.24/pkg/tool/linux_amd64/compile
//   disasm_bench arm build/fixtures/arm/httpsrv
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>

#include "go2seccomp/disasm/decoder.h"
#include "go2seccomp/disasm/test_util.h"

int main(int argc, char** argv) {
  using go2seccomp::Arch;
  namespace disasm = go2seccomp::disasm;
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s x86_64|arm64|i386|arm ELF [rounds]\n",
                 argv[0]);
    return 2;
  }
  const std::string arch_name = argv[1];
  const std::optional<Arch> parsed = go2seccomp::ArchFromName(arch_name);
  if (!parsed) {
    std::fprintf(stderr, "unknown arch %s\n", arch_name.c_str());
    return 2;
  }
  const Arch arch = *parsed;
  const int rounds = argc > 3 ? std::atoi(argv[3]) : 5;
  auto text = disasm::test::ReadElfSection(argv[2], ".text");
  if (!text) {
    std::fprintf(stderr, "%s: no .text\n", argv[2]);
    return 1;
  }
  auto dec = disasm::MakeDecoder(arch);
  if (!dec) return 1;
  const go2seccomp::Bytes code(text->bytes);
  disasm::Instruction insn;
  std::uint64_t count = 0;
  std::uint64_t invalid = 0;
  std::uint64_t sink = 0;
  // CPU time rather than wall time: on a shared machine the wall clock
  // mostly measures the other processes.
  const std::clock_t cpu_start = std::clock();
  const auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t off = 0; off < code.size(); off += insn.length) {
      (*dec)->Decode(code.subspan(off), text->addr + off, &insn);
      ++count;
      invalid += insn.flow == disasm::Flow::kInvalid;
      sink += insn.num_ops;
    }
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  const double secs = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  fmt::print(
      "{} {}: .text {:.1f} MB, {} insns/round ({} invalid), "
      "{:.2f} M insns/s, {:.1f} MB/s per CPU second (wall {:.2f} s; ops {})\n",
      arch_name, argv[2], code.size() / 1e6, count / rounds, invalid / rounds,
      count / secs / 1e6, code.size() * double(rounds) / secs / 1e6, wall,
      sink);
  return 0;
}
