package gen

import (
	"encoding/binary"
	"io"
	"net"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// The IPv6 flat: a router that hands out no IPv4 (no DHCP answers) and
// is found only by its router advertisements, a HomePod mini that is a
// Thread border router (it advertises its mesh prefix with router
// lifetime 0: a router, not the way out), an Espressif plug that
// configures itself by SLAAC and talks to its cloud over IPv6, and a
// laptop whose forged advertisement (hop limit 64: it crossed a router,
// so RFC 4861 says to drop it) must not make it the gateway.
var (
	V6Router  = Host{MAC: MustMAC("3c:a6:2f:11:22:33"), IP: net.ParseIP("fe80::3ea6:2fff:fe11:2233"), Name: "router"}
	V6HomePod = Host{MAC: MustMAC("f4:34:f0:44:55:66"), IP: net.ParseIP("fe80::f634:f0ff:fe44:5566"), Name: "homepod"}
	// V6HomePod4 is the HomePod's IPv4 link-local address, for mDNS.
	V6HomePod4 = Host{MAC: MustMAC("f4:34:f0:44:55:66"), IP: net.IPv4(169, 254, 20, 7).To4(), Name: "homepod"}
	V6Plug     = Host{MAC: MustMAC("08:3a:8d:77:88:99"), IP: net.ParseIP("fe80::a3a:8dff:fe77:8899"), Name: "plug"}
	// V6PlugGlobal is the plug's SLAAC address in the router's prefix.
	V6PlugGlobal = Host{MAC: MustMAC("08:3a:8d:77:88:99"), IP: net.ParseIP("2001:db8:4::a3a:8dff:fe77:8899"), Name: "plug"}
	V6Laptop     = Host{MAC: MustMAC("00:06:5b:aa:bb:cc"), IP: net.ParseIP("fe80::206:5bff:feaa:bbcc"), Name: "laptop"}
)

var (
	allNodes   = Host{MAC: MustMAC("33:33:00:00:00:01"), IP: net.ParseIP("ff02::1")}
	allRouters = Host{MAC: MustMAC("33:33:00:00:00:02"), IP: net.ParseIP("ff02::2")}
)

// icmp6 writes one ICMPv6 message (body after type, code and checksum)
// with the given hop limit.
func (g *Gen) icmp6(src, dst Host, hop uint8, typ uint8, body []byte) {
	eth := &layers.Ethernet{SrcMAC: src.MAC, DstMAC: dst.MAC, EthernetType: layers.EthernetTypeIPv6}
	ip := &layers.IPv6{Version: 6, HopLimit: hop, NextHeader: layers.IPProtocolICMPv6, SrcIP: src.IP, DstIP: dst.IP}
	ic := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(typ, 0)}
	_ = ic.SetNetworkLayerForChecksum(ip)
	g.write(eth, ip, ic, gopacket.Payload(body))
}

// raOption is one neighbour discovery option: its type and its body
// (padded to a multiple of 8 bytes with the type and length).
func raOption(typ byte, body []byte) []byte {
	n := (len(body) + 2 + 7) / 8
	b := append([]byte{typ, byte(n)}, body...)
	return append(b, make([]byte, n*8-len(b))...)
}

// routerAdvert is a router advertisement's body (RFC 4861 §4.2): M/O
// flags, router lifetime, and options.
func routerAdvert(flags byte, lifetime uint16, opts ...[]byte) []byte {
	b := []byte{64, flags}
	b = binary.BigEndian.AppendUint16(b, lifetime)
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0) // reachable time, retransmission timer: unspecified
	for _, o := range opts {
		b = append(b, o...)
	}
	return b
}

// prefixOption is a prefix information option for a /64, on-link and
// autonomous (SLAAC), valid a day, preferred four hours.
func prefixOption(prefix string) []byte {
	b := []byte{64, 0xc0}
	b = binary.BigEndian.AppendUint32(b, 86400)
	b = binary.BigEndian.AppendUint32(b, 14400)
	b = append(b, 0, 0, 0, 0)
	b = append(b, net.ParseIP(prefix).To16()...)
	return raOption(3, b)
}

// routeOption is a route information option (RFC 4191) for a /64: the
// mesh prefix a Thread border router routes to.
func routeOption(prefix string) []byte {
	b := []byte{64, 0}
	b = binary.BigEndian.AppendUint32(b, 1800)
	b = append(b, net.ParseIP(prefix).To16()[:8]...)
	return raOption(24, b)
}

// IPv6Flat writes the IPv6 flat (see V6Router).
func IPv6Flat(w io.Writer) error {
	g, err := New(w, 20260401, V6Router)
	if err != nil {
		return err
	}
	routerRA := routerAdvert(0x40, 1800,
		raOption(1, V6Router.MAC),
		raOption(5, []byte{0, 0, 0, 0, 0x05, 0xd4}), // MTU 1492 (PPPoE)
		prefixOption("2001:db8:4::"),
		raOption(25, append([]byte{0, 0, 0, 0, 0x0e, 0x10}, net.ParseIP("fd00:4::1").To16()...))) // RDNSS, an hour
	// The plug joins and solicits a router; the router answers to all
	// nodes, as it does unsolicited every few minutes.
	g.icmp6(V6Plug, allRouters, 255, 133, append([]byte{0, 0, 0, 0}, raOption(1, V6Plug.MAC)...))
	g.icmp6(V6Router, allNodes, 255, 134, routerRA)
	g.Tick(2 * time.Second)
	// The HomePod, a Thread border router, advertises its mesh prefix:
	// lifetime 0, a route information option, no default route.
	g.icmp6(V6HomePod, allNodes, 255, 134, routerAdvert(0, 0, raOption(1, V6HomePod.MAC), routeOption("fd11:22:33:44::")))
	g.MDNSAnnounce(V6HomePod4, "Living-Room", []Service{
		{Instance: "Living Room", Type: "_airplay._tcp", Port: 7000, TXT: []string{"model=AudioAccessory5,1", "features=0x4A7FDFD5,0xBC157FDE"}},
		{Instance: "Living Room", Type: "_meshcop._udp", Port: 49191, TXT: []string{"rv=1", "nn=MyHome", "vn=Apple Inc."}},
	})
	g.Tick(time.Second)
	// The laptop's advertisement arrives with hop limit 64: forwarded,
	// not from this link.
	g.icmp6(V6Laptop, allNodes, 64, 134, routerAdvert(0, 1800, raOption(1, V6Laptop.MAC)))
	g.Tick(time.Second)
	// The plug talks to its cloud over IPv6, through the router.
	g.TLS(V6PlugGlobal, Host{IP: net.ParseIP("2a05:d014:a1::17")}, "a1.tuyaeu.com", EmbeddedHello, 600)
	g.Tick(4 * time.Minute)
	g.icmp6(V6Router, allNodes, 255, 134, routerRA)
	return g.Close()
}
