package capture

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"testing"
	"unsafe"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// sameSlice reports whether a and b are the same slice: both nil, or the
// same start, length and capacity.
func sameSlice(a, b []byte) bool {
	return (a == nil) == (b == nil) && len(a) == len(b) && cap(a) == cap(b) &&
		unsafe.SliceData(a) == unsafe.SliceData(b)
}

// diffDecoded describes how a differs from b, "" if in nothing.
func diffDecoded(a, b decoded) string {
	if !sameSlice(a.payload, b.payload) {
		return fmt.Sprintf("payload %d/%d bytes at %p, %d/%d bytes at %p", len(a.payload), cap(a.payload), unsafe.SliceData(a.payload),
			len(b.payload), cap(b.payload), unsafe.SliceData(b.payload))
	}
	if !sameSlice(a.icmp6, b.icmp6) {
		return fmt.Sprintf("icmp6 %d bytes, %d bytes", len(a.icmp6), len(b.icmp6))
	}
	a.payload, a.icmp6, b.payload, b.icmp6 = nil, nil, nil, nil
	if !reflect.DeepEqual(a, b) {
		return fmt.Sprintf("%+v\nwant %+v", a, b)
	}
	return ""
}

// fastMatchesSlow decodes data both ways. It fails t if the fast path
// takes the packet and decodes it otherwise than gopacket's layers, and
// reports whether it took it.
func fastMatchesSlow(t testing.TB, d *decoder, data []byte, what string) bool {
	t.Helper()
	var fast, slow decoded
	d.slow(layers.LinkTypeEthernet, data, &slow)
	if !d.fast(data, &fast) {
		return false
	}
	if diff := diffDecoded(fast, slow); diff != "" {
		t.Fatalf("%s (% x): fast path decoded %s", what, data, diff)
	}
	var viaDecode decoded
	d.decode(layers.LinkTypeEthernet, data, &viaDecode)
	if diff := diffDecoded(viaDecode, slow); diff != "" {
		t.Fatalf("%s: decode %s", what, diff)
	}
	return true
}

// capturedEthernet reads the Ethernet frames of every capture under the
// given paths (missing ones are skipped).
func capturedEthernet(t testing.TB, paths ...string) [][]byte {
	t.Helper()
	var there []string
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			there = append(there, p)
		}
	}
	if len(there) == 0 {
		return nil
	}
	s, err := Open(there...)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var frames [][]byte
	for {
		p, err := s.Next()
		if errors.Is(err, io.EOF) {
			return frames
		}
		if err != nil {
			continue // a capture the reader rejects: nothing to decode
		}
		if p.LinkType == layers.LinkTypeEthernet {
			frames = append(frames, append([]byte(nil), p.Data...))
		}
	}
}

