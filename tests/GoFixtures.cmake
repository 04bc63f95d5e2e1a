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
# Static cgo fixtures: C start-up code, libc and the program's own C linked
# into one static executable (-linkmode=external -extldflags=-static), with
# glibc's libc.a, musl (musl-gcc) and arm64 glibc (cross gcc); and a real cgo
# library, Debian's packaged github.com/mattn/go-sqlite3 (GOPATH mode, its
# libsqlite3.a). Each is built only where its compiler or sources are
# installed (scripts/setup.sh installs them); the tests skip with a message
# otherwise.
find_program(G2S_MUSL_GCC musl-gcc)
find_program(G2S_AARCH64_GCC aarch64-linux-gnu-gcc)
set(G2S_SQLITE3_GOPATH /usr/share/gocode)
set(_static_ldflags "-ldflags=-linkmode=external -extldflags=-static")
function(g2s_static_cgo_fixture variant goarch cc)
  set(out ${G2S_FIXTURE_DIR}/${variant}/cstatic)
  set(ldflags ${_static_ldflags})
  if(ARGN)  # a static PIE: ET_DYN with a dynamic table, no interpreter
    set(ldflags -buildmode=pie "-ldflags=-linkmode=external -extldflags=-static-pie")
  endif()
  file(GLOB _deps ${_src}/cstatic/*.go)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E env
            CGO_ENABLED=1 GOOS=linux GOARCH=${goarch} CC=${cc}
            GOCACHE=${PROJECT_BINARY_DIR}/gocache GOPATH=${PROJECT_BINARY_DIR}/gopath
            GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local GO111MODULE=on
            ${G2S_GO_EXECUTABLE} build ${ldflags} -o ${out} ./cstatic
    WORKING_DIRECTORY ${_src}
    DEPENDS ${_deps} ${_src}/go.mod
    COMMENT "go build ${variant}/cstatic"
    VERBATIM)
  set(_outputs ${_outputs} ${out} PARENT_SCOPE)
endfunction()
g2s_static_cgo_fixture(amd64-cstatic amd64 gcc)
g2s_static_cgo_fixture(amd64-cstatic-pie amd64 gcc static-pie)
if(G2S_MUSL_GCC)
  g2s_static_cgo_fixture(amd64-cstatic-musl amd64 ${G2S_MUSL_GCC})
endif()
if(G2S_AARCH64_GCC)
  g2s_static_cgo_fixture(arm64-cstatic arm64 ${G2S_AARCH64_GCC})
endif()
if(EXISTS ${G2S_SQLITE3_GOPATH}/src/github.com/mattn/go-sqlite3/sqlite3.go)
  set(out ${G2S_FIXTURE_DIR}/amd64-cstatic/sqlitestatic)
  set(_gp ${PROJECT_SOURCE_DIR}/tests/testdata/gopath/sqlitestatic)
  # Debian's go-sqlite3 links the system libsqlite3 (-lsqlite3), whose
  # static archive needs libm after it.
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E env
            CGO_ENABLED=1 GOOS=linux GOARCH=amd64 CGO_LDFLAGS=-lm
            GOCACHE=${PROJECT_BINARY_DIR}/gocache GOPATH=${G2S_SQLITE3_GOPATH}
            GOPROXY=off GOTOOLCHAIN=local GO111MODULE=off GOFLAGS=
            ${G2S_GO_EXECUTABLE} build ${_static_ldflags} -o ${out} .
    WORKING_DIRECTORY ${_gp}
    DEPENDS ${_gp}/main.go
    COMMENT "go build amd64-cstatic/sqlitestatic (GOPATH mode)"
    VERBATIM)
  list(APPEND _outputs ${out})
endif()
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
