// The CLI's malloc set-up for the analysis (glibc mallopt(3), madvise(2)).
// Process-wide, so it lives in the command, not in the library.
//
//   TuneHeap();                        // first thing in main()
//   AdviseHugePagesFor(binary_size);   // before analysing a binary
#ifndef GO2SECCOMP_TOOLS_HEAP_H_
#define GO2SECCOMP_TOOLS_HEAP_H_

#include <cstdint>
#include <string>

namespace go2seccomp::cli {

// One arena, large blocks from the heap, the heap kept and grown in 64 MB
// steps now, with its unaligned head held so that allocations start on a
// 2 MB boundary, and the first 2 MB of it advised for huge pages.
void TuneHeap();

// Advises transparent huge pages for the part of the heap an analysis of a
// file of `bytes` fills (half the file), so that the last, partly used huge
// page cannot add up to 2 MB to a small program's peak RSS. Measured on
// cmd/go 1.19 (15 MB): the whole heap advised 35 ms, half the file 41 ms, a
// third 45 ms, none 50 ms; peak RSS / file size for Debian's go 1.24 2.05x,
// 1.94x, 1.91x, 1.89x. Grows the advised range, never shrinks it.
void AdviseHugePagesFor(std::uint64_t bytes);
// The same for the file at `path` (nothing if it cannot be stat'ed).
void AdviseHugePagesForFile(const std::string& path);

}  // namespace go2seccomp::cli

#endif  // GO2SECCOMP_TOOLS_HEAP_H_
