package main

import (
	"bytes"
	"encoding/json"
	stdio "io"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/fingerprints"
	"github.com/tattle-audit/tattle/internal/testutil"
	"github.com/tattle-audit/tattle/result"
)

type fakeLive struct{}

func (fakeLive) Inputs() []capture.InputInfo       { return []capture.InputInfo{{Packets: 42}} }
func (fakeLive) Drops() (received, dropped uint64) { return 42, 1 }

func TestLiveView(t *testing.T) {
	io, out, _ := testIO()
	io.OutTTY = true
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	io.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
	v := &liveView{io: io, live: fakeLive{}}
	meta := capture.Meta{Src: netip.MustParseAddrPort("192.168.1.5:4000"), Dst: netip.MustParseAddrPort("52.1.2.3:443")}
	v.Event("50:c7:bf:00:00:01", &capture.TLSEvent{Meta: meta, Hello: fingerprints.ClientHello{SNI: "devs.tplinkcloud.com"}})
	v.Event("50:c7:bf:00:00:01", &capture.TLSEvent{Meta: meta, Hello: fingerprints.ClientHello{SNI: "evil\x1b[2J.example"}})
	screen := out.String()
	if !strings.Contains(screen, "42 packets") || !strings.Contains(screen, "1 dropped") || !strings.Contains(screen, "devs.tplinkcloud.com") {
		t.Errorf("screen:\n%s", screen)
	}
	if strings.Count(screen, "\x1b[2J") != 2 { // one clear per redraw, none from the hostile name
		t.Errorf("a capture string reached the terminal raw: %q", screen)
	}
	// Without a terminal on stdout, only a status line on stderr.
	io2, out2, err2 := testIO()
	io2.ErrTTY = true
	io2.Now = io.Now
	v2 := &liveView{io: io2, live: fakeLive{}}
	v2.Flow("x", &capture.Flow{})
	if out2.Len() != 0 || !bytes.Contains(err2.Bytes(), []byte("capturing: 42 packets")) {
		t.Errorf("stdout %q stderr %q", out2.String(), err2.String())
	}
}

func TestCaptureFlags(t *testing.T) {
	if code, _, errOut := tattle(t, nil, "capture"); code != ExitUsage || !strings.Contains(errOut, "--interface") {
		t.Errorf("no interface: exit %d %q", code, errOut)
	}
	if code, _, errOut := tattle(t, nil, "capture", "-i", "no-such-interface0", "--duration", "1s"); code != ExitInput || !strings.Contains(errOut, "no-such-interface0") {
		t.Errorf("missing interface: exit %d %q", code, errOut)
	}
}

// fileLive stands in for a live source: a capture file, read as it would
// be from an interface.
type fileLive struct{ *capture.FileSource }

func (l fileLive) Drops() (received, dropped uint64) {
	var n uint64
	for _, in := range l.Inputs() {
		n += in.Packets
	}
	return n, 0
}

// TestAuditLiveKeepsReportAndCopy runs the capture command's pipeline on
// files standing in for an interface: seqjump.pcapng (whose 2^31 sequence
// jump panicked the scan, losing the report and leaving the -w copy cut
// mid-packet) and a capture that ends in the middle of a record (a read
// error mid-capture). Each time the report is written and the copy is a
// valid pcapng holding every packet read.
func TestAuditLiveKeepsReportAndCopy(t *testing.T) {
	root := testutil.ModuleRoot(t)
	for _, tc := range []struct {
		file string
		want ExitCode
	}{
		{"seqjump.pcapng", ExitOK},
		{"truncated.pcapng", ExitPartial},
	} {
		t.Run(tc.file, func(t *testing.T) {
			src, err := capture.Open(filepath.Join(root, "testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			io, out, errOut := testIO()
			copyPath := filepath.Join(t.TempDir(), "copy.pcapng")
			opts := &CaptureOptions{Scan: ScanOptions{IO: io, OutputOptions: OutputOptions{Format: "json"}}, Write: copyPath}
			// runCapture's pipeline with the file in the interface's place.
			err = runAnalysis(io, &opts.Scan.AnalysisOptions, opts.Scan.OutputOptions, func(an *analysis) (*result.Result, error, error) {
				return scanLive(opts, an, fileLive{src})
			})
			if got := exitCode(err); got != tc.want {
				t.Fatalf("exit %d, want %d (err %v, stderr %q)", got, tc.want, err, errOut.String())
			}
			var res result.Result
			if err := json.Unmarshal(out.Bytes(), &res); err != nil {
				t.Fatalf("report is not JSON: %v\n%.300s", err, out.String())
			}
			read := src.Inputs()[0].Packets
			if res.Stats.Packets != read || read == 0 {
				t.Errorf("report counts %d packets, the source delivered %d", res.Stats.Packets, read)
			}
			back, err := capture.Open(copyPath)
			if err != nil {
				t.Fatal(err)
			}
			defer back.Close()
			n := uint64(0)
			for {
				_, err := back.Next()
				if err == stdio.EOF {
					break
				}
				if err != nil {
					t.Fatalf("copy is not a valid pcapng: %v", err)
				}
				n++
			}
			if n != read {
				t.Errorf("copy holds %d packets, %d were read", n, read)
			}
		})
	}
}
