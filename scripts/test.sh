#!/usr/bin/env bash
# The test command: installs dependencies (Debian packages), builds, and runs
# the whole suite. Tests that need seccomp or ptrace skip with a message
# where the kernel forbids them; the realbin test skips without the npm
# registry.
#
#   scripts/test.sh            everything
#   scripts/test.sh -L unit    only unit tests (any ctest arguments)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
bash "$ROOT/scripts/setup.sh"
bash "$ROOT/scripts/build.sh"
cd "${BUILD_DIR:-$ROOT/build}"
ctest --output-on-failure -j2 --timeout 900 "$@"
