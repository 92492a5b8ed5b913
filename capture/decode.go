package capture

import (
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// decoded is the per-packet outcome of link/network/transport decoding.
// Slices point into the packet buffer.
type decoded struct {
	srcMAC, dstMAC MAC
	hasMAC         bool
	src, dst       netip.Addr
	sport, dport   uint16
	transport      Transport
	ipLen          int // IP-layer length (header + payload) as claimed by the header, or as captured
	payload        []byte
	icmp6          []byte // an ICMPv6 message sent on-link (hop limit 255, RFC 4861's test for neighbour discovery)
	fragment       bool   // IPv4/IPv6 fragment other than a decodable first fragment
	truncated      bool
	tcpSeq         uint32
	syn, ack       bool
	fin, rst       bool
	hasIP          bool
	hasTransport   bool
}

// decoder holds one preallocated DecodingLayerParser per link-layer type.
// Decoding layers are reused for every packet: nothing is allocated per
// packet in steady state.
type decoder struct {
	eth      layers.Ethernet
	dot1q    layers.Dot1Q
	sll      layers.LinuxSLL
	sll2     layers.LinuxSLL2
	loop     layers.Loopback
	ip4      layers.IPv4
	ip6      layers.IPv6
	ip6ext   layers.IPv6ExtensionSkipper
	gtp      layers.GTPv1U
	vxlan    layers.VXLAN
	gre      layers.GRE
	pppoe    pppoeSession
	tcp      layers.TCP
	udp      layers.UDP
	parsers  map[gopacket.LayerType]*gopacket.DecodingLayerParser
	types    []gopacket.LayerType
	linkSeen map[layers.LinkType]bool
}

func newDecoder() *decoder {
	d := &decoder{
		parsers: make(map[gopacket.LayerType]*gopacket.DecodingLayerParser),
		types:   make([]gopacket.LayerType, 0, 12),
	}
	return d
}

func (d *decoder) parser(first gopacket.LayerType) *gopacket.DecodingLayerParser {
	if p, ok := d.parsers[first]; ok {
		return p
	}
	p := gopacket.NewDecodingLayerParser(first)
	p.SetDecodingLayerContainer(gopacket.DecodingLayerSparse(nil))
	for _, l := range []gopacket.DecodingLayer{&d.eth, &d.dot1q, &d.sll, &d.sll2, &d.loop, &d.ip4, &d.ip6, &d.ip6ext, &d.gtp, &d.vxlan, &d.gre, &d.pppoe, &d.tcp, &d.udp} {
		p.AddDecodingLayer(l)
	}
	p.IgnoreUnsupported = true
	d.parsers[first] = p
	return p
}

// firstLayer maps a capture link type to the first layer to decode. ok is
// false for link types tattle does not read.
func firstLayer(lt layers.LinkType, data []byte) (gopacket.LayerType, bool) {
	switch lt {
	case layers.LinkTypeEthernet:
		return layers.LayerTypeEthernet, true
	case layers.LinkTypeLinuxSLL:
		return layers.LayerTypeLinuxSLL, true
	case layers.LinkTypeLinuxSLL2:
		return layers.LayerTypeLinuxSLL2, true
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return layers.LayerTypeLoopback, true
	case layers.LinkTypeIPv4:
		return layers.LayerTypeIPv4, true
	case layers.LinkTypeIPv6:
		return layers.LayerTypeIPv6, true
	case layers.LinkTypeRaw, 12 /* DLT_RAW on some BSDs */, 14:
		if len(data) == 0 {
			return 0, false
		}
		switch data[0] >> 4 {
		case 4:
			return layers.LayerTypeIPv4, true
		case 6:
			return layers.LayerTypeIPv6, true
		}
		return 0, false
	}
	return 0, false
}

// decode fills out from data. Tunnels (GTP-U, VXLAN, GRE, PPPoE) are opened:
// the decoding layers are reused, so an inner header overwrites the outer
// one and the packet is accounted to the innermost conversation. It never panics (the parser recovers) and
// reports what it could decode.
func (d *decoder) decode(lt layers.LinkType, data []byte, out *decoded) {
	*out = decoded{}
	first, ok := firstLayer(lt, data)
	if !ok {
		return
	}
	p := d.parser(first)
	err := p.DecodeLayers(data, &d.types)
	out.truncated = p.Truncated
	for _, t := range d.types {
		switch t {
		case layers.LayerTypeEthernet:
			if len(d.eth.SrcMAC) == 6 && len(d.eth.DstMAC) == 6 {
				copy(out.srcMAC[:], d.eth.SrcMAC)
				copy(out.dstMAC[:], d.eth.DstMAC)
				out.hasMAC = true
			}
		case layers.LayerTypeLinuxSLL:
			if d.sll.AddrLen == 6 && len(d.sll.Addr) >= 6 {
				// SLL carries only the sender's address.
				copy(out.srcMAC[:], d.sll.Addr)
				out.hasMAC = true
			}
		case layers.LayerTypeLinuxSLL2:
			if d.sll2.AddrLength == 6 && len(d.sll2.Addr) >= 6 {
				copy(out.srcMAC[:], d.sll2.Addr)
				out.hasMAC = true
			}
		case layers.LayerTypeIPv4:
			out.hasIP = true
			out.src = netip.AddrFrom4([4]byte(d.ip4.SrcIP.To4()))
			out.dst = netip.AddrFrom4([4]byte(d.ip4.DstIP.To4()))
			out.transport = Transport(d.ip4.Protocol)
			out.icmp6 = nil
			out.ipLen = int(d.ip4.Length)
			if d.ip4.Flags&layers.IPv4MoreFragments != 0 || d.ip4.FragOffset != 0 {
				out.fragment = true
			}
		case layers.LayerTypeIPv6:
			out.hasIP = true
			out.src = netip.AddrFrom16([16]byte(d.ip6.SrcIP.To16()))
			out.dst = netip.AddrFrom16([16]byte(d.ip6.DstIP.To16()))
			out.transport = Transport(d.ip6.NextHeader)
			out.ipLen = int(d.ip6.Length) + 40
			out.icmp6 = nil
			if d.ip6.NextHeader == layers.IPProtocolICMPv6 && d.ip6.HopLimit == 255 {
				out.icmp6 = d.ip6.Payload
			}
			if d.ip6.NextHeader == layers.IPProtocolIPv6Fragment {
				out.fragment = true
			}
		case layers.LayerTypeIPv6HopByHop, layers.LayerTypeIPv6Destination, layers.LayerTypeIPv6Routing:
			out.transport = Transport(d.ip6ext.NextHeader)
			out.icmp6 = nil
			if d.ip6ext.NextHeader == layers.IPProtocolICMPv6 && d.ip6.HopLimit == 255 {
				out.icmp6 = d.ip6ext.Payload
			}
		case gopacket.LayerTypeFragment, layers.LayerTypeIPv6Fragment:
			out.fragment = true
		case layers.LayerTypeTCP:
			out.hasTransport = true
			out.transport = TCP
			out.sport, out.dport = uint16(d.tcp.SrcPort), uint16(d.tcp.DstPort)
			out.payload = d.tcp.Payload
			out.tcpSeq = d.tcp.Seq
			out.syn, out.ack, out.fin, out.rst = d.tcp.SYN, d.tcp.ACK, d.tcp.FIN, d.tcp.RST
		case layers.LayerTypeUDP:
			out.hasTransport = true
			out.transport = UDP
			out.sport, out.dport = uint16(d.udp.SrcPort), uint16(d.udp.DstPort)
			out.payload = d.udp.Payload
		}
	}
	if err != nil && out.hasIP && !out.hasTransport && !out.fragment {
		out.truncated = true
	}
}
