#!/usr/bin/env bash
# Before and after: two tattle binaries on one capture, interleaved.
#
#   bash scripts/compare.sh OLD-BINARY NEW-BINARY CAPTURE [RUNS]
#
# Runs `tattle scan --format json CAPTURE` with each binary RUNS times
# (default 3), alternating, in four settings: two cores, one core
# (taskset -c 0 and GOMAXPROCS=1), and both without the repeat caches
# (TATTLE_NO_REPEAT_CACHES=1). The machine's speed varies from minute to
# minute, so only runs made side by side compare; the median run and its
# user+system CPU seconds are printed as a Markdown table for
# docs/benchmarks.md. It also checks that both binaries write the same
# JSON (the capture is given by its absolute path: the JSON names it).
#
# Needs: taskset, /usr/bin/time, md5sum.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 OLD-BINARY NEW-BINARY CAPTURE [RUNS]" >&2; exit 2; }
old=$(realpath "$1")
new=$(realpath "$2")
capture=$(realpath "$3")
runs=${4:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

a=$("$old" scan --format json "$capture" | md5sum | cut -d' ' -f1)
b=$("$new" scan --format json "$capture" | md5sum | cut -d' ' -f1)
if [ "$a" != "$b" ]; then
	echo "compare: the two binaries' JSON differ ($a, $b)" >&2
	exit 1
fi

# one NAME BINARY SETTING: one timed run, appended to NAME's list as
# "wall cpu".
one() {
	local cmd=("$2" scan --format json "$capture")
	case $3 in
	two) ;;
	one) cmd=(taskset -c 0 env GOMAXPROCS=1 "${cmd[@]}") ;;
	two-nc) cmd=(env TATTLE_NO_REPEAT_CACHES=1 "${cmd[@]}") ;;
	one-nc) cmd=(taskset -c 0 env GOMAXPROCS=1 TATTLE_NO_REPEAT_CACHES=1 "${cmd[@]}") ;;
	esac
	/usr/bin/time -f '%e %U %S' -o "$out/t" "${cmd[@]}" >/dev/null
	awk '{printf "%s %.2f\n", $1, $2 + $3}' "$out/t" >>"$out/$1.runs"
}
settings="two one two-nc one-nc"
for r in $(seq 1 "$runs"); do
	for s in $settings; do
		one "old-$s" "$old" "$s"
		one "new-$s" "$new" "$s"
	done
done

# median NAME: the median run's "wall cpu".
median() { sort -n "$out/$1.runs" | awk '{a[NR]=$0} END{print a[int((NR+1)/2)]}'; }
echo "| | before | after | change |"
echo "|---|---|---|---|"
for s in $settings; do
	read -r ow oc <<<"$(median "old-$s")"
	read -r nw nc <<<"$(median "new-$s")"
	case $s in
	two) label="two cores, default" ;;
	one) label="one core (\`taskset -c 0\`, \`GOMAXPROCS=1\`), default" ;;
	two-nc) label="two cores, repeat caches off" ;;
	one-nc) label="one core, repeat caches off" ;;
	esac
	printf '| %s | %s s (%s s CPU) | %s s (%s s CPU) | %+.0f %% |\n' "$label" "$ow" "$oc" "$nw" "$nc" \
		"$(echo "100 * ($nw - $ow) / $ow" | bc -l)"
done
echo
echo "all runs (wall, CPU):"
for s in $settings; do
	echo "  $s: before $(tr '\n' ';' <"$out/old-$s.runs") after $(tr '\n' ';' <"$out/new-$s.runs")"
done
echo "JSON md5 of both: $a; $runs runs each, interleaved; $(nproc) cores; $(date -u '+%F %H:%M UTC'); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
