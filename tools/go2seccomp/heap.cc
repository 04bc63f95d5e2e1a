#include "tools/go2seccomp/heap.h"

#include <malloc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace go2seccomp::cli {
namespace {

constexpr std::uintptr_t kMiB = 1 << 20;
constexpr std::uintptr_t kHuge =
    2 * kMiB;  // x86-64 and arm64 (4 KB pages) PMD size

// The heap range TuneHeap left for huge pages, and how much of it is
// advised so far.
std::uintptr_t g_lo = 0, g_hi = 0, g_advised = 0;

// Grows the advised part of [g_lo, g_hi) to `len` bytes (whole huge pages).
void AdviseFirst(std::uintptr_t len) {
  if (g_lo == 0) return;
  const std::uintptr_t want =
      std::min<std::uintptr_t>(len & ~(kHuge - 1), g_hi - g_lo);
  if (want <= g_advised) return;
  // Best effort: without THP the advice fails or does nothing.
  if (madvise(reinterpret_cast<void*>(g_lo + g_advised), want - g_advised,
              MADV_HUGEPAGE) == 0) {
    g_advised = want;
  }
}

}  // namespace

// Where the analysis's time goes on a VM is page faults: the flow analysis
// and the code index allocate and free a few MB per binary, and glibc's
// defaults give each large vector fresh mmap(2)ed pages (the dynamic mmap
// threshold) and hand freed heap back (M_TRIM_THRESHOLD), so the states of
// each function analysed fault in again, one 4 KB page at a time (cmd/go:
// ~2000 faults, a third of the run on a paravirtualised guest). So: one
// arena, large blocks from the heap, the heap kept and grown in 64 MB
// steps, and (AdviseHugePagesFor) part of it advised for transparent huge
// pages, what glibc's glibc.malloc.hugetlb=1 tunable does and only the
// environment can set: one fault per 2 MB where the kernel allows THP
// ("madvise" or "always" in /sys/kernel/mm/transparent_hugepage/enabled).
// Exec'ed programs are not affected.
void TuneHeap() {
  // One malloc arena for all threads: the analysis threads' short-lived
  // vectors otherwise leave each thread a partly used heap of its own,
  // ~10% of the peak (peak RSS: Debian's go 26 -> 24 MB, dockerd 127 -> 116
  // MB), for no measurable speed.
  mallopt(M_ARENA_MAX, 1);
  mallopt(M_MMAP_THRESHOLD, 32 * kMiB);  // glibc's maximum on 64-bit
  mallopt(M_TRIM_THRESHOLD, 1024 * kMiB);
  mallopt(M_TOP_PAD, 64 * kMiB);
  // Grow the heap now (by the request plus M_TOP_PAD). (volatile: a malloc
  // the compiler sees freed unused may be elided.)
  char* const before = static_cast<char*>(sbrk(0));
  void* volatile grow = std::malloc(kMiB);
  char* const after = static_cast<char*>(sbrk(0));
  const auto head = reinterpret_cast<std::uintptr_t>(grow);
  std::free(grow);
  // (Under a sanitizer's allocator the heap does not move: nothing to do.)
  if (before == reinterpret_cast<char*>(-1) || head == 0 || after <= before)
    return;
  // The heap above `grow` has been written (the top chunk's header), and a
  // 2 MB range with a 4 KB page in it cannot get a huge page on fault.
  const std::uintptr_t lo = (head + kMiB + 64 + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t hi =
      reinterpret_cast<std::uintptr_t>(after) & ~(kHuge - 1);
  if (hi <= lo + kHuge) return;
  // Only whole aligned 2 MB pages can be huge: the heap's unaligned head
  // (from where `grow` began up to lo) is held by one block that is never
  // touched (so never backed), and later allocations start at lo.
  if (lo > head + 4096) {
    [[maybe_unused]] static void* volatile hold = nullptr;
    hold = std::malloc(lo - head - 64);
  }
  g_lo = lo;
  g_hi = hi;
  // The first huge page now: the CLI's own allocations (flag parsing) come
  // before AdviseHugePagesFor knows the file and would otherwise leave 4 KB
  // pages in it, which keeps that 2 MB range from ever being a huge page.
  AdviseFirst(kHuge);
}

void AdviseHugePagesFor(std::uint64_t bytes) {
  AdviseFirst(static_cast<std::uintptr_t>(bytes / 2));
}

void AdviseHugePagesForFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    AdviseHugePagesFor(static_cast<std::uint64_t>(st.st_size));
  }
}

}  // namespace go2seccomp::cli
