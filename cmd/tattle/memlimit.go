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
// per-device lists; see stats.limits), and its live heap is 25-100 MB on
// real captures and at most about 130 MB under the floods of
// docs/benchmarks.md. A fixed limit just above that (it was 160 MiB)
// makes the collector run without pause once the live heap nears it: a
// 100 000-client DHCP flood took 24.7 s of CPU with it and 9.5 s
// without. So the limit follows the live heap: baseMemoryLimit while the
// live heap is under half of it, then twice the live heap, so that the
// collector always has the live heap again as headroom (it runs at most
// as often as with GOGC=100), never above memoryCeiling.
const (
	baseMemoryLimit = 256 << 20
	// fallbackCeiling is the ceiling where the machine's memory is not
	// known (not Linux).
	fallbackCeiling = 4 << 30
	// memoryWatch is how often the live heap is looked at.
	memoryWatch = 200 * time.Millisecond
)

// nextMemoryLimit is the soft limit for a live heap of live bytes.
func nextMemoryLimit(live, ceiling int64) int64 {
	return min(max(baseMemoryLimit, 2*live), ceiling)
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
