package capture

import (
	"net"
	"net/netip"
	"testing"
	"time"
	"unsafe"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

func ser(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// innerUDP is the IPv4/UDP packet every encapsulation below carries.
func innerUDP(t testing.TB) []gopacket.SerializableLayer {
	ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP,
		SrcIP: net.IP{100, 64, 1, 2}, DstIP: net.IP{203, 0, 113, 9}}
	udp := &layers.UDP{SrcPort: 40000, DstPort: 53}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	return []gopacket.SerializableLayer{ip, udp, gopacket.Payload("inner")}
}

type decodeCase struct {
	name string
	lt   layers.LinkType
	data []byte
	mac  bool
}

// decodeCases is a packet for every link type and tunnel the decoder
// opens, each carrying innerUDP.
func decodeCases(t testing.TB) []decodeCase {
	eth := func(et layers.EthernetType) *layers.Ethernet {
		return &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: et}
	}
	outer := func(proto layers.IPProtocol) *layers.IPv4 {
		return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto, SrcIP: net.IP{10, 0, 0, 1}, DstIP: net.IP{10, 0, 0, 2}}
	}
	inner := innerUDP(t)
	pppoe := func(t testing.TB, ppp []byte) []byte {
		in := ser(t, inner...)
		body := append(append([]byte(nil), ppp...), in...)
		hdr := []byte{0x11, 0x00, 0x12, 0x34, byte(len(body) >> 8), byte(len(body))}
		return append(ethHeader(layers.EthernetTypePPPoESession), append(hdr, body...)...)
	}
	outerUDP := func(dport uint16) []gopacket.SerializableLayer {
		ip := outer(layers.IPProtocolUDP)
		u := &layers.UDP{SrcPort: 50000, DstPort: layers.UDPPort(dport)}
		_ = u.SetNetworkLayerForChecksum(ip)
		return []gopacket.SerializableLayer{eth(layers.EthernetTypeIPv4), ip, u}
	}
	return []decodeCase{
		{"ethernet", layers.LinkTypeEthernet, ser(t, append([]gopacket.SerializableLayer{eth(layers.EthernetTypeIPv4)}, inner...)...), true},
		{"802.1Q", layers.LinkTypeEthernet, ser(t, append([]gopacket.SerializableLayer{eth(layers.EthernetTypeDot1Q),
			&layers.Dot1Q{VLANIdentifier: 7, Type: layers.EthernetTypeIPv4}}, inner...)...), true},
		{"QinQ", layers.LinkTypeEthernet, ser(t, append([]gopacket.SerializableLayer{eth(layers.EthernetTypeQinQ),
			&layers.Dot1Q{VLANIdentifier: 7, Type: layers.EthernetTypeDot1Q}, &layers.Dot1Q{VLANIdentifier: 9, Type: layers.EthernetTypeIPv4}}, inner...)...), true},
		{"PPPoE", layers.LinkTypeEthernet, pppoe(t, []byte{0x00, 0x21}), true},
		{"PPPoE, compressed protocol field", layers.LinkTypeEthernet, pppoe(t, []byte{0x21}), true},
		{"VXLAN", layers.LinkTypeEthernet, ser(t, append(append(outerUDP(4789), &layers.VXLAN{ValidIDFlag: true, VNI: 42},
			eth(layers.EthernetTypeIPv4)), inner...)...), true},
		{"GRE", layers.LinkTypeEthernet, ser(t, append([]gopacket.SerializableLayer{eth(layers.EthernetTypeIPv4), outer(layers.IPProtocolGRE),
			&layers.GRE{Protocol: layers.EthernetTypeIPv4}}, inner...)...), true},
		{"GTP-U", layers.LinkTypeEthernet, ser(t, append(append(outerUDP(2152), &layers.GTPv1U{Version: 1, ProtocolType: 1, MessageType: 255, TEID: 1}),
			inner...)...), true},
		{"raw IPv4", layers.LinkTypeRaw, ser(t, inner...), false},
		{"Linux SLL", layers.LinkTypeLinuxSLL, append([]byte{0, 4, 0, 1, 0, 6, macA[0], macA[1], macA[2], macA[3], macA[4], macA[5], 0, 0, 0x08, 0x00},
			ser(t, inner...)...), true},
		{"BSD loopback", layers.LinkTypeNull, ser(t, append([]gopacket.SerializableLayer{&layers.Loopback{Family: layers.ProtocolFamilyIPv4}}, inner...)...), false},
	}
}

