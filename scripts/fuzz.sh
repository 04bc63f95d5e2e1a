#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang into build-fuzz and
# runs each for a time box, growing a working corpus in
# build-fuzz/corpus/<target> from the committed seeds
# (tests/testdata/corpus/<target>); elf and pipeline also start from the Go
# fixtures of build/ when they exist. CI builds every target and runs each
# briefly (.ci/run); the long runs are by hand. scripts/test.sh replays the
# committed corpus with gcc in every test run.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   # default 600 s, all
#   FUZZ_SEED=1 scripts/fuzz.sh 15                      # what CI runs
#   scripts/fuzz.sh 1200 pipeline-fixtures             # whole Go binaries
#
# Targets: elf pclntab pipeline x86_64 arm64 oci_json image, and pipeline-fixtures
# (the pipeline target on the real fixtures only, with -max_len large enough
# to keep them whole; slow, a few execs/s). A crash, hang (-timeout) or leak
# stops that target and leaves the input in build-fuzz/artifacts/; add it
# to tests/testdata/corpus/<target>/crash-<what> with a unit test.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
FIXTURES=${G2S_FIXTURE_DIR:-$ROOT/build/fixtures}
SECONDS_PER_TARGET=${1:-600}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(elf pclntab pipeline x86_64 arm64 oci_json image)

# -O1, as libFuzzer's own documentation builds targets: the instrumented
# library compiles far faster than at -O2 (CI builds it on every run).
CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DG2S_BUILD_FUZZERS=ON \
  "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -DNDEBUG" "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -DNDEBUG" \
  -DG2S_BUILD_TESTS=OFF -DG2S_BUILD_BENCH=OFF > /dev/null
ninja -C "$BUILD" -j2 elf_fuzzer pclntab_fuzzer pipeline_fuzzer x86_64_fuzzer \
  arm64_fuzzer oci_json_fuzzer image_fuzzer

mkdir -p "$BUILD/artifacts"
status=0
for t in "${TARGETS[@]}"; do
  fuzzer=$t
  extra=()
  seeds=("$ROOT/tests/testdata/corpus/$t")
  # Input sizes that matter: whole small ELFs, tables, code runs, profiles.
  case $t in
    elf) max_len=65536 ;;
    pclntab) max_len=8192 ;;
    pipeline) max_len=32768 ;;
    x86_64|arm64) max_len=512 ;;
    oci_json) max_len=8192 ;;
    # Tar archives: a few 512-byte headers and members, gzip layers, JSON.
    image) max_len=16384 ;;
    pipeline-fixtures)
      fuzzer=pipeline
      max_len=2500000
      seeds=()
      for v in amd64 arm64 amd64-pie; do seeds+=("$FIXTURES/$v/hello"); done
      extra=(-len_control=0 -mutate_depth=3)
      ;;
    *) echo "fuzz: unknown target $t" >&2; exit 2 ;;
  esac
  corpus="$BUILD/corpus/$t"
  mkdir -p "$corpus"
  if [ "$t" = pipeline-fixtures ]; then
    for s in "${seeds[@]}"; do [ -f "$s" ] && cp -n "$s" "$corpus/" || true; done
    seeds=()
  elif [ "$t" = elf ] || [ "$t" = pipeline ]; then
    # Fixtures longer than max_len load truncated: for elf that is the
    # "truncated ELF" family we want anyway.
    for v in amd64 arm64 amd64-pie amd64-stripped; do
      [ -d "$FIXTURES/$v" ] && seeds+=("$FIXTURES/$v")
    done
  fi
  echo "fuzz: $t for ${SECONDS_PER_TARGET}s (max_len $max_len)"
  if ! "$BUILD/fuzzers/${fuzzer}_fuzzer" "$corpus" "${seeds[@]}" \
      -max_total_time="$SECONDS_PER_TARGET" -max_len="$max_len" \
      -timeout=20 -rss_limit_mb=3072 -print_final_stats=1 ${FUZZ_SEED:+-seed=$FUZZ_SEED} \
      -artifact_prefix="$BUILD/artifacts/$t-" "${extra[@]}" \
      2>&1 | tee "$BUILD/fuzz-$t.log" | grep -E "^#[0-9]+[[:space:]]+(INITED|DONE)|ERROR|SUMMARY|stat::average|artifact"; then
    :
  fi
  if grep -q "ERROR\|SUMMARY: " "$BUILD/fuzz-$t.log"; then
    echo "fuzz: $t FOUND A PROBLEM, see $BUILD/fuzz-$t.log" >&2
    status=1
  fi
done
exit $status
