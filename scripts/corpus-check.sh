#!/usr/bin/env bash
# Measures go2seccomp on ../shared/corpus (fetched with its fetch.sh into
# CORPUS_DIR): for every binary of this machine's arch, analyse it, then run
# its workload under `go2seccomp exec --profile` and under strace, and print
# one row: findings, profile size, syscalls strace observed, observed names
# missing from the profile (must be none), workload result.
#
#   usage: scripts/corpus-check.sh GO2SECCOMP CORPUS_DIR [REGEX]
# `go` (Debian's toolchain) runs its compile/asm/link/vet tools: its profile
# is made --with every binary in its pkg/tool directory, as seccomp filters
# survive execve; gofmt 1.15 runs diff(1), a C program, analysed as C.
set -uo pipefail
CLI=$(readlink -f "$1"); CORPUS=$(readlink -f "$2"); FILTER=${3:-.}
SHARED=$(cd "$(dirname "$0")/../../shared/corpus" 2>/dev/null && pwd || true)
[ -f "$CORPUS/corpus.tsv" ] || cp "$SHARED"/corpus.tsv "$SHARED"/run_workloads.sh "$CORPUS"/ 2>/dev/null
[ -d "$CORPUS/workloads" ] || cp -r "$SHARED/workloads" "$CORPUS"/
OUT=$(mktemp -d /tmp/g2s-corpus.XXXXXX)
case $(uname -m) in x86_64) ARCH=amd64 ;; aarch64) ARCH=arm64 ;; esac
hdr=$(head -1 "$CORPUS/corpus.tsv")
col() { tr '\t' '\n' <<< "$hdr" | grep -nx "$1" | cut -d: -f1; }
C_ID=$(col id); C_PATH=$(col path); C_ARCH=$(col arch); C_LINK=$(col linking)
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
  "$CLI" -q "$bin" "$prof" --runtime none "${with[@]}" 2> "$OUT/$id.findings"
  nfind=$(grep -c "finding:" "$OUT/$id.findings")
  nprof=$(python3 -c 'import json,sys;print(len(json.load(open(sys.argv[1]))["syscalls"][0]["names"]))' "$prof" 2>/dev/null || echo ERR)
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
echo "$pass/$total workloads passed under their profiles (logs: $OUT)"
