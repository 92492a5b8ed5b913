package audit

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/internal/gen"
)

// TestHostileStreamsStayBounded scans 4000 open TCP streams that each
// send 28 KB behind a gap that never fills (110 MB held out of order if
// nothing bounded it, written on the fly), and checks that memory stays within the
// documented bounds: the inspector's out-of-order buffer (64 MiB in all)
// and the flow table.
func TestHostileStreamsStayBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("hostile-input test skipped in -short mode")
	}
	path := filepath.Join(t.TempDir(), "hostile.pcapng")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	const streams, perStream = 4000, 20 * 1400
	if err := gen.ManyStreams(f, streams, perStream); err != nil {
		t.Fatal(err)
	}
	f.Close()
	st, _ := os.Stat(path)
	var before, peak runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	src, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	// Sample the heap while the scan runs.
	stop := make(chan struct{})
	maxHeap := make(chan uint64)
	go func() {
		var m uint64
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				maxHeap <- m
				return
			case <-tick.C:
				runtime.ReadMemStats(&peak)
				m = max(m, peak.HeapInuse)
			}
		}
	}()
	res, err := Scan(src, Config{})
	close(stop)
	top := <-maxHeap
	if err != nil || res == nil {
		t.Fatal(err)
	}
	grown := int64(top) - int64(before.HeapInuse)
	t.Logf("capture %d MB, %d packets, %d flows; heap grew by at most %d MB during the scan",
		st.Size()>>20, res.Stats.Packets, res.Stats.Flows, grown>>20)
	// 64 MiB of held segments at most, plus flows and summaries.
	if grown > 160<<20 {
		t.Errorf("heap grew by %d MB, bound 160 MB", grown>>20)
	}
	if res.Stats.Malformed["inspect: gap skipped"] == 0 {
		t.Error("no gap was given up on: the buffer bound was never reached, so the test proved nothing")
	}
}
