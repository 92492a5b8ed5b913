#!/usr/bin/env bash
# The tests as on a fresh clone: a copy of the checkout (tracked and
# untracked files, not ignored ones) in a temporary directory with no
# ../shared beside it, so every test that reads ../shared/captures,
# ../shared/policies or ../shared/lists must skip cleanly. .ci/run runs
# this on every run; go test without -race, since scripts/test.sh has
# already run the race detector over the same code.
set -euo pipefail
cd "$(dirname "$0")/.."

fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
mkdir "$fresh/tattle"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$fresh/tattle"
else
	cp -a . "$fresh/tattle"
fi
if [ -e "$fresh/shared" ]; then
	echo "test-fresh: $fresh/shared exists" >&2; exit 1
fi

echo "== go test in a copy without ../shared ($fresh/tattle)"
cd "$fresh/tattle"
# The environment must not point the tests back at the shared data.
status=0
env -u TATTLE_SHARED_CAPTURES go test -count=1 -v ./... >"$fresh/test.log" 2>&1 || status=$?
grep -E '^(ok|FAIL|panic:)|--- FAIL' "$fresh/test.log" || true
if [ "$status" -ne 0 ]; then
	# The whole log but the bookkeeping, as scripts/test.sh prints it.
	grep -vE '^\s*(=== (RUN|PAUSE|CONT|NAME)|--- (PASS|SKIP))|^(ok|\?) ' "$fresh/test.log"
	echo "test-fresh: go test failed without ../shared" >&2
	exit "$status"
fi
skips=$(grep -cE 'shared (captures|lists|policies) not found at' "$fresh/test.log" || true)
echo "== without ../shared: all tests pass, $skips skipped for want of the shared data"
