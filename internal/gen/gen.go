// Package gen writes the synthetic captures the project tests with and the
// built-in demo: small, realistic home networks made with gopacket's
// serialisation, byte-for-byte reproducible from a fixed seed (no clock,
// no map order, no crypto randomness).
package gen

import (
	"encoding/binary"
	"hash/fnv"
	"io"
	"math/rand"
	"net"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/miekg/dns"
)

// Base is the capture time of every scenario's first packet.
var Base = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)

// Host is one endpoint.
type Host struct {
	MAC  net.HardwareAddr
	IP   net.IP
	Name string
}

// MustMAC parses a MAC address.
func MustMAC(s string) net.HardwareAddr {
	m, err := net.ParseMAC(s)
	if err != nil {
		panic(err)
	}
	return m
}

// Gen writes packets to a pcapng stream with a deterministic clock.
type Gen struct {
	w       *pcapgo.NgWriter
	Now     time.Time
	Rand    *rand.Rand
	Gateway Host // layer-2 next hop for internet destinations
	buf     gopacket.SerializeBuffer
	port    uint16
	seq     uint32
	err     error
	snaplen int
	count   int
	iface   int           // pcapng interface packets are written on
	step    time.Duration // fixed time between packets; zero: random jitter
}

// New starts a capture on w.
func New(w io.Writer, seed int64, gateway Host) (*Gen, error) {
	nw, err := pcapgo.NewNgWriterInterface(w, pcapgo.NgInterface{Name: "br0", LinkType: layers.LinkTypeEthernet, SnapLength: 262144, TimestampResolution: 6},
		pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "tattle gencaptures"}})
	if err != nil {
		return nil, err
	}
	return &Gen{w: nw, Now: Base, Rand: rand.New(rand.NewSource(seed)), Gateway: gateway, buf: gopacket.NewSerializeBuffer(), port: 40000, seq: 1000}, nil
}

// SetSnaplen cuts every packet written from now on to n bytes (0: none).
func (g *Gen) SetSnaplen(n int) { g.snaplen = n }

// Count is the number of packets written.
func (g *Gen) Count() int { return g.count }

// Close flushes the writer and returns the first error met.
func (g *Gen) Close() error {
	if err := g.w.Flush(); err != nil && g.err == nil {
		g.err = err
	}
	return g.err
}

// Tick advances the clock.
func (g *Gen) Tick(d time.Duration) { g.Now = g.Now.Add(d) }

func (g *Gen) jitter() {
	if g.step > 0 {
		g.Now = g.Now.Add(g.step)
		return
	}
	g.Now = g.Now.Add(time.Duration(1+g.Rand.Intn(40)) * time.Millisecond)
}

// ephemeral returns a fresh client port.
func (g *Gen) ephemeral() uint16 {
	g.port++
	if g.port < 40000 {
		g.port = 40000
	}
	return g.port
}

var broadcastMAC = MustMAC("ff:ff:ff:ff:ff:ff")

// l2 picks the destination MAC: multicast, local, or the gateway.
func (g *Gen) l2(dst Host) net.HardwareAddr {
	if dst.MAC != nil {
		return dst.MAC
	}
	if ip4 := dst.IP.To4(); ip4 != nil && ip4[0] >= 224 && ip4[0] <= 239 {
		return net.HardwareAddr{0x01, 0x00, 0x5e, ip4[1] & 0x7f, ip4[2], ip4[3]}
	}
	if dst.IP.Equal(net.IPv4bcast) {
		return broadcastMAC
	}
	return g.Gateway.MAC
}

func (g *Gen) write(ls ...gopacket.SerializableLayer) {
	if g.err != nil {
		return
	}
	if err := gopacket.SerializeLayers(g.buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		g.err = err
		return
	}
	data := g.buf.Bytes()
	ci := gopacket.CaptureInfo{Timestamp: g.Now, CaptureLength: len(data), Length: len(data), InterfaceIndex: g.iface}
	if g.snaplen > 0 && len(data) > g.snaplen {
		data = data[:g.snaplen]
		ci.CaptureLength = g.snaplen
	}
	g.err = g.w.WritePacket(ci, data)
	g.count++
	g.jitter()
}

func (g *Gen) ipLayers(src, dst Host, proto layers.IPProtocol) (*layers.Ethernet, gopacket.NetworkLayer) {
	eth := &layers.Ethernet{SrcMAC: src.MAC, DstMAC: g.l2(dst), EthernetType: layers.EthernetTypeIPv4}
	if src.MAC == nil {
		eth.SrcMAC = g.Gateway.MAC
	}
	if src.IP.To4() == nil {
		eth.EthernetType = layers.EthernetTypeIPv6
		return eth, &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto, SrcIP: src.IP, DstIP: dst.IP}
	}
	return eth, &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto, SrcIP: src.IP.To4(), DstIP: dst.IP.To4(), Flags: layers.IPv4DontFragment}
}

// UDP writes one datagram.
func (g *Gen) UDP(src, dst Host, sport, dport uint16, payload []byte) {
	eth, ip := g.ipLayers(src, dst, layers.IPProtocolUDP)
	udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	_ = udp.SetNetworkLayerForChecksum(ip)
	g.write(eth, ip.(gopacket.SerializableLayer), udp, gopacket.Payload(payload))
}

// Conn is an open TCP connection.
type Conn struct {
	g              *Gen
	Client, Server Host
	CPort, SPort   uint16
	cseq, sseq     uint32
}

