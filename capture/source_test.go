package capture

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/tattle-audit/tattle/internal/testutil"
)

// checkFixture reads f and compares every packet, the error and the input
// statistics with what f says.
func checkFixture(t *testing.T, f fixture) {
	t.Helper()
	s, err := OpenReader(f.name, bytes.NewReader(f.data))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, errs := readAll(t, s)
	n := len(f.pkts)
	if f.prefix && len(got) <= n {
		n = len(got)
	}
	if len(got) != n {
		t.Fatalf("%d packets, want %d (errors %v)", len(got), n, errs)
	}
	var bytesRead uint64
	for i, w := range f.pkts[:n] {
		g := got[i]
		bytesRead += uint64(len(g.Data))
		if !bytes.Equal(g.Data, w.data) {
			t.Errorf("packet %d: %d bytes of data, want %d (or different content)", i+1, len(g.Data), len(w.data))
		}
		if g.CaptureLn != w.capLen || g.LinkType != w.lt || !g.Time.Equal(w.t) || g.Offset != w.off || g.Index != uint64(i+1) || g.Source != f.name {
			t.Errorf("packet %d: (len %d, %v, %v, offset %d, #%d, %q), want (len %d, %v, %v, offset %d, #%d)",
				i+1, g.CaptureLn, g.LinkType, g.Time, g.Offset, g.Index, g.Source, w.capLen, w.lt, w.t, w.off, i+1)
		}
	}
	if f.errIs == nil {
		if len(errs) != 0 {
			t.Errorf("errors %v, want none", errs)
		}
	} else {
		if len(errs) != 1 {
			t.Fatalf("errors %v, want exactly one", errs)
		}
		var re *ReadError
		if !errors.As(errs[0], &re) || re.File != f.name {
			t.Fatalf("error %v is not a *ReadError naming %q", errs[0], f.name)
		}
		if !errors.Is(errs[0], f.errIs) {
			t.Errorf("error %v, want %v", errs[0], f.errIs)
		}
		if f.errOff >= 0 && re.Offset != f.errOff {
			t.Errorf("error at offset %d, want %d", re.Offset, f.errOff)
		}
		if msg := errs[0].Error(); !strings.HasPrefix(msg, "capture: ") || !strings.Contains(msg, f.name) {
			t.Errorf("message %q: want the package prefix and the file name", msg)
		}
	}
	ins := s.Inputs()
	if len(ins) != 1 {
		t.Fatalf("%d inputs, want 1", len(ins))
	}
	in := ins[0]
	if in.Packets != uint64(len(got)) || in.Bytes != bytesRead {
		t.Errorf("input counts %d packets %d bytes, read %d and %d", in.Packets, in.Bytes, len(got), bytesRead)
	}
	if in.Truncated != f.truncated || (in.Err != nil) != (f.errIs != nil) {
		t.Errorf("input truncated=%v err=%v, want truncated=%v and error %v", in.Truncated, in.Err, f.truncated, f.errIs)
	}
	// A stream cut before its file header has no link type yet.
	if lt := strings.Join(in.LinkTypes, ","); lt != f.linkTypes && !(f.prefix && len(got) == 0) {
		t.Errorf("link types %q, want %q", lt, f.linkTypes)
	}
	if in.Drops != f.drops {
		t.Errorf("drops %d, want %d", in.Drops, f.drops)
	}
	if len(got) > 0 {
		first, last := got[0].Time, got[0].Time
		for _, g := range got {
			if g.Time.Before(first) {
				first = g.Time
			}
			if g.Time.After(last) {
				last = g.Time
			}
		}
		if !in.First.Equal(first) || !in.Last.Equal(last) {
			t.Errorf("input spans %v..%v, packets %v..%v", in.First, in.Last, first, last)
		}
	}
}

// tsharkRead is what tshark makes of one file.
type tsharkRead struct {
	times, lens, capLens []string
	truncated, damaged   bool
	stderr               string
}

// tsharkArgs are the arguments runTshark gives before the file's name.
var tsharkArgs = []string{"-T", "fields", "-E", "separator=,",
	"-e", "frame.time_epoch", "-e", "frame.len", "-e", "frame.cap_len", "-e", "frame.encap_type", "-r"}

