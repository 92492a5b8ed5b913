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
# -v, so that passing tests' logs are printed too: the agreement counts of
# the conformance tests on ../shared/captures (FoxIO, nDPI, Zeek, tcpdump,
# tshark) and the like. The run's bookkeeping lines are left out here; the
# whole output is in /tmp/tattle-test.log.
go test -race -count=1 -v ./... 2>&1 | tee /tmp/tattle-test.log | grep -vE '^\s*(=== (RUN|PAUSE|CONT|NAME)|--- PASS)'

# The libpcap build (-tags libpcap, cgo) of live capture, where libpcap's
# headers are installed: vetted, and its end-to-end test run (as root).
if [ -f /usr/include/pcap.h ] || [ -f /usr/include/pcap/pcap.h ]; then
	echo "== libpcap build"
	go vet -tags libpcap ./capture/... ./cmd/...
	go test -tags libpcap -count=1 -run 'TestLiveCaptureMatchesFile|TestCompileFilter' ./audit ./capture
fi

# Every Fuzz target runs briefly, so a regression a fuzzer would find fast
# is caught in CI; longer campaigns are run by hand (see CONTRIBUTING.md).
# The budget is a count of executions, not a duration: with a duration,
# Go 1.26's fuzzing coordinator can report "context deadline exceeded" as
# a failure when the time runs out under load (golang/go#75804, fixed in
# Go 1.27), with no failing input.
FUZZTIME=${FUZZTIME:-20000x}
echo "== fuzz ($FUZZTIME each)"
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for fn in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
		echo "-- $pkg $fn"
		go test -run='^$' -fuzz="^${fn}\$" -fuzztime="$FUZZTIME" -timeout=10m "$pkg" >/tmp/tattle-fuzz.log 2>&1 || { cat /tmp/tattle-fuzz.log; exit 1; }
	done
done
echo "== all checks passed"
