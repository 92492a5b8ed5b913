package capture

import (
	"encoding/binary"
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
	layers   gopacket.DecodingLayerSparse // every decoding layer above, by the layer type it decodes
	parsers  map[gopacket.LayerType]*gopacket.DecodingLayerParser
	types    []gopacket.LayerType
	linkSeen map[layers.LinkType]bool
	// ports caches, by transport (portTCP, portUDP) and port, what the
	// layer type gopacket gives the port means to fast (see portClass):
	// 0 until first asked. gopacket's answer is a switch over some
	// hundred ports, asked up to twice a packet; tattle registers no
	// port of its own, so the answer never changes.
	ports [2][1 << 16]uint8
}

// Transports of decoder.ports.
const (
	portTCP = iota
	portUDP
)

// What a port's layer type means to fast (decoder.ports).
const (
	portPayload = 1 + iota // plain payload: the other port decides
	portAGUE               // AGUE variant 0 (UDP only: left to slow)
	portDecoded            // a layer the decoder has (a tunnel: left to slow when there is payload)
	portOther              // any other layer, decoded no further here
)

// portClass is what the layer type of port of transport t (portTCP,
// portUDP) means to fast.
func (d *decoder) portClass(t int, port uint16) uint8 {
	if c := d.ports[t][port]; c != 0 {
		return c
	}
	return d.learnPort(t, port)
}

// learnPort works out portClass, the first time a port is asked.
func (d *decoder) learnPort(t int, port uint16) uint8 {
	var lt gopacket.LayerType
	if t == portTCP {
		lt = layers.TCPPort(port).LayerType()
	} else {
		lt = layers.UDPPort(port).LayerType()
	}
	c := uint8(portOther)
	switch _, decoded := d.layers.Decoder(lt); {
	case lt == gopacket.LayerTypePayload:
		c = portPayload
	case lt == layers.LayerTypeAGUEVar0 && t == portUDP:
		c = portAGUE
	case decoded:
		c = portDecoded
	}
	d.ports[t][port] = c
	return c
}

func newDecoder() *decoder {
	d := &decoder{
		parsers: make(map[gopacket.LayerType]*gopacket.DecodingLayerParser),
		types:   make([]gopacket.LayerType, 0, 12),
	}
	var dlc gopacket.DecodingLayerContainer = gopacket.DecodingLayerSparse(nil)
	for _, l := range []gopacket.DecodingLayer{&d.eth, &d.dot1q, &d.sll, &d.sll2, &d.loop, &d.ip4, &d.ip6, &d.ip6ext, &d.gtp, &d.vxlan, &d.gre, &d.pppoe, &d.tcp, &d.udp} {
		dlc = dlc.Put(l)
	}
	d.layers = dlc.(gopacket.DecodingLayerSparse)
	return d
}

func (d *decoder) parser(first gopacket.LayerType) *gopacket.DecodingLayerParser {
	if p, ok := d.parsers[first]; ok {
		return p
	}
	p := gopacket.NewDecodingLayerParser(first)
	p.SetDecodingLayerContainer(d.layers)
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
	if lt == layers.LinkTypeEthernet && d.fast(data, out) {
		return
	}
	d.slow(lt, data, out)
}

