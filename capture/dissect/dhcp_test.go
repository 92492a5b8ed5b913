package dissect

import (
	"encoding/binary"
	"net/netip"
	"reflect"
	"testing"

	"github.com/tattle-audit/tattle/capture"
)

var plugMAC = capture.MAC{0x50, 0xc7, 0xbf, 1, 2, 3}

func opt(code byte, v string) []byte { return append([]byte{code, byte(len(v))}, v...) }

// dhcp4 builds a BOOTP message with the magic cookie from a DHCP message
// type (0: no option 53) and further options.
func dhcp4(op, msgType byte, opts ...[]byte) []byte {
	b := make([]byte, 240)
	b[0], b[1], b[2] = op, 1, 6
	copy(b[28:], plugMAC[:])
	binary.BigEndian.PutUint32(b[236:], 0x63825363)
	if msgType != 0 {
		b = append(b, 53, 1, msgType)
	}
	for _, o := range opts {
		b = append(b, o...)
	}
	return append(b, 255)
}

func withYiaddr(b []byte, a string) []byte {
	copy(b[16:20], netip.MustParseAddr(a).AsSlice())
	return b
}

func overloaded(b []byte) []byte {
	// Option 52 = 1: the file field (108..235) holds options 12 and 60.
	b = append(b[:len(b)-1], 52, 1, 1, 255)
	file := append(opt(12, "in-file"), opt(60, "vendor-in-file")...)
	copy(b[108:], append(file, 255))
	return b
}

func dhcpv6(msgType byte, opts ...[]byte) []byte {
	b := []byte{msgType, 0x12, 0x34, 0x56}
	for _, o := range opts {
		b = append(b, o...)
	}
	return b
}

func opt6(code uint16, v []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, code)
	b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	return append(b, v...)
}

var (
	duidLLT = []byte{0, 1, 0, 1, 0x1e, 0x62, 0x3f, 0x0b, 0xb8, 0x27, 0xeb, 0xb8, 0x53, 0xc8}
	duidLL  = []byte{0, 3, 0, 1, 0xb8, 0x27, 0xeb, 0xb8, 0x53, 0xc9}
	duidEN  = []byte{0, 2, 0, 0, 0x9d, 0x10, 1, 2, 3, 4}
	piMAC   = capture.MAC{0xb8, 0x27, 0xeb, 0xb8, 0x53, 0xc8}
)

func relayForward(inner []byte) []byte {
	b := make([]byte, 34)
	b[0] = 12
	return append(b, opt6(9, inner)...)
}

func vendorClass6(s string) []byte {
	v := []byte{0, 0, 0x9f, 0x08}
	v = binary.BigEndian.AppendUint16(v, uint16(len(s)))
	return append(v, s...)
}

