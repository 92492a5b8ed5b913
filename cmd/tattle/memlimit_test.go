package main

import "testing"

func TestNextMemoryLimit(t *testing.T) {
	const ceiling = 1 << 30
	cases := []struct {
		name       string
		live, want int64
	}{
		{"small heap: the base limit", 20 << 20, baseMemoryLimit},
		{"two thirds of the base: still the base", baseMemoryLimit / 3 * 2, baseMemoryLimit},
		{"larger: one and a half times the live heap", 200 << 20, 300 << 20},
		{"past the ceiling: the ceiling", 700 << 20, ceiling},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := nextMemoryLimit(c.live, ceiling); got != c.want {
				t.Errorf("nextMemoryLimit(%d MiB) = %d MiB, want %d MiB", c.live>>20, got>>20, c.want>>20)
			}
		})
	}
}

func TestParseMemory(t *testing.T) {
	if got := parseMemTotal("MemFree:  1 kB\nMemTotal:       24567890 kB\n"); got != 24567890<<10 {
		t.Errorf("parseMemTotal = %d", got)
	}
	if got := parseMemTotal("garbage"); got != 0 {
		t.Errorf("parseMemTotal(garbage) = %d, want 0", got)
	}
	if got := parseCgroupMax("max\n"); got != 0 {
		t.Errorf(`parseCgroupMax("max") = %d, want 0`, got)
	}
	if got := parseCgroupMax("536870912\n"); got != 512<<20 {
		t.Errorf("parseCgroupMax = %d", got)
	}
}
