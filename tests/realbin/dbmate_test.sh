#!/usr/bin/env bash
# A real statically linked cgo program: dbmate 2.36.0 as published on npm
# (Go 1.27.1, -linkmode=external, static glibc, SQLite through cgo). Its Go
# side must be as complete as an internally linked program's (Go 1.27's
# linker leaves pcHeader.textStart 0 here: entries are found through
# moduledata) with no Go finding, its C side analysed from the ELF entry,
# and its SQLite workload (create, migrate up, status, rollback, up) must
# run under the generated profile.
#
#   usage: dbmate_test.sh GO2SECCOMP [CACHE_DIR]
# Exit 77 (ctest: skipped) when npm cannot reach the registry.
set -euo pipefail
CLI=$(readlink -f "$1")
CACHE=${2:-${G2S_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/go2seccomp-test}}
mkdir -p "$CACHE/npm"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
dir="$CACHE/npm/dbmate_linux-x64-2.36.0"
if [ ! -x "$dir/package/bin/dbmate" ]; then
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  if ! (cd "$dir.tmp" && npm pack --silent "@dbmate/linux-x64@2.36.0" > pack.out 2> pack.err); then
    echo "SKIP: npm pack @dbmate/linux-x64@2.36.0 failed: $(tail -2 "$dir.tmp/pack.err")" >&2
    exit 77
  fi
  tar -xzf "$dir.tmp"/*.tgz -C "$dir.tmp"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
bin="$dir/package/bin/dbmate"
prof="$WORK/dbmate.json"
"$CLI" "$bin" "$prof" --runtime none --stats > "$WORK/summary" 2> "$WORK/findings"
cat "$WORK/summary"
fail=0
# Go findings print as "BIN: finding: KIND at PC ..."; the C side's name
# the image first ("BIN: finding: BIN: ...").
if grep -v "finding: $bin: " "$WORK/findings" | grep "finding:"; then
  echo "FAIL: findings in Go code (above)"; fail=1
fi
grep -q "C code: 1 image(s)" "$WORK/summary" || { echo "FAIL: C side not analysed"; fail=1; }
go_wrappers=$(sed -n 's/.*, \([0-9]*\) wrappers$/\1/p' "$WORK/summary")
if [ "${go_wrappers:-0}" -lt 8 ]; then
  echo "FAIL: only ${go_wrappers:-0} Go syscall wrappers found (entries misplaced?)"; fail=1
fi
mkdir -p "$WORK/run/db/migrations" && cd "$WORK/run"
printf -- '-- migrate:up\ncreate table users (id integer primary key, name text);\ninsert into users (name) values (%s);\n-- migrate:down\ndrop table users;\n' "'a'" \
  > db/migrations/20200101000000_users.sql
export DATABASE_URL="sqlite:$WORK/run/db/app.sqlite3"
for step in create up status rollback up; do
  if ! "$CLI" exec --profile "$prof" -- "$bin" --no-dump-schema $step > "$WORK/$step.out" 2>&1; then
    echo "FAIL: dbmate $step under its profile:"; cat "$WORK/$step.out"; fail=1; break
  fi
done
[ -s db/app.sqlite3 ] || { echo "FAIL: no database written"; fail=1; }
grep -q "Applied: 1" "$WORK/status.out" 2>/dev/null || { echo "FAIL: status: $(cat "$WORK/status.out")"; fail=1; }
[ $fail -eq 0 ] && echo "PASS: dbmate 2.36.0 ran create/up/status/rollback/up under its profile"
exit $fail
