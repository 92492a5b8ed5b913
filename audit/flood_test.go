package audit

import (
	"bufio"
	"io"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/internal/gen"
	"github.com/tattle-audit/tattle/result"
)

// scanFlood scans a flood written on the fly through a pipe and returns
// the result with the largest live heap seen while it ran: the heap
// marked live by the last collection (runtime/metrics), sampled every
// 5 ms. The live heap is what the bounds govern; what the process holds
// on top depends on GOGC and the memory limit (see cmd/tattle/main.go).
func scanFlood(t testing.TB, flood func(io.Writer, int) error, n int) (*result.Result, uint64) {
	pr, pw := io.Pipe()
	go func() {
		bw := bufio.NewWriterSize(pw, 1<<20)
		err := flood(bw, n)
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
	}()
	src, err := capture.OpenReader("flood.pcapng", pr)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	stop := make(chan struct{})
	maxHeap := make(chan uint64)
	go func() {
		var m uint64
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				maxHeap <- m
				return
			case <-tick.C:
				metrics.Read(sample)
				m = max(m, sample[0].Value.Uint64())
			}
		}
	}()
	res, err := Scan(src, Config{})
	close(stop)
	top := <-maxHeap
	if err != nil || res == nil {
		t.Fatal(err)
	}
	return res, top
}

// floodLiveBound is the most live heap a flood may take. Under the
// collector's settings of cmd/tattle (GOGC=200 below the soft limit) the
// process then stays under 300 MB.
const floodLiveBound = 200 << 20

func limitHit(res *result.Result, name string) (result.Limit, bool) {
	for _, l := range res.Stats.Limits {
		if l.Name == name {
			return l, true
		}
	}
	return result.Limit{}, false
}

// TestFloodsStayBounded scans the three floods of issue 14 (a million
// devices, 100 000 DHCP clients, 3 million 5-tuples), written on the fly,
// and checks that the heap stays under the documented bound and that the
// bounds they hit are reported in stats and warnings.
func TestFloodsStayBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("flood test skipped in -short mode")
	}
	cases := []struct {
		name   string
		flood  func(io.Writer, int) error
		n      int
		limits []string // bounds the flood must hit
	}{
		{"1M MACs", gen.MACFlood, 1_000_000, []string{"devices", "flow_table"}},
		{"100k DHCP clients", gen.DHCPFlood, 100_000, []string{"devices"}},
		{"3M 5-tuples", gen.TupleFlood, 3_000_000, []string{"flow_table", "device_destinations"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, top := scanFlood(t, c.flood, c.n)
			t.Logf("%d packets, %d flows, %d devices; live heap at most %d MB; limits %+v",
				res.Stats.Packets, res.Stats.Flows, len(res.Devices), top>>20, res.Stats.Limits)
			if top > floodLiveBound {
				t.Errorf("live heap reached %d MB, bound %d MB", top>>20, floodLiveBound>>20)
			}
			for _, name := range c.limits {
				l, ok := limitHit(res, name)
				if !ok || l.Over == 0 {
					t.Errorf("limit %q not reported in stats.limits (%+v)", name, res.Stats.Limits)
					continue
				}
				warned := false
				for _, w := range res.Warnings {
					if strings.Contains(w.Message, name) && strings.Contains(w.Message, strconv.FormatUint(l.Over, 10)) {
						warned = true
					}
				}
				if !warned {
					t.Errorf("limit %q (%d over) has no warning naming it and the count: %+v", name, l.Over, res.Warnings)
				}
			}
		})
	}
}
