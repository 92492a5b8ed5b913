package dissect

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/tattle-audit/tattle/capture"
)

func packet(tr capture.Transport, src, dst string, payload []byte) *capture.Packet {
	s, d := netip.MustParseAddrPort(src), netip.MustParseAddrPort(dst)
	f := &capture.Flow{Key: capture.FlowKey{Client: s, Server: d, Transport: tr}}
	return &capture.Packet{Meta: capture.Meta{File: "t", Packet: 1, Src: s, Dst: d, Transport: tr}, Payload: payload, Flow: f, Dir: capture.ToServer}
}

func run(d capture.Dissector, p *capture.Packet) []capture.Event {
	var out []capture.Event
	d.Dissect(p, func(e capture.Event) { out = append(out, e) })
	return out
}

func dnsMsg(t testing.TB, resp bool) []byte {
	m := new(dns.Msg)
	m.SetQuestion("Devs.TPLinkCloud.com.", dns.TypeA)
	if resp {
		r := new(dns.Msg)
		r.SetReply(m)
		r.Answer = append(r.Answer, &dns.CNAME{Hdr: dns.RR_Header{Name: "devs.tplinkcloud.com.", Rrtype: dns.TypeCNAME, Class: 1, Ttl: 60}, Target: "lb.example.net."},
			&dns.A{Hdr: dns.RR_Header{Name: "lb.example.net.", Rrtype: dns.TypeA, Class: 1, Ttl: 60}, A: []byte{52, 1, 2, 3}})
		m = r
	}
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDNS(t *testing.T) {
	ev := run(NewDNS(), packet(capture.UDP, "192.168.1.1:53", "192.168.1.20:5000", dnsMsg(t, true)))
	if len(ev) != 1 {
		t.Fatalf("%d events", len(ev))
	}
	e := ev[0].(*capture.DNSEvent)
	if !e.Response || e.Questions[0].Name != "devs.tplinkcloud.com" || len(e.Answers) != 2 ||
		e.Answers[0].Data != "lb.example.net" || e.Answers[1].Addr != netip.MustParseAddr("52.1.2.3") {
		t.Errorf("event = %+v", e)
	}
	// DNS over TCP, the length prefix and message split over two segments.
	msg := dnsMsg(t, false)
	framed := append(binary.BigEndian.AppendUint16(nil, uint16(len(msg))), msg...)
	d := NewDNS()
	p := packet(capture.TCP, "192.168.1.20:5000", "192.168.1.1:53", framed[:5])
	if n := len(run(d, p)); n != 0 {
		t.Fatalf("%d events from half a message", n)
	}
	p.Payload = framed[5:]
	if ev := run(d, p); len(ev) != 1 || ev[0].(*capture.DNSEvent).Questions[0].Name != "devs.tplinkcloud.com" {
		t.Fatalf("reassembled TCP DNS: %+v", ev)
	}
	// Garbage is a note, not a crash.
	p = packet(capture.UDP, "192.168.1.20:5000", "192.168.1.1:53", []byte{1, 2, 3})
	run(NewDNS(), p)
	if p.Flow.Notes["dns: malformed message"] != 1 {
		t.Errorf("notes = %v", p.Flow.Notes)
	}
}

func TestMDNS(t *testing.T) {
	m := new(dns.Msg)
	m.Response = true
	inst := "Living Room._googlecast._tcp.local."
	m.Answer = []dns.RR{
		&dns.PTR{Hdr: dns.RR_Header{Name: "_googlecast._tcp.local.", Rrtype: dns.TypePTR, Class: 1}, Ptr: inst},
		&dns.SRV{Hdr: dns.RR_Header{Name: inst, Rrtype: dns.TypeSRV, Class: 1}, Port: 8009, Target: "tv.local."},
		&dns.TXT{Hdr: dns.RR_Header{Name: inst, Rrtype: dns.TypeTXT, Class: 1}, Txt: []string{"md=Chromecast", "fn=Living Room"}},
		&dns.A{Hdr: dns.RR_Header{Name: "tv.local.", Rrtype: dns.TypeA, Class: 1}, A: []byte{192, 168, 1, 23}},
	}
	b, _ := m.Pack()
	ev := run(NewDNS(), packet(capture.UDP, "192.168.1.23:5353", "224.0.0.251:5353", b))
	if len(ev) != 2 {
		t.Fatalf("%d events", len(ev))
	}
	me := ev[1].(*capture.MDNSEvent)
	if len(me.Services) != 1 || me.Services[0].Service != "_googlecast._tcp" || me.Services[0].Port != 8009 ||
		me.Services[0].TXT[0] != "md=Chromecast" || me.Hostnames[0] != "tv.local" {
		t.Errorf("mdns = %+v", me)
	}
}

func dhcpDiscover(opts ...[]byte) []byte {
	b := make([]byte, 240)
	b[0], b[1], b[2] = 1, 1, 6
	copy(b[28:], []byte{0x50, 0xc7, 0xbf, 1, 2, 3})
	binary.BigEndian.PutUint32(b[236:], 0x63825363)
	b = append(b, 53, 1, 1)
	for _, o := range opts {
		b = append(b, o...)
	}
	return append(b, 255)
}

func TestDHCP(t *testing.T) {
	opt := func(code byte, v string) []byte { return append([]byte{code, byte(len(v))}, v...) }
	tests := []struct {
		name    string
		payload []byte
		check   func(*capture.DHCPEvent) bool
	}{
		{"hostname, vendor class, params, MUD URL", dhcpDiscover(opt(12, "HS110"), opt(60, "udhcp 1.19"), []byte{55, 3, 1, 3, 6}, opt(161, "https://m.example/mud")),
			func(e *capture.DHCPEvent) bool {
				return e.MsgType == "DISCOVER" && e.Hostname == "HS110" && e.VendorClass == "udhcp 1.19" && len(e.ParamList) == 3 &&
					e.MUDURL == "https://m.example/mud" && e.ClientMAC == capture.MAC{0x50, 0xc7, 0xbf, 1, 2, 3}
			}},
		{"FQDN option when no hostname", dhcpDiscover([]byte{81, 10, 0x04, 0, 0, 4, 'h', 'o', 's', 't', 0, 0}),
			func(e *capture.DHCPEvent) bool { return e.Hostname == "host" }},
		{"truncated option is tolerated", dhcpDiscover(opt(12, "ok"), []byte{60, 50, 'x'}),
			func(e *capture.DHCPEvent) bool { return e.Hostname == "ok" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := run(NewDHCP(), packet(capture.UDP, "0.0.0.0:68", "255.255.255.255:67", tc.payload))
			if len(ev) != 1 || !tc.check(ev[0].(*capture.DHCPEvent)) {
				t.Errorf("events = %+v", ev)
			}
		})
	}
	// DHCPv6 relay-forward wrapping a SOLICIT with DUID-LLT, vendor class
	// and MUD URL.
	inner := []byte{1, 0, 0, 1}
	duid := []byte{0, 1, 0, 1, 0, 0, 0, 0, 0xb8, 0x27, 0xeb, 0xb8, 0x53, 0xc8}
	inner = append(inner, 0, 1, 0, byte(len(duid)))
	inner = append(inner, duid...)
	mud := "https://mud.example/x"
	inner = append(inner, 0, 112, 0, byte(len(mud)))
	inner = append(inner, mud...)
	relay := append(make([]byte, 34), 0, 9, 0, byte(len(inner)))
	relay[0] = 12
	relay = append(relay, inner...)
	ev := run(NewDHCP(), packet(capture.UDP, "[2001:db8::1]:547", "[2001:db8::2]:547", relay))
	if len(ev) != 1 {
		t.Fatal("no DHCPv6 event")
	}
	e := ev[0].(*capture.DHCPEvent)
	if !e.V6 || e.MUDURL != mud || e.ClientMAC != (capture.MAC{0xb8, 0x27, 0xeb, 0xb8, 0x53, 0xc8}) || e.MsgType != "SOLICIT" {
		t.Errorf("dhcpv6 = %+v", e)
	}
}

func TestSSDPAndNTP(t *testing.T) {
	msg := "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nserver: Linux UPnP/1.0\r\nLOCATION: http://192.168.1.5/setup.xml\r\nNT: urn:Belkin:device:controllee:1\r\n\r\n"
	ev := run(NewSSDP(), packet(capture.UDP, "192.168.1.5:1900", "239.255.255.250:1900", []byte(msg)))
	if len(ev) != 1 {
		t.Fatal("no SSDP event")
	}
	s := ev[0].(*capture.SSDPEvent)
	if s.Server != "Linux UPnP/1.0" || s.NT != "urn:Belkin:device:controllee:1" || s.Location != "http://192.168.1.5/setup.xml" {
		t.Errorf("ssdp = %+v", s)
	}
	ntp := make([]byte, 48)
	ntp[0] = 0x23
	ev = run(NewNTP(), packet(capture.UDP, "192.168.1.5:40000", "52.1.2.3:123", ntp))
	if len(ev) != 1 || ev[0].(*capture.NTPEvent).Version != 4 || ev[0].(*capture.NTPEvent).Mode != 3 {
		t.Errorf("ntp = %+v", ev)
	}
}

func TestHTTP(t *testing.T) {
	req1 := "GET /a?x=1 HTTP/1.1\r\nHost: api.example.com:8080\r\nUser-Agent: Kasa/2.0\r\nContent-Length: 4\r\n\r\nbody"
	req2 := "POST /b HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: Kasa/2.1\r\n\r\n"
	h := NewHTTP()
	p := packet(capture.TCP, "192.168.1.5:40000", "52.1.2.3:80", nil)
	var events []capture.Event
	for _, seg := range []string{req1[:10], req1[10:40], req1[40:] + req2} {
		p.Payload = []byte(seg)
		events = append(events, run(h, p)...)
	}
	if len(events) != 2 {
		t.Fatalf("%d requests, want 2 (split and pipelined)", len(events))
	}
	a, b := events[0].(*capture.HTTPEvent), events[1].(*capture.HTTPEvent)
	if a.Method != "GET" || a.Host != "api.example.com:8080" || a.UserAgent != "Kasa/2.0" || a.Path != "/a?x=1" || b.Method != "POST" || b.UserAgent != "Kasa/2.1" {
		t.Errorf("requests = %+v %+v", a, b)
	}
	if p.Flow.App != "http" || p.Flow.ServerName != "api.example.com:8080" {
		t.Errorf("flow = %s %s", p.Flow.App, p.Flow.ServerName)
	}
	rtsp := "DESCRIBE rtsp://10.2.2.2:8554/cam RTSP/1.0\r\nCSeq: 2\r\nUser-Agent: LibVLC/3.0\r\n\r\n"
	p = packet(capture.TCP, "10.1.1.10:5000", "10.2.2.2:8554", []byte(rtsp))
	if ev := run(NewHTTP(), p); len(ev) != 1 || ev[0].(*capture.HTTPEvent).UserAgent != "LibVLC/3.0" || p.Flow.App != "rtsp" {
		t.Errorf("rtsp = %+v", ev)
	}
	p = packet(capture.TCP, "10.1.1.10:5000", "10.2.2.2:443", []byte{0x16, 3, 1, 0, 5})
	run(NewHTTP(), p)
	if ev := run(NewHTTP(), packet(capture.TCP, "1.1.1.1:1", "2.2.2.2:2", []byte(strings.Repeat("A", 100)))); len(ev) != 0 {
		t.Error("non-HTTP payload produced events")
	}
}

func fuzzDissector(f *testing.F, d func() capture.Dissector, tr capture.Transport, src, dst string, seeds ...[]byte) {
	for _, s := range seeds {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		x := d()
		p := packet(tr, src, dst, a)
		run(x, p)
		p.Payload, p.Dir = b, capture.ToClient
		run(x, p)
		p.Payload, p.Dir = a, capture.ToServer
		run(x, p)
	})
}

