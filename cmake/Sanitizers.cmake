# -DG2S_SANITIZE=ON builds everything with AddressSanitizer + UBSan
# (scripts/test.sh --asan uses it).
option(G2S_SANITIZE "Build with ASan + UBSan" OFF)
if(G2S_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC's manual (-fsanitize=address): "sanitizers tend to increase the
    # rate of false positive warnings, most notably those around
    # -Wmaybe-uninitialized"; GCC 12 reports one inside <regex> with -Werror.
    add_compile_options(-Wno-maybe-uninitialized)
  endif()
endif()
