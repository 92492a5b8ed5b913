package gen

import (
	"io"
	"net"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/miekg/dns"
)

// ManyStreams writes a hostile capture for memory tests: n TCP streams
// opened at once and left open, each sending payloadPerStream bytes of
// text in segments whose first one is withheld until the end, so a
// reassembler must either buffer everything or give up on the gaps.
// Packets are written as they are made: nothing is held in memory.
func ManyStreams(w io.Writer, n, payloadPerStream int) error {
	g, err := New(w, 4242, Router)
	if err != nil {
		return err
	}
	dev := Host{MAC: MustMAC("02:00:00:00:00:99"), IP: net.IPv4(192, 168, 1, 99).To4()}
	conns := make([]*Conn, n)
	for i := range conns {
		srv := Host{IP: net.IPv4(203, 0, byte(113+i/65536), byte(i/256)).To4()}
		srv.IP[3] = byte(i)
		conns[i] = g.Dial(dev, srv, 80)
	}
	seg := make([]byte, mss)
	for i := range seg {
		seg[i] = 'a' + byte(i%26)
	}
	for sent := mss; sent < payloadPerStream; sent += mss {
		for _, c := range conns {
			// Skip the first segment: everything after it is out of order.
			g.tcp(c.Client, c.Server, c.CPort, c.SPort, c.cseq+uint32(sent), c.sseq, "PA", seg)
		}
	}
	return g.Close()
}

// SeqJump writes a capture in which one segment of each TCP stream
// carries a sequence number exactly 2^31 past the one expected: half the
// sequence space, the distance RFC 1982 leaves undefined and 32-bit
// arithmetic gets wrong (-(-2^31) is -2^31). It cuts an HTTP request, a
// TLS ClientHello, a DNS query over TCP and a cleartext stream on an
// unknown port, so every reassembler (HTTP, DNS, TLS, payload
// inspection) meets it mid-message; the streams then go on in order, and
// a last HTTP request after them shows whether the scan went on.
func SeqJump(w io.Writer) error {
	g, err := New(w, 2031, Router)
	if err != nil {
		return err
	}
	dev := Plug
	jump := func(c *Conn, first, rest []byte) {
		c.Send(first, 0)
		junk := []byte("JUMP-2^31-JUMP")
		g.tcp(c.Client, c.Server, c.CPort, c.SPort, c.cseq+1<<31, c.sseq, "PA", junk)
		c.Send(rest, 0)
		c.Reply([]byte("ok"))
		c.Close()
	}
	web := Host{IP: g.Resolve(dev, Router, "api.example-plug.com", "")}
	req := []byte("GET /v1/status?mac=" + dev.MAC.String() + " HTTP/1.1\r\nHost: api.example-plug.com\r\nUser-Agent: plug/2.0\r\n\r\n")
	jump(g.Dial(dev, web, 80), req[:20], req[20:])

	tls := Host{IP: g.Resolve(dev, Router, "cloud.example-plug.com", "")}
	hello := g.ClientHello(OpenSSLHello, "cloud.example-plug.com")
	jump(g.Dial(dev, tls, 443), hello[:40], hello[40:])

	var q dns.Msg
	q.SetQuestion("tcp.example-plug.com.", dns.TypeA)
	q.Id = 0x3131
	wire, err := q.Pack()
	if err != nil {
		return err
	}
	msg := append(be16(len(wire)), wire...)
	jump(g.Dial(dev, Router, 53), msg[:6], msg[6:])

	raw := Host{IP: PublicIP("telemetry.example-plug.com")}
	text := []byte("hello from " + dev.MAC.String() + " serial=HS110-0042 email=owner@example.com\n")
	jump(g.Dial(dev, raw, 5555), text[:10], text[10:])

	g.Tick(time.Second)
	g.HTTP(dev, web, "GET", "api.example-plug.com", "/v1/after-the-jump", "plug/2.0", nil, 0)
	return g.Close()
}

// FarTimes writes a capture whose middle packets are on interfaces with
// an if_tsoffset of +2^62 and -2^62 seconds: times some 10^11 years
// after and before ours, outside what JSON (RFC 3339, years 0 to 9999)
// can write. The plug's DHCP exchange and first DNS query are on the
// usual interface, its next query on the far-future one, an HTTP request
// on the far-past one, and a last DNS query on the usual one again.
func FarTimes(w io.Writer) error {
	g, err := New(w, 9999, Router)
	if err != nil {
		return err
	}
	future, err := g.w.AddInterface(pcapgo.NgInterface{Name: "future", LinkType: layers.LinkTypeEthernet, SnapLength: 262144, TimestampOffset: 1 << 62})
	if err != nil {
		return err
	}
	past, err := g.w.AddInterface(pcapgo.NgInterface{Name: "past", LinkType: layers.LinkTypeEthernet, SnapLength: 262144, TimestampOffset: uint64(1<<64 - 1<<62)})
	if err != nil {
		return err
	}
	dev := Plug
	g.DHCP(dev, Router, DHCPClient{Hostname: "HS110", Params: []byte{1, 3, 6}})
	g.Resolve(dev, Router, "devs.tplinkcloud.com", "")
	g.iface = future
	web := Host{IP: g.Resolve(dev, Router, "api.example-plug.com", "")}
	g.iface = past
	g.HTTP(dev, web, "GET", "api.example-plug.com", "/v1/time", "plug/2.0", nil, 0)
	g.iface = 0
	g.Resolve(dev, Router, "n-devs.tplinkcloud.com", "")
	return g.Close()
}
