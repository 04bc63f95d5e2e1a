// FUZZ_CHECK(cond): an invariant of the code under test. A violation aborts
// with the condition and location, which libFuzzer reports as a crash and
// the replay driver as a failed test (assert() would vanish under NDEBUG in
// RelWithDebInfo builds).
#ifndef GO2SECCOMP_TESTS_FUZZ_FUZZ_CHECK_H_
#define GO2SECCOMP_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                               \
  do {                                                                 \
    if (!(cond)) {                                                     \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, \
                   __LINE__, #cond);                                   \
      std::abort();                                                    \
    }                                                                  \
  } while (false)

#endif  // GO2SECCOMP_TESTS_FUZZ_FUZZ_CHECK_H_
