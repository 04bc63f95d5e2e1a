// Fuzzes gosym::LineTable::Parse over raw table bytes (as if mapped at a
// fixed address) and every lookup on what it accepts. Seeds:
// tests/testdata/corpus/pclntab, one small synthetic table per layout (Go
// 1.2, 1.16, 1.18, 1.20; 4- and 8-byte pointers).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "go2seccomp/gosym/pclntab.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using go2seccomp::Bytes;
namespace gosym = go2seccomp::gosym;

constexpr std::uint64_t kTableVaddr = 0x500000;
constexpr std::uint64_t kFileOffset = 0x100000;
// Lookups per table: each LineFor walks pc-value tables, so probing every
// function of a 100k-function table would make one input take seconds.
constexpr std::size_t kMaxProbedFuncs = 256;

bool Within(Bytes table, std::string_view s) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  return s.empty() ||
         (p >= table.data() && p + s.size() <= table.data() + table.size());
}

void Exercise(Bytes bytes, std::optional<std::uint64_t> text_start) {
  auto t = gosym::LineTable::Parse(bytes, kTableVaddr, kFileOffset, text_start);
  if (!t) return;
  const auto funcs = t->funcs();
  FUZZ_CHECK(std::is_sorted(funcs.begin(), funcs.end(),
                            [](const gosym::Func& a, const gosym::Func& b) {
                              return a.entry < b.entry;
                            }));
  const std::size_t n = std::min(funcs.size(), kMaxProbedFuncs);
  for (std::size_t i = 0; i < n; ++i) {
    const gosym::Func& f = funcs[i];
    FUZZ_CHECK(f.entry <= f.end);
    FUZZ_CHECK(Within(bytes, f.name));
    (void)t->FindFuncByName(f.name);
    for (std::uint64_t pc :
         {f.entry, f.entry + (f.end - f.entry) / 2, f.end - 1, f.end}) {
      if (auto idx = t->FindFunc(pc)) {
        FUZZ_CHECK(*idx < funcs.size());
        FUZZ_CHECK(funcs[*idx].entry <= pc && pc < funcs[*idx].end);
      }
      if (auto line = t->LineFor(pc)) FUZZ_CHECK(Within(bytes, line->file));
      (void)t->SpDeltaFor(pc);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const Bytes bytes(data, size);
  // Both ways Go 1.18+ tables get their text base: the header's textStart
  // word, and runtime.text given by the caller.
  Exercise(bytes, std::nullopt);
  Exercise(bytes, 0x401000);
  return 0;
}
