#!/usr/bin/env bash
# Measures the syscalls an OCI runtime makes after loading the container's
# seccomp filter and up to the container's execve, and validates the result.
# The numbers behind src/go2seccomp/profile/runtime_presets.cc; method and
# results in docs/runtime-presets.md.
#
#   sudo scripts/measure-runtime-presets.sh                      # runc + crun, 20 runs/cell
#   sudo scripts/measure-runtime-presets.sh --runtime crun --runs 5 --no-eliminate
#
# Needs: root, runc and/or crun, strace (>= 5.9: --decode-pids=pidns or --pidns-translation), go
# (static build of the test program), jq, python3. Works on the host's own
# state only through a private state dir (--root) per runtime; everything it
# creates lives in one temp dir that is removed on exit (unless --keep).
set -euo pipefail

usage() {
  cat <<'EOF'
usage: measure-runtime-presets.sh [options]
  --runtime R        runc, crun or all (default: all)
  --runs N           traced runs per cell (default 20); a cell is one of
                     {create-start, run} x {nnp-false, nnp-true} x {root, nonroot} x {print, exit}
  --validate-runs N  untraced runs per cell for validation (default 20)
  --eliminate-runs N runs per removed syscall, spread over the 8 cells
                     {create-start, run} x {nnp-false, nnp-true} x {root, nonroot} (default 24)
  --no-validate      measure only
  --no-eliminate     skip the one-syscall-at-a-time elimination
  --stress           repeat measurement, validation and elimination with every
                     CPU busy (provokes Go preemption signals in runc init)
  --out DIR          copy results (jsonl, tables, name lists) to DIR
  --keep             keep the temp dir (bundles, logs of failed runs)
  --markdown         print tables as markdown
EOF
}

RUNTIMES=(runc crun)
RUNS=20
VRUNS=20
ERUNS=24
VALIDATE=1
ELIMINATE=1
STRESS=0
OUT=""
KEEP=0
FORMAT=text
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runtime) [[ $2 == all ]] && RUNTIMES=(runc crun) || RUNTIMES=("$2"); shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --validate-runs) VRUNS=$2; shift 2 ;;
    --eliminate-runs) ERUNS=$2; shift 2 ;;
    --no-validate) VALIDATE=0; shift ;;
    --no-eliminate) ELIMINATE=0; shift ;;
    --stress) STRESS=1; shift ;;
    --out) OUT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --markdown) FORMAT=markdown; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done

die() { echo "measure-runtime-presets: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "must run as root (runtimes need it for namespaces and cgroups)"
for rt in "${RUNTIMES[@]}"; do
  [[ $rt == runc || $rt == crun ]] || die "unknown runtime '$rt'"
  command -v "$rt" >/dev/null || die "$rt not found"
done
for tool in strace go jq; do
  command -v "$tool" >/dev/null || die "$tool not found"
done
SPEC_TOOL=runc  # `runc spec` gives the base config.json; `crun spec` if no runc
command -v runc >/dev/null || SPEC_TOOL=crun
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3) || die "python3 not found"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HELPER="$HERE/measure-runtime-helper.py"
[[ -f $HELPER ]] || die "missing $HELPER"

