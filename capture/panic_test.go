package capture

import (
	"strings"
	"testing"
	"time"
)

// panicDissector panics on any payload containing "boom" (in Dissect) or,
// at the flow's end, on a flow where it saw "bang": a dissector with a bug
// that hostile input finds. It counts the calls it got.
type panicDissector struct {
	seen  []string
	ended int
}

func (d *panicDissector) Name() string { return "panicky" }
func (d *panicDissector) Dissect(p *Packet, emit func(Event)) {
	d.seen = append(d.seen, string(p.Payload))
	st := p.State()
	if *st == nil {
		*st = new(bool)
	}
	if strings.Contains(string(p.Payload), "bang") {
		*(*st).(*bool) = true
	}
	if strings.Contains(string(p.Payload), "boom") {
		var b []byte
		_ = b[len(p.Payload)] // out of range, as the 2^31 bug was
	}
}
func (d *panicDissector) FlowEnd(f *Flow, state any, emit func(Event)) {
	d.ended++
	if *state.(*bool) {
		panic("bang")
	}
}

// TestScannerRecoversDissectorPanic: a dissector's panic on one flow is a
// counted note on that flow and in the stats; the dissector is stopped for
// that flow only, the other dissectors and flows go on, and a panic in
// FlowEnd is counted the same way. Run directly, deferred and on the
// worker goroutine (where an unrecovered panic ends the process).
func TestScannerRecoversDissectorPanic(t *testing.T) {
	specs := []pktSpec{
		{src: "192.168.1.20", dst: "52.1.2.3", sport: 40000, dport: 80, tcp: true, payload: "one"},
		{src: "192.168.1.20", dst: "52.1.2.3", sport: 40000, dport: 80, tcp: true, payload: "boom", at: time.Millisecond},
		{src: "192.168.1.20", dst: "52.1.2.3", sport: 40000, dport: 80, tcp: true, payload: "after", at: 2 * time.Millisecond},
		{src: "192.168.1.21", dst: "52.1.2.3", sport: 40001, dport: 80, tcp: true, payload: "bang", at: 3 * time.Millisecond},
		{src: "192.168.1.22", dst: "52.1.2.3", sport: 40002, dport: 80, tcp: true, payload: "other", at: 4 * time.Millisecond},
	}
	note := PanicNote("panicky")
	for _, tc := range []struct {
		name string
		wrap func(Dissector) Dissector
		pad  int // dissectors before it: past 64, the scanner's other loop
	}{
		{"direct", func(d Dissector) Dissector { return d }, 0},
		{"deferred", func(d Dissector) Dissector { return NewDeferred(d) }, 0},
		{"async", func(d Dissector) Dissector { return NewAsync(d) }, 0},
		{"direct, after 3", func(d Dissector) Dissector { return d }, 3},
		{"direct, after 64", func(d Dissector) Dissector { return d }, 64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pd, after := &panicDissector{}, &echoDissector{}
			sink := &recSink{}
			var ds []Dissector
			for range tc.pad {
				ds = append(ds, &echoDissector{doneFast: true})
			}
			ds = append(ds, tc.wrap(pd), after)
			sc := NewScanner(sink, Options{Dissectors: ds})
			if err := sc.Run(source(t, specs...)); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(pd.seen, ","); got != "one,boom,bang,other" {
				t.Errorf("panicking dissector saw %s, want one,boom,bang,other (stopped on its flow only)", got)
			}
			if got := strings.Join(after.seen, ","); got != "one,boom,after,bang,other" {
				t.Errorf("the next dissector saw %s, want every payload", got)
			}
			if len(sink.flows) != 3 {
				t.Fatalf("%d flows reached the sink, want 3", len(sink.flows))
			}
			for i, want := range []int{1, 1, 0} {
				if got := sink.flows[i].Notes[note]; got != want {
					t.Errorf("flow %d: %d panic notes, want %d (notes %v)", i, got, want, sink.flows[i].Notes)
				}
			}
			if got := sc.Stats().Malformed[note]; got != 2 {
				t.Errorf("stats count %d panics, want 2 (%v)", got, sc.Stats().Malformed)
			}
		})
	}
}