// fastCases are frames built to hit each branch of the fast path and each
// reason to leave it.
func fastCases(t testing.TB) map[string][]byte {
	eth := &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: layers.EthernetTypeIPv4}
	eth6 := &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: layers.EthernetTypeIPv6}
	ip4 := func(proto layers.IPProtocol) *layers.IPv4 {
		return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto, Flags: layers.IPv4DontFragment,
			SrcIP: net.IP{192, 168, 1, 20}, DstIP: net.IP{93, 184, 216, 34}}
	}
	ip6 := func(proto layers.IPProtocol) *layers.IPv6 {
		return &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto,
			SrcIP: net.ParseIP("2001:db8::1"), DstIP: net.ParseIP("2001:db8::2")}
	}
	tcp := func(ip gopacket.NetworkLayer, opts ...layers.TCPOption) *layers.TCP {
		l := &layers.TCP{SrcPort: 51000, DstPort: 80, Seq: 0x01020304, Ack: 9, SYN: true, ACK: true, PSH: true, FIN: true, RST: true, Window: 1000, Options: opts}
		if err := l.SetNetworkLayerForChecksum(ip); err != nil {
			t.Fatal(err)
		}
		return l
	}
	udp := func(ip gopacket.NetworkLayer, sport, dport layers.UDPPort) *layers.UDP {
		l := &layers.UDP{SrcPort: sport, DstPort: dport}
		if err := l.SetNetworkLayerForChecksum(ip); err != nil {
			t.Fatal(err)
		}
		return l
	}
	pay := gopacket.Payload("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")
	c := map[string][]byte{}
	i4 := ip4(layers.IPProtocolTCP)
	c["IPv4 TCP"] = ser(t, eth, i4, tcp(i4), pay)
	c["IPv4 TCP, options"] = ser(t, eth, i4, tcp(i4, layers.TCPOption{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{5, 0xb4}},
		layers.TCPOption{OptionType: layers.TCPOptionKindNop}, layers.TCPOption{OptionType: layers.TCPOptionKindWindowScale, OptionLength: 3, OptionData: []byte{7}}))
	c["IPv4 TCP, no payload (padded to 60 bytes)"] = ser(t, eth, i4, tcp(i4))
	tls := tcp(i4)
	tls.SrcPort = 443
	c["IPv4 TCP, TLS port"] = ser(t, eth, i4, tls, pay)
	u4 := ip4(layers.IPProtocolUDP)
	c["IPv4 UDP"] = ser(t, eth, u4, udp(u4, 40000, 53), pay)
	c["IPv4 UDP, VXLAN port"] = ser(t, eth, u4, udp(u4, 40000, 4789), pay)
	c["IPv4 UDP, GTP-U port, empty"] = ser(t, eth, u4, udp(u4, 2152, 2152))
	c["IPv4 ICMP"] = ser(t, eth, ip4(layers.IPProtocolICMPv4), &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(8, 0)}, pay)
	c["IPv4 option"] = ser(t, eth, &layers.IPv4{Version: 4, TTL: 1, Protocol: layers.IPProtocolUDP, SrcIP: net.IP{10, 0, 0, 1}, DstIP: net.IP{224, 0, 0, 22},
		Options: []layers.IPv4Option{{OptionType: 148, OptionLength: 4, OptionData: []byte{0, 0}}}}, udp(u4, 1, 2), pay)
	c["IPv4 fragment"] = ser(t, eth, &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP, Flags: layers.IPv4MoreFragments,
		SrcIP: net.IP{10, 0, 0, 1}, DstIP: net.IP{10, 0, 0, 2}}, udp(u4, 1, 2), pay)
	t6 := ip6(layers.IPProtocolTCP)
	c["IPv6 TCP"] = ser(t, eth6, t6, tcp(t6), pay)
	v6 := ip6(layers.IPProtocolUDP)
	c["IPv6 UDP"] = ser(t, eth6, v6, udp(v6, 5353, 5353), pay)
	c["IPv6 hop-by-hop"] = ser(t, eth6, &layers.IPv6{Version: 6, HopLimit: 1, NextHeader: layers.IPProtocolIPv6HopByHop,
		SrcIP: net.ParseIP("fe80::1"), DstIP: net.ParseIP("ff02::16")},
		&layers.IPv6HopByHop{Options: []*layers.IPv6HopByHopOption{{OptionType: 1, OptionLength: 4, OptionData: []byte{0, 0, 0, 0}}}},
		udp(v6, 1, 2), pay)
	c["802.1Q IPv4 UDP"] = ser(t, &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: layers.EthernetTypeDot1Q},
		&layers.Dot1Q{VLANIdentifier: 7, Type: layers.EthernetTypeIPv4}, u4, udp(u4, 40000, 53), pay)
	// Lengths edited after serialising: an IP length past the capture (a
	// snap length), UDP lengths of 0 (jumbogram), past the capture and
	// below the header, a TCP data offset below 5 and past the capture,
	// an IPv4 length of 0 (TSO) and below 20, an IPv6 length of 0.
	edit := func(name, from string, f func(b []byte)) {
		b := append([]byte(nil), c[from]...)
		f(b)
		c[name] = b
	}
	put16 := func(b []byte, v uint16) { b[0], b[1] = byte(v>>8), byte(v) }
	edit("IPv4 length past the capture", "IPv4 TCP", func(b []byte) { put16(b[16:], 1500) })
	edit("IPv4 length 0", "IPv4 TCP", func(b []byte) { put16(b[16:], 0) })
	edit("IPv4 length 19", "IPv4 TCP", func(b []byte) { put16(b[16:], 19) })
	edit("IPv4 version 6", "IPv4 TCP", func(b []byte) { b[14] = 0x65 })
	edit("IPv4 length below the UDP header", "IPv4 UDP", func(b []byte) { put16(b[16:], 24) })
	edit("UDP length 0", "IPv4 UDP", func(b []byte) { put16(b[38:], 0) })
	edit("UDP length past the capture", "IPv4 UDP", func(b []byte) { put16(b[38:], 900) })
	edit("UDP length 7", "IPv4 UDP", func(b []byte) { put16(b[38:], 7) })
	edit("TCP data offset 4", "IPv4 TCP", func(b []byte) { b[46] = 0x40 })
	edit("TCP data offset 15", "IPv4 TCP, no payload (padded to 60 bytes)", func(b []byte) { b[46] = 0xf0 })
	edit("IPv6 length past the capture", "IPv6 UDP", func(b []byte) { put16(b[18:], 3000) })
	edit("IPv6 length 0", "IPv6 UDP", func(b []byte) { put16(b[18:], 0) })
	edit("IPv6 version 4", "IPv6 UDP", func(b []byte) { b[14] = 0x40 })
	edit("Ethernet trailer after IPv6", "IPv6 TCP", func(b []byte) { put16(b[18:], uint16(len(b)-14-40-6)) })
	return c
}

