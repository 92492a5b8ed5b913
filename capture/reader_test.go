package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/tattle-audit/tattle/internal/testutil"
)

func writePcap(t testing.TB, nano bool, lt layers.LinkType, pkts [][]byte) []byte {
	var buf bytes.Buffer
	var w *pcapgo.Writer
	if nano {
		w = pcapgo.NewWriterNanos(&buf)
	} else {
		w = pcapgo.NewWriter(&buf)
	}
	if err := w.WriteFileHeader(65535, lt); err != nil {
		t.Fatal(err)
	}
	for i, p := range pkts {
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i)*time.Second + 123456789), CaptureLength: len(p), Length: len(p)}
		if err := w.WritePacket(ci, p); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func writeNg(t testing.TB, ifaces []layers.LinkType, pkts [][]byte) []byte {
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriterInterface(&buf, pcapgo.NgInterface{LinkType: ifaces[0], SnapLength: 65535, TimestampResolution: 9}, pcapgo.DefaultNgWriterOptions)
	if err != nil {
		t.Fatal(err)
	}
	for _, lt := range ifaces[1:] {
		if _, err := w.AddInterface(pcapgo.NgInterface{LinkType: lt, SnapLength: 65535, TimestampResolution: 6}); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range pkts {
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Second), CaptureLength: len(p), Length: len(p), InterfaceIndex: i % len(ifaces)}
		if err := w.WritePacket(ci, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readAll(t testing.TB, s *FileSource) ([]RawPacket, []error) {
	var pkts []RawPacket
	var errs []error
	for {
		p, err := s.Next()
		if err == io.EOF {
			return pkts, errs
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.Data = append([]byte(nil), p.Data...)
		pkts = append(pkts, p)
	}
}

func bigEndianPcap(le []byte) []byte {
	// Rewrite a little-endian pcap as big-endian, field by field.
	out := make([]byte, 0, len(le))
	swap32 := func(b []byte) []byte { return []byte{b[3], b[2], b[1], b[0]} }
	swap16 := func(b []byte) []byte { return []byte{b[1], b[0]} }
	out = append(out, swap32(le[0:4])...)
	out = append(out, swap16(le[4:6])...)
	out = append(out, swap16(le[6:8])...)
	for i := 8; i < 24; i += 4 {
		out = append(out, swap32(le[i:i+4])...)
	}
	for off := 24; off < len(le); {
		incl := int(le[off+8]) | int(le[off+9])<<8 | int(le[off+10])<<16 | int(le[off+11])<<24
		for i := 0; i < 16; i += 4 {
			out = append(out, swap32(le[off+i:off+i+4])...)
		}
		out = append(out, le[off+16:off+16+incl]...)
		off += 16 + incl
	}
	return out
}

func TestReadFormats(t *testing.T) {
	eth := build(t, pktSpec{src: "192.168.1.20", dst: "192.168.1.1", sport: 5000, dport: 53, payload: "hello"})
	pkts := [][]byte{eth, eth, eth}
	le := writePcap(t, false, layers.LinkTypeEthernet, pkts)
	var gz, zs bytes.Buffer
	gw := gzip.NewWriter(&gz)
	gw.Write(le)
	gw.Close()
	zw, _ := zstd.NewWriter(&zs)
	zw.Write(writeNg(t, []layers.LinkType{layers.LinkTypeEthernet}, pkts))
	zw.Close()
	// Two sections in one pcapng file: the second has its own interfaces.
	twoSections := append(writeNg(t, []layers.LinkType{layers.LinkTypeEthernet}, pkts[:1]), writeNg(t, []layers.LinkType{layers.LinkTypeRaw, layers.LinkTypeEthernet}, [][]byte{eth[14:], eth})...)
	tests := []struct {
		name     string
		data     []byte
		format   string
		compress string
		n        int
		links    string
		nanos    int
	}{
		{"pcap little-endian micro", le, "pcap", "", 3, "Ethernet", 123456000},
		{"pcap big-endian", bigEndianPcap(le), "pcap", "", 3, "Ethernet", 123456000},
		{"pcap nanosecond", writePcap(t, true, layers.LinkTypeEthernet, pkts), "pcap", "", 3, "Ethernet", 123456789},
		{"pcap gzip", gz.Bytes(), "pcap", "gzip", 3, "Ethernet", 123456000},
		{"pcapng zstd", zs.Bytes(), "pcapng", "zstd", 3, "Ethernet", 0},
		{"pcapng two sections, per-interface link types", twoSections, "pcapng", "", 3, "Ethernet,Raw", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := OpenReader("x", bytes.NewReader(tc.data))
			got, errs := readAll(t, s)
			if len(errs) > 0 {
				t.Fatalf("errors: %v", errs)
			}
			if len(got) != tc.n {
				t.Fatalf("%d packets, want %d", len(got), tc.n)
			}
			in := s.Inputs()[0]
			if in.Format != tc.format || in.Compression != tc.compress || strings.Join(in.LinkTypes, ",") != tc.links {
				t.Errorf("input = %+v", in)
			}
			if got[0].Index != 1 || got[2].Index != 3 || got[0].Source != "x" {
				t.Errorf("numbering: %d %d %q", got[0].Index, got[2].Index, got[0].Source)
			}
			if got[0].Time.Nanosecond() != tc.nanos || got[0].Time.Unix() != t0.Unix() {
				t.Errorf("time %v (ns %d), want %v + %d ns", got[0].Time, got[0].Time.Nanosecond(), t0, tc.nanos)
			}
			if tc.name == "pcapng two sections, per-interface link types" && got[1].LinkType != layers.LinkTypeRaw {
				t.Errorf("second section's packet link type = %v", got[1].LinkType)
			}
		})
	}
}

func TestReadDamage(t *testing.T) {
	eth := build(t, pktSpec{src: "192.168.1.20", dst: "192.168.1.1", sport: 5000, dport: 53, payload: "hello"})
	full := writePcap(t, false, layers.LinkTypeEthernet, [][]byte{eth, eth, eth})
	cut := full[:len(full)-10]
	ng := writeNg(t, []layers.LinkType{layers.LinkTypeEthernet}, [][]byte{eth, eth})
	bad := append([]byte(nil), full...)
	bad[24+8], bad[24+9], bad[24+10] = 0xff, 0xff, 0x7f // absurd captured length in record 1
	tests := []struct {
		name      string
		data      []byte
		n         int
		truncated bool
		sentinel  error
		offset    int64
	}{
		{"truncated pcap keeps what came before", cut, 2, true, ErrTruncated, int64(24 + 2*(16+len(eth)))},
		{"truncated pcapng", ng[:len(ng)-7], 1, true, ErrTruncated, -1},
		{"garbage", []byte("this is not a capture at all"), 0, false, ErrFormat, 0},
		{"empty", nil, 0, false, ErrFormat, 0},
		{"absurd record length", bad, 0, false, nil, 24},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := OpenReader("bad.pcap", bytes.NewReader(tc.data))
			got, errs := readAll(t, s)
			if len(got) != tc.n {
				t.Errorf("%d packets, want %d", len(got), tc.n)
			}
			if len(errs) != 1 {
				t.Fatalf("errors = %v, want exactly one", errs)
			}
			var re *ReadError
			if !errors.As(errs[0], &re) || re.File != "bad.pcap" {
				t.Fatalf("error %v is not a ReadError naming the file", errs[0])
			}
			if tc.sentinel != nil && !errors.Is(errs[0], tc.sentinel) {
				t.Errorf("error %v, want %v", errs[0], tc.sentinel)
			}
			if tc.offset >= 0 && re.Offset != tc.offset {
				t.Errorf("offset %d, want %d", re.Offset, tc.offset)
			}
			if !strings.Contains(errs[0].Error(), "bad.pcap") || !strings.Contains(errs[0].Error(), "offset") {
				t.Errorf("message %q should name file and offset", errs[0])
			}
			if s.Inputs()[0].Truncated != tc.truncated {
				t.Errorf("truncated = %v", s.Inputs()[0].Truncated)
			}
		})
	}
}

