# -DG2S_BUILD_FUZZERS=ON builds the libFuzzer targets of tests/fuzz (needs
# clang: libFuzzer ships with compiler-rt, Debian's libclang-rt-14-dev):
#
#   CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja \
#       -DG2S_BUILD_FUZZERS=ON -DG2S_BUILD_TESTS=OFF -DG2S_BUILD_BENCH=OFF
#   ninja -C build-fuzz && scripts/fuzz.sh          # or run one by hand:
#   build-fuzz/fuzzers/elf_fuzzer -max_total_time=600 NEW_DIR tests/testdata/corpus/elf
#
# Included after the libraries are defined: it instruments each of our
# libraries for coverage (-fsanitize=fuzzer-no-link) and ASan+UBSan, so
# libFuzzer sees the parsers' branches, not just the fuzz target's. The
# sanitizer runtimes reach every consumer through INTERFACE link options.
# The same sources also build as ordinary GCC tests that replay the corpus
# (tests/fuzz/CMakeLists.txt, label fuzz-replay); those do not need this.
if(NOT G2S_BUILD_FUZZERS)
  return()
endif()
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "G2S_BUILD_FUZZERS needs clang (libFuzzer): configure "
                      "with CC=clang CXX=clang++ in a separate build directory")
endif()

set(G2S_FUZZ_SANITIZERS address,undefined)
# UBSan findings must stop the fuzzer like a crash, not scroll past.
set(G2S_FUZZ_FLAGS -fsanitize=${G2S_FUZZ_SANITIZERS} -fno-sanitize-recover=undefined
                   -fno-omit-frame-pointer -gline-tables-only)

foreach(lib base syscalls elf gosym disasm profile analysis image)
  target_compile_options(go2seccomp_${lib} PRIVATE -fsanitize=fuzzer-no-link ${G2S_FUZZ_FLAGS})
  target_link_options(go2seccomp_${lib} INTERFACE -fsanitize=${G2S_FUZZ_SANITIZERS})
endforeach()

# g2s_fuzzer(NAME SOURCES ... DEPS ...): one libFuzzer executable.
function(g2s_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer ${G2S_FUZZ_FLAGS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,${G2S_FUZZ_SANITIZERS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR})
  g2s_set_warnings(${name})
endfunction()

# The targets themselves are listed once, in tests/fuzz/CMakeLists.txt,
# which builds replay tests when added by tests/ and libFuzzer executables
# when added from here (G2S_FUZZ_LIBFUZZER).
set(G2S_FUZZ_LIBFUZZER ON)
add_subdirectory(${PROJECT_SOURCE_DIR}/tests/fuzz ${PROJECT_BINARY_DIR}/fuzzers)
