package main

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"
)

// The soft memory limit. tattle's state is bounded (flow table, devices,
// per-device lists; see stats.limits), and its live heap is 25-115 MB on
// real captures (the most on big.pcap of docs/benchmarks.md, at the end,
// while the result is built and encoded) and 130-160 MB under the floods.
// A fixed limit just above the live heap (it was 160 MiB) makes the
// collector run without pause once the live heap nears it: a 100 000-client
// DHCP flood took 24.7 s of CPU with it and 9.5 s without. So the limit
// follows the live heap: baseMemoryLimit while one and a half times the
// live heap is under it, then that, so that the collector always has half
// the live heap as headroom (it runs at most as often as with GOGC=50:
// work in proportion to what is allocated, never back to back), never
// above memoryCeiling.
//
// The base sets the peak RSS of a scan whose live heap stays under two
// thirds of it (RSS is about the limit plus 10-15 MB of binary and
// runtime outside it). Measured on big.pcap (live heap up to 99-113 MB, under
// GOGC 200), peak RSS and collections (MB marked, summed over them, the
// collector's work): 256 MiB and twice the live heap (before) 269 MB, 14
// (750 MB); 184 MiB 197 MB, 20 (1200 MB); 176 MiB 190 MB, 21 (1255 MB);
// 168 MiB 181 MB, 23 (1409 MB); 160 MiB 173 MB, 27 (1750 MB). 176 MiB keeps
// the peak under 200 MB with some margin at two thirds more marking than
// before (collection was 7 % of the scan's CPU: some 5 % more in all);
// below it the marking grows fast. The price is paid where the live heap
// passes two thirds of the base, under the floods: half the live heap as
// headroom instead of all of it collects twice as often. The DHCP flood
// (live heap 132 MB) peaks at 204 MB with 13 collections instead of 9
// (243 MB before), the million-MAC flood (145-152 MB) at 214 MB with 48
// instead of 27 (284 MB), 6.2 GB marked instead of 3.3, its CPU 12.0 ->
// 14.5 s (user and system) on a loaded machine: more work, not runs back
// to back. The 5-tuple flood (88 MB) peaks at 180 MB with 69 collections
// instead of 43 (250 MB).
const (
	baseMemoryLimit = 176 << 20
	// fallbackCeiling is the ceiling where the machine's memory is not
	// known (not Linux).
	fallbackCeiling = 4 << 30
	// memoryWatch is how often the live heap is looked at.
	memoryWatch = 200 * time.Millisecond
)

// nextMemoryLimit is the soft limit for a live heap of live bytes.
func nextMemoryLimit(live, ceiling int64) int64 {
	return min(max(baseMemoryLimit, live+live/2), ceiling)
}

// memoryCeiling is three quarters of the memory tattle may use: the
// cgroup's limit (a container) or the machine's.
func memoryCeiling() int64 {
	total := int64(0)
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		total = parseMemTotal(string(b))
	}
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if c := parseCgroupMax(string(b)); c > 0 && (total == 0 || c < total) {
			total = c
		}
	}
	if total <= 0 {
		return fallbackCeiling
	}
	return max(total/4*3, baseMemoryLimit)
}

// parseMemTotal reads MemTotal (in kB) from /proc/meminfo; 0 if absent.
func parseMemTotal(s string) int64 {
	for _, line := range strings.Split(s, "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil && kb > 0 {
					return kb << 10
				}
			}
		}
	}
	return 0
}

// parseCgroupMax reads a cgroup v2 memory.max: bytes, or "max" (none: 0).
func parseCgroupMax(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// startMemoryLimit sets the soft limit and keeps it following the live
// heap, unless GOMEMLIMIT is set (the user's limit then stands alone).
func startMemoryLimit() {
	if _, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		return
	}
	ceiling := memoryCeiling()
	limit := nextMemoryLimit(0, ceiling)
	debug.SetMemoryLimit(limit)
	go func() {
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		for range time.Tick(memoryWatch) {
			metrics.Read(sample)
			if sample[0].Value.Kind() != metrics.KindUint64 {
				return
			}
			if l := nextMemoryLimit(int64(sample[0].Value.Uint64()), ceiling); l != limit {
				limit = l
				debug.SetMemoryLimit(limit)
			}
		}
	}()
}
