package audit

import (
	"bytes"
	"os"
	"testing"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/capture/dissect"
	"github.com/tattle-audit/tattle/fingerprints"
	"github.com/tattle-audit/tattle/inspect"
	"github.com/tattle-audit/tattle/internal/demo"
)

// BenchmarkScan is a whole scan of the demo capture from memory: on the
// caller's goroutine alone and as the concurrent pipeline.
func BenchmarkScan(b *testing.B) {
	name, data := demo.Capture()
	for _, bc := range []struct {
		name    string
		workers int
	}{{"workers=1", 1}, {"workers=default", 0}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				src, err := capture.OpenReader(name, bytes.NewReader(data))
				if err != nil {
					b.Fatal(err)
				}
				if res, err := Scan(src, Config{Workers: bc.workers}); err != nil || len(res.Devices) == 0 {
					b.Fatalf("scan: %v, %d devices", err, len(res.Devices))
				}
			}
		})
	}
}

// recorder keeps what the scanner hands its sink, to replay it.
type recorder struct {
	events []capture.Event
	flows  []capture.Flow
	order  []bool // true: the next flow, false: the next event
}

func (r *recorder) Event(e capture.Event) {
	r.events = append(r.events, e)
	r.order = append(r.order, false)
}
func (r *recorder) Flow(f *capture.Flow) {
	r.flows = append(r.flows, *f)
	r.order = append(r.order, true)
}

// recordDemo records what the scanner hands its sink on the demo
// capture, or on the capture file named by TATTLE_BENCH_CAPTURE.
func recordDemo(b *testing.B) *recorder {
	name, data := benchCapture(b)
	src, err := capture.OpenReader(name, bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	rec := &recorder{}
	if err := capture.NewScanner(rec, capture.Options{Dissectors: dissect.Default()}).Run(src); err != nil {
		b.Fatal(err)
	}
	return rec
}

// recordInspected records what the scanner hands its sink, the payload
// inspector's events included (as a scan without Config.Known gets
// them), on the capture file named by TATTLE_BENCH_CAPTURE, or on the
// demo capture when that is not set.
func recordInspected(b *testing.B) *recorder {
	name, data := benchCapture(b)
	src, err := capture.OpenReader(name, bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	rec := &recorder{}
	opts := capture.Options{Dissectors: append(dissect.Default(), capture.NewDeferred(inspect.New(inspect.Config{})))}
	if err := capture.NewScanner(rec, opts).Run(src); err != nil {
		b.Fatal(err)
	}
	return rec
}

// benchCapture is the capture file named by TATTLE_BENCH_CAPTURE, or the
// demo capture when that is not set.
func benchCapture(b *testing.B) (string, []byte) {
	f := os.Getenv("TATTLE_BENCH_CAPTURE")
	if f == "" {
		return demo.Capture()
	}
	data, err := os.ReadFile(f)
	if err != nil {
		b.Fatal(err)
	}
	return f, data
}

// replay hands a new Builder what rec recorded; flows is scratch space
// for copies of the flows (the Builder may keep what it is handed).
func (rec *recorder) replay(know *Knowledge, flows []capture.Flow) *Builder {
	copy(flows, rec.flows)
	bl := NewBuilder()
	bl.Know = know
	ei, fi := 0, 0
	for _, isFlow := range rec.order {
		if isFlow {
			bl.Flow(&flows[fi])
			fi++
		} else {
			bl.Event(rec.events[ei])
			ei++
		}
	}
	return bl
}

// BenchmarkBuilder is the Builder alone: the demo capture's events and
// flows (from the protocol dissectors) replayed into a new Builder, then
// the devices assembled, identified and given their findings.
func BenchmarkBuilder(b *testing.B) {
	rec := recordDemo(b)
	know := &Knowledge{Devices: fingerprints.DefaultDB(), KB: fingerprints.DefaultKB()}
	flows := make([]capture.Flow, len(rec.flows))
	b.ReportAllocs()
	for b.Loop() {
		if len(rec.replay(know, flows).Devices()) == 0 {
			b.Fatal("no devices")
		}
	}
}

// BenchmarkBuilderFeed is the Builder taking in a capture's events and
// flows, protocol dissectors' and payload inspector's, without assembling
// the devices after: the work of a scan's builder goroutine. It replays
// the demo capture, or the capture TATTLE_BENCH_CAPTURE names (a larger
// one, as bench/out/round.pcap, has the maps of a long scan).
func BenchmarkBuilderFeed(b *testing.B) {
	rec := recordInspected(b)
	flows := make([]capture.Flow, len(rec.flows))
	b.ReportAllocs()
	for b.Loop() {
		if len(rec.replay(nil, flows).devices) == 0 {
			b.Fatal("no devices")
		}
	}
}

// BenchmarkDevices is the end of a scan alone: the devices assembled,
// identified and given their findings (Builder.Devices) from a Builder
// that took the demo capture's events and flows (or those of the capture
// TATTLE_BENCH_CAPTURE names) with the timer stopped.
func BenchmarkDevices(b *testing.B) {
	rec := recordDemo(b)
	know := &Knowledge{Devices: fingerprints.DefaultDB(), KB: fingerprints.DefaultKB()}
	flows := make([]capture.Flow, len(rec.flows))
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		bl := rec.replay(know, flows)
		b.StartTimer()
		if len(bl.Devices()) == 0 {
			b.Fatal("no devices")
		}
	}
}
