package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tattle-audit/tattle/internal/gen"
)

// TestScanProgressOnTerminal scans with stderr on a terminal, the path
// that prints read progress while the file is read ahead on another
// goroutine (capture.Prefetch): under -race this caught the progress hook
// reading the file source's statistics while the read-ahead wrote them.
func TestScanProgressOnTerminal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flows.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// Thousands of flows (the hook reports every 512th), tens of
	// thousands of packets (dozens of read-ahead batches).
	if err := gen.ManyStreams(f, 4096, 6*1400); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	io, _, errOut := testIO()
	io.ErrTTY = true
	clock := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	io.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
	if code := Main([]string{"scan", "-f", "json", path}, io); code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	lines := strings.Count(errOut.String(), "scanning: ")
	if lines < 4 {
		t.Fatalf("%d progress lines on the terminal, want one per 512 flows: %q", lines, errOut)
	}
	if !strings.HasSuffix(errOut.String(), "\r\x1b[K") {
		t.Errorf("the progress line is not cleared at the end: %q", errOut.String()[max(0, errOut.Len()-80):])
	}
}