// TestFastDecode: the fast path decodes what it takes exactly as
// gopacket's layers do (the same fields, the payload the same slice of
// the packet), on frames built for it, every prefix of them, and the
// Ethernet frames of the project's captures and of ../shared/captures
// when present. It takes the common frames and leaves the others.
func TestFastDecode(t *testing.T) {
	d := newDecoder()
	took := map[string]bool{}
	for name, b := range fastCases(t) {
		took[name] = fastMatchesSlow(t, d, b, name)
		for n := range len(b) {
			fastMatchesSlow(t, d, b[:n], fmt.Sprintf("%s cut to %d bytes", name, n))
		}
	}
	for _, tc := range decodeCases(t) {
		if tc.lt == layers.LinkTypeEthernet {
			took[tc.name] = fastMatchesSlow(t, d, tc.data, tc.name)
		}
	}
	for name, want := range map[string]bool{
		"IPv4 TCP": true, "IPv4 TCP, options": true, "IPv4 TCP, no payload (padded to 60 bytes)": true, "IPv4 TCP, TLS port": true,
		"IPv4 UDP": true, "IPv4 UDP, GTP-U port, empty": true, "IPv6 TCP": true, "IPv6 UDP": true, "802.1Q IPv4 UDP": true, "ethernet": true,
		"IPv4 length past the capture": true, "UDP length 0": true, "UDP length past the capture": true, "IPv6 length past the capture": true,
		"Ethernet trailer after IPv6": true,
		"IPv4 UDP, VXLAN port":        false, "IPv4 ICMP": false, "IPv4 option": false, "IPv4 fragment": false, "IPv6 hop-by-hop": false,
		"IPv4 length 0": false, "IPv4 length 19": false, "IPv4 version 6": false, "IPv4 length below the UDP header": false, "UDP length 7": false,
		"TCP data offset 4": false, "TCP data offset 15": false, "IPv6 length 0": false, "IPv6 version 4": false,
		"QinQ": false, "PPPoE": false, "VXLAN": false, "GRE": false, "GTP-U": false,
	} {
		if took[name] != want {
			t.Errorf("%s: fast path taken %v, want %v", name, took[name], want)
		}
	}
	for _, dir := range []string{"../testdata", "../../shared/captures"} {
		frames := capturedEthernet(t, dir)
		if len(frames) == 0 {
			t.Logf("%s: no Ethernet frames (absent?)", dir)
			continue
		}
		fast := 0
		for i, b := range frames {
			if fastMatchesSlow(t, d, b, fmt.Sprintf("%s frame %d", dir, i)) {
				fast++
			}
		}
		t.Logf("%s: %d of %d Ethernet frames on the fast path", dir, fast, len(frames))
		if fast == 0 {
			t.Errorf("%s: no frame on the fast path", dir)
		}
	}
}

