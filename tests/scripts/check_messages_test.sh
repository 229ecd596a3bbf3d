#!/usr/bin/env bash
# Runs scripts/check-messages on the fixture trees under testdata/ (the CTest
# check_messages_project runs it on this project).
# Usage: check_messages_test.sh [path/to/check-messages] [path/to/testdata]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
script=${1:-$here/../../scripts/check-messages}
testdata=${2:-$here/testdata}
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

rc=0
out=$(python3 "$script" --root "$testdata/messages_ok" 2>&1) || rc=$?
[ "$rc" -eq 0 ] || fail "messages_ok: exit $rc: $out"

rc=0
out=$(python3 "$script" --root "$testdata/messages_bad" 2>&1) || rc=$?
[ "$rc" -eq 1 ] || fail "messages_bad: exit $rc, expected 1"
for line in \
  "src/store/fixture.cc:2: no message store.no_such_message in the catalogue" \
  "src/store/fixture.cc:3: store.no_org_unit takes {code}, given {uid}" \
  "src/core/messages/store.inc:3: store.never_said is used nowhere" \
  "check-messages: 3 problem(s)"; do
  grep -qxF -- "$line" <<<"$out" || fail "messages_bad: missing line: $line (got: $out)"
done

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "all checks passed"
