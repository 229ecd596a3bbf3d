#!/usr/bin/env bash
# Runs scripts/check-includes on the fixture trees under testdata/ (never on the real project:
# the CTest check_includes_project does that).
# Usage: check_includes_test.sh [path/to/check-includes] [path/to/testdata]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
script=${1:-$here/../../scripts/check-includes}
testdata=${2:-$here/testdata}
tmp=$(mktemp -d /tmp/keneya-check-includes.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# run_check DIR: sets $out (stdout and stderr) and $rc.
run_check() {
  rc=0
  out=$(python3 "$script" --root "$1" 2>&1) || rc=$?
}

expect_line() {  # expect_line WHAT TEXT: $out must contain the line TEXT.
  if ! grep -qxF -- "$2" <<<"$out"; then
    fail "$1: missing line: $2"
  fi
}

# 1. The violation fixture: exit 1, the two offending lines and nothing else.
run_check "$testdata/include_violation"
[[ $rc -eq 1 ]] || fail "include_violation: exit $rc, expected 1"
expect_line include_violation 'src/cli/main.cc:3: includes "rules/engine.h" but keneya does not link keneya_rules (add it to target_link_libraries in src/cli/CMakeLists.txt)'
expect_line include_violation 'src/http/api.cc:1: includes "core/types.h" but keneya_http does not link keneya_core (add it to target_link_libraries in src/http/CMakeLists.txt)'
count=$(grep -c ': includes ' <<<"$out" || true)
[[ $count -eq 2 ]] || fail "include_violation: $count violations reported, expected 2"
echo "$out"

# 2. The clean fixture (transitive PUBLIC links): exit 0.
run_check "$testdata/include_ok"
[[ $rc -eq 0 ]] || fail "include_ok: exit $rc, expected 0"
grep -q '^aucune violation / no violation: 13 files checked$' <<<"$out" ||
  fail "include_ok: no 'no violation' summary"
echo "$out"

# 3. The clean fixture plus an include through a PRIVATE link of a dependency: exit 1.
cp -r "$testdata/include_ok" "$tmp/private"
sed -i 's|^#include "io/reader.h"$|#include "io/reader.h"\n#include "store/store.h"|' \
  "$tmp/private/src/cli/commands.cc"
run_check "$tmp/private"
[[ $rc -eq 1 ]] || fail "PRIVATE of a dependency: exit $rc, expected 1"
expect_line 'PRIVATE of a dependency' 'src/cli/commands.cc:6: includes "store/store.h" but keneya_cli does not link keneya_store (add it to target_link_libraries in src/cli/CMakeLists.txt)'

# 4. A CMakeLists.txt the script cannot understand (links for an unknown target): exit 2.
cp -r "$testdata/include_ok" "$tmp/unknown"
echo 'target_link_libraries(keneya_nothing PRIVATE keneya_core)' >>"$tmp/unknown/src/store/CMakeLists.txt"
run_check "$tmp/unknown"
[[ $rc -eq 2 ]] || fail "unknown target: exit $rc, expected 2"
grep -q 'unknown target keneya_nothing' <<<"$out" || fail "unknown target: message missing: $out"

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "check_includes_test: all checks passed"
