package gen

import (
	"encoding/binary"
	"fmt"
	"net"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/miekg/dns"
)

// HelloSpec describes a TLS ClientHello.
type HelloSpec struct {
	Version    uint16 // legacy_version
	Ciphers    []uint16
	Extensions []uint16 // order; the builder fills the ones it knows
	ALPN       []string
	Versions   []uint16 // supported_versions; nil: extension absent
	SigAlgs    []uint16
	Groups     []uint16
}

// Client hello profiles, modelled on real clients' field lists.
var (
	// ChromeHello is a Chrome-like TLS 1.3 hello with GREASE.
	ChromeHello = HelloSpec{
		Version:    0x0303,
		Ciphers:    []uint16{0x2a2a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035},
		Extensions: []uint16{0x3a3a, 0x0000, 0x0017, 0xff01, 0x000a, 0x000b, 0x0023, 0x0010, 0x0005, 0x000d, 0x0012, 0x0033, 0x002d, 0x002b, 0x001b, 0x4469, 0x5a5a},
		ALPN:       []string{"h2", "http/1.1"},
		Versions:   []uint16{0x7a7a, 0x0304, 0x0303},
		SigAlgs:    []uint16{0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601},
		Groups:     []uint16{0x4a4a, 0x001d, 0x0017, 0x0018},
	}
	// OpenSSLHello is a curl/OpenSSL-like TLS 1.3 hello.
	OpenSSLHello = HelloSpec{
		Version:    0x0303,
		Ciphers:    []uint16{0x1302, 0x1303, 0x1301, 0xc02c, 0xc030, 0x009f, 0xcca9, 0xcca8, 0xccaa, 0xc02b, 0xc02f, 0x009e, 0xc024, 0xc028, 0x006b, 0xc023, 0xc027, 0x0067, 0x00ff},
		Extensions: []uint16{0x0000, 0x000b, 0x000a, 0x0010, 0x0016, 0x0017, 0x0031, 0x000d, 0x002b, 0x002d, 0x0033},
		ALPN:       []string{"http/1.1"},
		Versions:   []uint16{0x0304, 0x0303},
		SigAlgs:    []uint16{0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080a, 0x080b, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601},
		Groups:     []uint16{0x001d, 0x0017, 0x001e, 0x0019, 0x0018},
	}
	// EmbeddedHello is an mbedTLS-like TLS 1.2 hello of a small device.
	EmbeddedHello = HelloSpec{
		Version:    0x0303,
		Ciphers:    []uint16{0xc02c, 0xc02b, 0xc030, 0xc02f, 0x009f, 0x009e, 0xc024, 0xc023, 0x003d, 0x003c, 0x0035, 0x002f, 0x00ff},
		Extensions: []uint16{0x0000, 0x000d, 0x000a, 0x000b, 0x0016, 0x0017},
		SigAlgs:    []uint16{0x0603, 0x0601, 0x0503, 0x0501, 0x0403, 0x0401, 0x0303, 0x0301},
		Groups:     []uint16{0x0017, 0x0018, 0x0019},
	}
	// LegacyHello offers TLS 1.0 with weak suites (RC4, 3DES, export).
	LegacyHello = HelloSpec{
		Version:    0x0301,
		Ciphers:    []uint16{0x0005, 0x0004, 0x000a, 0x0003, 0x0009, 0x002f, 0x0035},
		Extensions: []uint16{0x0000, 0x000b},
	}
)

