#!/usr/bin/env bash
# Installs everything go2seccomp needs to build and test on Debian 12
# (bookworm), from Debian's own packages only. Idempotent; run as root (or
# with sudo available).
set -euo pipefail
PKGS=(
  zlib1g-dev
  build-essential cmake ninja-build pkg-config git
  libseccomp-dev seccomp        # compiling and loading filters (+ scmp_sys_resolver)
  libzydis-dev                  # x86-64 decoding (pulls libzycore-dev)
  libcapstone-dev               # arm64 decoding
  nlohmann-json3-dev libcli11-dev libfmt-dev libexpected-dev
  googletest libgtest-dev libgmock-dev
  libyaml-dev                   # tests parse the SPO YAML output (optional: skipped without)
  golang-go                     # Go 1.19: builds the test fixtures
  strace                        # tests compare profiles with observed syscalls
  runc crun                     # container runtime tests (preset measurement)
  binutils                      # readelf/objcopy for cross-checks in tests
  python3 curl ca-certificates xz-utils
  nodejs npm                    # fetches real esbuild binaries from npm in tests
  clang libclang-rt-14-dev      # fuzzers: libFuzzer + sanitizer runtimes (scripts/fuzz.sh)
  musl-tools                    # static cgo fixtures linked against musl
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross  # arm64 cgo fixtures (libc6-arm64-cross for qemu -L)
  qemu-user                     # runs arm64/arm/386 fixtures: trace by observation (qemu -strace)
  golang-github-mattn-go-sqlite3-dev sqlite3  # a real cgo library, built static (GOPATH mode)
  umoci skopeo                  # container images built offline for `go2seccomp image`
)
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs/npm may come from another repository (nodesource); accept any node.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
filtered=()
for p in "${missing[@]}"; do [ -n "$p" ] && filtered+=("$p"); done
if [ ${#filtered[@]} -gt 0 ]; then
  echo "setup: installing ${filtered[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${filtered[@]}"
fi
echo "setup: all dependencies present"
