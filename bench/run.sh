#!/usr/bin/env bash
# Prints go2seccomp's speed and memory next to the old approach's cost.
#
#   bench/run.sh GO2SECCOMP [BINARY...]
# With no BINARY, uses the biggest Go binaries of ../shared/corpus fetched
# into $G2S_CORPUS_DIR (default /root/corpus): Debian's go and its compile
# tool, esbuild, restic, caddy. For each: file size, a plain read of the
# file, go2seccomp (best of 3 runs: wall time, peak RSS), and
# `go tool objdump BINARY > /dev/null` -- what the objdump-scraping tool
# spends before it even starts matching text -- with the speed-up.
set -uo pipefail
CLI=$(readlink -f "$1"); shift
CORPUS=${G2S_CORPUS_DIR:-/root/corpus}
bins=("$@")
if [ ${#bins[@]} -eq 0 ]; then
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
CACHE=${G2S_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/go2seccomp}/bench
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
now() { date +%s%N; }
TMPF=$(mktemp); trap 'rm -f "$TMPF"' EXIT
printf '%-34s %8s %8s %9s %9s %8s %10s %8s\n' binary MB read_ms g2s_ms g2s_MB/s RSS_MB objdump_ms speedup
for b in "${bins[@]}"; do
  size=$(stat -c %s "$b")
  t0=$(now); cat "$b" > /dev/null; t1=$(now); read_ms=$(( (t1 - t0) / 1000000 ))
  best=999999999; rss=0
  for i in 1 2 3; do
    /usr/bin/time -o "$TMPF" -f "%e %M" "$CLI" -q --runtime none "$b" /dev/null >/dev/null 2>&1
    out=$(tail -1 "$TMPF")
    t0=$(now); "$CLI" -q --runtime none "$b" /dev/null >/dev/null 2>&1; t1=$(now)
    ms=$(( (t1 - t0) / 1000000 )); [ $ms -lt $best ] && best=$ms
    r=$(awk '{print $2}' <<< "$out"); [ "${r:-0}" -gt $rss ] && rss=$r
  done
  obj="-"; speed="-"
  if [ -n "$GO" ] && [ "${G2S_BENCH_NO_OBJDUMP:-}" != 1 ]; then
    t0=$(now)
    if "$GO" tool objdump "$b" > /dev/null 2>&1; then
      t1=$(now)
      obj=$(( (t1 - t0) / 1000000 ))
      speed=$(awk -v a="$obj" -v b="$best" 'BEGIN{printf "%.0fx", a / (b > 0 ? b : 1)}')
    else
      obj="fails"; speed="(stripped)"
    fi
  fi
  name=$(echo "$b" | awk -F/ '{n=NF; print $(n-1) "/" $n}' | cut -c1-34)
  printf '%-34s %8.1f %8d %9d %9.0f %8.1f %10s %8s\n' "$name" "$(awk -v s=$size 'BEGIN{print s/1e6}')" \
    "$read_ms" "$best" "$(awk -v s=$size -v t=$best 'BEGIN{print (s/1e6)/(t>0?t/1000:0.001)}')" \
    "$(awk -v r=$rss 'BEGIN{print r/1024}')" "$obj" "$speed"
done
echo "(cores: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg); g2s_ms is the best of 3 wall-clock runs incl. process start;"
echo " dynamically linked binaries include the analysis of ld.so and libc)"
