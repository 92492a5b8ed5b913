package audit

import (
	"net/netip"
	"testing"
	"time"
)

// TestNameTableGetAfterAdd: the address nameTable.get keeps from its last
// look-up answers as the maps do: an add after it, to the same address
// or another, and the table's change of generation, are seen.
func TestNameTableGetAfterAdd(t *testing.T) {
	var over limitCounts
	tb := newNameTable(&over, false)
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	t0 := time.Unix(1000, 0)
	best := func(addr netip.Addr) string {
		r, _ := tb.best(addr, t0.Add(time.Hour))
		return r.name
	}
	if best(a) != "" {
		t.Fatal("a name in an empty table")
	}
	tb.add(a, nameRec{name: "one.example", time: t0})
	if got := best(a); got != "one.example" {
		t.Fatalf("after the first add: %q", got)
	}
	tb.add(a, nameRec{name: "two.example", time: t0.Add(time.Minute)})
	if got := best(a); got != "two.example" {
		t.Fatalf("after a second name: %q", got)
	}
	tb.add(a, nameRec{name: "one.example", time: t0.Add(2 * time.Minute)}) // its time updated in place
	if got := best(a); got != "one.example" {
		t.Fatalf("after the first name again: %q", got)
	}
	tb.add(b, nameRec{name: "b.example", time: t0})
	if best(a) != "one.example" || best(b) != "b.example" || best(a) != "one.example" {
		t.Fatal("two addresses looked up in turn")
	}
	// Through generations: a's list is copied into the new one, then
	// forgotten with the older.
	for i := 0; i < 2*maxTableAddrs+2; i++ {
		tb.add(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), nameRec{name: "x.example", time: t0})
		if i == maxTableAddrs {
			if got := best(a); got != "one.example" {
				t.Fatalf("in the older generation: %q", got)
			}
		}
	}
	if got := best(a); got != "" {
		t.Fatalf("forgotten with its generation, still %q", got)
	}
}
