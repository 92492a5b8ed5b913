package capture

import (
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

// flowRecorder records, for every packet and at every flow's end, each
// exported field of the flow it is shown, by reflection: a field added
// to Flow is recorded without a change here.
type flowRecorder struct {
	seen []string
}

// shadowOwn are the exported fields a dissector behind Async sees of its
// shadow alone, not of the real flow: Notes (its own notes, copied back
// to the flow by Finish).
var shadowOwn = map[string]bool{"Notes": true}

func (r *flowRecorder) Name() string { return "recorder" }
func (r *flowRecorder) Dissect(p *Packet, emit func(Event)) {
	r.seen = append(r.seen, fmt.Sprintf("packet %d %q: %s", p.Packet, p.Payload, exportedFields(p.Flow)))
	*p.State() = true
}
func (r *flowRecorder) FlowEnd(f *Flow, state any, emit func(Event)) {
	r.seen = append(r.seen, "end: "+exportedFields(f))
}

func exportedFields(f *Flow) string {
	var b strings.Builder
	v := reflect.ValueOf(f).Elem()
	for i := 0; i < v.NumField(); i++ {
		sf := v.Type().Field(i)
		if sf.IsExported() && !shadowOwn[sf.Name] {
			fmt.Fprintf(&b, "%s=%v ", sf.Name, v.Field(i).Interface())
		}
	}
	return b.String()
}

// namer names the flow (App, ServerName) from its second payload on.
type namer struct{}

func (namer) Name() string { return "namer" }
func (namer) Dissect(p *Packet, emit func(Event)) {
	st := p.State()
	n, _ := (*st).(int)
	*st = n + 1
	if n == 1 {
		p.Flow.App, p.Flow.ServerName = "x", "example.com"
	}
}

// TestShadowSeesTheFlow: a dissector behind Async (on its own goroutine,
// or deferred on the scanner's) sees at every packet and at the flow's
// end the same Flow as the same dissector run directly by the scanner,
// field for field — every exported field but those in shadowOwn. So a
// new field a dissector reads cannot be missing from the concurrent mode.
func TestShadowSeesTheFlow(t *testing.T) {
	var specs []pktSpec
	for i := 0; i < 400; i++ {
		port := uint16(40000 + i%20)
		at := time.Duration(i) * 100 * time.Millisecond
		switch i % 4 {
		case 0:
			specs = append(specs, pktSpec{src: "192.168.1.20", dst: "52.1.2.3", sport: port, dport: 80, tcp: true, syn: true, at: at})
		case 3:
			// Both FINs: the flow is Closed.
			specs = append(specs,
				pktSpec{src: "192.168.1.20", dst: "52.1.2.3", sport: port, dport: 80, tcp: true, fin: true, ack: true, payload: fmt.Sprint("c", i), at: at},
				pktSpec{src: "52.1.2.3", dst: "192.168.1.20", sport: 80, dport: port, tcp: true, fin: true, ack: true, at: at})
		default:
			specs = append(specs,
				pktSpec{src: "192.168.1.20", dst: "52.1.2.3", sport: port, dport: 80, tcp: true, ack: true, payload: fmt.Sprint("q", i), at: at},
				pktSpec{src: "52.1.2.3", dst: "192.168.1.20", sport: 80, dport: port, tcp: true, ack: true, payload: fmt.Sprint("r", i), at: at})
		}
	}
	run := func(wrap func(Dissector) Dissector) ([]string, []Flow) {
		r := &flowRecorder{}
		sink := &recSink{}
		sc := NewScanner(sink, Options{Dissectors: []Dissector{namer{}, wrap(r)}, IdleTimeout: 2 * time.Second})
		if err := sc.Run(source(t, specs...)); err != nil {
			t.Fatal(err)
		}
		return r.seen, sink.flows
	}
	direct, flows := run(func(d Dissector) Dissector { return d })
	if len(direct) < 400 || len(flows) < 20 {
		t.Fatalf("only %d records of %d flows", len(direct), len(flows))
	}
	// The packets exercise every field the recorder compares (UID is
	// set only for flows read from Zeek logs, which no dissector sees).
	for i, n := 0, reflect.TypeOf(Flow{}).NumField(); i < n; i++ {
		sf := reflect.TypeOf(Flow{}).Field(i)
		if !sf.IsExported() || shadowOwn[sf.Name] || sf.Name == "UID" {
			continue
		}
		set := false
		for j := range flows {
			set = set || !reflect.ValueOf(flows[j]).Field(i).IsZero()
		}
		if !set {
			t.Errorf("Flow.%s is zero in every flow of the test: give the packets a value for it", sf.Name)
		}
	}
	for name, wrap := range map[string]func(Dissector) Dissector{
		"async":    func(d Dissector) Dissector { return NewAsync(d) },
		"deferred": func(d Dissector) Dissector { return NewDeferred(d) },
	} {
		got, _ := run(wrap)
		if len(got) != len(direct) {
			t.Fatalf("%s: %d records, direct %d", name, len(got), len(direct))
		}
		for i := range direct {
			if got[i] != direct[i] {
				t.Fatalf("%s: record %d differs:\n  direct %s\n  %s %s", name, i, direct[i], name, got[i])
			}
		}
	}
}

// TestLendIsSnapshotApply: the inline path's exchange (lend) shows d the
// flow as a snapshot and its apply make the shadow, every field of Flow
// (by reflection, so a field added later is compared too) set, but for
// the expiry-list links; lent back, the flow is as it was, and the
// shadow keeps what d changed of its own.
func TestLendIsSnapshotApply(t *testing.T) {
	other := &Flow{}
	fill := func(f *Flow, seed int) {
		v := reflect.ValueOf(f).Elem()
		for i := 0; i < v.NumField(); i++ {
			fillValue(reflect.NewAt(v.Field(i).Type(), v.Field(i).Addr().UnsafePointer()).Elem(), seed+i, other)
		}
	}
	var f, a, sh Flow
	fill(&f, 1)
	fill(&a, 100)
	fill(&sh, 100)
	was := f
	s := snapshotOf(&f)
	s.apply(&a)
	lend(&f, &sh)
	seen := f
	if seen.prev == nil || seen.list == 0 {
		t.Fatal("the test's flow has no expiry-list links")
	}
	seen.list, seen.prev, seen.next = 0, nil, nil
	if !reflect.DeepEqual(a, seen) {
		t.Fatalf("lend shows other than snapshot and apply:\n%+v\n%+v", a, seen)
	}
	f.Note("by d") // what d changes of the shadow's own
	f.setDone(0)
	lend(&f, &sh)
	if !reflect.DeepEqual(f, was) {
		t.Fatalf("the flow lent back is not as it was:\n%+v\n%+v", was, f)
	}
	if sh.Notes["by d"] != 1 || !sh.done(0) || reflect.DeepEqual(sh.Notes, f.Notes) {
		t.Fatalf("the shadow lost what d changed of its own: %+v", sh)
	}
}

// fillValue sets v (any field of Flow) to a value made from seed, none
// of them zero.
func fillValue(v reflect.Value, seed int, other *Flow) {
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Int16, reflect.Int8:
		v.SetInt(int64(seed))
	case reflect.Uint, reflect.Uint64, reflect.Uint32, reflect.Uint16, reflect.Uint8:
		v.SetUint(uint64(seed))
	case reflect.String:
		v.SetString(fmt.Sprint("s", seed))
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			fillValue(v.Index(i), seed+i, other)
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fillValue(s.Index(0), seed, other)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		m.SetMapIndex(reflect.ValueOf(fmt.Sprint("n", seed)), reflect.ValueOf(seed))
		v.Set(m)
	case reflect.Pointer:
		if v.Type() == reflect.TypeOf(other) {
			v.Set(reflect.ValueOf(other))
		}
	case reflect.Interface:
		v.Set(reflect.ValueOf(seed))
	case reflect.Struct:
		switch v.Interface().(type) {
		case time.Time:
			v.Set(reflect.ValueOf(time.Unix(int64(seed), 0).UTC()))
			return
		case netip.AddrPort:
			v.Set(reflect.ValueOf(netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(seed)}), uint16(seed))))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			fillValue(reflect.NewAt(v.Field(i).Type(), v.Field(i).Addr().UnsafePointer()).Elem(), seed+i, other)
		}
	}
}
