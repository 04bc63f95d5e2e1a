// The I/O-scan limit for bench/run.sh: what any analysis of a binary must
// at least do -- map the file and read each executable byte once. Maps the
// file, finds its executable PT_LOAD segments (ELF64 little-endian) and
// counts the x86-64 SYSCALL byte pairs (0F 05) in them with one SIMD pass
// (AVX2 when the CPU has it, else SSE2).
//
//   io_scan BINARY   prints "<executable bytes> <0F 05 pairs> <scan ms>"
#include <elf.h>
#include <fcntl.h>
#include <immintrin.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace {

// Pairs (p[i] == 0x0f && p[i+1] == 0x05) for i in [0, n-1).
__attribute__((target("avx2"))) std::uint64_t CountAvx2(const std::uint8_t* p,
                                                        std::size_t n) {
  std::uint64_t count = 0;
  std::size_t i = 0;
  const __m256i k0f = _mm256_set1_epi8(0x0f), k05 = _mm256_set1_epi8(0x05);
  for (; i + 33 <= n; i += 32) {
    const __m256i a =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    const __m256i b =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 1));
    const auto m =
        static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_and_si256(
            _mm256_cmpeq_epi8(a, k0f), _mm256_cmpeq_epi8(b, k05))));
    count += static_cast<std::uint64_t>(__builtin_popcount(m));
  }
  for (; i + 1 < n; ++i) count += p[i] == 0x0f && p[i + 1] == 0x05;
  return count;
}

std::uint64_t CountSse2(const std::uint8_t* p, std::size_t n) {
  std::uint64_t count = 0;
  std::size_t i = 0;
  const __m128i k0f = _mm_set1_epi8(0x0f), k05 = _mm_set1_epi8(0x05);
  for (; i + 17 <= n; i += 16) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i b =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 1));
    const auto m = static_cast<std::uint32_t>(_mm_movemask_epi8(
        _mm_and_si128(_mm_cmpeq_epi8(a, k0f), _mm_cmpeq_epi8(b, k05))));
    count += static_cast<std::uint64_t>(__builtin_popcount(m));
  }
  for (; i + 1 < n; ++i) count += p[i] == 0x0f && p[i + 1] == 0x05;
  return count;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: io_scan BINARY\n");
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  const int fd = ::open(argv[1], O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || ::fstat(fd, &st) != 0 ||
      st.st_size < static_cast<off_t>(sizeof(Elf64_Ehdr))) {
    std::perror(argv[1]);
    return 1;
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) {
    std::perror("mmap");
    return 1;
  }
  const auto* bytes = static_cast<const std::uint8_t*>(map);
  Elf64_Ehdr eh;
  std::memcpy(&eh, bytes, sizeof eh);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
      eh.e_ident[EI_CLASS] != ELFCLASS64 ||
      eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > size ||
      eh.e_phnum > (size - eh.e_phoff) / sizeof(Elf64_Phdr)) {
    std::fprintf(stderr, "%s: not an ELF64 file with program headers\n",
                 argv[1]);
    return 1;
  }
  const bool avx2 = __builtin_cpu_supports("avx2");
  std::uint64_t exec_bytes = 0, pairs = 0;
  for (int k = 0; k < eh.e_phnum; ++k) {
    Elf64_Phdr ph;
    std::memcpy(&ph, bytes + eh.e_phoff + k * sizeof ph, sizeof ph);
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_X) == 0) continue;
    if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset) continue;
    exec_bytes += ph.p_filesz;
    pairs += avx2 ? CountAvx2(bytes + ph.p_offset, ph.p_filesz)
                  : CountSse2(bytes + ph.p_offset, ph.p_filesz);
  }
  const double ms = std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count();
  std::printf("%llu %llu %.2f\n", static_cast<unsigned long long>(exec_bytes),
              static_cast<unsigned long long>(pairs), ms);
  ::munmap(map, size);
  return 0;
}