TMP=$(mktemp -d /tmp/g2s-runtime-measure.XXXXXX)
cleanup() {
  local rc=$?
  for rt in runc crun; do
    local root="$TMP/state-$rt"
    [[ -d $root ]] || continue
    # Containers left by an interrupted run (ours only: private state root).
    for dir in "$root"/*/; do
      [[ -d $dir ]] || continue
      local id
      id=$(basename "$dir")
      "$TMP/rt-$rt" kill "$id" KILL >/dev/null 2>&1 || true
      "$TMP/rt-$rt" delete -f "$id" >/dev/null 2>&1 || true
    done
  done
  if [[ $KEEP == 1 ]]; then
    echo "kept $TMP" >&2
  else
    rm -rf "$TMP"
  fi
  exit $rc
}
trap cleanup EXIT

# The long-running helper steps run in the background and are waited for, so
# that INT/TERM reach the trap at once (bash defers traps while a foreground
# child runs) and the helper is told to unwind (it deletes its containers).
CHILD=""
py() {
  "$PY" "$HELPER" "$@" &
  CHILD=$!
  local rc=0
  wait "$CHILD" || rc=$?
  CHILD=""
  return "$rc"
}
on_signal() {
  if [[ -n $CHILD ]]; then
    kill -TERM "$CHILD" 2>/dev/null || true
    wait "$CHILD" 2>/dev/null || true
  fi
  exit 130
}
trap on_signal INT TERM

log() { echo "== $*" >&2; }
PASSES=(idle); [[ $STRESS == 1 ]] && PASSES=(idle busy)  # CPUs idle, then all busy

# Per-runtime wrapper: crun 1.8 refuses hybrid cgroups whose cgroup2 mount has
# controllers; it then runs in a private mount namespace without that mount
# (the same thing measure-runtime-helper.py does).
for rt in "${RUNTIMES[@]}"; do
  mkdir -p "$TMP/state-$rt"
  if [[ $rt == crun && -s /sys/fs/cgroup/unified/cgroup.controllers ]]; then
    # shellcheck disable=SC2016  # "$0" "$@" are for the generated script
    printf '#!/bin/sh\nexec unshare -m --propagation private sh -c '\''umount -l /sys/fs/cgroup/unified 2>/dev/null; exec crun --root "$0" "$@"'\'' %q "$@"\n' \
      "$TMP/state-$rt" > "$TMP/rt-$rt"
  else
    printf '#!/bin/sh\nexec %s --root %q "$@"\n' "$rt" "$TMP/state-$rt" > "$TMP/rt-$rt"
  fi
  chmod +x "$TMP/rt-$rt"
done

# --- 1. Test program and bundles ------------------------------------------------
log "building the static test program (CGO_ENABLED=0, $(go version | awk '{print $3}'))"
mkdir -p "$TMP/src" "$TMP/rootfs"
cat > "$TMP/src/main.go" <<'EOF'
// Test payload: prints a line, or with "exit" exits at once.
package main

import "os"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "exit" {
		os.Exit(0)
	}
	os.Stdout.WriteString("hello from container\n")
}
EOF
printf 'module g2smeasure\n\ngo 1.19\n' > "$TMP/src/go.mod"
(cd "$TMP/src" && CGO_ENABLED=0 GOCACHE="$TMP/gocache" GOPATH="$TMP/gopath" GOPROXY=off GOFLAGS=-mod=mod \
  GOWORK=off go build -trimpath -o "$TMP/rootfs/hello" .)
"$PY" "$HELPER" bare-elf "$TMP/rootfs/bare"

(cd "$TMP" && "$SPEC_TOOL" spec)  # writes $TMP/config.json; the helper adjusts it per variant
"$PY" "$HELPER" bundles --kind measure --base-config "$TMP/config.json" --rootfs "$TMP/rootfs" \
  --out "$TMP/bundles-measure"

versions() {
  echo "kernel: $(uname -r) $(uname -m)"
  for rt in "${RUNTIMES[@]}"; do echo "$rt: $("$rt" --version | head -1)"; done
  if command -v runc >/dev/null; then
    runc --version | sed -n 's/^\(go\|libseccomp\): /runc built with \1 /p'
  fi
  echo "strace: $(strace -V | head -1)"
  echo "cgroups: $(stat -f -c %T /sys/fs/cgroup)$( [[ -d /sys/fs/cgroup/unified ]] && echo " + cgroup2 at /sys/fs/cgroup/unified (controllers: $(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null))")"
}
versions | tee "$TMP/versions.txt" >&2

# --- 2. Measurement -------------------------------------------------------------
for rt in "${RUNTIMES[@]}"; do
  log "measuring $rt: $RUNS traced runs per cell x 16 cells$([[ $STRESS == 1 ]] && echo ", CPUs idle, then busy")"
  for pass in "${PASSES[@]}"; do
    sargs=(); [[ $pass == busy ]] && sargs=(--stress)
    py measure --runtime "$rt" --runs "$RUNS" --bundles "$TMP/bundles-measure" \
      --state-root "$TMP/state-$rt" --workdir "$TMP" --results "$TMP/results-$rt.jsonl" "${sargs[@]}"
  done
  echo
  echo "### $rt: syscalls after the seccomp load, up to and including the container execve"
  py table --results "$TMP/results-$rt.jsonl" --format "$FORMAT" \
    --names-out "$TMP/names-$rt.txt" > "$TMP/table-$rt.txt"
  cat "$TMP/table-$rt.txt"
done

[[ $VALIDATE == 1 ]] || { [[ -n $OUT ]] && mkdir -p "$OUT" && cp "$TMP"/*.jsonl "$TMP"/*.txt "$OUT"/; exit 0; }

# --- 3. Validation ----------------------------------------------------------------
log "tracing the Go test program alone (its own syscalls)"
progdirs=()
for i in $(seq 1 10); do
  for payload in print exit; do
    d="$TMP/prog-$payload-$i"; mkdir -p "$d"
    arg=(); [[ $payload == exit ]] && arg=(exit)
    strace -f -ff -ttt -o "$d/log" "$TMP/rootfs/hello" "${arg[@]}" >/dev/null
    progdirs+=("$d")
  done
done
"$PY" "$HELPER" program "${progdirs[@]}" > "$TMP/names-program.txt"
echo "### Go test program alone: $(wc -l < "$TMP/names-program.txt") syscalls: $(paste -sd' ' "$TMP/names-program.txt")"

validate() {  # rt label names-file payloads runs [extra args]
  local rt=$1 label=$2 names=$3 payloads=$4 runs=$5; shift 5
  local b="$TMP/bundles-$rt-$label"
  rm -rf "$b"
  "$PY" "$HELPER" bundles --kind enforce --names "$names" --base-config "$TMP/config.json" \
    --rootfs "$TMP/rootfs" --out "$b"
  py validate --runtime "$rt" --label "$label" --bundles "$b" --state-root "$TMP/state-$rt" \
    --workdir "$TMP" --runs "$runs" --payloads "$payloads" "$@" > "$TMP/last.json"
  rm -rf "$b"
}

report() {  # append the last validation to $1 and print its summary line
  cat "$TMP/last.json" >> "$1"
  summary < "$TMP/last.json"
}

summary() {  # json -> one line
  jq -r '"\(.runtime) \(.label)\(if .stress then " (stress)" else "" end): \(.passed)/\(.total) passed" +
         (if (.failures|length) > 0 then "; failures: " + ([.failures|to_entries[]|"\(.value)x [\(.key)]"]|join("; ")) else "" end)'
}

for rt in "${RUNTIMES[@]}"; do
  echo
  echo "### $rt: validation (defaultAction SCMP_ACT_ERRNO, $VRUNS runs per cell)"
  sort -u "$TMP/names-program.txt" "$TMP/names-$rt.txt" > "$TMP/full-$rt.txt"
  { echo exit_group; cat "$TMP/names-$rt.txt"; } | sort -u > "$TMP/bare-$rt.txt"
  comm -23 "$TMP/names-$rt.txt" "$TMP/names-program.txt" > "$TMP/only-$rt.txt"
  echo "runtime-only names (not made by the program itself): $(paste -sd' ' "$TMP/only-$rt.txt")"
  for pass in "${PASSES[@]}"; do
    sargs=(); [[ $pass == busy ]] && sargs=(--stress)
    validate "$rt" "program+runtime" "$TMP/full-$rt.txt" print,exit "$VRUNS" "${sargs[@]}"
    report "$TMP/validate-$rt.jsonl"
    validate "$rt" "program-only" "$TMP/names-program.txt" print,exit "$VRUNS" "${sargs[@]}"
    report "$TMP/validate-$rt.jsonl"
    validate "$rt" "runtime+exit_group(bare)" "$TMP/bare-$rt.txt" bare "$VRUNS" "${sargs[@]}"
    report "$TMP/validate-$rt.jsonl"
  done

  [[ $ELIMINATE == 1 ]] || continue
  echo
  echo "### $rt: elimination, payload 'bare' (profile = runtime set + exit_group - one name), $ERUNS runs each"
  per_cell=$(( (ERUNS + 7) / 8 ))
  for pass in "${PASSES[@]}"; do
    sargs=(); [[ $pass == busy ]] && sargs=(--stress)
    while read -r name; do
      [[ $name == exit_group ]] && continue
      grep -vx "$name" "$TMP/bare-$rt.txt" > "$TMP/elim.txt"
      validate "$rt" "without $name" "$TMP/elim.txt" bare "$per_cell" "${sargs[@]}"
      report "$TMP/eliminate-$rt.jsonl"
    done < "$TMP/names-$rt.txt"
  done
done

if [[ -n $OUT ]]; then
  mkdir -p "$OUT"
  cp "$TMP"/*.jsonl "$TMP"/*.txt "$OUT"/
  log "results copied to $OUT"
fi
