// Runs independent work items on a few threads.
//
//   ParallelFor(items.size(), threads, [&](std::size_t i, int thread) { ... });
//
// Items are handed out one at a time from a shared counter, so uneven items
// (a 2 MB libc next to a 20 KB libcap) balance themselves; `thread` (0 ..
// threads-1) indexes per-thread scratch space.
#ifndef GO2SECCOMP_BASE_PARALLEL_H_
#define GO2SECCOMP_BASE_PARALLEL_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace go2seccomp {

// The threads worth starting on this machine (at least 1). Asked once per
// process: glibc's get_nprocs, behind hardware_concurrency, opens and
// reads /sys/devices/system/cpu/online on every call, and the analysis asks
// before each parallel step (ten times on a Go binary).
inline int HardwareThreads() {
  static const int n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return n;
}

// fn(i, thread) for every i in [0, n); on the calling thread alone when
// threads <= 1 or there are fewer than `serial_below` items (starting
// threads costs more than small work).
template <class Fn>
void ParallelFor(std::size_t n, int threads, Fn&& fn,
                 std::size_t serial_below = 16) {
  if (threads <= 1 || n < 2 || n < serial_below) {
    for (std::size_t i = 0; i < n; ++i) fn(i, 0);
    return;
  }
  threads = static_cast<int>(
      std::min<std::size_t>(static_cast<std::size_t>(threads), n));
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (std::size_t i; (i = next.fetch_add(1)) < n;) fn(i, t);
    });
  }
  for (std::size_t i; (i = next.fetch_add(1)) < n;) fn(i, 0);
  for (auto& th : pool) th.join();
}

}  // namespace go2seccomp

#endif  // GO2SECCOMP_BASE_PARALLEL_H_
