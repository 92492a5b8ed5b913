package capture

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// tagDissector emits one event per payload naming the flow's App as it
// saw it and the rules it was given through Do, notes the flow, gives up
// a flow after three payloads, and marks flows in FlowEnd.
type tagDissector struct {
	rules []string
	ended int
}

type tagEvent struct {
	Meta
	Text string
}

func (d *tagDissector) Name() string { return "tag" }
func (d *tagDissector) Dissect(p *Packet, emit func(Event)) {
	st := p.State()
	n, _ := (*st).(int)
	n++
	*st = n
	emit(&tagEvent{Meta: p.Meta, Text: fmt.Sprintf("%s app=%q rules=%v n=%d", p.Payload, p.Flow.App, d.rules, n)})
	p.Flow.Note("tag: seen")
	if n == 3 {
		p.Done()
	}
}
func (d *tagDissector) FlowEnd(f *Flow, state any, emit func(Event)) {
	d.ended++
	f.Note(fmt.Sprintf("tag: ended n=%d app=%q", state.(int), f.App))
}

// appSetter names the flow "x" from its second payload on.
type appSetter struct{}

func (appSetter) Name() string { return "app" }
func (appSetter) Dissect(p *Packet, emit func(Event)) {
	st := p.State()
	n, _ := (*st).(int)
	*st = n + 1
	if n == 1 {
		p.Flow.App = "x"
	}
}

// TestAsyncSameAsInline runs the same packets through the tag dissector
// wrapped by NewAsync and by NewDeferred, and compares the events (text
// and order), flow notes, what FlowEnd set, Done, and the Do calls
// interleaved with packets. Flows expire and are made again as the
// capture goes on, so syncs happen at many sweeps.
func TestAsyncSameAsInline(t *testing.T) {
	var specs []pktSpec
	for i := 0; i < 2000; i++ {
		specs = append(specs, pktSpec{src: "192.168.1.20", dst: "52.1.2.3", sport: uint16(40000 + i%50), dport: 80, tcp: true,
			payload: fmt.Sprintf("p%d", i), at: time.Duration(i) * 100 * time.Millisecond})
	}
	run := func(wrap func(Dissector) *Async) (string, []Flow, *tagDissector) {
		d := &tagDissector{}
		a := wrap(d)
		sink := &recSink{}
		sc := NewScanner(sink, Options{Dissectors: []Dissector{appSetter{}, a}, IdleTimeout: 2 * time.Second})
		src := source(t, specs...)
		for i := 0; ; i++ {
			raw, err := src.Next()
			if err != nil {
				break
			}
			if i%300 == 0 {
				rule := fmt.Sprint("r", i)
				a.Do(func() { d.rules = append(d.rules, rule) })
			}
			sc.Packet(&raw)
		}
		sc.Flush()
		var b strings.Builder
		for _, e := range sink.events {
			b.WriteString(e.(*tagEvent).Text + "\n")
		}
		return b.String(), sink.flows, d
	}
	inline, inFlows, dIn := run(NewDeferred)
	async, asFlows, dAs := run(NewAsync)
	if inline != async {
		t.Fatalf("events differ:\ninline %.600s\nasync  %.600s", inline, async)
	}
	if n := strings.Count(async, "\n"); n < 150 {
		t.Fatalf("only %d events", n)
	}
	if !strings.Contains(async, `app="x"`) || !strings.Contains(async, `app=""`) || !strings.Contains(async, "r1800") {
		t.Fatalf("snapshots or Do calls not seen:\n%.400s", async)
	}
	if strings.Contains(async, "n=4") {
		t.Fatal("a flow was dissected after Done")
	}
	if len(inFlows) != len(asFlows) || dIn.ended != dAs.ended || dAs.ended != len(asFlows) {
		t.Fatalf("flows: inline %d, async %d; FlowEnd calls %d, %d", len(inFlows), len(asFlows), dIn.ended, dAs.ended)
	}
	for i := range asFlows {
		a, b := inFlows[i], asFlows[i]
		// Notes print sorted: the ones Dissect made and FlowEnd's.
		if fmt.Sprint(a.Notes) != fmt.Sprint(b.Notes) || b.Notes["tag: seen"] == 0 {
			t.Fatalf("flow %d: notes %v / %v", i, a.Notes, b.Notes)
		}
		// FlowEnd sees the flow as it ended: named by appSetter.
		if want := fmt.Sprintf(`tag: ended n=%d app="x"`, min(b.Packets[0], 3)); b.Packets[0] >= 2 && b.Notes[want] != 1 {
			t.Fatalf("flow %d: FlowEnd noted %v, want %q", i, b.Notes, want)
		}
	}
}

// budgetDissector reads only the first 10 bytes of each direction.
type budgetDissector struct{ seen [2]int }

func (d *budgetDissector) Name() string          { return "budget" }
func (d *budgetDissector) DirBudget(dir int) int { return 10 }
func (d *budgetDissector) Dissect(p *Packet, emit func(Event)) {
	d.seen[p.Dir] += len(p.Payload)
}

