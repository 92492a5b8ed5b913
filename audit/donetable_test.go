package audit

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"testing"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/result"
)

// mapDoneTable is the doneTable as it was before its generations found
// flows by hash: two maps keyed by FlowKey, the reference the table
// must agree with.
type mapDoneTable struct {
	cur, prev map[capture.FlowKey]doneName
}

func (t *mapDoneTable) add(k capture.FlowKey, fn *flowName) {
	if fn.name == "" && len(fn.alts) == 0 {
		return
	}
	if t.cur == nil {
		t.cur = map[capture.FlowKey]doneName{}
	}
	if len(t.cur) >= maxDoneFlows {
		t.prev, t.cur = t.cur, map[capture.FlowKey]doneName{}
	}
	t.cur[k] = doneName{name: fn.name, source: fn.source, file: fn.file, packet: fn.packet, alts: fn.alts}
}

func (t *mapDoneTable) get(k capture.FlowKey, into *flowName) bool {
	dn, ok := t.cur[k]
	if !ok {
		dn, ok = t.prev[k]
	}
	*into = flowName{name: dn.name, source: dn.source, file: dn.file, packet: dn.packet, alts: dn.alts}
	return ok
}

// TestDoneTableAsMaps: the doneTable answers every look-up as the two
// maps keyed by FlowKey did, through several generations, with flows
// named again, unnamed ones, and keys alike but for an address's form
// (IPv4 and IPv4-mapped IPv6) or zone, which hash alike.
func TestDoneTableAsMaps(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	key := func() capture.FlowKey {
		n := rng.IntN(3 * maxDoneFlows)
		c := netip.AddrFrom4([4]byte{10, 0, byte(n >> 8), byte(n)})
		switch n % 7 {
		case 0:
			c = netip.AddrFrom16(c.As16()) // the same address, mapped
		case 1:
			c = netip.AddrFrom16(c.As16()).WithZone("eth0")
		}
		s := netip.AddrFrom4([4]byte{192, 0, 2, byte(n % 5)})
		tr := capture.TCP
		if n%3 == 0 {
			tr = capture.UDP
		}
		return capture.FlowKey{Client: netip.AddrPortFrom(c, uint16(40000+n%11)), Server: netip.AddrPortFrom(s, 443), Transport: tr}
	}
	got, want := newDoneTable(), &mapDoneTable{}
	var g, w flowName
	found := 0
	for i := range 8 * maxDoneFlows {
		k := key()
		if rng.IntN(2) == 0 {
			fn := &flowName{name: fmt.Sprint("n", i), source: "sni", file: "f", packet: uint64(i)}
			switch rng.IntN(4) {
			case 0:
				fn.name = "" // no name: not kept
			case 1:
				fn.name = ""
				fn.alts = []result.NameSeen{{Name: fmt.Sprint("a", i), Source: "http"}}
			}
			got.add(k, fn)
			want.add(k, fn)
			continue
		}
		gok, wok := got.get(k, &g), want.get(k, &w)
		if gok != wok || !reflect.DeepEqual(g, w) {
			t.Fatalf("step %d, %v: got %v %+v, want %v %+v", i, k, gok, g, wok, w)
		}
		if gok {
			found++
		}
	}
	if found < maxDoneFlows {
		t.Fatalf("only %d look-ups found a flow: the test tests little", found)
	}
}

// TestDoneTableSameHash: flows whose keys hash alike (an address in its
// IPv4 form, mapped in IPv6, and mapped with zones) are each kept, found
// and named again, through the table's growth and a change of
// generation.
func TestDoneTableSameHash(t *testing.T) {
	tb := newDoneTable()
	v4 := netip.MustParseAddr("10.0.0.1")
	forms := []netip.Addr{v4, netip.AddrFrom16(v4.As16())}
	for i := range 200 {
		forms = append(forms, netip.AddrFrom16(v4.As16()).WithZone(fmt.Sprint("z", i)))
	}
	key := func(a netip.Addr) capture.FlowKey {
		return capture.FlowKey{Client: netip.AddrPortFrom(a, 1), Server: netip.MustParseAddrPort("10.0.0.2:2"), Transport: capture.TCP}
	}
	if tb.hash(key(forms[0])) != tb.hash(key(forms[len(forms)-1])) {
		t.Fatal("the forms of one address hash apart: the test tests no collision")
	}
	check := func(when string, suffix string) {
		t.Helper()
		var fn flowName
		for i, a := range forms {
			if ok := tb.get(key(a), &fn); !ok || fn.name != fmt.Sprint(i, suffix) {
				t.Fatalf("%s: flow %d named %q, %v; want %q", when, i, fn.name, ok, fmt.Sprint(i, suffix))
			}
		}
	}
	for i, a := range forms {
		tb.add(key(a), &flowName{name: fmt.Sprint(i)})
	}
	check("added", "")
	for i, a := range forms {
		tb.add(key(a), &flowName{name: fmt.Sprint(i, "b")})
	}
	check("named again", "b")
	// The generation filled, the forms' flows are named again in a new
	// one, their entries in the older unreachable.
	for i := 0; len(tb.gens[tb.cur]) < maxDoneFlows; i++ {
		tb.add(capture.FlowKey{Client: netip.AddrPortFrom(netip.AddrFrom4([4]byte{172, 16, byte(i >> 8), byte(i)}), 3)}, &flowName{name: "other"})
	}
	for i, a := range forms[:100] {
		tb.add(key(a), &flowName{name: fmt.Sprint(i, "c")})
	}
	for i, a := range forms[100:] {
		tb.add(key(a), &flowName{name: fmt.Sprint(i+100, "c")})
	}
	check("in a new generation", "c")
	// (Each flow has one slot: the forms' flows were in the older
	// generation already.)
	if tb.used != maxDoneFlows || len(tb.gens[tb.cur]) != len(forms) {
		t.Errorf("%d slots used, %d flows in the newer generation; want %d, %d", tb.used, len(tb.gens[tb.cur]), maxDoneFlows, len(forms))
	}
}