func TestDHCP(t *testing.T) {
	mud := "https://mud.example.com/.well-known/mud/v1/plug"
	tests := []struct {
		name    string
		src     string
		dst     string
		payload []byte
		want    *capture.DHCPEvent // Meta filled by the test; nil: no event
		note    string
	}{
		{
			name: "discover with the usual options", src: "0.0.0.0:68", dst: "255.255.255.255:67",
			payload: dhcp4(1, 1, opt(12, "HS110"), opt(60, "udhcp 1.19.4"), []byte{55, 4, 1, 3, 6, 15},
				[]byte{61, 7, 1, 0x50, 0xc7, 0xbf, 1, 2, 3}, []byte{50, 4, 192, 168, 1, 20}, opt(161, mud)),
			want: &capture.DHCPEvent{MsgType: "DISCOVER", ClientMAC: plugMAC, Hostname: "HS110", VendorClass: "udhcp 1.19.4",
				ParamList: []uint8{1, 3, 6, 15}, ClientID: []byte{1, 0x50, 0xc7, 0xbf, 1, 2, 3}, MUDURL: mud,
				RequestedIP: netip.MustParseAddr("192.168.1.20")},
		},
		{
			name: "offer carries yiaddr", src: "192.168.1.1:67", dst: "192.168.1.20:68",
			payload: withYiaddr(dhcp4(2, 2), "192.168.1.20"),
			want:    &capture.DHCPEvent{MsgType: "OFFER", ClientMAC: plugMAC, YourIP: netip.MustParseAddr("192.168.1.20")},
		},
		{
			name: "FQDN in wire format names the host when option 12 is absent", src: "0.0.0.0:68", dst: "255.255.255.255:67",
			payload: dhcp4(1, 3, []byte{81, 15, 0x05, 0, 0, 4, 'h', 'o', 's', 't', 3, 'l', 'a', 'n', 0, 0, 0}),
			want:    &capture.DHCPEvent{MsgType: "REQUEST", ClientMAC: plugMAC, Hostname: "host.lan", FQDN: "host.lan"},
		},
		{
			name: "ASCII FQDN beside option 12", src: "0.0.0.0:68", dst: "255.255.255.255:67",
			payload: dhcp4(1, 3, opt(81, "\x00\x00\x00laptop.home."), opt(12, "laptop")),
			want:    &capture.DHCPEvent{MsgType: "REQUEST", ClientMAC: plugMAC, Hostname: "laptop", FQDN: "laptop.home"},
		},
		{
			name: "split options are joined (RFC 3396)", src: "0.0.0.0:68", dst: "255.255.255.255:67",
			payload: dhcp4(1, 1, []byte{55, 2, 1, 3}, opt(12, "long-"), []byte{55, 2, 6, 15}, opt(12, "name")),
			want:    &capture.DHCPEvent{MsgType: "DISCOVER", ClientMAC: plugMAC, Hostname: "long-name", ParamList: []uint8{1, 3, 6, 15}},
		},
		{
			name: "options in the file field (overload)", src: "0.0.0.0:68", dst: "255.255.255.255:67",
			payload: overloaded(dhcp4(1, 1)),
			want:    &capture.DHCPEvent{MsgType: "DISCOVER", ClientMAC: plugMAC, Hostname: "in-file", VendorClass: "vendor-in-file"},
		},
		{
			name: "plain BOOTP, pad bytes, NUL-padded host name", src: "0.0.0.0:68", dst: "255.255.255.255:67",
			payload: dhcp4(1, 0, []byte{0, 0}, opt(12, "cam\x00\x00")),
			want:    &capture.DHCPEvent{MsgType: "BOOTP", ClientMAC: plugMAC, Hostname: "cam"},
		},
		{
			name: "leasequery and unnamed types", src: "10.0.0.1:67", dst: "10.0.0.2:67",
			payload: dhcp4(1, 10),
			want:    &capture.DHCPEvent{MsgType: "LEASEQUERY", ClientMAC: plugMAC},
		},
		{
			name: "truncated option keeps what came before", src: "0.0.0.0:68", dst: "255.255.255.255:67",
			payload: dhcp4(1, 1, opt(12, "ok"), []byte{60, 50, 'x'}),
			want:    &capture.DHCPEvent{MsgType: "DISCOVER", ClientMAC: plugMAC, Hostname: "ok"},
			note:    "dhcp: truncated option",
		},
		{
			name: "not BOOTP", src: "0.0.0.0:68", dst: "255.255.255.255:67",
			payload: make([]byte, 300), note: "dhcp: not a DHCP message",
		},
		{
			name: "no magic cookie: header only", src: "0.0.0.0:68", dst: "255.255.255.255:67",
			payload: withYiaddr(dhcp4(2, 0, opt(12, "ignored")), "10.0.0.7")[:236],
			want:    &capture.DHCPEvent{MsgType: "BOOTP", ClientMAC: plugMAC, YourIP: netip.MustParseAddr("10.0.0.7")},
			note:    "dhcp: no magic cookie",
		},
		{
			name: "DHCPv6 solicit", src: "[fe80::ba27:ebff:feb8:53c8]:546", dst: "[ff02::1:2]:547",
			payload: dhcpv6(1, opt6(1, duidLLT), opt6(6, []byte{0, 23, 0, 24, 0, 39}), opt6(16, vendorClass6("dhcpcd-6.11.5")),
				opt6(39, []byte{1, 2, 'p', 'i', 4, 'h', 'o', 'm', 'e', 0}), opt6(112, []byte(mud))),
			want: &capture.DHCPEvent{V6: true, MsgType: "SOLICIT", ClientMAC: piMAC, ClientID: duidLLT, ParamList6: []uint16{23, 24, 39},
				VendorClass: "dhcpcd-6.11.5", Hostname: "pi.home", FQDN: "pi.home", MUDURL: mud},
		},
		{
			name: "DHCPv6 DUID-LL", src: "[fe80::1]:546", dst: "[ff02::1:2]:547",
			payload: dhcpv6(11, opt6(1, duidLL)),
			want: &capture.DHCPEvent{V6: true, MsgType: "INFORMATION-REQUEST", ClientMAC: capture.MAC{0xb8, 0x27, 0xeb, 0xb8, 0x53, 0xc9},
				ClientID: duidLL},
		},
		{
			name: "DHCPv6 DUID-EN holds no MAC", src: "[fe80::1]:546", dst: "[ff02::1:2]:547",
			payload: dhcpv6(1, opt6(1, duidEN)),
			want:    &capture.DHCPEvent{V6: true, MsgType: "SOLICIT", ClientID: duidEN},
		},
		{
			name: "DHCPv6 relay-forward reads the client's message", src: "[2001:db8::1]:547", dst: "[2001:db8::2]:547",
			payload: relayForward(dhcpv6(1, opt6(1, duidLLT), opt6(112, []byte(mud)))),
			want:    &capture.DHCPEvent{V6: true, MsgType: "SOLICIT", ClientMAC: piMAC, ClientID: duidLLT, MUDURL: mud},
		},
		{
			name: "DHCPv6 truncated option", src: "[fe80::1]:546", dst: "[ff02::1:2]:547",
			payload: append(dhcpv6(1, opt6(1, duidLL)), 0, 16, 0, 200, 1),
			want:    &capture.DHCPEvent{V6: true, MsgType: "SOLICIT", ClientMAC: capture.MAC{0xb8, 0x27, 0xeb, 0xb8, 0x53, 0xc9}, ClientID: duidLL},
			note:    "dhcpv6: truncated option",
		},
		{
			name: "DHCPv6 too short", src: "[fe80::1]:546", dst: "[ff02::1:2]:547",
			payload: []byte{1, 0}, note: "dhcpv6: short message",
		},
		{
			name: "other ports", src: "10.0.0.1:68", dst: "10.0.0.2:6800", payload: dhcp4(1, 1),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := packet(capture.UDP, tc.src, tc.dst, tc.payload)
			ev := eventsOf[*capture.DHCPEvent](run(NewDHCP(), p))
			if tc.note != "" && p.Flow.Notes[tc.note] != 1 {
				t.Errorf("notes = %v, want %q", p.Flow.Notes, tc.note)
			}
			if tc.want == nil {
				if len(ev) != 0 {
					t.Fatalf("unexpected event %+v", ev[0])
				}
				return
			}
			if len(ev) != 1 {
				t.Fatalf("%d events, want 1", len(ev))
			}
			tc.want.Meta = p.Meta
			if !reflect.DeepEqual(ev[0], tc.want) {
				t.Errorf("got  %+v\nwant %+v", ev[0], tc.want)
			}
			if app := map[bool]string{false: "dhcp", true: "dhcpv6"}[tc.want.V6]; p.Flow.App != app {
				t.Errorf("flow app = %q, want %q", p.Flow.App, app)
			}
		})
	}
}