// runTshark asks tshark about one file. tshark takes most of a second to
// start, and the shared captures are hundreds of files: its answers are
// cached by the file's content and tshark's identity (testutil.Cached).
// A tshark that could not run at all (an error other than its exit
// status) is not cached, and shows as a damaged read with its error.
func runTshark(tshark, path string) tsharkRead {
	hash, err := testutil.FileHash(path)
	if err != nil {
		return tsharkRead{stderr: err.Error(), damaged: true}
	}
	key := fmt.Sprintf("tshark %s %q %s", testutil.ToolID(tshark), tsharkArgs, hash)
	cached, err := testutil.Cached(key, func() ([]byte, error) {
		var out, errb bytes.Buffer
		cmd := exec.Command(tshark, append(slices.Clone(tsharkArgs), path)...)
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			// tshark exits non-zero on a damaged file: its answer.
			// Killed by a signal, or not started, it gave none.
			var ee *exec.ExitError
			if !errors.As(err, &ee) || !ee.Exited() {
				return nil, err
			}
		}
		return json.Marshal([2]string{out.String(), errb.String()})
	})
	if err != nil {
		return tsharkRead{stderr: "tshark: " + err.Error(), damaged: true}
	}
	var streams [2]string
	if err := json.Unmarshal(cached, &streams); err != nil {
		return tsharkRead{stderr: "tshark: cached output: " + err.Error(), damaged: true}
	}
	var out, errb bytes.Buffer
	out.WriteString(streams[0])
	errb.WriteString(streams[1])
	var r tsharkRead
	for line := range strings.Lines(out.String()) {
		// Records with no encapsulation are not packets (tshark shows
		// pcapng custom blocks as frames): tattle skips them.
		f := strings.Split(strings.TrimSpace(line), ",")
		if len(f) == 4 && f[3] != "" {
			r.times, r.lens, r.capLens = append(r.times, f[0]), append(r.lens, f[1]), append(r.capLens, f[2])
		}
	}
	for line := range strings.Lines(errb.String()) {
		if strings.Contains(line, "Running as user") {
			continue
		}
		r.stderr += line
	}
	r.truncated = strings.Contains(r.stderr, "cut short")
	r.damaged = strings.Contains(r.stderr, "tshark: ")
	return r
}

// epoch formats t as tshark's frame.time_epoch does.
func epoch(t time.Time) string { return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond()) }

// TestFixturesAgainstTshark reads every generated fixture with tattle and
// with tshark: packet count, each packet's time and lengths, and whether the
// file is truncated or otherwise damaged must agree.
func TestFixturesAgainstTshark(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not on PATH: differential test skipped")
	}
	dir := t.TempDir()
	fixtures := append(pcapFixtures(), ngFixtures()...)
	results := make([]tsharkRead, len(fixtures))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.NumCPU())
	for i, f := range fixtures {
		if f.noTshark != "" {
			continue
		}
		path := filepath.Join(dir, fmt.Sprintf("f%02d", i))
		if err := os.WriteFile(path, f.data, 0o644); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = runTshark(tshark, path)
		})
	}
	wg.Wait()
	agree := 0
	for i, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			if f.noTshark != "" {
				t.Skip(f.noTshark)
			}
			ts := results[i]
			s, _ := OpenReader(f.name, bytes.NewReader(f.data))
			got, errs := readAll(t, s)
			in := s.Inputs()[0]
			ok := true
			if len(got) != len(ts.times) {
				t.Errorf("%d packets, tshark reads %d (%s)", len(got), len(ts.times), ts.stderr)
				ok = false
			} else {
				for j, g := range got {
					// tshark gives packets without a timestamp (Simple
					// Packet Blocks) none.
					if ts.times[j] != "" && epoch(g.Time) != ts.times[j] || fmt.Sprint(g.CaptureLn) != ts.lens[j] || fmt.Sprint(len(g.Data)) != ts.capLens[j] {
						t.Errorf("packet %d: %s len %d cap %d, tshark %s len %s cap %s", j+1, epoch(g.Time), g.CaptureLn, len(g.Data), ts.times[j], ts.lens[j], ts.capLens[j])
						ok = false
					}
				}
			}
			if in.Truncated != ts.truncated || (len(errs) > 0) != ts.damaged {
				t.Errorf("truncated=%v errors=%v; tshark: %q", in.Truncated, errs, ts.stderr)
				ok = false
			}
			if ok {
				agree++
			}
		})
	}
	t.Logf("%d of %d fixtures read exactly as tshark reads them", agree, len(fixtures))
}