// FuzzFastDecode: whatever the bytes, when the fast path takes an
// Ethernet frame it decodes it as gopacket's layers do.
func FuzzFastDecode(f *testing.F) {
	for _, b := range fastCases(f) {
		f.Add(b)
	}
	for _, tc := range decodeCases(f) {
		if tc.lt == layers.LinkTypeEthernet {
			f.Add(tc.data)
		}
	}
	frames := capturedEthernet(f, "../testdata")
	for i := 0; i < len(frames); i += 1 + len(frames)/200 {
		f.Add(frames[i])
	}
	d := newDecoder()
	f.Fuzz(func(t *testing.T, data []byte) {
		fastMatchesSlow(t, d, data, "fuzzed frame")
	})
}

// BenchmarkDecode decodes the Ethernet frames of the project's captures
// in turn, with decode (the fast path when it applies) and with
// gopacket's layers alone; ns/op is per frame.
func BenchmarkDecode(b *testing.B) {
	frames := capturedEthernet(b, "../testdata")
	if len(frames) == 0 {
		b.Skip("no captures")
	}
	for _, bc := range []struct {
		name string
		f    func(d *decoder, data []byte, out *decoded)
	}{
		{"decode", func(d *decoder, data []byte, out *decoded) { d.decode(layers.LinkTypeEthernet, data, out) }},
		{"gopacket", func(d *decoder, data []byte, out *decoded) { d.slow(layers.LinkTypeEthernet, data, out) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			d := newDecoder()
			var out decoded
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				bc.f(d, frames[i%len(frames)], &out)
			}
		})
	}
}

// TestFastDecodeEveryPort: for every port gopacket gives a layer (and
// some it does not), as the destination and as the source, of TCP and
// UDP with a payload, the fast path (deciding by its
// cache of the ports' layer types) takes the packet or leaves it as
// gopacket's layers would decode it. The cache is filled by the first
// pass and read by the second.
func TestFastDecodeEveryPort(t *testing.T) {
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	pay := gopacket.Payload("\x30\x00\x00\x0c\x00\x00\x00\x01some bytes after")
	d := newDecoder()
	var frames [][]byte
	for port := range 1 << 16 {
		// Every port gopacket names a layer for, and a sample of the
		// others (plain payload), each case of portClass.
		if layers.TCPPort(port).LayerType() == gopacket.LayerTypePayload && layers.UDPPort(port).LayerType() == gopacket.LayerTypePayload && port%97 != 0 {
			continue
		}
		for _, udp := range []bool{false, true} {
			for _, fromPort := range []bool{false, true} {
				sport, dport := 40000, port
				if fromPort {
					sport, dport = port, 40000
				}
				ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.IP{192, 168, 1, 20}, DstIP: net.IP{93, 184, 216, 34}}
				tcp := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Window: 1000}
				var tl interface {
					gopacket.SerializableLayer
					SetNetworkLayerForChecksum(gopacket.NetworkLayer) error
				} = tcp
				if udp {
					ip.Protocol = layers.IPProtocolUDP
					tl = &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
				}
				if err := tl.SetNetworkLayerForChecksum(ip); err != nil {
					t.Fatal(err)
				}
				frames = append(frames, ser(t, eth, ip, tl, pay))
			}
		}
	}
	for pass := range 2 {
		for i, b := range frames {
			fastMatchesSlow(t, d, b, fmt.Sprintf("pass %d, frame %d", pass, i))
		}
	}
}