func TestOpenDirectory(t *testing.T) {
	dir := t.TempDir()
	eth := build(t, pktSpec{src: "192.168.1.20", dst: "192.168.1.1", sport: 5000, dport: 53, payload: "x"})
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "b.pcap"), writePcap(t, false, layers.LinkTypeEthernet, [][]byte{eth}), 0o644)
	os.WriteFile(filepath.Join(dir, "sub", "c.cap"), writeNg(t, []layers.LinkType{layers.LinkTypeEthernet}, [][]byte{eth, eth}), 0o644)
	os.WriteFile(filepath.Join(dir, "README.txt"), []byte("notes"), 0o644)
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, errs := readAll(t, s)
	if len(errs) != 0 || len(got) != 3 {
		t.Fatalf("%d packets, errors %v", len(got), errs)
	}
	ins := s.Inputs()
	if len(ins) != 3 || len(ins[0].Warnings) != 1 || ins[1].Packets != 1 || ins[2].Packets != 2 {
		t.Errorf("inputs = %+v", ins)
	}
	if _, err := Open(filepath.Join(dir, "missing.pcap")); err == nil {
		t.Error("missing file accepted")
	}
}

// TestOpenDirectoryWithoutCaptures: a directory of nothing but
// non-captures, or of nothing at all, is an input that could not be read
// (a *ReadError wrapping ErrFormat, as one non-capture file gives), not a
// clean scan of zero packets, alone or beside a real capture; a directory
// with a capture among other files only warns about the others.
func TestOpenDirectoryWithoutCaptures(t *testing.T) {
	root := t.TempDir()
	eth := build(t, pktSpec{src: "192.168.1.20", dst: "192.168.1.1", sport: 5000, dport: 53, payload: "x"})
	pcap := writePcap(t, false, layers.LinkTypeEthernet, [][]byte{eth})
	write := func(name string, data []byte) {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("notes/a.txt", []byte("notes"))
	write("notes/sub/b.json", []byte("{}"))
	write("mixed/a.pcap", pcap)
	write("mixed/z.txt", []byte("notes"))
	write("damaged/a.pcap", pcap[:30])
	os.MkdirAll(filepath.Join(root, "empty"), 0o755)
	write("one.pcap", pcap)
	tests := []struct {
		name    string
		paths   []string
		openErr bool
		packets int
		errs    []string // directories named by the ReadErrors, in order
		skipped int      // inputs with the "not a capture" warning
	}{
		{"only non-captures", []string{"notes"}, false, 0, []string{"notes"}, 2},
		{"empty directory", []string{"empty"}, true, 0, nil, 0},
		{"non-captures beside a capture", []string{"one.pcap", "notes"}, false, 1, []string{"notes"}, 2},
		{"empty directory beside a capture", []string{"empty", "one.pcap"}, false, 1, []string{"empty"}, 0},
		{"a capture among other files", []string{"mixed"}, false, 1, nil, 1},
		{"a damaged capture is a capture", []string{"damaged"}, false, 0, []string{"damaged/a.pcap"}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var paths []string
			for _, p := range tc.paths {
				paths = append(paths, filepath.Join(root, p))
			}
			s, err := Open(paths...)
			if tc.openErr {
				if err == nil || !errors.Is(err, ErrFormat) {
					t.Fatalf("Open = %v, want an ErrFormat error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, errs := readAll(t, s)
			if len(got) != tc.packets {
				t.Errorf("%d packets, want %d", len(got), tc.packets)
			}
			var named []string
			for _, e := range errs {
				var re *ReadError
				if !errors.As(e, &re) {
					t.Fatalf("error %v is not a *ReadError", e)
				}
				named = append(named, strings.TrimPrefix(re.File, root+"/"))
				if re.File != filepath.Join(root, "damaged/a.pcap") && !errors.Is(e, ErrFormat) {
					t.Errorf("error %v does not wrap ErrFormat", e)
				}
			}
			if strings.Join(named, ",") != strings.Join(tc.errs, ",") {
				t.Errorf("errors name %q, want %q (%v)", named, tc.errs, errs)
			}
			skipped := 0
			for _, in := range s.Inputs() {
				if len(in.Warnings) == 1 && in.Warnings[0] == "not a capture file, skipped" {
					skipped++
				}
			}
			if skipped != tc.skipped {
				t.Errorf("%d inputs skipped with a warning, want %d", skipped, tc.skipped)
			}
		})
	}
}

// TestSharedCapturesMatchTshark reads every file under ../shared/captures
// that starts with a capture magic number (whatever its name) and compares
// it with tshark: packet count, each packet's time and lengths, and whether
// the file is truncated or damaged.
func TestSharedCapturesMatchTshark(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: every shared capture against tshark is left to the full run")
	}
	root := testutil.SharedCaptures(t)
	tshark, _ := exec.LookPath("tshark")
	var files []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			f, err := os.Open(p)
			if err != nil {
				return nil
			}
			head := make([]byte, 4)
			n, _ := io.ReadFull(f, head)
			f.Close()
			if n == 4 && isCaptureMagic(head) {
				files = append(files, p)
			}
		}
		return nil
	})
	if len(files) == 0 {
		t.Fatalf("no captures found under %s", root)
	}
	// tshark is slow to start: ask it about every file up front, in
	// parallel, then compare.
	results := make([]tsharkRead, len(files))
	if tshark != "" {
		sem := make(chan struct{}, runtime.NumCPU())
		var wg sync.WaitGroup
		for i, f := range files {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				results[i] = runTshark(tshark, f)
			})
		}
		wg.Wait()
	} else {
		t.Log("tshark not on PATH: files are read but not compared")
	}
	var damaged, truncated, countsAgree, packetsAgree, stateAgree, packets int
	for i, f := range files {
		s, err := Open(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		got, errs := readAll(t, s)
		in := s.Inputs()[0]
		s.Close()
		packets += len(got)
		if len(errs) > 0 {
			damaged++
			t.Logf("%s: %d packets then %v", filepath.Base(f), len(got), errs[0])
		}
		if in.Truncated {
			truncated++
		}
		if tshark == "" {
			continue
		}
		ts := results[i]
		if len(got) != len(ts.times) {
			t.Errorf("%s: %d packets, tshark reads %d", f, len(got), len(ts.times))
		} else {
			countsAgree++
			same := true
			for j, g := range got {
				if ts.times[j] != "" && epoch(g.Time) != ts.times[j] || fmt.Sprint(g.CaptureLn) != ts.lens[j] || fmt.Sprint(len(g.Data)) != ts.capLens[j] {
					t.Errorf("%s packet %d: %s len %d cap %d, tshark %s len %s cap %s", f, j+1, epoch(g.Time), g.CaptureLn, len(g.Data), ts.times[j], ts.lens[j], ts.capLens[j])
					same = false
					break
				}
			}
			if same {
				packetsAgree++
			}
		}
		if in.Truncated != ts.truncated || (len(errs) > 0) != ts.damaged {
			t.Errorf("%s: truncated=%v errors=%v; tshark: %q", f, in.Truncated, errs, ts.stderr)
		} else {
			stateAgree++
		}
	}
	t.Logf("%d shared captures, %d packets; %d damaged, %d truncated", len(files), packets, damaged, truncated)
	if tshark != "" {
		t.Logf("agreement with tshark: packet counts %d/%d, every packet's time and lengths %d/%d, truncated/damaged state %d/%d",
			countsAgree, len(files), packetsAgree, len(files), stateAgree, len(files))
	}
}

