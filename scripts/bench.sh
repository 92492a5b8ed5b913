#!/usr/bin/env bash
# Throughput benchmark on a large capture built from ../shared/captures.
#
#   bash scripts/bench.sh [TARGET_MB]      (default 1100)
#
# 1. Takes every Ethernet capture in ../shared/captures, converts it to
#    classic pcap and shifts it in time so that the files follow each other:
#    one "round" of real traffic.
# 2. Makes as many copies of the round as needed to pass TARGET_MB, each
#    with fresh addresses (tcprewrite --seed=N, so stateful tools see new
#    flows rather than retransmissions of old ones) and later timestamps,
#    and concatenates them.
# 3. Times, on that one file and in one run: tattle scan (full observation
#    pipeline, JSON to /dev/null), ndpiReader -q, and tshark -T fields with
#    the fields tattle reads; and tattle on a single round, to show that its
#    peak memory does not grow with file size.
#
# Needs: go, bc, editcap, mergecap, capinfos, tcprewrite, ndpiReader, tshark,
# /usr/bin/time. Results are printed as a Markdown table; paste them into
# docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET_MB=${1:-1100}
SHARED=../shared/captures
OUT=bench/out
mkdir -p "$OUT/round"
for tool in editcap mergecap capinfos tcprewrite ndpiReader tshark; do
	command -v $tool >/dev/null || { echo "bench: $tool not found (apt-get install tshark tcpreplay libndpi-bin)"; exit 1; }
done
[ -d "$SHARED" ] || { echo "bench: $SHARED not found"; exit 1; }

go build -o "$OUT/tattle" ./cmd/tattle

if [ -f "$OUT/big.pcap" ] && [ -z "${REBUILD:-}" ]; then
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
copies=$(( (TARGET_MB * 1024 * 1024 + round_bytes - 1) / round_bytes ))
echo "round: $i captures, $((round_bytes/1024/1024)) MB, ${round_span}s; $copies copies"

echo "== building the large capture"
rm -f "$OUT"/copy-*.pcap
for k in $(seq 1 "$copies"); do
	tcprewrite --seed="$k" --infile="$OUT/round.pcap" --outfile="$OUT/tmp.pcap" 2>/dev/null
	editcap -F pcap -t $((k * round_span)) "$OUT/tmp.pcap" "$OUT/copy-$(printf %04d $k).pcap"
done
rm -f "$OUT/tmp.pcap"
mergecap -a -F pcap -w "$OUT/big.pcap" "$OUT"/copy-*.pcap
rm -f "$OUT"/copy-*.pcap
fi
round_bytes=$(stat -c %s "$OUT/round.pcap")
copies=$(( $(stat -c %s "$OUT/big.pcap") / round_bytes ))
i=$(ls "$OUT"/round | wc -l)
size=$(stat -c %s "$OUT/big.pcap")
packets=$(capinfos -c -T -r "$OUT/big.pcap" | cut -f2)
echo "big.pcap: $((size/1024/1024)) MB, $packets packets"

measure() { # name, command...
	local name=$1; shift
	sync
	cat "$OUT/big.pcap" >/dev/null # same page-cache state for everyone
	/usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" >/dev/null 2>"$OUT/$name.stderr" || true
	read -r secs kb <"$OUT/time.txt"
	printf '| %s | %s | %.0f | %.1f |\n' "$name" "$secs" "$(echo "$size / 1048576 / $secs" | bc -l)" "$(echo "$kb / 1024" | bc -l)"
}

echo
echo "| tool | seconds | MB/s | peak RSS (MB) |"
echo "|---|---|---|---|"
measure "tattle scan --format json" "$OUT/tattle" scan --format json "$OUT/big.pcap"
measure "tattle scan --no-inspect --format json" "$OUT/tattle" scan --no-inspect --format json "$OUT/big.pcap"
measure "ndpiReader -q" ndpiReader -q -i "$OUT/big.pcap"
measure "tshark -T fields" tshark -r "$OUT/big.pcap" -T fields -e frame.number -e ip.src -e ip.dst \
	-e tls.handshake.extensions_server_name -e dns.qry.name -e http.user_agent -e dhcp.option.hostname
size_round=$round_bytes
/usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$OUT/tattle" scan --format json "$OUT/round.pcap" >/dev/null 2>&1 || true
read -r secs kb <"$OUT/time.txt"
echo
echo "tattle on one round ($((size_round/1024/1024)) MB): ${secs}s, peak RSS $((kb/1024)) MB"
echo "input: $((size/1024/1024)) MB, $packets packets, $copies copies of $i captures; $(nproc) cores; $(date -u +%F)"
