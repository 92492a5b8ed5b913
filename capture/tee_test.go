package capture

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

func TestTeeWritesAndRotates(t *testing.T) {
	eth := build(t, pktSpec{src: "192.168.1.20", dst: "192.168.1.1", sport: 5000, dport: 53, payload: "hello"})
	pkts := make([][]byte, 50)
	for i := range pkts {
		pkts[i] = eth
	}
	src, _ := OpenReader("in", bytes.NewReader(writePcap(t, false, layers.LinkTypeEthernet, pkts)))
	out := filepath.Join(t.TempDir(), "cap.pcapng")
	tee, err := NewTee(src, TeeOptions{Path: out, RotateBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		if _, err := tee.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if err := tee.Close(); err != nil {
		t.Fatal(err)
	}
	if n != 50 || len(tee.Files) < 3 {
		t.Fatalf("%d packets, files %v", n, tee.Files)
	}
	// Every packet is in the rotated files, in order.
	all, err := Open(tee.Files...)
	if err != nil {
		t.Fatal(err)
	}
	got, errs := readAll(t, all)
	if len(errs) > 0 || len(got) != 50 || !bytes.Equal(got[49].Data, eth) {
		t.Fatalf("read back %d packets, errors %v", len(got), errs)
	}
	if filepath.Base(tee.Files[1]) != "cap-1.pcapng" {
		t.Errorf("rotated name %s", tee.Files[1])
	}
}

func TestCompileFilter(t *testing.T) {
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Skip("tcpdump not installed: filter compilation skipped")
	}
	prog, err := CompileFilter("udp port 53")
	if err != nil || len(prog) < 4 {
		t.Fatalf("%v %v", prog, err)
	}
	if _, err := CompileFilter("port notanumber and ("); err == nil {
		t.Error("a broken expression compiled")
	}
}

// TestTeeRotateFailure: when the next file cannot be created the packets
// still pass through (the scan goes on), Close reports the error, the
// first file stays a valid pcapng, and a second Close is a no-op.
func TestTeeRotateFailure(t *testing.T) {
	eth := build(t, pktSpec{src: "192.168.1.20", dst: "192.168.1.1", sport: 5000, dport: 53, payload: "hello"})
	pkts := make([][]byte, 20)
	for i := range pkts {
		pkts[i] = eth
	}
	src, _ := OpenReader("in", bytes.NewReader(writePcap(t, false, layers.LinkTypeEthernet, pkts)))
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "cap-1.pcapng"), 0o755); err != nil {
		t.Fatal(err)
	}
	tee, err := NewTee(src, TeeOptions{Path: filepath.Join(dir, "cap.pcapng"), RotateBytes: 500})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		if _, err := tee.Next(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 20 {
		t.Errorf("%d packets passed through, want 20", n)
	}
	if err := tee.Close(); err == nil {
		t.Error("Close reported no error for the file it could not create")
	}
	if err := tee.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	back, err := Open(filepath.Join(dir, "cap.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	got, errs := readAll(t, back)
	if len(errs) > 0 || len(got) == 0 {
		t.Errorf("first file: %d packets, errors %v", len(got), errs)
	}
}
