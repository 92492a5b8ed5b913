#!/usr/bin/env bash
# The project's test command (README.md, .ci/run): static checks, the whole
# test suite with the race detector, then a short run of every fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "not gofmt-formatted:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== go test -race"
go test -race -count=1 ./... 2>&1 | tee /tmp/tattle-test.log

# Every Fuzz target runs briefly, so a regression a fuzzer would find fast
# is caught in CI; longer campaigns are run by hand (see CONTRIBUTING).
FUZZTIME=${FUZZTIME:-5s}
echo "== fuzz ($FUZZTIME each)"
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for fn in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
		echo "-- $pkg $fn"
		go test -run='^$' -fuzz="^${fn}\$" -fuzztime="$FUZZTIME" "$pkg" >/tmp/tattle-fuzz.log 2>&1 || { cat /tmp/tattle-fuzz.log; exit 1; }
	done
done
echo "== all checks passed"
