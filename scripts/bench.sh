#!/usr/bin/env bash
# Throughput benchmark on a large capture built from ../shared/captures.
#
#   bash scripts/bench.sh [TARGET_MB]      (default 1100; RUNS=3; REBUILD=1)
#
# 1. Takes every Ethernet capture in ../shared/captures, converts it to
#    classic pcap and shifts it in time so that the files follow each other:
#    one "round" of real traffic.
# 2. Makes as many copies of the round as needed to pass TARGET_MB, each
#    with fresh addresses (tcprewrite --seed=N, so stateful tools see new
#    flows rather than retransmissions of old ones) and later timestamps,
#    and concatenates them: big.pcap. It also makes stable.pcap, the same
#    copies with their own addresses (later timestamps only, so every flow
#    has long expired when its copy comes again): the same devices and
#    destinations throughout, to show how memory depends on file size.
# 3. Times, on big.pcap, RUNS times each and interleaved (the median is
#    reported; the machine's speed varies from minute to minute): tattle
#    scan (JSON to /dev/null), tattle scan --no-inspect, ndpiReader -q;
#    and tshark -T fields with the fields tattle reads, once. Then tattle's
#    peak memory on one round, on stable.pcap and on big.pcap.
#
#    Each tattle scan is also run with TATTLE_NO_REPEAT_CACHES=1, which
#    turns off the caches that skip repeated input (see internal/repeat):
#    the copies repeat one another's payloads, so they flatter tattle.
#    Then both tools pinned to one core (taskset), tattle and ndpiReader on
#    stable.pcap, tattle at GOMAXPROCS 1, 2 and 4, and a CPU profile of one
#    scan summarised per stage. SKIP_TSHARK=1 leaves tshark out.
#
# Needs: go, bc, editcap, mergecap, capinfos, tcprewrite, ndpiReader, tshark,
# taskset, /usr/bin/time. Results are printed as Markdown tables; paste them into
# docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET_MB=${1:-1100}
RUNS=${RUNS:-3}
SHARED=../shared/captures
OUT=bench/out
mkdir -p "$OUT/round"
for tool in editcap mergecap capinfos tcprewrite ndpiReader tshark taskset; do
	command -v $tool >/dev/null || { echo "bench: $tool not found (apt-get install tshark tcpreplay libndpi-bin)"; exit 1; }
done
[ -d "$SHARED" ] || { echo "bench: $SHARED not found"; exit 1; }

go build -o "$OUT/tattle" ./cmd/tattle

if [ -f "$OUT/big.pcap" ] && [ -f "$OUT/stable.pcap" ] && [ -f "$OUT/round.span" ] && [ -z "${REBUILD:-}" ]; then
	echo "== reusing $OUT/big.pcap (REBUILD=1 to make it again)"