// Past a dissector's budget for a direction, its packets are not queued;
// past both, the flow is not shown to the wrapper again.
func TestAsyncDirBudget(t *testing.T) {
	for _, wrap := range []func(Dissector) *Async{NewAsync, NewDeferred} {
		d := &budgetDissector{}
		a := wrap(d)
		probe := &echoDissector{}
		sc := NewScanner(&recSink{}, Options{Dissectors: []Dissector{a, probe}})
		var specs []pktSpec
		for i := 0; i < 6; i++ {
			specs = append(specs, pktSpec{src: "192.168.1.20", dst: "52.1.2.3", sport: 40000, dport: 80, tcp: true, payload: "1234", at: time.Duration(i) * time.Millisecond})
		}
		for i := 0; i < 6; i++ {
			specs = append(specs, pktSpec{src: "52.1.2.3", dst: "192.168.1.20", sport: 80, dport: 40000, tcp: true, payload: "abcd", at: time.Duration(10+i) * time.Millisecond})
		}
		if err := sc.Run(source(t, specs...)); err != nil {
			t.Fatal(err)
		}
		// 4+4+4 reaches the budget of 10 in each direction: three packets.
		if d.seen != [2]int{12, 12} {
			t.Fatalf("dissector read %v bytes per direction, want 12 and 12", d.seen)
		}
		if len(probe.seen) != 12 {
			t.Fatalf("the next dissector saw %d packets, want all 12", len(probe.seen))
		}
	}
}

// BenchmarkAsync runs 4000 packets of 1000 payload bytes, over four sets
// of 40 flows, each set idle (so expired, synced at a sweep) once the next
// starts, through a scanner whose one dissector is wrapped by NewAsync:
// the scanner-side cost of handing packets to the worker, per run of the
// whole capture.
func BenchmarkAsync(b *testing.B) {
	var specs []pktSpec
	payload := strings.Repeat("x", 1000)
	for i := 0; i < 4000; i++ {
		specs = append(specs, pktSpec{src: "192.168.1.20", dst: "52.1.2.3", sport: uint16(40000 + i/1000*40 + i%40), dport: 80, tcp: true,
			payload: payload, at: time.Duration(i) * 10 * time.Millisecond})
	}
	src := source(b, specs...)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sc := NewScanner(&recSink{}, Options{Dissectors: []Dissector{NewAsync(&nopDissector{})}, IdleTimeout: 2 * time.Second})
		for j := range src.pkts {
			sc.Packet(&src.pkts[j])
		}
		sc.Flush()
	}
}

// declineDissector declines packets of flows named "x" (by appSetter,
// from their second payload on) and, for direction ToClient, every
// packet; it counts the packets it is handed that it would decline.
type declineDissector struct{ seen, wrong int }

func (d *declineDissector) Name() string { return "decline" }
func (d *declineDissector) Declines(f *Flow, dir int) (skip, done bool) {
	if f.App == "x" {
		return true, true
	}
	return dir == ToClient, false
}
func (d *declineDissector) Dissect(p *Packet, emit func(Event)) {
	d.seen++
	if skip, _ := d.Declines(p.Flow, p.Dir); skip {
		d.wrong++
	}
	*p.State() = true
}
func (d *declineDissector) FlowEnd(f *Flow, state any, emit func(Event)) {
	f.Note("decline: ended")
}

// Async does not hand a Decliner the packets it declines, calls Done for
// it when it says so, and still ends the flows it saw.
func TestAsyncDecliner(t *testing.T) {
	var specs []pktSpec
	for i := 0; i < 20; i++ {
		specs = append(specs, pktSpec{src: "192.168.1.20", dst: "52.1.2.3", sport: uint16(40000 + i%5), dport: 80, tcp: true, payload: "q", at: time.Duration(i) * time.Millisecond},
			pktSpec{src: "52.1.2.3", dst: "192.168.1.20", sport: 80, dport: uint16(40000 + i%5), tcp: true, payload: "a", at: time.Duration(i) * time.Millisecond})
	}
	for name, wrap := range map[string]func(Dissector) *Async{"async": NewAsync, "deferred": NewDeferred} {
		d := &declineDissector{}
		probe := &echoDissector{}
		sink := &recSink{}
		sc := NewScanner(sink, Options{Dissectors: []Dissector{appSetter{}, wrap(d), probe}})
		if err := sc.Run(source(t, specs...)); err != nil {
			t.Fatal(err)
		}
		// Each of the 5 flows: its first payload (to the server) is
		// read, its answer declined, and from the second payload on
		// the flow is "x".
		if d.wrong != 0 || d.seen != 5 {
			t.Errorf("%s: handed %d packets, %d of them declined; want 5 and 0", name, d.seen, d.wrong)
		}
		if len(probe.seen) != 40 {
			t.Errorf("%s: the next dissector saw %d packets, want all 40", name, len(probe.seen))
		}
		for _, f := range sink.flows {
			if f.Notes["decline: ended"] != 1 {
				t.Errorf("%s: flow %v notes %v, want FlowEnd's", name, f.Key, f.Notes)
			}
		}
	}
}
