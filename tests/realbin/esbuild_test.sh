#!/usr/bin/env bash
# Real third-party Go binaries: esbuild as published on npm, across Go's old
# stack ABI (0.8.46 = Go 1.15) and register ABI (0.14.54 = Go 1.19, 0.25.12
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
TABLE=$(cd "$(dirname "$0")/../testdata" && pwd)/arch_differences.tsv
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
for spec in esbuild-linux-64@0.8.46 esbuild-linux-64@0.14.54 @esbuild/linux-x64@0.25.12; do
  pkg=${spec%@*}; ver=${spec##*@}
  bin=$(fetch "$pkg" "$ver") || exit $?
  prof="$WORK/esbuild-$ver.json"
  echo "== esbuild $ver"
  if ! "$CLI" "$bin" "$prof" --strict --runtime none | tee "$WORK/summary"; then
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
  # The arm64 build of the same version must give the same profile modulo
  # the arch-only syscalls of tests/testdata/arch_differences.tsv.
  arm_pkg=${pkg/linux-64/linux-arm64}; arm_pkg=${arm_pkg/linux-x64/linux-arm64}
  arm_bin=$(fetch "$arm_pkg" "$ver") || exit $?
  if ! "$CLI" -q "$arm_bin" "$WORK/arm64-$ver.json" --strict --runtime none; then
    echo "FAIL: esbuild $ver arm64: analysis with --strict failed"; fail=1; continue
  fi
  minor=$(grep -o 'go1\.[0-9]*' "$WORK/summary" | head -1 | cut -d. -f2)
  if ! python3 - "$prof" "$WORK/arm64-$ver.json" "$TABLE" "$minor" <<'PY'
import json, sys
amd = set(json.load(open(sys.argv[1]))["syscalls"][0]["names"])
arm = set(json.load(open(sys.argv[2]))["syscalls"][0]["names"])
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[3]) if l.strip() and not l.startswith("#")][1:]
minor = int(sys.argv[4])
def ok(name, only):
    for n, o, lo, hi, _ in rows:
        lo = 0 if lo == "-" else int(lo[2:]); hi = 1000 if hi == "-" else int(hi[2:])
        if n == name and o == only and minor is not None and lo <= minor <= hi: return True
    return False
bad = [f"amd64-only {n}" for n in sorted(amd - arm) if not ok(n, "amd64")] + \
      [f"arm64-only {n}" for n in sorted(arm - amd) if not ok(n, "arm64")]
if bad: print("unexplained:", ", ".join(bad)); sys.exit(1)
print(f"arm64 vs amd64 (go1.{minor}): differences all explained:",
      sorted(amd - arm), sorted(arm - amd))
PY
  then
    fail=1
  fi
done
exit $fail