func FuzzOpenReader(f *testing.F) {
	eth := build(f, pktSpec{src: "192.168.1.20", dst: "192.168.1.1", sport: 5000, dport: 53, payload: "x"})
	f.Add(writePcap(f, false, layers.LinkTypeEthernet, [][]byte{eth}))
	f.Add(writeNg(f, []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL}, [][]byte{eth, eth}))
	for _, fx := range append(pcapFixtures(), ngFixtures()...) {
		if len(fx.data) < 1<<16 { // the fuzzer mutates small inputs best
			f.Add(fx.data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _ := OpenReader("fuzz", bytes.NewReader(data))
		for i := 0; i < 10000; i++ {
			_, err := s.Next()
			if err == io.EOF {
				break
			}
		}
		s.Close()
	})
}

// TestPcapReadInPieces: a pcap read a byte at a time (records never whole
// in the buffer: the reader's peek-and-discard path) yields what it yields
// read at once (records in the buffer: the path of every packet but a few
// per buffer), little- and big-endian, whole and cut short.
func TestPcapReadInPieces(t *testing.T) {
	var pkts [][]byte
	for i := range 5 {
		pkts = append(pkts, build(t, pktSpec{src: "192.168.1.20", dst: "192.168.1.1", sport: 5000, dport: 53, payload: strings.Repeat("x", 10*i)}))
	}
	le := writePcap(t, false, layers.LinkTypeEthernet, pkts)
	for name, data := range map[string][]byte{
		"little-endian": le, "big-endian": bigEndianPcap(le), "nanoseconds": writePcap(t, true, layers.LinkTypeEthernet, pkts),
		"cut in a record": le[:len(le)-7], "cut in a header": le[:24+16+len(pkts[0])+5],
	} {
		read := func(r io.Reader) ([]RawPacket, []error, []InputInfo) {
			s, err := OpenReader("in.pcap", r)
			if err != nil {
				t.Fatal(err)
			}
			got, errs := readAll(t, s)
			return got, errs, s.Inputs()
		}
		want, wantErrs, wantIn := read(bytes.NewReader(data))
		got, gotErrs, gotIn := read(iotest.OneByteReader(bytes.NewReader(data)))
		if len(want) == 0 || fmt.Sprint(got) != fmt.Sprint(want) || fmt.Sprint(gotErrs) != fmt.Sprint(wantErrs) || fmt.Sprint(gotIn) != fmt.Sprint(wantIn) {
			t.Errorf("%s: read a byte at a time:\n%v %v %v\nread at once:\n%v %v %v", name, got, gotErrs, gotIn, want, wantErrs, wantIn)
		}
	}
}
