package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/tattle-audit/tattle/internal/testutil"
)

// drain reads a source to its end and describes every packet and error.
func drain(t *testing.T, src Source) []string {
	t.Helper()
	var out []string
	for {
		raw, err := src.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			out = append(out, "error: "+err.Error())
			var re *ReadError
			if !errors.As(err, &re) {
				return out
			}
			continue
		}
		out = append(out, fmt.Sprintf("%s #%d @%d %s %d/%d %v %x", raw.Source, raw.Index, raw.Offset, raw.Time.UTC().Format("15:04:05.000000000"),
			len(raw.Data), raw.CaptureLn, raw.LinkType, raw.Data))
	}
}

// Reading ahead yields the same packets and errors, in the same order, as
// reading directly: over the generated captures (one of them truncated)
// and, when present, every shared capture.
func TestPrefetchSameAsDirect(t *testing.T) {
	root := testutil.ModuleRoot(t)
	t.Run("testdata", func(t *testing.T) {
		// home.pcapng and the other generated captures, truncated.pcapng
		// among them: hundreds of packets and at least one error.
		prefetchSameAsDirect(t, 500, filepath.Join(root, "testdata"))
	})
	t.Run("shared", func(t *testing.T) {
		prefetchSameAsDirect(t, 1000, filepath.Join(root, "testdata"), testutil.SharedCaptures(t))
	})
}

// prefetchSameAsDirect compares reading paths ahead with reading them
// directly; the comparison must cover at least minItems packets and
// errors, one error at least.
func prefetchSameAsDirect(t *testing.T, minItems int, paths ...string) {
	t.Helper()
	open := func() *FileSource {
		s, err := Open(paths...)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	direct := open()
	want := drain(t, direct)
	defer direct.Close()
	ahead := open()
	pf := NewPrefetch(ahead)
	got := drain(t, pf)
	pf.Wait()
	if len(got) != len(want) {
		t.Fatalf("prefetch read %d packets and errors, direct %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("item %d differs:\n got  %.200s\n want %.200s", i, got[i], want[i])
		}
	}
	errs := 0
	for _, w := range want {
		if strings.HasPrefix(w, "error: ") {
			errs++
		}
	}
	if errs == 0 || len(want) < minItems {
		t.Fatalf("%d items, %d errors: the comparison covers too little", len(want), errs)
	}
	if got, want := fmt.Sprint(ahead.Inputs()), fmt.Sprint(direct.Inputs()); got != want {
		t.Fatalf("inputs differ:\n got  %.300s\n want %.300s", got, want)
	}
	pf.Close()
	t.Logf("%d packets and errors equal (%d errors)", len(want), errs)
}

// Close stops reading ahead in the middle of the input.
func TestPrefetchCloseEarly(t *testing.T) {
	root := testutil.ModuleRoot(t)
	s, err := Open(filepath.Join(root, "testdata", "home.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	pf := NewPrefetch(s)
	raw, err := pf.Next()
	if err != nil || len(raw.Data) == 0 {
		t.Fatalf("first packet: %v", err)
	}
	first := bytes.Clone(raw.Data)
	if err := pf.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := pf.Next(); err != io.EOF {
		t.Fatalf("Next after Close: %v, want io.EOF", err)
	}
	if len(first) == 0 {
		t.Fatal("empty first packet")
	}
}

// Progress may be read while the source is read ahead on another
// goroutine (run with -race), never goes back, and ends at the totals of
// Inputs.
func TestProgressWhileReadingAhead(t *testing.T) {
	s, err := Open(filepath.Join(testutil.ModuleRoot(t), "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	pf := NewPrefetch(s)
	defer pf.Close()
	var last uint64
	for {
		_, err := pf.Next()
		if err == io.EOF {
			break
		}
		pk, _ := s.Progress()
		if pk < last {
			t.Fatalf("progress went back from %d to %d packets", last, pk)
		}
		last = pk
	}
	pf.Wait()
	var want, wantBytes uint64
	for _, in := range s.Inputs() {
		want += in.Packets
		wantBytes += in.Bytes
	}
	if pk, by := s.Progress(); pk != want || by != wantBytes || want == 0 {
		t.Errorf("progress %d packets %d bytes, inputs %d packets %d bytes", pk, by, want, wantBytes)
	}
}

// Reading in place crosses many batch buffers (prefetchBuffer each; the
// files are 12 MiB):
// records of every size up to maxRecord, packets between them, pcapng
// blocks larger than the read buffer (two packets in a row that used to
// share a scratch buffer), compressed copies and a cut one. Prefetch must
// yield what reading directly yields (run with -race: the reader must not
// write into a buffer whose packets are still handed out).
func TestPrefetchInPlaceAcrossBuffers(t *testing.T) {
	var pc bytes.Buffer
	w := pcapgo.NewWriter(&pc)
	w.WriteFileHeader(maxRecord, layers.LinkTypeEthernet)
	sizes := []int{60, 1514, 300, maxRecord, 61, maxRecord - 1, 9000}
	for i := 0; pc.Len() < 12<<20; i++ {
		data := payload(byte(i), sizes[i%len(sizes)])
		w.WritePacket(gopacket.CaptureInfo{Timestamp: time.Unix(1_700_000_000+int64(i), 0), CaptureLength: len(data), Length: len(data)}, data)
	}
	ng := newNg(le).idb(layers.LinkTypeEthernet, 0)
	var big [][]byte
	for range 20 {
		big = append(big, ng.opt(1, bytes.Repeat([]byte("c"), 65000)))
	}
	for i := 0; len(ng.b) < 12<<20; i++ {
		if i%50 == 7 || i%50 == 8 {
			ng.epb(0, uint64(i), payload(byte(i), 200+i%1000), 2000, big...)
		} else {
			ng.epb(0, uint64(i), payload(byte(i), sizes[i%len(sizes)]), 70000)
		}
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{
		"a.pcap":      pc.Bytes(),
		"b.pcap.gz":   compressGzip(pc.Bytes()),
		"c.pcapng":    ng.b,
		"d.pcapng.zs": compressZstd(ng.b),
		"e.pcap":      pc.Bytes()[:pc.Len()-100],
		"f.pcapng":    ng.b[:len(ng.b)-1<<20],
	})
	prefetchSameAsDirect(t, 500, dir)
}

// A Source other than a FileSource is read ahead by copying its packets
// into the batches: the same packets and errors as reading it directly.
func TestPrefetchCopiesOtherSources(t *testing.T) {
	dir := filepath.Join(testutil.ModuleRoot(t), "testdata")
	open := func() *FileSource {
		s, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	direct := open()
	defer direct.Close()
	want := drain(t, direct)
	pf := NewPrefetch(struct{ Source }{open()}) // not a *FileSource
	defer pf.Close()
	got := drain(t, pf)
	if len(want) < 500 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("prefetch by copy read %d items, direct %d, or they differ", len(got), len(want))
	}
}