func FuzzDNS(f *testing.F) {
	fuzzDissector(f, NewDNS, capture.UDP, "192.168.1.1:5353", "224.0.0.251:5353", dnsMsg(f, true), dnsMsg(f, false))
}
func FuzzDNSTCP(f *testing.F) {
	fuzzDissector(f, NewDNS, capture.TCP, "192.168.1.1:5000", "192.168.1.2:53", append([]byte{0, 40}, dnsMsg(f, false)...))
}
func FuzzDHCP(f *testing.F) {
	fuzzDissector(f, NewDHCP, capture.UDP, "0.0.0.0:68", "255.255.255.255:67", dhcpDiscover([]byte{12, 2, 'h', 'i'}))
}
func FuzzDHCPv6(f *testing.F) {
	fuzzDissector(f, NewDHCP, capture.UDP, "[fe80::1]:546", "[ff02::1:2]:547", []byte{1, 0, 0, 1, 0, 1, 0, 10, 0, 3, 0, 1, 1, 2, 3, 4, 5, 6})
}
func FuzzSSDP(f *testing.F) {
	fuzzDissector(f, NewSSDP, capture.UDP, "192.168.1.5:1900", "239.255.255.250:1900", []byte("NOTIFY * HTTP/1.1\r\nSERVER: x\r\n\r\n"))
}
func FuzzHTTP(f *testing.F) {
	fuzzDissector(f, NewHTTP, capture.TCP, "192.168.1.5:40000", "52.1.2.3:80", []byte("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET /2 HTTP/1.1\r\n\r\n"))
}
func FuzzNTP(f *testing.F) {
	fuzzDissector(f, NewNTP, capture.UDP, "192.168.1.5:40000", "52.1.2.3:123", make([]byte, 48))
}

