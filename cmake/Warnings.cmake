# Warnings for our own targets: call g2s_set_warnings(target).
function(g2s_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow
                                           -Wnon-virtual-dtor -Wpedantic)
  if(G2S_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
