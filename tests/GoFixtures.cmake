# Builds the Go fixture programs in testdata/go with the Go toolchain found on
# the machine (Debian's golang-go, Go 1.19), in several variants, into
# ${G2S_FIXTURE_DIR}/<variant>/<name>. Tests find them through the
# G2S_FIXTURE_DIR compile definition. Nothing here touches the network: the
# fixtures use the standard library only.
find_program(G2S_GO_EXECUTABLE go REQUIRED
             HINTS /usr/lib/go/bin /usr/lib/go-1.19/bin)
set(G2S_FIXTURE_DIR ${PROJECT_BINARY_DIR}/fixtures CACHE INTERNAL "")
set(G2S_FIXTURES hello mkdir httpsrv execproc filecopy rawsys varsys)
# variant -> GOARCH and extra build flags. 386 and arm are the 32-bit
# targets (arm with GOARM=7, Go's default for cross builds to linux/arm).
set(G2S_FIXTURE_VARIANTS amd64 amd64-pie amd64-stripped arm64 386 arm)
set(_flags_amd64 "")
set(_flags_amd64-pie "-buildmode=pie")
set(_flags_amd64-stripped "-ldflags=-s -w")
set(_flags_arm64 "")
set(_goarch_amd64 amd64)
set(_goarch_amd64-pie amd64)
set(_goarch_amd64-stripped amd64)
set(_goarch_arm64 arm64)
set(_flags_386 "")
set(_flags_arm "")
set(_goarch_386 386)
set(_goarch_arm arm)

set(_src ${PROJECT_SOURCE_DIR}/tests/testdata/go)
set(_outputs)
foreach(variant IN LISTS G2S_FIXTURE_VARIANTS)
  foreach(name IN LISTS G2S_FIXTURES)
    set(out ${G2S_FIXTURE_DIR}/${variant}/${name})
    file(GLOB _deps ${_src}/${name}/*.go)
    add_custom_command(
      OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E env
              CGO_ENABLED=0 GOOS=linux GOARCH=${_goarch_${variant}} GOARM=7
              GOCACHE=${PROJECT_BINARY_DIR}/gocache GOPATH=${PROJECT_BINARY_DIR}/gopath
              GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GO111MODULE=on
              ${G2S_GO_EXECUTABLE} build ${_flags_${variant}} -o ${out} ./${name}
      WORKING_DIRECTORY ${_src}
      DEPENDS ${_deps} ${_src}/go.mod
      COMMENT "go build ${variant}/${name}"
      VERBATIM)
    list(APPEND _outputs ${out})
  endforeach()
endforeach()
# cgo fixtures: linked against the machine's glibc (external linking with
# gcc), so their profiles need the C side analysed (analysis/native.h).
# netcgo forces Go's cgo resolver (getaddrinfo) whatever the resolv.conf.
foreach(name cgonet cgouser)
  set(out ${G2S_FIXTURE_DIR}/amd64-cgo/${name})
  file(GLOB _deps ${_src}/${name}/*.go)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E env
            CGO_ENABLED=1 GOOS=linux GOARCH=amd64
            GOCACHE=${PROJECT_BINARY_DIR}/gocache GOPATH=${PROJECT_BINARY_DIR}/gopath
            GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GO111MODULE=on
            ${G2S_GO_EXECUTABLE} build -tags netcgo -o ${out} ./${name}
    WORKING_DIRECTORY ${_src}
    DEPENDS ${_deps} ${_src}/go.mod
    COMMENT "go build amd64-cgo/${name}"
    VERBATIM)
  list(APPEND _outputs ${out})
endforeach()
# An externally linked PIE: GNU ld merges Go's .data.rel.ro.gopclntab into
# .data.rel.ro, so the table has no section of its own (found by magic
# scan) and Go's .data/.noptrdata follow it in the same segment, as in
# Debian's dockerd.
set(out ${G2S_FIXTURE_DIR}/amd64-cgo/execproc-extpie)
file(GLOB _deps ${_src}/execproc/*.go)
add_custom_command(
  OUTPUT ${out}
  COMMAND ${CMAKE_COMMAND} -E env
          CGO_ENABLED=1 GOOS=linux GOARCH=amd64
          GOCACHE=${PROJECT_BINARY_DIR}/gocache GOPATH=${PROJECT_BINARY_DIR}/gopath
          GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GO111MODULE=on
          ${G2S_GO_EXECUTABLE} build -buildmode=pie -ldflags=-linkmode=external
          -o ${out} ./execproc
  WORKING_DIRECTORY ${_src}
  DEPENDS ${_deps} ${_src}/go.mod
  COMMENT "go build amd64-cgo/execproc-extpie"
  VERBATIM)
list(APPEND _outputs ${out})
# The cgo fixtures for arm64, linked by Debian's cross gcc against
# libc6-dev-arm64-cross (/usr/aarch64-linux-gnu): run under qemu-aarch64
# -L /usr/aarch64-linux-gnu and analysed with --root /usr/aarch64-linux-gnu
# (tests/qemu). Skipped when the cross compiler is not installed.
find_program(G2S_AARCH64_CC aarch64-linux-gnu-gcc)
if(G2S_AARCH64_CC)
  foreach(name cgonet cgouser)
    set(out ${G2S_FIXTURE_DIR}/arm64-cgo/${name})
    file(GLOB _deps ${_src}/${name}/*.go)
    add_custom_command(
      OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E env
              CGO_ENABLED=1 GOOS=linux GOARCH=arm64 CC=${G2S_AARCH64_CC}
              GOCACHE=${PROJECT_BINARY_DIR}/gocache GOPATH=${PROJECT_BINARY_DIR}/gopath
              GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GO111MODULE=on
              ${G2S_GO_EXECUTABLE} build -tags netcgo -o ${out} ./${name}
      WORKING_DIRECTORY ${_src}
      DEPENDS ${_deps} ${_src}/go.mod
      COMMENT "go build arm64-cgo/${name}"
      VERBATIM)
    list(APPEND _outputs ${out})
  endforeach()
endif()
add_custom_target(go_fixtures ALL DEPENDS ${_outputs})