// writeFiles creates files (path relative to dir -> content) for a test.
func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenPaths(t *testing.T) {
	pc := newPcap(le, pcapMagicMicro, 1, 65535).rec(tp, payload(1, 40), 40).rec(tp, payload(2, 41), 41).b
	ng := newNg(le).idb(layers.LinkTypeEthernet, 0).epb(0, 1, payload(3, 42), 42).b
	files := map[string][]byte{
		"one.pcap":               pc,
		"two.cap":                ng, // a pcapng named .cap: the magic decides
		"tree/b/deep.pcapng.gz":  compressGzip(pc),
		"tree/a.zst":             compressZstd(ng),
		"tree/notes.txt":         []byte("not a capture"),
		"tree/empty.pcap":        nil,
		"tree/b/cut.pcap":        pc[:len(pc)-5],
		"tree/c/README":          []byte("#"),
		"empty-dir/.placeholder": nil,
	}
	dir := t.TempDir()
	writeFiles(t, dir, files)
	os.Remove(filepath.Join(dir, "empty-dir/.placeholder"))
	if err := os.Symlink(filepath.Join(dir, "one.pcap"), filepath.Join(dir, "tree/c/link.pcap")); err != nil {
		t.Fatal(err)
	}
	p := func(name string) string { return filepath.Join(dir, name) }
	type wantInput struct {
		name     string
		packets  uint64
		warnings int
		err      error // errors.Is target; nil: no error
	}
	tests := []struct {
		name    string
		paths   []string
		openErr string // substring of Open's error; "" when Open must succeed
		inputs  []wantInput
	}{
		{"files in the order given", []string{p("two.cap"), p("one.pcap")}, "",
			[]wantInput{{"two.cap", 1, 0, nil}, {"one.pcap", 2, 0, nil}}},
		{"a missing file among good ones is reported in its turn", []string{p("one.pcap"), p("missing.pcap"), p("two.cap")}, "",
			[]wantInput{{"one.pcap", 2, 0, nil}, {"missing.pcap", 0, 0, fs.ErrNotExist}, {"two.cap", 1, 0, nil}}},
		{"only missing files", []string{p("missing.pcap"), p("gone.pcapng")}, "missing.pcap", nil},
		{"empty directory", []string{p("empty-dir")}, "empty-dir", nil},
		{"directory walked recursively, sorted, non-captures skipped", []string{p("tree")}, "",
			[]wantInput{
				{"tree/a.zst", 1, 0, nil},
				{"tree/b/cut.pcap", 1, 0, ErrTruncated},
				{"tree/b/deep.pcapng.gz", 2, 0, nil},
				{"tree/c/README", 0, 1, nil},
				{"tree/c/link.pcap", 2, 0, nil},
				{"tree/empty.pcap", 0, 1, nil},
				{"tree/notes.txt", 0, 1, nil},
			}},
		{"a non-capture named on the command line is an error", []string{p("tree/notes.txt"), p("one.pcap")}, "",
			[]wantInput{{"tree/notes.txt", 0, 0, ErrFormat}, {"one.pcap", 2, 0, nil}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(tc.paths...)
			if tc.openErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.openErr) || !strings.HasPrefix(err.Error(), "capture: ") {
					t.Fatalf("Open error %v, want one naming %q", err, tc.openErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			got, errs := readAll(t, s)
			ins := s.Inputs()
			if len(ins) != len(tc.inputs) {
				t.Fatalf("%d inputs, want %d: %+v", len(ins), len(tc.inputs), ins)
			}
			var total uint64
			wantErrs := 0
			for i, w := range tc.inputs {
				in := ins[i]
				total += w.packets
				if in.Name != p(w.name) || in.Packets != w.packets || len(in.Warnings) != w.warnings {
					t.Errorf("input %d = %s: %d packets, warnings %q; want %s, %d packets, %d warnings", i, in.Name, in.Packets, in.Warnings, w.name, w.packets, w.warnings)
				}
				if w.err == nil && in.Err != nil || w.err != nil && !errors.Is(in.Err, w.err) {
					t.Errorf("input %s: error %v, want %v", w.name, in.Err, w.err)
				}
				if w.err != nil {
					if wantErrs >= len(errs) || !strings.Contains(errs[wantErrs].Error(), p(w.name)) {
						t.Errorf("Next errors %v: want one naming %s", errs, w.name)
					}
					wantErrs++
				}
			}
			if uint64(len(got)) != total || len(errs) != wantErrs {
				t.Errorf("%d packets and %d errors, want %d and %d", len(got), len(errs), total, wantErrs)
			}
			// Packets are numbered within their own file.
			for i := 1; i < len(got); i++ {
				if got[i].Source == got[i-1].Source && got[i].Index != got[i-1].Index+1 ||
					got[i].Source != got[i-1].Source && got[i].Index != 1 {
					t.Errorf("packet %d: %s #%d after %s #%d", i, got[i].Source, got[i].Index, got[i-1].Source, got[i-1].Index)
				}
			}
		})
	}
}

func TestOpenStdin(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "stdin")
	if err != nil {
		t.Fatal(err)
	}
	f.Write(compressGzip(newPcap(be, pcapMagicNano, 1, 65535).rec(tp, payload(1, 50), 50).b))
	f.Seek(0, io.SeekStart)
	old := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = old }()
	s, err := Open("-")
	if err != nil {
		t.Fatal(err)
	}
	got, errs := readAll(t, s)
	if len(got) != 1 || len(errs) != 0 || got[0].Source != "-" || !got[0].Time.Equal(tp) {
		t.Fatalf("packets %+v errors %v", got, errs)
	}
	s.Close()
	if _, err := f.Stat(); err != nil {
		t.Errorf("reading stdin closed it: %v", err)
	}
}