// TestDHCPCopies checks that an event does not alias the payload, which
// the scanner reuses for the next packet.
func TestDHCPCopies(t *testing.T) {
	b := dhcp4(1, 1, opt(12, "name"), []byte{55, 2, 1, 3}, []byte{61, 2, 9, 9})
	ev := eventsOf[*capture.DHCPEvent](run(NewDHCP(), packet(capture.UDP, "0.0.0.0:68", "255.255.255.255:67", b)))
	for i := range b {
		b[i] = 0xee
	}
	if len(ev) != 1 || ev[0].Hostname != "name" || !reflect.DeepEqual(ev[0].ParamList, []uint8{1, 3}) || !reflect.DeepEqual(ev[0].ClientID, []byte{9, 9}) {
		t.Errorf("event changed with the payload: %+v", ev)
	}
}

func FuzzDHCP(f *testing.F) {
	fuzzDissector(f, NewDHCP, capture.UDP, "0.0.0.0:68", "255.255.255.255:67",
		dhcp4(1, 1, opt(12, "HS110"), []byte{55, 3, 1, 3, 6}, opt(81, "\x05\x00\x00\x02hs\x00")),
		overloaded(dhcp4(1, 1)), withYiaddr(dhcp4(2, 5), "10.0.0.9"))
}

func FuzzDHCPv6(f *testing.F) {
	fuzzDissector(f, NewDHCP, capture.UDP, "[fe80::1]:546", "[ff02::1:2]:547",
		dhcpv6(1, opt6(1, duidLLT), opt6(6, []byte{0, 23}), opt6(16, vendorClass6("x")), opt6(39, []byte{0, 1, 'a', 0})),
		relayForward(relayForward(dhcpv6(1, opt6(1, duidLL)))))
}

func BenchmarkDHCPv4(b *testing.B) {
	d := NewDHCP()
	p := packet(capture.UDP, "0.0.0.0:68", "255.255.255.255:67",
		dhcp4(1, 1, opt(12, "HS110"), opt(60, "udhcp 1.19.4"), []byte{55, 4, 1, 3, 6, 15}, []byte{50, 4, 192, 168, 1, 20}))
	b.ReportAllocs()
	for b.Loop() {
		d.Dissect(p, func(capture.Event) {})
	}
}