else
echo "== building one round from $SHARED"
rm -f "$OUT"/round/*
base=1700000000
offset=$base
i=0
while IFS= read -r -d '' f; do
	# Ethernet only: ndpiReader and tcprewrite want one link type per file.
	enc=$(capinfos -E -T -r "$f" 2>/dev/null | cut -f2 || true)
	[ "$enc" = "ether" ] || [ "$enc" = "Ethernet" ] || continue
	start=$(capinfos -a -T -r -S "$f" 2>/dev/null | cut -f2 || true)
	dur=$(capinfos -u -T -r "$f" 2>/dev/null | cut -f2 || true)
	[[ "$start" =~ ^[0-9.]+$ ]] || continue
	[[ "$dur" =~ ^[0-9.]+$ ]] || dur=0
	# A few captures span years (clock jumps): keep the round compact so
	# copies stay in order and 32-bit pcap timestamps do not overflow.
	dur=$(echo "if ($dur > 600) 600 else $dur" | bc)
	i=$((i+1))
	shift=$(echo "$offset - $start" | bc)
	editcap -F pcap -t "$shift" "$f" "$OUT/round/$(printf %04d $i).pcap" 2>/dev/null || continue
	offset=$(echo "$offset + $dur + 1" | bc | cut -d. -f1)
done < <(find "$SHARED" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) -print0 | sort -z)
mergecap -a -F pcap -w "$OUT/round.pcap" "$OUT"/round/*.pcap
round_bytes=$(stat -c %s "$OUT/round.pcap")
round_span=$((offset - base + 60))
echo "$round_span" >"$OUT/round.span"
copies=$(( (TARGET_MB * 1024 * 1024 + round_bytes - 1) / round_bytes ))
echo "round: $i captures, $((round_bytes/1024/1024)) MB, ${round_span}s; $copies copies"

echo "== building the large captures"
rm -f "$OUT"/copy-*.pcap "$OUT"/same-*.pcap
for k in $(seq 1 "$copies"); do
	tcprewrite --seed="$k" --infile="$OUT/round.pcap" --outfile="$OUT/tmp.pcap" 2>/dev/null
	editcap -F pcap -t $((k * round_span)) "$OUT/tmp.pcap" "$OUT/copy-$(printf %04d $k).pcap"
	editcap -F pcap -t $((k * round_span)) "$OUT/round.pcap" "$OUT/same-$(printf %04d $k).pcap"
done
rm -f "$OUT/tmp.pcap"
mergecap -a -F pcap -w "$OUT/big.pcap" "$OUT"/copy-*.pcap
mergecap -a -F pcap -w "$OUT/stable.pcap" "$OUT"/same-*.pcap
rm -f "$OUT"/copy-*.pcap "$OUT"/same-*.pcap
fi
round_bytes=$(stat -c %s "$OUT/round.pcap")
copies=$(( ($(stat -c %s "$OUT/big.pcap") - 24) / (round_bytes - 24) )) # one 24-byte file header each
i=$(ls "$OUT"/round | wc -l)
size=$(stat -c %s "$OUT/big.pcap")
packets=$(capinfos -c -T -r "$OUT/big.pcap" | cut -f2)
echo "big.pcap: $((size/1024/1024)) MB, $packets packets"

# run NAME FILE COMMAND...: one timed run, appended to $OUT/NAME.runs as
# "seconds peak-KB".
run() {
	local name=$1 file=$2; shift 2
	sync
	cat "$file" >/dev/null # same page-cache state for everyone
	/usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" >/dev/null 2>"$OUT/$name.stderr" || true
	cat "$OUT/time.txt" >>"$OUT/$name.runs"
}
rm -f "$OUT"/*.runs
BIG=$OUT/big.pcap
STABLE=$OUT/stable.pcap
NC="env TATTLE_NO_REPEAT_CACHES=1"
ONE="taskset -c 0 env GOMAXPROCS=1"
for r in $(seq 1 "$RUNS"); do
	echo "== run $r of $RUNS"
	run tattle "$BIG" "$OUT/tattle" scan --format json "$BIG"
	run tattle-nc "$BIG" $NC "$OUT/tattle" scan --format json "$BIG"
	run tattle-ni "$BIG" "$OUT/tattle" scan --no-inspect --format json "$BIG"
	run tattle-ni-nc "$BIG" $NC "$OUT/tattle" scan --no-inspect --format json "$BIG"
	run ndpi "$BIG" ndpiReader -q -i "$BIG"
	run tattle-1-nc "$BIG" $ONE TATTLE_NO_REPEAT_CACHES=1 "$OUT/tattle" scan --format json "$BIG"
	run tattle-1 "$BIG" $ONE "$OUT/tattle" scan --format json "$BIG"
	run ndpi-1 "$BIG" taskset -c 0 ndpiReader -q -i "$BIG"
	run tattle-stable "$STABLE" "$OUT/tattle" scan --format json "$STABLE"
	run ndpi-stable "$STABLE" ndpiReader -q -i "$STABLE"
done
# Scaling: the default scan without the repeat caches at 1, 2 and 4 Ps
# (not pinned: on 2 cores, 4 is oversubscribed).
for p in 1 2 4; do
	for r in $(seq 1 "$RUNS"); do
		run "scale-$p" "$BIG" env GOMAXPROCS=$p TATTLE_NO_REPEAT_CACHES=1 "$OUT/tattle" scan --format json "$BIG"
	done
done
[ -n "${SKIP_TSHARK:-}" ] || run tshark "$BIG" tshark -r "$BIG" -T fields -e frame.number -e ip.src -e ip.dst \
	-e tls.handshake.extensions_server_name -e dns.qry.name -e http.user_agent -e dhcp.option.hostname
# Per-stage cost: a CPU profile of one default scan without the repeat
# caches, by the goroutines' roots (cumulative CPU seconds).
run profile "$BIG" env TATTLE_NO_REPEAT_CACHES=1 TATTLE_CPUPROFILE="$OUT/cpu.prof" "$OUT/tattle" scan --format json "$BIG"
go tool pprof -top -cum -nodecount=100000 "$OUT/tattle" "$OUT/cpu.prof" >"$OUT/cpu.top" 2>/dev/null
# Memory runs print the collector's trace: the heap still live after each
# collection is what the scan holds (the peak RSS adds the collector's
# headroom).
for f in round stable big; do
	run "mem-$f" "$OUT/$f.pcap" env GODEBUG=gctrace=1 "$OUT/tattle" scan --format json "$OUT/$f.pcap"
done

median() { cut -d' ' -f1 "$OUT/$1.runs" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
echo
echo "| tool | seconds (median) | MB/s | M packets/s | x ndpiReader's speed | peak RSS (MB) | all runs (s) |"
echo "|---|---|---|---|---|---|---|"
prow() { # NAME LABEL BYTES PACKETS NDPI-NAME
	local secs kb
	secs=$(median "$1")
	kb=$(cut -d' ' -f2 "$OUT/$1.runs" | sort -n | tail -1)
	printf '| %s | %s | %.0f | %.2f | %.2f | %.0f | %s |\n' "$2" "$secs" "$(echo "$3 / 1048576 / $secs" | bc -l)" \
		"$(echo "$4 / 1000000 / $secs" | bc -l)" "$(echo "$(median "$5") / $secs" | bc -l)" \
		"$(echo "$kb / 1024" | bc -l)" "$(cut -d' ' -f1 "$OUT/$1.runs" | tr '\n' ' ')"
}
spackets=$(capinfos -c -T -r "$STABLE" | cut -f2)
ssize=$(stat -c %s "$STABLE")
prow tattle "big: \`tattle scan --format json\`" "$size" "$packets" ndpi
prow tattle-nc "big: the same, repeat caches off" "$size" "$packets" ndpi
prow tattle-ni "big: \`tattle scan --no-inspect --format json\`" "$size" "$packets" ndpi
prow tattle-ni-nc "big: the same, repeat caches off" "$size" "$packets" ndpi
prow ndpi "big: \`ndpiReader -q\`" "$size" "$packets" ndpi
prow tattle-1 "big, one core: \`tattle scan --format json\`" "$size" "$packets" ndpi-1
prow tattle-1-nc "big, one core: the same, repeat caches off" "$size" "$packets" ndpi-1
prow ndpi-1 "big, one core: \`ndpiReader -q\`" "$size" "$packets" ndpi-1
prow tattle-stable "stable: \`tattle scan --format json\`" "$ssize" "$spackets" ndpi-stable
prow ndpi-stable "stable: \`ndpiReader -q\`" "$ssize" "$spackets" ndpi-stable
[ -n "${SKIP_TSHARK:-}" ] || prow tshark "big: \`tshark -T fields\`" "$size" "$packets" ndpi
echo
echo "| GOMAXPROCS (repeat caches off) | seconds (median) | speed-up against 1 |"
echo "|---|---|---|"
for p in 1 2 4; do
	printf '| %s | %s | %.2f |\n' $p "$(median scale-$p)" "$(echo "$(median scale-1) / $(median scale-$p)" | bc -l)"
done
echo
# cum STAGE-REGEX: the largest cumulative CPU seconds of the functions
# matching (a stage's root). A pattern that matches no line says so on
# stderr: a stage root renamed would otherwise show as 0 s and its time
# be counted in another stage.
cum() {
	grep -qE "$1" "$OUT/cpu.top" || echo "bench: no function in the profile matches $1: its stage shows 0 s" >&2
	{ grep -E "$1" "$OUT/cpu.top" || true; } |
		awk '{v=$4; if (v ~ /ms$/) {sub(/ms$/,"",v); v/=1000} else sub(/s$/,"",v); if (v+0>m+0) m=v+0} END{printf "%.2f", m+0}'
}
total=$(grep -o 'Total samples = [0-9.]*m\?s' "$OUT/cpu.top" | awk '{v=$4; if (v ~ /ms$/) {sub(/ms$/,"",v); v/=1000} else sub(/s$/,"",v); print v}')
packet=$(cum '/capture\.\(\*Scanner\)\.Packet$')
decode=$(cum '/capture\.\(\*Scanner\)\.decode$')
dissect=$(cum '/capture\.\(\*Scanner\)\.dissectAll$')
stage() { printf '| %s | %.2f | %.0f %% |\n' "$1" "$2" "$(echo "100 * $2 / $total" | bc -l)"; }
echo "| stage (CPU profile, default scan, repeat caches off) | CPU s | share |"
echo "|---|---|---|"
stage "read and decompress (capture.Prefetch)" "$(cum '/capture\.\(\*Prefetch\)\.read$')"
stage "decode (fast decoder; gopacket layers where it declines)" "$decode"
stage "flow table, expiry, scanner loop" "$(echo "$packet - $decode - $dissect" | bc -l)"
stage "dissectors on the scanner (DNS, TLS, HTTP, QUIC...; queueing for inspection)" "$dissect"
stage "payload inspection (its goroutine)" "$(cum '/capture\.\(\*Async\)\.work$')"
stage "result building during the scan (audit.Builder)" "$(cum '/audit\.\(\*asyncSink\)\.run$')"
stage "device assembly at the end" "$(cum '/audit\.\(\*Builder\)\.(Devices|assemble)')"
stage "redaction of the result" "$(cum '/result\.RedactInPlace')"
stage "JSON encoding" "$(cum '/reports\.marshalDevices')"
stage "garbage collection, background marking" "$(cum ' runtime\.gcBgMarkWorker$')"
stage "garbage collection, assists (inside the stages above)" "$(cum ' runtime\.gcAssistAlloc$')"
stage "all (profile total)" "$total"
echo
echo "| tattle scan on | size (MB) | seconds | peak RSS (MB) | live heap after GC, max (MB) | collections |"
echo "|---|---|---|---|---|---|"
for f in round stable big; do
	read -r secs kb <"$OUT/mem-$f.runs"
	live=$(grep -o -- '->[0-9]*->[0-9]* MB' "$OUT/mem-$f.stderr" | sed 's/.*->//; s/ MB//' | sort -n | tail -1)
	gcs=$(grep -c '^gc ' "$OUT/mem-$f.stderr" || true)
	echo "| $f.pcap | $(( $(stat -c %s "$OUT/$f.pcap") / 1048576 )) | $secs | $((kb / 1024)) | ${live:-?} | $gcs |"
done
echo
echo "input: $((size/1024/1024)) MB, $packets packets, $copies copies of $i captures; $(nproc) cores; $(date -u +%F); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
