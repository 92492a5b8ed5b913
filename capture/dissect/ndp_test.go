package dissect

import (
	"encoding/binary"
	"net/netip"
	"reflect"
	"testing"

	"github.com/tattle-audit/tattle/capture"
)

// ra builds a router advertisement: flags, router lifetime, then options.
func ra(flags byte, lifetime uint16, opts ...[]byte) []byte {
	b := []byte{134, 0, 0, 0, 64, flags}
	b = binary.BigEndian.AppendUint16(b, lifetime)
	b = append(b, make([]byte, 8)...) // reachable time, retrans timer
	for _, o := range opts {
		b = append(b, o...)
	}
	return b
}

// na builds a neighbour advertisement for target with the given flags.
func na(flags byte, target string, opts ...[]byte) []byte {
	b := []byte{136, 0, 0, 0, flags, 0, 0, 0}
	t := netip.MustParseAddr(target).As16()
	b = append(b, t[:]...)
	for _, o := range opts {
		b = append(b, o...)
	}
	return b
}

func optLL(kind byte, mac capture.MAC) []byte { return append([]byte{kind, 1}, mac[:]...) }

func optPrefix(p string) []byte {
	pfx := netip.MustParsePrefix(p)
	b := []byte{3, 4, byte(pfx.Bits()), 0xc0}
	b = binary.BigEndian.AppendUint32(b, 86400)
	b = binary.BigEndian.AppendUint32(b, 14400)
	b = append(b, 0, 0, 0, 0)
	a := pfx.Addr().As16()
	return append(b, a[:]...)
}

func optMTU(mtu uint32) []byte { return binary.BigEndian.AppendUint32([]byte{5, 1, 0, 0}, mtu) }

func optRDNSS(addrs ...string) []byte {
	b := []byte{25, byte(1 + 2*len(addrs)), 0, 0, 0, 0, 0x0e, 0x10}
	for _, a := range addrs {
		x := netip.MustParseAddr(a).As16()
		b = append(b, x[:]...)
	}
	return b
}

func TestNDP(t *testing.T) {
	mac := capture.MAC{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}
	tests := []struct {
		name     string
		src      string
		msg      []byte
		want     *capture.RouterEvent // nil: no event
		wantNote string
	}{
		{"router advertisement with every option", "[fe80::1]:0",
			ra(0x40, 1800, optLL(1, mac), optMTU(1492), optPrefix("2001:db8:1::/64"), optRDNSS("2001:db8:1::53", "2001:db8:1::54")),
			&capture.RouterEvent{Lifetime: 1800, OtherConfig: true, LinkAddr: mac, MTU: 1492,
				Prefixes: []netip.Prefix{netip.MustParsePrefix("2001:db8:1::/64")},
				DNS:      []netip.Addr{netip.MustParseAddr("2001:db8:1::53"), netip.MustParseAddr("2001:db8:1::54")}}, ""},
		{"a router that is not a default router (lifetime 0), no options", "[fe80::2]:0", ra(0x80, 0),
			&capture.RouterEvent{Managed: true}, ""},
		{"router advertisement from a global address: not on-link, ignored", "[2001:db8::1]:0", ra(0, 1800), nil, ""},
		{"short router advertisement", "[fe80::1]:0", ra(0, 1800)[:10], nil, "ndp: short router advertisement"},
		{"option of length zero", "[fe80::1]:0", ra(0, 1800, []byte{1, 0, 0, 0, 0, 0, 0, 0}), nil, "ndp: bad option"},
		{"option past the end", "[fe80::1]:0", ra(0, 1800, optLL(1, mac)[:6]), nil, "ndp: bad option"},
		{"neighbour advertisement, even with the router flag: not read", "[fe80::1]:0", na(0xe0, "fe80::1", optLL(2, mac)), nil, ""},
		{"router solicitation: not a router's word", "[fe80::9]:0", []byte{133, 0, 0, 0, 0, 0, 0, 0}, nil, ""},
		{"non-zero code", "[fe80::1]:0", append([]byte{134, 1}, ra(0, 1800)[2:]...), nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := packet(capture.ICMPv6, tc.src, "[ff02::1]:0", tc.msg)
			ev := eventsOf[*capture.RouterEvent](run(NewNDP(), p))
			if tc.want == nil {
				if len(ev) != 0 {
					t.Fatalf("events %+v, want none", ev)
				}
			} else {
				if len(ev) != 1 {
					t.Fatalf("%d events, want 1", len(ev))
				}
				got := *ev[0]
				got.Meta = capture.Meta{}
				if !reflect.DeepEqual(&got, tc.want) {
					t.Fatalf("event %+v,\nwant %+v", got, *tc.want)
				}
				if ev[0].Packet != 1 || ev[0].Src != p.Src {
					t.Errorf("meta %+v: the packet's own", ev[0].Meta)
				}
			}
			notes := p.Flow.Notes
			if tc.wantNote == "" && len(notes) != 0 || tc.wantNote != "" && notes[tc.wantNote] != 1 {
				t.Errorf("notes %v, want %q", notes, tc.wantNote)
			}
		})
	}
}

// TestNDPIgnoresOtherTransports: NDP reads ICMPv6 only, and bounds the
// events of one flow.
func TestNDPIgnoresOtherTransports(t *testing.T) {
	if ev := run(NewNDP(), packet(capture.UDP, "[fe80::1]:547", "[ff02::1]:546", ra(0, 1800))); len(ev) != 0 {
		t.Fatalf("UDP payload read as NDP: %+v", ev)
	}
	p := packet(capture.ICMPv6, "[fe80::1]:0", "[ff02::1]:0", ra(0, 1800))
	d, n := NewNDP(), 0
	for i := 0; i < 3*ndpMaxEvents; i++ {
		n += len(run(d, p))
	}
	if n != ndpMaxEvents {
		t.Fatalf("%d events from one flow's repeated advertisements, want %d", n, ndpMaxEvents)
	}
}

func FuzzNDP(f *testing.F) {
	mac := capture.MAC{0x02, 0, 0, 0, 0, 1}
	fuzzDissector(f, func() capture.Dissector { return NewNDP() }, capture.ICMPv6, "[fe80::1]:0", "[ff02::1]:0",
		ra(0x40, 1800, optLL(1, mac), optMTU(1500), optPrefix("2001:db8::/64"), optRDNSS("2001:db8::53")),
		na(0xa0, "fe80::1", optLL(2, mac)), ra(0, 0, []byte{3, 4, 200}))
}
