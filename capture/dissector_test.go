package capture

import (
	"fmt"
	"testing"
)

// Packet.Done holds for every dissector of a long list, not only the
// first 64: a dissector past them that is done with a flow is not called
// again for it (it used to be, on every packet).
func TestDoneBeyond64Dissectors(t *testing.T) {
	const n = 130
	ds := make([]*echoDissector, n)
	list := make([]Dissector, n)
	for i := range ds {
		ds[i] = &echoDissector{doneFast: i%2 == 1}
		list[i] = ds[i]
	}
	var specs []pktSpec
	for i := range 3 {
		specs = append(specs, pktSpec{src: "192.168.1.20", dst: "52.1.2.3", sport: 40000, dport: 9999, payload: fmt.Sprint("p", i)})
	}
	sc := NewScanner(&recSink{}, Options{Dissectors: list})
	if err := sc.Run(source(t, specs...)); err != nil {
		t.Fatal(err)
	}
	for i, d := range ds {
		want := 3
		if d.doneFast {
			want = 1
		}
		if len(d.seen) != want {
			t.Errorf("dissector %d saw %d packets, want %d", i, len(d.seen), want)
		}
	}
}
