package audit

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/capture/dissect"
	"github.com/tattle-audit/tattle/internal/gen"
	"github.com/tattle-audit/tattle/internal/testutil"
	"github.com/tattle-audit/tattle/result"
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
	// The bound reached is reported as a limit, with a warning.
	if l, ok := limitHit(res, "inspect_reorder_buffer"); !ok || l.Over != res.Stats.Malformed["inspect: gap skipped"] {
		t.Errorf("limit inspect_reorder_buffer = %+v, want over = %d (the flows noted)", l, res.Stats.Malformed["inspect: gap skipped"])
	}
	warned := false
	for _, w := range res.Warnings {
		warned = warned || strings.Contains(w.Message, "inspect_reorder_buffer")
	}
	if !warned {
		t.Errorf("no warning names the reorder buffer bound: %+v", res.Warnings)
	}
}

// TestSeqJumpCapture scans testdata/seqjump.pcapng (gen.SeqJump): one
// segment of each TCP stream sits exactly 2^31 past the expected sequence
// number, which panicked the HTTP, DNS, TLS and inspection reassemblers.
// Every stream must be read on, with no dissector failing.
func TestSeqJumpCapture(t *testing.T) {
	src, err := capture.Open(filepath.Join(testutil.ModuleRoot(t), "testdata", "seqjump.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	res, err := Scan(src, Config{})
	if err != nil {
		t.Fatal(err)
	}
	for note := range res.Stats.Malformed {
		if capture.IsPanicNote(note) {
			t.Errorf("a dissector failed: %s", note)
		}
	}
	if len(res.Devices) != 1 {
		t.Fatalf("%d devices, want the plug", len(res.Devices))
	}
	// The cleartext stream's e-mail address comes after its jump: the
	// inspector read on.
	email := false
	for _, f := range res.Devices[0].Findings {
		email = email || strings.Contains(f.Title, "Email")
	}
	if !email {
		t.Errorf("no e-mail finding after the jump; findings %+v", res.Devices[0].Findings)
	}
}

// panicky is a dissector with a bug: it panics on the first payload of
// every TCP flow.
type panicky struct{}

func (panicky) Name() string { return "panicky" }
func (panicky) Dissect(p *capture.Packet, _ func(capture.Event)) {
	if p.Transport == capture.TCP {
		panic("panicky: bug")
	}
	p.Done()
}

// TestDissectorPanicIsANote: a dissector that panics on every TCP flow
// costs its own view of those flows only: the result is the one without
// it, plus a counted note per flow and a warning.
func TestDissectorPanicIsANote(t *testing.T) {
	file := filepath.Join(testutil.ModuleRoot(t), "testdata", "home.pcapng")
	scan := func(ds []capture.Dissector) *result.Result {
		src, err := capture.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		res, err := Scan(src, Config{Dissectors: ds})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	clean := scan(dissect.Default())
	broken := scan(append(dissect.Default(), panicky{}))
	n := broken.Stats.Malformed[capture.PanicNote("panicky")]
	if n == 0 {
		t.Fatalf("no panic counted: %v", broken.Stats.Malformed)
	}
	warned := false
	for _, w := range broken.Warnings {
		warned = warned || strings.Contains(w.Message, capture.PanicNote("panicky"))
	}
	if !warned {
		t.Errorf("no warning about the panic: %+v", broken.Warnings)
	}
	delete(broken.Stats.Malformed, capture.PanicNote("panicky"))
	if len(broken.Stats.Malformed) == 0 {
		broken.Stats.Malformed = nil
	}
	broken.Warnings = clean.Warnings
	a, _ := json.Marshal(clean)
	b, _ := json.Marshal(broken)
	if string(a) != string(b) {
		t.Errorf("result with a panicking dissector differs from the clean one beyond the note")
	}
}
