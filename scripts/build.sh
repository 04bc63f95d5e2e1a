#!/usr/bin/env bash
# Configures and builds go2seccomp (and its tests and Go fixtures) into
# BUILD_DIR (default: build). Extra arguments go to cmake.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DG2S_WERROR=ON "$@" > /dev/null
ninja -C "$BUILD"
