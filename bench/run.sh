#!/usr/bin/env bash
# Prints go2seccomp's speed and memory next to the old approach's cost and
# next to the I/O-scan limit, all from the same run.
#
#   bench/run.sh GO2SECCOMP [BINARY...]
# With no BINARY: Go 1.19's own cmd/go built here unstripped both ways
# (CGO_ENABLED=0: static; CGO_ENABLED=1: dynamic, ld.so + libc), when the
# machine has go and its sources, then the biggest Go binaries of
# ../shared/corpus fetched into $G2S_CORPUS_DIR (default /root/corpus):
# Debian's go and its compile tool, esbuild, restic, caddy. For each: file
# size; io_scan (bench/io_scan.cc: map the file, one SIMD pass over its
# executable bytes -- the floor); go2seccomp cold (empty library cache) and
# warm (the cache filled by a previous run; the same for static binaries),
# best of $G2S_BENCH_RUNS (default 7) wall-clock runs incl. process start
# (a 2-vCPU VM's timings scatter by 30%: best of 3 was not stable to 10%),
# peak RSS of the warm run;
# `go tool objdump BINARY > /dev/null` (best of 3) -- what the objdump-scraping tool
# spends before it even starts matching text -- and the ratios objdump/warm
# and warm/io_scan. io_scan is $G2S_IO_SCAN, else next to GO2SECCOMP's
# build tree (build/bench/io_scan).
set -uo pipefail
CLI=$(readlink -f "$1"); shift
IOSCAN=${G2S_IO_SCAN:-$(dirname "$CLI")/../../bench/io_scan}
CORPUS=${G2S_CORPUS_DIR:-/root/corpus}
CACHE=${G2S_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/go2seccomp}/bench
bins=("$@")
if [ ${#bins[@]} -eq 0 ]; then
  # Go 1.19's cmd/go from the packaged sources, both ways (~1 min the first
  # time, then from Go's build cache).
  goroot=$(go env GOROOT 2>/dev/null || true)
  if [ -n "$goroot" ] && [ -d "$goroot/src/cmd/go" ]; then
    mkdir -p "$CACHE/cmdgo"
    for cgo in 0 1; do
      out="$CACHE/cmdgo/go-cgo$cgo"
      [ -x "$out" ] || (cd "$goroot/src" && CGO_ENABLED=$cgo go build -o "$out" cmd/go) ||
        echo "building cmd/go (CGO_ENABLED=$cgo) failed" >&2
      [ -x "$out" ] && bins+=("$out")
    done
  fi
  # Unstripped ones first: `go tool objdump` refuses stripped binaries
  # ("no symbol section") -- the old tool cannot analyse those at all.
  for p in npm/esbuild-linux-64-0.5.26/package/bin/esbuild \
           deb/trixie-amd64/golang-1.24-go/usr/lib/go-1.24/bin/go \
           deb/trixie-amd64/golang-1.24-go/usr/lib/go-1.24/pkg/tool/linux_amd64/compile \
           npm/esbuild-linux-x64-0.28.2/package/bin/esbuild \
           deb/trixie-amd64/restic/usr/bin/restic \
           deb/bookworm-amd64/caddy/usr/bin/caddy \
           deb/trixie-arm64/restic/usr/bin/restic; do
    [ -f "$CORPUS/$p" ] && bins+=("$CORPUS/$p")
  done
fi
# The biggest Go binaries a Debian 12 machine can get, into a cache dir:
#  G2S_BENCH_DEB=1  Debian's dockerd (75 MB) and hugo (53 MB), both cgo
#                   (apt-get download; no install);
#  G2S_BENCH_BIG=1  a synthetic static Go program of ~100 MB
#                   (bench/gen_big_go.py, built with the machine's go: ~2 min
#                   the first time).
if [ "${G2S_BENCH_DEB:-}" = 1 ]; then
  mkdir -p "$CACHE/deb"
  if [ ! -x "$CACHE/deb/x/usr/sbin/dockerd" ] || [ ! -x "$CACHE/deb/x/usr/bin/hugo" ]; then
    (cd "$CACHE/deb" && apt-get download docker.io hugo >/dev/null &&
     for d in ./*.deb; do dpkg-deb -x "$d" x; done) || echo "apt-get download failed" >&2
  fi
  for p in "$CACHE/deb/x/usr/sbin/dockerd" "$CACHE/deb/x/usr/bin/hugo"; do
    [ -x "$p" ] && bins+=("$p")
  done
fi
if [ "${G2S_BENCH_BIG:-}" = 1 ]; then
  big="$CACHE/biggo/biggo"
  if [ ! -x "$big" ]; then
    rm -rf "$CACHE/biggo" && python3 "$(dirname "$0")/gen_big_go.py" "$CACHE/biggo" 270 200 &&
      (cd "$CACHE/biggo" && CGO_ENABLED=0 go build -o biggo .) || echo "building $big failed" >&2
  fi
  [ -x "$big" ] && bins+=("$big")
fi
[ ${#bins[@]} -gt 0 ] || { echo "no binaries (set G2S_CORPUS_DIR or pass paths)" >&2; exit 2; }
GO=$(command -v go || true)
TMPF=$(mktemp); LIBS=$(mktemp -d); trap 'rm -rf "$TMPF" "$LIBS"' EXIT
RUNS=${G2S_BENCH_RUNS:-7}
# Best of N wall-clock runs of a command (best N CMD...), in ms. The clock
# is bash's own ($EPOCHREALTIME, bash 5): forking date(1) around a run
# would add a process start to every figure.
best() {
  local n=$1 best=999999999 t0 t1 us; shift
  for ((i = 0; i < n; i++)); do
    [ -n "${BEFORE:-}" ] && eval "$BEFORE"
    t0=${EPOCHREALTIME/[.,]/}; "$@" >/dev/null 2>&1; t1=${EPOCHREALTIME/[.,]/}
    us=$((10#$t1 - 10#$t0)); [ $us -lt $best ] && best=$us
  done
  awk -v u=$best 'BEGIN{printf "%.1f", u / 1000}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1fx", a / (b > 0 ? b : 0.5)}'; }
printf '%-26s %6s %6s %7s %7s %7s %6s %7s %10s %9s %8s\n' binary MB read_ms io_ms cold_ms \
  warm_ms RSS_MB RSS/sz objdump_ms obj/warm warm/io
for b in "${bins[@]}"; do
  size=$(stat -c %s "$b")
  read_ms=$(best $RUNS cat "$b")
  io="-"
  [ -x "$IOSCAN" ] && io=$(best $RUNS "$IOSCAN" "$b")
  # Cold: an empty library cache each run; warm: the one a previous run filled.
  cold=$(BEFORE='rm -rf "$LIBS/c"' best $RUNS "$CLI" -q --runtime none --cache-dir "$LIBS/c" "$b" /dev/null)
  rm -rf "$LIBS/w"; "$CLI" -q --runtime none --cache-dir "$LIBS/w" "$b" /dev/null >/dev/null 2>&1
  warm=$(best $RUNS "$CLI" -q --runtime none --cache-dir "$LIBS/w" "$b" /dev/null)
  /usr/bin/time -o "$TMPF" -f "%M" "$CLI" -q --runtime none --cache-dir "$LIBS/w" "$b" /dev/null \
    >/dev/null 2>&1
  rss=$(tail -1 "$TMPF")
  obj="-"; speed="-"
  if [ -n "$GO" ] && [ "${G2S_BENCH_NO_OBJDUMP:-}" != 1 ]; then
    if "$GO" tool objdump "$b" > /dev/null 2>&1; then  # also warms its build cache
      obj=$(best 3 "$GO" tool objdump "$b")
      speed=$(ratio "$obj" "$warm")
    else
      obj="fails"; speed="(stripped)"
    fi
  fi
  toio="-"; [ "$io" != "-" ] && toio=$(ratio "$warm" "$io")
  name=$(echo "$b" | awk -F/ '{n=NF; print $(n-1) "/" $n}' | cut -c1-26)
  printf '%-26s %6.1f %6s %7s %7s %7s %6.1f %7s %10s %9s %8s\n' "$name" \
    "$(awk -v s=$size 'BEGIN{print s/1e6}')" "$read_ms" "$io" "$cold" "$warm" \
    "$(awk -v r=$rss 'BEGIN{print r/1024}')" "$(awk -v r=$rss -v s=$size 'BEGIN{printf "%.2fx", r*1024/s}')" \
    "$obj" "$speed" "$toio"
done
echo "(cores: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg); *_ms: best of $RUNS wall-clock runs incl."
echo " process start (objdump: best of 3); cold = empty library cache, warm = filled by a previous run (dynamic"
echo " binaries: ld.so, libc, ... analysed or read back); io = map + one SIMD pass over the"
echo " executable bytes; RSS of a warm run)"