func TestCloseEndsReading(t *testing.T) {
	pc := newPcap(le, pcapMagicMicro, 1, 65535).rec(tp, payload(1, 40), 40).rec(tp, payload(2, 40), 40).b
	s, _ := OpenReader("x", bytes.NewReader(pc))
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := s.Next(); err != io.EOF {
			t.Fatalf("Next after Close: %v, want io.EOF", err)
		}
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := OpenReader("nil", nil); err == nil {
		t.Error("OpenReader accepted a nil reader")
	}
}

func TestInputsIsACopy(t *testing.T) {
	s, _ := OpenReader("x", bytes.NewReader(newNg(le).idb(layers.LinkTypeEthernet, 0).epb(0, 1, payload(1, 40), 40).b))
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	in := s.Inputs()
	in[0].LinkTypes[0] = "changed"
	in[0].Packets = 99
	if again := s.Inputs()[0]; again.LinkTypes[0] != "Ethernet" || again.Packets != 1 {
		t.Errorf("Inputs shares state with its caller: %+v", again)
	}
}

// TestNextAllocatesNothing holds the reader to its performance contract:
// once a file is open, reading a packet allocates nothing.
func TestNextAllocatesNothing(t *testing.T) {
	pw := newPcap(le, pcapMagicMicro, 1, 65535)
	ng := newNg(be).idb(layers.LinkTypeEthernet, 0).idb(layers.LinkTypeRaw, 0)
	for i := range 3000 {
		pw.rec(tp, payload(byte(i), 60+i%1400), uint32(60+i%1400))
		ng.epb(uint32(i%2), uint64(i), payload(byte(i), 60+i%1400), uint32(60+i%1400))
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{{"pcap", pw.b}, {"pcapng", ng.b}, {"pcap gzip", compressGzip(pw.b)}} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := OpenReader("x", bytes.NewReader(tc.data))
			if _, err := s.Next(); err != nil {
				t.Fatal(err)
			}
			allocs := testing.AllocsPerRun(2000, func() {
				if _, err := s.Next(); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%.2f allocations per packet, want 0", allocs)
			}
		})
	}
}

// benchCapture writes a capture of about 50 MB (packet sizes cycling
// from 60 to 1514 bytes) into a temporary directory.
func benchCapture(b *testing.B, ng bool) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	var write func(ci gopacket.CaptureInfo, data []byte) error
	flush := func() error { return nil }
	if ng {
		w, err := pcapgo.NewNgWriter(bw, layers.LinkTypeEthernet)
		if err != nil {
			b.Fatal(err)
		}
		write, flush = w.WritePacket, w.Flush
	} else {
		w := pcapgo.NewWriterNanos(bw)
		if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
			b.Fatal(err)
		}
		write = w.WritePacket
	}
	data := payload(0, 1514)
	for i, size := 0, 0; size < 50<<20; i++ {
		n := 60 + i*97%1455
		if err := write(gopacket.CaptureInfo{Timestamp: tp.Add(time.Duration(i) * time.Microsecond), CaptureLength: n, Length: n}, data[:n]); err != nil {
			b.Fatal(err)
		}
		size += n + 32
	}
	if err := errors.Join(flush(), bw.Flush(), f.Close()); err != nil {
		b.Fatal(err)
	}
	return path
}

