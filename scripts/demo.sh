#!/usr/bin/env bash
# The main job on an embedded default: builds go2seccomp and the Go fixture
# programs (tests/testdata/go), profiles the `mkdir` fixture (which calls
# syscall.Mkdir -- mkdirat, the syscall the objdump-based go2seccomp missed
# on Go >= 1.17), prints the profile, and runs the program under it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
bash "$ROOT/scripts/setup.sh"
bash "$ROOT/scripts/build.sh"
G2S="$BUILD/tools/go2seccomp/go2seccomp"
BIN="$BUILD/fixtures/amd64/mkdir"
[ "$(uname -m)" = aarch64 ] && BIN="$BUILD/fixtures/arm64/mkdir"
OUT=$(mktemp -d)
echo "\$ go2seccomp $BIN profile.json"
"$G2S" "$BIN" "$OUT/profile.json"
cat "$OUT/profile.json"
echo "\$ go2seccomp exec --profile profile.json -- $BIN $OUT/newdir"
"$G2S" exec --profile "$OUT/profile.json" -- "$BIN" "$OUT/newdir"
rm -rf "$OUT"