// pppoeNoIP are PPPoE frames that carry no IP: a discovery frame, a PPP
// control frame and a cut session frame.
var pppoeNoIP = map[string][]byte{
	"discovery": append(ethHeader(layers.EthernetTypePPPoEDiscovery), 0x11, 0x09, 0, 0, 0, 0),
	"LCP":       append(ethHeader(layers.EthernetTypePPPoESession), 0x11, 0, 0, 1, 0, 6, 0xc0, 0x21, 1, 1, 0, 4),
	"cut":       append(ethHeader(layers.EthernetTypePPPoESession), 0x11, 0),
}

// TestDecodeEncapsulations: every link type and tunnel the decoder opens
// leads to the inner conversation.
func TestDecodeEncapsulations(t *testing.T) {
	d := newDecoder()
	for _, tc := range decodeCases(t) {
		var out decoded
		d.decode(tc.lt, tc.data, &out)
		if !out.hasIP || !out.hasTransport || out.transport != UDP || out.src != netip.MustParseAddr("100.64.1.2") ||
			out.dst != netip.MustParseAddr("203.0.113.9") || out.dport != 53 || string(out.payload) != "inner" {
			t.Errorf("%s: decoded %+v", tc.name, out)
			continue
		}
		if tc.mac && (!out.hasMAC || out.srcMAC != MAC(macA)) {
			t.Errorf("%s: source MAC %v (has %v)", tc.name, out.srcMAC, out.hasMAC)
		}
	}
	// Frames with no IP decode to none, and do not panic.
	for name, b := range pppoeNoIP {
		var out decoded
		d.decode(layers.LinkTypeEthernet, b, &out)
		if out.hasIP {
			t.Errorf("PPPoE %s: decoded an IP layer: %+v", name, out)
		}
	}
}

// ethHeader is an Ethernet header alone (serialising one pads it to the
// 60-byte minimum, which would hide what follows).
func ethHeader(et layers.EthernetType) []byte {
	h := append(append([]byte(nil), macB...), macA...)
	return append(h, byte(et>>8), byte(et))
}

// FuzzDecode feeds link layers, tunnels and PPPoE frames, seeded from
// the table above, to the decoder and to a scanner. Property: no panic;
// what is decoded points into the packet (nothing is read past it, the
// payload is not copied), a transport only above an IP layer; the
// scanner's flow table stays bounded by its MaxFlows.
func FuzzDecode(f *testing.F) {
	for _, tc := range decodeCases(f) {
		f.Add(uint16(tc.lt), tc.data)
	}
	for _, b := range pppoeNoIP {
		f.Add(uint16(layers.LinkTypeEthernet), b)
	}
	d := newDecoder()
	f.Fuzz(func(t *testing.T, lt uint16, data []byte) {
		var out decoded
		d.decode(layers.LinkType(lt), data, &out)
		if out.hasTransport && !out.hasIP {
			t.Fatalf("a transport layer without an IP layer: %+v", out)
		}
		if len(out.payload) > 0 {
			in := &data[len(data)-1]
			first, last := &out.payload[0], &out.payload[len(out.payload)-1]
			if uintptr(unsafe.Pointer(first)) < uintptr(unsafe.Pointer(&data[0])) || uintptr(unsafe.Pointer(last)) > uintptr(unsafe.Pointer(in)) {
				t.Fatalf("payload of %d bytes is not inside the %d-byte packet", len(out.payload), len(data))
			}
		}
		sink := &recSink{}
		sc := NewScanner(sink, Options{MaxFlows: 4})
		src := &sliceSource{}
		for i := range 3 {
			// The same bytes three times, a second apart (and a copy:
			// the scanner may keep nothing that points into its input).
			src.pkts = append(src.pkts, RawPacket{Data: append([]byte(nil), data...), CaptureLn: len(data),
				Time: t0.Add(time.Duration(i) * time.Second), LinkType: layers.LinkType(lt), Source: "fuzz.pcap", Index: uint64(i + 1)})
		}
		if err := sc.Run(src); err != nil {
			t.Fatal(err)
		}
		if st := sc.Stats(); st.Packets != 3 || st.Flows > 3 {
			t.Fatalf("stats %+v after three copies of one packet", st)
		}
	})
}