// benchRead reads the benchmark capture packet by packet: straight from
// the FileSource, or through Prefetch as a scan does.
func benchRead(b *testing.B, ng, prefetch bool) {
	path := benchCapture(b, ng)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		fs, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		var s interface {
			Next() (RawPacket, error)
			Close() error
		} = fs
		if prefetch {
			s = NewPrefetch(fs)
		}
		var n uint64
		for {
			_, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		s.Close()
		if n == 0 {
			b.Fatal("no packets")
		}
	}
}

func BenchmarkReadPcap(b *testing.B)   { benchRead(b, false, false) }
func BenchmarkReadPcapng(b *testing.B) { benchRead(b, true, false) }

// ExampleOpenReader reads a capture from any reader (here a gzip-compressed
// pcap in memory): the format and compression are recognised by content.
func ExampleOpenReader() {
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	w.WriteFileHeader(65535, layers.LinkTypeEthernet)
	for i := range 3 {
		data := make([]byte, 60+i)
		w.WritePacket(gopacket.CaptureInfo{Timestamp: time.Unix(1_700_000_000+int64(i), 0), CaptureLength: len(data), Length: 1514}, data)
	}
	src, err := OpenReader("example.pcap.gz", bytes.NewReader(compressGzip(buf.Bytes())))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer src.Close()
	for {
		p, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil { // a damaged file: report it, carry on with the next
			fmt.Println(err)
			continue
		}
		fmt.Printf("#%d at offset %d: %d of %d bytes, %v\n", p.Index, p.Offset, len(p.Data), p.CaptureLn, p.LinkType)
	}
	in := src.Inputs()[0]
	fmt.Println(in.Format, in.Compression, in.LinkTypes, in.Packets, "packets")
	// Output:
	// #1 at offset 24: 60 of 1514 bytes, Ethernet
	// #2 at offset 100: 61 of 1514 bytes, Ethernet
	// #3 at offset 177: 62 of 1514 bytes, Ethernet
	// pcap gzip [Ethernet] 3 packets
}

// TestSharedCapturesCompressed reads every shared capture plain, gzip- and
// zstd-compressed: the three must give the same packets and the same end.
func TestSharedCapturesCompressed(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: every shared capture gzip- and zstd-compressed is left to the full run")
	}
	root := testutil.SharedCaptures(t)
	var files []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if b, err := os.ReadFile(p); err == nil && len(b) >= 4 && isCaptureMagic(b[:4]) {
				files = append(files, p)
			}
		}
		return nil
	})
	type summary struct {
		packets   int
		sum       uint64 // a cheap digest of data, lengths, times, offsets
		truncated bool
		errs      int
	}
	read := func(name string, data []byte) summary {
		s, _ := OpenReader(name, bytes.NewReader(data))
		defer s.Close()
		var sm summary
		for {
			p, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				sm.errs++
				continue
			}
			sm.packets++
			h := uint64(p.Time.UnixNano()) ^ uint64(p.CaptureLn)<<32 ^ uint64(p.Offset)<<7 ^ p.Index
			for _, c := range p.Data {
				h = h*1099511628211 ^ uint64(c)
			}
			sm.sum += h
		}
		sm.truncated = s.Inputs()[0].Truncated
		return sm
	}
	same := 0
	for _, f := range files {
		data, _ := os.ReadFile(f)
		plain := read(f, data)
		gz, zs := read(f, compressGzip(data)), read(f, compressZstd(data))
		if gz != plain || zs != plain {
			t.Errorf("%s: plain %+v, gzip %+v, zstd %+v", f, plain, gz, zs)
			continue
		}
		same++
	}
	t.Logf("%d of %d shared captures read the same plain, gzip- and zstd-compressed", same, len(files))
}

func BenchmarkPrefetchPcap(b *testing.B)   { benchRead(b, false, true) }
func BenchmarkPrefetchPcapng(b *testing.B) { benchRead(b, true, true) }
