#!/usr/bin/env bash
# Real third-party Go binaries: esbuild as published on npm, across Go's old
# stack ABI (0.8.57 = Go 1.16) and register ABI (0.14.54 = Go 1.19, 0.25.12
# = Go 1.23). Each is fetched into a cache directory (never committed),
# analysed with --strict (zero findings required), and used to bundle a
# small TypeScript project under the generated profile; node runs the
# bundle.
#
#   usage: esbuild_test.sh GO2SECCOMP [CACHE_DIR]
# CACHE_DIR defaults to $G2S_CACHE_DIR or ~/.cache/go2seccomp-test. Exit 77
# (ctest: skipped) when npm cannot reach the registry.
set -euo pipefail
CLI=$(readlink -f "$1")
CACHE=${2:-${G2S_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/go2seccomp-test}}
mkdir -p "$CACHE/npm"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

fetch() {  # fetch PACKAGE VERSION -> prints the esbuild path
  local pkg=$1 ver=$2 dir="$CACHE/npm/${1//\//_}-$2"
  if [ ! -x "$dir/package/bin/esbuild" ]; then
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    if ! (cd "$dir.tmp" && npm pack --silent "$pkg@$ver" > pack.out 2> pack.err); then
      echo "SKIP: npm pack $pkg@$ver failed: $(tail -2 "$dir.tmp/pack.err")" >&2
      exit 77
    fi
    tar -xzf "$dir.tmp"/*.tgz -C "$dir.tmp"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  echo "$dir/package/bin/esbuild"
}

mkdir -p "$WORK/proj/src"
cat > "$WORK/proj/src/util.ts" <<'TS'
export interface Point { x: number; y: number }
export function dist(a: Point, b: Point): number {
  return Math.sqrt((a.x - b.x) ** 2 + (a.y - b.y) ** 2);
}
TS
cat > "$WORK/proj/src/index.ts" <<'TS'
import { dist } from './util';
console.log("esbuild-under-seccomp " + dist({ x: 0, y: 0 }, { x: 3, y: 4 }));
TS

fail=0
for spec in esbuild-linux-64@0.8.57 esbuild-linux-64@0.14.54 @esbuild/linux-x64@0.25.12; do
  pkg=${spec%@*}; ver=${spec##*@}
  bin=$(fetch "$pkg" "$ver")
  prof="$WORK/esbuild-$ver.json"
  echo "== esbuild $ver"
  if ! "$CLI" "$bin" "$prof" --strict --runtime none; then
    echo "FAIL: esbuild $ver: analysis with --strict failed (findings above)"; fail=1; continue
  fi
  n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["syscalls"][0]["names"]))' "$prof")
  echo "profile: $n syscalls"
  out="$WORK/proj/out-$ver"
  if ! (cd "$WORK/proj" && "$CLI" exec --profile "$prof" -- "$bin" src/index.ts --bundle \
          --platform=node --outfile="$out/bundle.js"); then
    echo "FAIL: esbuild $ver did not run under its profile"; fail=1; continue
  fi
  if command -v node > /dev/null; then
    got=$(node "$out/bundle.js")
    if [ "$got" != "esbuild-under-seccomp 5" ]; then
      echo "FAIL: esbuild $ver: bundle printed '$got'"; fail=1; continue
    fi
  fi
  # The same bundle with the program's own syscalls *removed* from the
  # profile must fail: the profile is what makes it work, not luck.
  python3 - "$prof" "$WORK/none.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["syscalls"][0]["names"] = [n for n in p["syscalls"][0]["names"]
                             if n not in ("openat", "mkdirat")]
json.dump(p, open(sys.argv[2], "w"))
PY
  if (cd "$WORK/proj" && "$CLI" exec --profile "$WORK/none.json" -- "$bin" src/index.ts \
        --bundle --platform=node --outfile="$out/denied.js" > /dev/null 2>&1); then
    echo "FAIL: esbuild $ver ran without openat/mkdirat allowed"; fail=1; continue
  fi
  echo "ok: esbuild $ver"
done
exit $fail