func TestUPnPDescription(t *testing.T) {
	h := NewHTTP()
	p := packet(capture.TCP, "192.168.1.30:40000", "192.168.1.5:49153", []byte("GET /setup.xml HTTP/1.1\r\nHost: 192.168.1.5:49153\r\n\r\n"))
	run(h, p)
	resp := "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n\r\n<?xml version=\"1.0\"?>\n<root xmlns=\"urn:Belkin:device-1-0\"><device>" +
		"<deviceType>urn:Belkin:device:controllee:1</deviceType><friendlyName>Kitchen</friendlyName><manufacturer>Belkin International Inc.</manufacturer>" +
		"<modelName>Socket</modelName><modelNumber>1.0</modelNumber><serialNumber>221517K0101769</serialNumber></device></root>"
	p.Dir = capture.ToClient
	var ev []capture.Event
	for _, seg := range []string{resp[:60], resp[60:]} {
		p.Payload = []byte(seg)
		ev = append(ev, run(h, p)...)
	}
	if len(ev) != 1 {
		t.Fatalf("%d events", len(ev))
	}
	u := ev[0].(*capture.UPnPDescriptionEvent)
	if u.Manufacturer != "Belkin International Inc." || u.DeviceType != "urn:Belkin:device:controllee:1" || u.ModelName != "Socket" ||
		u.SerialNumber != "221517K0101769" || u.URL != "http://192.168.1.5:49153/setup.xml" {
		t.Errorf("description = %+v", u)
	}
}
