# -DG2S_SANITIZE=ON builds everything with AddressSanitizer + UBSan
# (scripts/test.sh --asan uses it).
option(G2S_SANITIZE "Build with ASan + UBSan" OFF)
if(G2S_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