// ClientHello returns the TLS record holding a ClientHello built from
// spec for sni, with random fields from g's seeded source.
func (g *Gen) ClientHello(spec HelloSpec, sni string) []byte {
	var body []byte
	body = binary.BigEndian.AppendUint16(body, spec.Version)
	rnd := make([]byte, 32)
	g.Rand.Read(rnd)
	body = append(body, rnd...)
	sid := make([]byte, 32)
	g.Rand.Read(sid)
	body = append(body, 32)
	body = append(body, sid...)
	body = binary.BigEndian.AppendUint16(body, uint16(2*len(spec.Ciphers)))
	for _, c := range spec.Ciphers {
		body = binary.BigEndian.AppendUint16(body, c)
	}
	body = append(body, 1, 0) // null compression
	var exts []byte
	for _, e := range spec.Extensions {
		var data []byte
		switch e {
		case 0x0000:
			name := []byte(sni)
			data = append(be16(len(name)+3), 0)
			data = append(data, be16(len(name))...)
			data = append(data, name...)
		case 0x0010:
			var l []byte
			for _, p := range spec.ALPN {
				l = append(l, byte(len(p)))
				l = append(l, p...)
			}
			data = append(be16(len(l)), l...)
		case 0x002b:
			data = []byte{byte(2 * len(spec.Versions))}
			for _, v := range spec.Versions {
				data = binary.BigEndian.AppendUint16(data, v)
			}
		case 0x000d:
			data = be16(2 * len(spec.SigAlgs))
			for _, v := range spec.SigAlgs {
				data = binary.BigEndian.AppendUint16(data, v)
			}
		case 0x000a:
			data = be16(2 * len(spec.Groups))
			for _, v := range spec.Groups {
				data = binary.BigEndian.AppendUint16(data, v)
			}
		case 0x000b:
			data = []byte{1, 0}
		case 0x002d:
			data = []byte{1, 1}
		case 0x0033:
			key := make([]byte, 32)
			g.Rand.Read(key)
			data = append(be16(36), 0x00, 0x1d, 0x00, 0x20)
			data = append(data, key...)
		case 0x0005:
			data = []byte{1, 0, 0, 0, 0}
		case 0x001b:
			data = []byte{2, 0, 2}
		case 0xff01:
			data = []byte{0}
		}
		exts = binary.BigEndian.AppendUint16(exts, e)
		exts = append(exts, be16(len(data))...)
		exts = append(exts, data...)
	}
	body = append(body, be16(len(exts))...)
	body = append(body, exts...)
	hs := append([]byte{1, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
	rec := []byte{0x16, 0x03, 0x01}
	rec = append(rec, be16(len(hs))...)
	return append(rec, hs...)
}

// ServerHello returns a ServerHello record for version and cipher.
func (g *Gen) ServerHello(version, cipher uint16) []byte {
	var body []byte
	body = binary.BigEndian.AppendUint16(body, 0x0303)
	rnd := make([]byte, 32)
	g.Rand.Read(rnd)
	body = append(body, rnd...)
	body = append(body, 0)
	body = binary.BigEndian.AppendUint16(body, cipher)
	body = append(body, 0)
	var exts []byte
	if version == 0x0304 {
		exts = append(exts, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04)
	}
	body = append(body, be16(len(exts))...)
	body = append(body, exts...)
	hs := append([]byte{2, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}, body...)
	rec := []byte{0x16, 0x03, 0x03}
	rec = append(rec, be16(len(hs))...)
	return append(rec, hs...)
}

// TLS writes a TLS session: DNS was resolved by the caller; the handshake
// and a few application-data records each way.
func (g *Gen) TLS(client Host, server Host, sni string, spec HelloSpec, appBytes int) {
	c := g.Dial(client, server, 443)
	c.Send(g.ClientHello(spec, sni), 0)
	ver := uint16(0x0304)
	if spec.Versions == nil {
		ver = 0x0303
	}
	c.Reply(g.ServerHello(ver, 0x1301))
	if appBytes > 0 {
		data := make([]byte, appBytes)
		g.Rand.Read(data)
		rec := append([]byte{0x17, 0x03, 0x03}, be16(len(data))...)
		c.Send(append(rec, data...), 0)
		c.Reply(append(append([]byte{0x17, 0x03, 0x03}, be16(appBytes/2)...), data[:appBytes/2]...))
	}
	c.Close()
}

// HTTP writes one HTTP/1.1 exchange; split > 0 cuts the request into
// segments of that size.
func (g *Gen) HTTP(client, server Host, method, host, path, ua string, body []byte, split int) {
	c := g.Dial(client, server, 80)
	req := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n", method, path, host, ua)
	if len(body) > 0 {
		req += fmt.Sprintf("Content-Type: application/json\r\nContent-Length: %d\r\n", len(body))
	}
	c.Send(append([]byte(req+"\r\n"), body...), split)
	c.Reply([]byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}"))
	c.Close()
}

// DHCPClient describes what a device says about itself in DHCP.
type DHCPClient struct {
	Hostname    string
	VendorClass string
	Params      []byte
	ClientID    bool
}

// DHCP writes a DISCOVER/OFFER/REQUEST/ACK exchange giving dev its IP.
func (g *Gen) DHCP(dev Host, server Host, c DHCPClient) {
	xid := g.Rand.Uint32()
	zero := Host{MAC: dev.MAC, IP: net.IPv4zero}
	bcast := Host{IP: net.IPv4bcast}
	msg := func(t layers.DHCPMsgType, op layers.DHCPOp, yiaddr net.IP) []byte {
		d := &layers.DHCPv4{Operation: op, HardwareType: layers.LinkTypeEthernet, HardwareLen: 6, Xid: xid, ClientHWAddr: dev.MAC, YourClientIP: yiaddr,
			ClientIP: net.IPv4zero, NextServerIP: net.IPv4zero, RelayAgentIP: net.IPv4zero}
		d.Options = append(d.Options, layers.NewDHCPOption(layers.DHCPOptMessageType, []byte{byte(t)}))
		if op == layers.DHCPOpRequest {
			if c.ClientID {
				d.Options = append(d.Options, layers.NewDHCPOption(layers.DHCPOptClientID, append([]byte{1}, dev.MAC...)))
			}
			if t == layers.DHCPMsgTypeRequest {
				d.Options = append(d.Options, layers.NewDHCPOption(layers.DHCPOptRequestIP, dev.IP.To4()))
			}
			if c.Hostname != "" {
				d.Options = append(d.Options, layers.NewDHCPOption(layers.DHCPOptHostname, []byte(c.Hostname)))
			}
			if c.VendorClass != "" {
				d.Options = append(d.Options, layers.NewDHCPOption(layers.DHCPOptClassID, []byte(c.VendorClass)))
			}
			d.Options = append(d.Options, layers.NewDHCPOption(layers.DHCPOptParamsRequest, c.Params))
		} else {
			d.Options = append(d.Options, layers.NewDHCPOption(layers.DHCPOptServerID, server.IP.To4()),
				layers.NewDHCPOption(layers.DHCPOptLeaseTime, []byte{0, 1, 0x51, 0x80}),
				layers.NewDHCPOption(layers.DHCPOptSubnetMask, []byte{255, 255, 255, 0}),
				layers.NewDHCPOption(layers.DHCPOptRouter, server.IP.To4()),
				layers.NewDHCPOption(layers.DHCPOptDNS, server.IP.To4()))
		}
		d.Options = append(d.Options, layers.NewDHCPOption(layers.DHCPOptEnd, nil))
		return serialize(d)
	}
	g.UDP(zero, bcast, 68, 67, msg(layers.DHCPMsgTypeDiscover, layers.DHCPOpRequest, net.IPv4zero))
	g.UDP(server, Host{MAC: dev.MAC, IP: dev.IP}, 67, 68, msg(layers.DHCPMsgTypeOffer, layers.DHCPOpReply, dev.IP))
	g.UDP(zero, bcast, 68, 67, msg(layers.DHCPMsgTypeRequest, layers.DHCPOpRequest, net.IPv4zero))
	g.UDP(server, Host{MAC: dev.MAC, IP: dev.IP}, 67, 68, msg(layers.DHCPMsgTypeAck, layers.DHCPOpReply, dev.IP))
}

// Service is one DNS-SD service instance.
type Service struct {
	Instance string // "Living Room"
	Type     string // "_googlecast._tcp"
	Port     uint16
	TXT      []string
}

var mdnsGroup = Host{IP: net.IPv4(224, 0, 0, 251).To4()}

// MDNSAnnounce writes an unsolicited mDNS response announcing dev's host
// name and services.
func (g *Gen) MDNSAnnounce(dev Host, host string, services []Service) {
	m := new(dns.Msg)
	m.Response, m.Authoritative = true, true
	target := host + ".local."
	for _, s := range services {
		inst := s.Instance + "." + s.Type + ".local."
		m.Answer = append(m.Answer,
			&dns.PTR{Hdr: dns.RR_Header{Name: s.Type + ".local.", Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: 4500}, Ptr: inst},
			&dns.SRV{Hdr: dns.RR_Header{Name: inst, Rrtype: dns.TypeSRV, Class: dns.ClassINET | 1<<15, Ttl: 120}, Port: s.Port, Target: target},
			&dns.TXT{Hdr: dns.RR_Header{Name: inst, Rrtype: dns.TypeTXT, Class: dns.ClassINET | 1<<15, Ttl: 4500}, Txt: s.TXT})
	}
	m.Extra = append(m.Extra, &dns.A{Hdr: dns.RR_Header{Name: target, Rrtype: dns.TypeA, Class: dns.ClassINET | 1<<15, Ttl: 120}, A: dev.IP})
	b, err := m.Pack()
	if err != nil {
		g.err = err
		return
	}
	g.UDP(dev, mdnsGroup, 5353, 5353, b)
}

// MDNSQuery writes an mDNS question for a service type.
func (g *Gen) MDNSQuery(dev Host, serviceType string) {
	m := new(dns.Msg)
	m.SetQuestion(serviceType+".local.", dns.TypePTR)
	m.Id = 0
	b, _ := m.Pack()
	g.UDP(dev, mdnsGroup, 5353, 5353, b)
}

var ssdpGroup = Host{IP: net.IPv4(239, 255, 255, 250).To4()}

// SSDPNotify writes an SSDP NOTIFY ssdp:alive.
func (g *Gen) SSDPNotify(dev Host, server, location, nt, usn string) {
	msg := strings.Join([]string{"NOTIFY * HTTP/1.1", "HOST: 239.255.255.250:1900", "CACHE-CONTROL: max-age=1800",
		"LOCATION: " + location, "NT: " + nt, "NTS: ssdp:alive", "SERVER: " + server, "USN: " + usn, "", ""}, "\r\n")
	g.UDP(dev, ssdpGroup, 1900, 1900, []byte(msg))
}

// SSDPSearch writes an M-SEARCH.
func (g *Gen) SSDPSearch(dev Host, st, ua string) {
	msg := strings.Join([]string{"M-SEARCH * HTTP/1.1", "HOST: 239.255.255.250:1900", `MAN: "ssdp:discover"`, "MX: 1",
		"ST: " + st, "USER-AGENT: " + ua, "", ""}, "\r\n")
	g.UDP(dev, ssdpGroup, g.ephemeral(), 1900, []byte(msg))
}

// NTP writes a client request and the server's reply.
func (g *Gen) NTP(client, server Host) {
	req := make([]byte, 48)
	req[0] = 0x23 // v4, client
	port := g.ephemeral()
	g.UDP(client, server, port, 123, req)
	resp := make([]byte, 48)
	resp[0], resp[1] = 0x24, 2 // v4, server, stratum 2
	g.UDP(server, client, 123, port, resp)
}

func serialize(l gopacket.SerializableLayer) []byte {
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, l); err != nil {
		panic(err) // the generator's own layers: a bug, not input
	}
	return append([]byte(nil), buf.Bytes()...)
}