func (g *Gen) tcp(src, dst Host, sport, dport uint16, seq, ack uint32, flags string, payload []byte) {
	eth, ip := g.ipLayers(src, dst, layers.IPProtocolTCP)
	t := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: seq, Ack: ack, Window: 64240}
	for _, f := range flags {
		switch f {
		case 'S':
			t.SYN = true
		case 'A':
			t.ACK = true
		case 'F':
			t.FIN = true
		case 'P':
			t.PSH = true
		case 'R':
			t.RST = true
		}
	}
	_ = t.SetNetworkLayerForChecksum(ip)
	g.write(eth, ip.(gopacket.SerializableLayer), t, gopacket.Payload(payload))
}

// Dial opens a TCP connection with a three-way handshake.
func (g *Gen) Dial(client, server Host, dport uint16) *Conn {
	c := &Conn{g: g, Client: client, Server: server, CPort: g.ephemeral(), SPort: dport, cseq: g.Rand.Uint32(), sseq: g.Rand.Uint32()}
	g.tcp(client, server, c.CPort, dport, c.cseq, 0, "S", nil)
	g.tcp(server, client, dport, c.CPort, c.sseq, c.cseq+1, "SA", nil)
	c.cseq++
	c.sseq++
	g.tcp(client, server, c.CPort, dport, c.cseq, c.sseq, "A", nil)
	return c
}

// mss bounds segment payloads.
const mss = 1400

// Send writes data from the client, in segments of at most split bytes
// (mss when split is 0), and the server's ACK.
func (c *Conn) Send(data []byte, split int) {
	if split <= 0 {
		split = mss
	}
	for len(data) > 0 {
		n := min(split, len(data))
		c.g.tcp(c.Client, c.Server, c.CPort, c.SPort, c.cseq, c.sseq, "PA", data[:n])
		c.cseq += uint32(n)
		data = data[n:]
	}
	c.g.tcp(c.Server, c.Client, c.SPort, c.CPort, c.sseq, c.cseq, "A", nil)
}

// SendOutOfOrder writes data as two segments, the second one first.
func (c *Conn) SendOutOfOrder(data []byte, cut int) {
	c.g.tcp(c.Client, c.Server, c.CPort, c.SPort, c.cseq+uint32(cut), c.sseq, "PA", data[cut:])
	c.g.tcp(c.Client, c.Server, c.CPort, c.SPort, c.cseq, c.sseq, "PA", data[:cut])
	c.cseq += uint32(len(data))
	c.g.tcp(c.Server, c.Client, c.SPort, c.CPort, c.sseq, c.cseq, "A", nil)
}

// Reply writes data from the server.
func (c *Conn) Reply(data []byte) {
	for len(data) > 0 {
		n := min(mss, len(data))
		c.g.tcp(c.Server, c.Client, c.SPort, c.CPort, c.sseq, c.cseq, "PA", data[:n])
		c.sseq += uint32(n)
		data = data[n:]
	}
	c.g.tcp(c.Client, c.Server, c.CPort, c.SPort, c.cseq, c.sseq, "A", nil)
}

// Close ends the connection with FINs both ways.
func (c *Conn) Close() {
	c.g.tcp(c.Client, c.Server, c.CPort, c.SPort, c.cseq, c.sseq, "FA", nil)
	c.g.tcp(c.Server, c.Client, c.SPort, c.CPort, c.sseq, c.cseq+1, "FA", nil)
	c.g.tcp(c.Client, c.Server, c.CPort, c.SPort, c.cseq+1, c.sseq+1, "A", nil)
}

// PublicIP returns a stable, plausible public address for a name: the
// same name always gets the same address in every scenario.
func PublicIP(name string) net.IP {
	h := fnv.New32a()
	h.Write([]byte(name))
	v := h.Sum32()
	firsts := []byte{13, 18, 34, 35, 52, 54, 104, 142, 151, 172, 185, 199, 203}
	ip := net.IPv4(firsts[v%uint32(len(firsts))], byte(v>>8), byte(v>>16), byte(v>>24)|1)
	if ip[12] == 172 && ip[13]&0xf0 == 16 {
		ip[13] = 64 // stay out of 172.16.0.0/12
	}
	return ip.To4()
}

// Resolve writes a DNS query from client to resolver and its answer,
// following a CNAME when cname is set, and returns the address.
func (g *Gen) Resolve(client, resolver Host, name, cname string) net.IP {
	ip := PublicIP(name)
	if cname != "" {
		ip = PublicIP(cname)
	}
	id := uint16(g.Rand.Intn(65535))
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), dns.TypeA)
	q.Id = id
	qb, _ := q.Pack()
	port := g.ephemeral()
	g.UDP(client, resolver, port, 53, qb)
	r := new(dns.Msg)
	r.SetReply(q)
	owner := dns.Fqdn(name)
	if cname != "" {
		r.Answer = append(r.Answer, &dns.CNAME{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeCNAME, Class: dns.ClassINET, Ttl: 300}, Target: dns.Fqdn(cname)})
		owner = dns.Fqdn(cname)
	}
	r.Answer = append(r.Answer, &dns.A{Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: ip})
	rb, _ := r.Pack()
	g.UDP(resolver, client, 53, port, rb)
	return ip
}

// Internet returns the Host for a public name (reached through the
// gateway).
func Internet(name string) Host { return Host{IP: PublicIP(name), Name: name} }

func be16(v int) []byte { return binary.BigEndian.AppendUint16(nil, uint16(v)) }