// slow decodes with gopacket's decoding layers: every link type, tunnel
// and header tattle reads.
func (d *decoder) slow(lt layers.LinkType, data []byte, out *decoded) {
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

// fast decodes the common case without gopacket's layers: an Ethernet
// frame, untagged or with one 802.1Q tag, carrying IPv4 without options
// and not a fragment, or IPv6 without extension headers, then TCP or
// UDP whose payload does not open a tunnel. It fills out exactly as slow
// would and reports true; for anything else (including lengths slow
// would reject) it reports false and out must be decoded by slow.
func (d *decoder) fast(data []byte, out *decoded) bool {
	if len(data) < 14 {
		return false
	}
	et := binary.BigEndian.Uint16(data[12:14])
	ip := data[14:]
	if et == uint16(layers.EthernetTypeDot1Q) {
		if len(ip) < 4 {
			return false
		}
		et = binary.BigEndian.Uint16(ip[2:4])
		ip = ip[4:]
	}
	var (
		src, dst  netip.Addr
		proto     byte
		ipLen     int
		truncated bool
		tp        []byte // the transport header and what follows, up to the IP length
	)
	switch et {
	case uint16(layers.EthernetTypeIPv4):
		// A 20-byte header (IHL 5), a length covering it (0 is TSO's
		// "as captured", left to slow), not a fragment.
		if len(ip) < 20 || ip[0] != 0x45 {
			return false
		}
		n := int(binary.BigEndian.Uint16(ip[2:4]))
		if n < 20 || binary.BigEndian.Uint16(ip[6:8])&0x3fff != 0 {
			return false
		}
		proto = ip[9]
		src = netip.AddrFrom4([4]byte(ip[12:16]))
		dst = netip.AddrFrom4([4]byte(ip[16:20]))
		ipLen = n
		if len(ip) > n {
			ip = ip[:n] // Ethernet padding or a trailer
		} else if len(ip) < n {
			truncated = true
		}
		tp = ip[20:]
	case uint16(layers.EthernetTypeIPv6):
		// A payload length of 0 is a jumbogram (or invalid): left to slow.
		if len(ip) < 40 || ip[0]>>4 != 6 {
			return false
		}
		n := int(binary.BigEndian.Uint16(ip[4:6]))
		if n == 0 {
			return false
		}
		proto = ip[6]
		src = netip.AddrFrom16([16]byte(ip[8:24]))
		dst = netip.AddrFrom16([16]byte(ip[24:40]))
		ipLen = n + 40
		tp = ip[40:]
		if n > len(tp) {
			truncated = true
			n = len(tp)
		}
		tp = tp[:n]
	default:
		return false
	}
	var (
		sport, dport uint16
		payload      []byte
		next         uint8 // the port class (see portClass) of the layer after the transport
	)
	switch layers.IPProtocol(proto) {
	case layers.IPProtocolTCP:
		if len(tp) < 20 {
			return false
		}
		off := int(tp[12]>>4) * 4
		if off < 20 || off > len(tp) {
			return false
		}
		sport, dport = binary.BigEndian.Uint16(tp[0:2]), binary.BigEndian.Uint16(tp[2:4])
		payload = tp[off:]
		if next = d.portClass(portTCP, dport); next == portPayload {
			next = d.portClass(portTCP, sport)
		}
	case layers.IPProtocolUDP:
		if len(tp) < 8 {
			return false
		}
		sport, dport = binary.BigEndian.Uint16(tp[0:2]), binary.BigEndian.Uint16(tp[2:4])
		switch n := int(binary.BigEndian.Uint16(tp[4:6])); {
		case n >= 8:
			if n > len(tp) {
				truncated = true
				n = len(tp)
			}
			payload = tp[8:n]
		case n == 0: // jumbogram: the rest of the IP payload
			payload = tp[8:]
		default:
			return false
		}
		if next = d.portClass(portUDP, dport); next == portPayload {
			next = d.portClass(portUDP, sport)
		}
		if next == portAGUE {
			return false // UDP's NextLayerType may turn it into variant 1
		}
	default:
		return false
	}
	// gopacket decodes the payload further when it is not empty and the
	// ports name a layer the decoder has (VXLAN, GTP-U...): left to slow.
	if next == portDecoded && len(payload) > 0 {
		return false
	}
	*out = decoded{
		srcMAC:       MAC(data[6:12]),
		dstMAC:       MAC(data[0:6]),
		hasMAC:       true,
		src:          src,
		dst:          dst,
		sport:        sport,
		dport:        dport,
		transport:    Transport(proto),
		ipLen:        ipLen,
		payload:      payload,
		truncated:    truncated,
		hasIP:        true,
		hasTransport: true,
	}
	if proto == byte(layers.IPProtocolTCP) {
		out.tcpSeq = binary.BigEndian.Uint32(tp[4:8])
		fl := tp[13]
		out.fin, out.syn, out.rst, out.ack = fl&0x01 != 0, fl&0x02 != 0, fl&0x04 != 0, fl&0x10 != 0
	}
	return true
}
