#!/usr/bin/env bash
# Measures go2seccomp on ../shared/corpus (fetched with its fetch.sh into
# CORPUS_DIR): for every binary of this machine's arch, analyse it, then run
# its workload under `go2seccomp exec --profile` and under strace, and print
# one row: findings, profile size, syscalls strace observed, observed names
# missing from the profile (must be none), workload result.
#
#   usage: scripts/corpus-check.sh [--arch ARCH] GO2SECCOMP CORPUS_DIR [REGEX]
#
# --arch arm64 (or arm, 386) checks the rows of another arch on this
# machine: each workload invocation of the binary runs under
# `go2seccomp trace` (which picks qemu-user for it and writes one observed
# profile per invocation), the observed profiles are merged and compared
# with the static one (`compare`: observed names missing from the profile
# must be none). Observation only: qemu-user applies no guest seccomp
# filter, so the workload column says whether it ran under qemu, not under
# its profile. run_workloads.sh picks rows by `uname -m`, so it is given a
# `uname` that reports ARCH (the corpus itself is not changed).
# `go` (Debian's toolchain) runs its compile/asm/link/vet tools: its profile
# is made --with every binary in its pkg/tool directory, as seccomp filters
# survive execve; gofmt 1.15 runs diff(1), a C program, analysed as C.
set -uo pipefail
FOREIGN=
if [ "${1:-}" = --arch ]; then FOREIGN=$2; shift 2; fi
CLI=$(readlink -f "$1"); CORPUS=$(readlink -f "$2"); FILTER=${3:-.}
SHARED=$(cd "$(dirname "$0")/../../shared/corpus" 2>/dev/null && pwd || true)
[ -f "$CORPUS/corpus.tsv" ] || cp "$SHARED"/corpus.tsv "$SHARED"/run_workloads.sh "$CORPUS"/ 2>/dev/null
[ -d "$CORPUS/workloads" ] || cp -r "$SHARED/workloads" "$CORPUS"/
OUT=$(mktemp -d /tmp/g2s-corpus.XXXXXX)
case $(uname -m) in x86_64) ARCH=amd64 ;; aarch64) ARCH=arm64 ;; esac
if [ "$FOREIGN" = "$ARCH" ]; then FOREIGN=; elif [ -n "$FOREIGN" ]; then ARCH=$FOREIGN; fi
hdr=$(head -1 "$CORPUS/corpus.tsv")
col() { tr '\t' '\n' <<< "$hdr" | grep -nx "$1" | cut -d: -f1; }
C_ID=$(col id); C_PATH=$(col path); C_ARCH=$(col arch); C_LINK=$(col linking)
# --arch: one row from the workload run under qemu by `go2seccomp trace`.
foreign_row() {  # ID LINKING NFIND NPROF PROFILE REGEX
  local id=$1 obsdir=$OUT/$1.observed shim=$OUT/shim uname_m
  case $ARCH in arm64) uname_m=aarch64 ;; arm) uname_m=armv7l ;; 386) uname_m=i686 ;; esac
  mkdir -p "$obsdir" "$shim"
  printf '#!/bin/sh\n[ "$1" = -m ] && { echo %s; exit 0; }\nexec /usr/bin/uname "$@"\n' \
    "$uname_m" > "$shim/uname"
  printf '#!/bin/sh\nexec "%s" trace -q -o "%s/$$.json" -- "$@"\n' "$CLI" "$obsdir" > "$shim/wrap"
  chmod +x "$shim/uname" "$shim/wrap"
  ( cd "$CORPUS" && PATH="$shim:$PATH" WRAP="$shim/wrap" ./run_workloads.sh -o "$OUT/qemu" "$6" > "$OUT/$id.run" 2>&1 )
  local rc=$? obs="? ?" n
  total=$((total + 1)); [ $rc -eq 0 ] && pass=$((pass + 1))
  n=$(ls "$obsdir" | wc -l)
  if [ "$n" -gt 0 ] && "$CLI" merge "$obsdir"/*.json -o "$OUT/$id.observed.json" 2>/dev/null; then
    obs=$(python3 - "$OUT/$id.observed.json" "$5" <<'PY'
import json, sys
names = lambda p: {n for r in json.load(open(p))["syscalls"] if r["action"] == "SCMP_ACT_ALLOW" for n in r["names"]}
seen, prof = names(sys.argv[1]), names(sys.argv[2])
print(len(seen), ",".join(sorted(seen - prof)) or "-")
PY
)
  fi
  printf '%-40s %-8s %5s %5s %5s %-20s %s\n' "$id" "$2" "$3" "$4" $obs \
    "$([ $rc -eq 0 ] && echo "RAN under qemu ($n runs)" || echo "FAIL under qemu (see $OUT/qemu/$id.log)")"
}
printf '%-40s %-8s %5s %5s %5s %-20s %s\n' id linking find prof obs missing workload
pass=0; total=0
while IFS=$'\t' read -r id path arch linking; do
  [ "$arch" = "$ARCH" ] || continue
  printf '%s\n' "$id $path" | grep -qE -- "$FILTER" || continue
  bin="$CORPUS/$path"; prof="$OUT/$id.json"; with=()
  re="^${id//+/\\+}\\b"   # ids contain '+' (ERE: one or more)
  if [[ $id == go_* ]]; then
    for t in "$(dirname "$bin")"/../pkg/tool/linux_$ARCH/*; do with+=(--with "$t"); done
  fi
  # gofmt -d before Go 1.16 runs the system diff(1) (cmd/gofmt/gofmt.go
  # diffWithReplaceTempFile); Go 1.16+ diffs in-process.
  if [[ $id == gofmt_1.1[0-5]* ]]; then with+=(--with "$(command -v diff)"); fi
  # Another arch's dynamically linked binary: its C side against the cross
  # libc that qemu's -L gives it (Debian's libc6-arm64-cross).
  if [ "$ARCH" = "$FOREIGN" ] && [ "$ARCH" = arm64 ]; then with+=(--root /usr/aarch64-linux-gnu); fi
  "$CLI" -q "$bin" "$prof" --runtime none "${with[@]}" 2> "$OUT/$id.findings"
  nfind=$(grep -c "finding:" "$OUT/$id.findings")
  nprof=$(python3 -c 'import json,sys;print(len(json.load(open(sys.argv[1]))["syscalls"][0]["names"]))' "$prof" 2>/dev/null || echo ERR)
  if [ "$ARCH" = "$FOREIGN" ]; then
    foreign_row "$id" "$linking" "$nfind" "$nprof" "$prof" "$re"
    continue
  fi
  # Observed: strace -f of the workload (children past their own exec excluded).
  ( cd "$CORPUS" && WRAP="strace -ff -qq -o $OUT/$id.strace --" ./run_workloads.sh -o "$OUT/strace" "$re" > /dev/null 2>&1 )
  obs=$(python3 - "$OUT/$id.strace" "$prof" <<'PY'
import json, re, sys, glob
# strace -ff: one file per process, PREFIX.PID. Everything every process of
# the tree does counts (the filter applies to all of them), except the
# execve that starts each workload invocation, which the launcher makes.
names = set()
for f in glob.glob(sys.argv[1] + ".*"):
    first = True
    for line in open(f, errors="replace"):
        m = re.match(r"(<\.\.\. )?([a-z_0-9]+)(\(| resumed>)(.*)", line)
        if not m or m.group(1): continue
        name = m.group(2)
        if first and name == "execve":
            first = False
            continue
        first = False
        names.add(name)
prof = set(json.load(open(sys.argv[2]))["syscalls"][0]["names"]) if sys.argv[2] else set()
missing = sorted(n for n in names if n not in prof and not n.startswith("syscall_"))
print(len(names), ",".join(missing) or "-")
PY
)
  ( cd "$CORPUS" && WRAP="$CLI exec --profile $prof --" ./run_workloads.sh -o "$OUT/run" "$re" > "$OUT/$id.run" 2>&1 )
  rc=$?; total=$((total + 1)); [ $rc -eq 0 ] && pass=$((pass + 1))
  printf '%-40s %-8s %5s %5s %5s %-20s %s\n' "$id" "$linking" "$nfind" "$nprof" ${obs:-? ?} \
    "$([ $rc -eq 0 ] && echo PASS || echo "FAIL (see $OUT/run/$id.log)")"
done < <(tail -n +2 "$CORPUS/corpus.tsv" | awk -F'\t' -v a="$C_ID" -v b="$C_PATH" -v c="$C_ARCH" -v d="$C_LINK" 'BEGIN{OFS="\t"}{print $a,$b,$c,$d}')
if [ "$ARCH" = "$FOREIGN" ]; then
  echo "$pass/$total $ARCH workloads ran under qemu-user, observed vs profile above (logs: $OUT)"
else
  echo "$pass/$total workloads passed under their profiles (logs: $OUT)"
fi
