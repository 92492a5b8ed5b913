package dissect

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/internal/repeat"
)

func pack(t testing.TB, m *dns.Msg) []byte {
	t.Helper()
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hdr(name string, typ uint16) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: typ, Class: dns.ClassINET, Ttl: 60}
}

// dnsQuery is a query for name and type.
func dnsQuery(t testing.TB, name string, typ uint16) []byte {
	m := new(dns.Msg)
	m.SetQuestion(name, typ)
	return pack(t, m)
}

// dnsCNAMEResponse answers Devs.TPLinkCloud.com with a CNAME chain, an
// authority NS record and an additional AAAA record.
func dnsCNAMEResponse(t testing.TB) []byte {
	q := new(dns.Msg)
	q.SetQuestion("Devs.TPLinkCloud.com.", dns.TypeA)
	m := new(dns.Msg)
	m.SetReply(q)
	m.Answer = []dns.RR{
		&dns.CNAME{Hdr: hdr("Devs.TPLinkCloud.com.", dns.TypeCNAME), Target: "LB.example.net."},
		&dns.CNAME{Hdr: hdr("lb.example.net.", dns.TypeCNAME), Target: "edge.example.org."},
		&dns.A{Hdr: hdr("edge.example.org.", dns.TypeA), A: []byte{52, 1, 2, 3}},
	}
	m.Ns = []dns.RR{&dns.NS{Hdr: hdr("example.org.", dns.TypeNS), Ns: "ns1.example.org."}}
	m.Extra = []dns.RR{&dns.AAAA{Hdr: hdr("ns1.example.org.", dns.TypeAAAA), AAAA: netip.MustParseAddr("2001:db8::53").AsSlice()}}
	m.SetEdns0(1232, false)
	return pack(t, m)
}

func dnsSD(t testing.TB) []byte {
	m := new(dns.Msg)
	m.Response, m.Authoritative = true, true
	inst := "Living Room._googlecast._tcp.local."
	m.Answer = []dns.RR{
		&dns.PTR{Hdr: hdr("_services._dns-sd._udp.local.", dns.TypePTR), Ptr: "_googlecast._tcp.local."},
		&dns.PTR{Hdr: hdr("_googlecast._tcp.local.", dns.TypePTR), Ptr: inst},
	}
	m.Extra = []dns.RR{
		&dns.SRV{Hdr: hdr(inst, dns.TypeSRV), Port: 8009, Target: "TV-1.local."},
		&dns.TXT{Hdr: hdr(inst, dns.TypeTXT), Txt: []string{"md=Chromecast", "fn=Living Room"}},
		&dns.A{Hdr: hdr("TV-1.local.", dns.TypeA), A: []byte{192, 168, 1, 23}},
		&dns.AAAA{Hdr: hdr("TV-1.local.", dns.TypeAAAA), AAAA: netip.MustParseAddr("fe80::1").AsSlice()},
		&dns.PTR{Hdr: hdr("23.1.168.192.in-addr.arpa.", dns.TypePTR), Ptr: "TV-1.local."},
	}
	return pack(t, m)
}

func mdnsServiceQuery(t testing.TB) []byte {
	m := new(dns.Msg)
	m.Question = []dns.Question{
		{Name: "_airplay._tcp.local.", Qtype: dns.TypePTR, Qclass: dns.ClassINET},
		{Name: "_hue._tcp.local.", Qtype: dns.TypePTR, Qclass: dns.ClassINET},
		{Name: "printer.local.", Qtype: dns.TypeA, Qclass: dns.ClassINET},
	}
	return pack(t, m)
}

func TestDNS(t *testing.T) {
	full := dnsCNAMEResponse(t)
	tests := []struct {
		name      string
		src, dst  string
		payload   []byte
		proto     string // "" when no event is expected
		questions []capture.DNSQuestion
		answers   []capture.DNSRecord
		note      string
	}{
		{
			name: "query", src: "192.168.1.20:5000", dst: "192.168.1.1:53",
			payload: dnsQuery(t, "Example.COM.", dns.TypeAAAA), proto: "dns",
			questions: []capture.DNSQuestion{{Name: "example.com", Type: "AAAA"}},
		},
		{
			name: "CNAME chain with authority and additional, OPT dropped", src: "192.168.1.1:53", dst: "192.168.1.20:5000",
			payload: full, proto: "dns",
			questions: []capture.DNSQuestion{{Name: "devs.tplinkcloud.com", Type: "A"}},
			answers: []capture.DNSRecord{
				{Name: "devs.tplinkcloud.com", Type: "CNAME", TTL: 60, Data: "lb.example.net"},
				{Name: "lb.example.net", Type: "CNAME", TTL: 60, Data: "edge.example.org"},
				{Name: "edge.example.org", Type: "A", TTL: 60, Data: "52.1.2.3", Addr: netip.MustParseAddr("52.1.2.3")},
				{Name: "example.org", Type: "NS", TTL: 60, Data: "ns1.example.org."},
				{Name: "ns1.example.org", Type: "AAAA", TTL: 60, Data: "2001:db8::53", Addr: netip.MustParseAddr("2001:db8::53")},
			},
		},
		{
			name: "type without a mnemonic", src: "192.168.1.20:5000", dst: "192.168.1.1:53",
			payload: dnsQuery(t, "x.example.", 65280), proto: "dns",
			questions: []capture.DNSQuestion{{Name: "x.example", Type: "TYPE65280"}},
		},
		{
			name: "LLMNR", src: "[fe80::5]:60000", dst: "[ff02::1:3]:5355",
			payload: dnsQuery(t, "WPAD.", dns.TypeA), proto: "llmnr",
			questions: []capture.DNSQuestion{{Name: "wpad", Type: "A"}},
		},
		{
			name: "mDNS query", src: "192.168.1.30:5353", dst: "224.0.0.251:5353",
			payload: dnsQuery(t, "printer.local.", dns.TypeA), proto: "mdns",
			questions: []capture.DNSQuestion{{Name: "printer.local", Type: "A"}},
		},
		{
			name: "answers cut short keep the question", src: "192.168.1.1:53", dst: "192.168.1.20:5000",
			payload: full[:len(full)-30], proto: "dns",
			questions: []capture.DNSQuestion{{Name: "devs.tplinkcloud.com", Type: "A"}},
			answers: []capture.DNSRecord{
				{Name: "devs.tplinkcloud.com", Type: "CNAME", TTL: 60, Data: "lb.example.net"},
				{Name: "lb.example.net", Type: "CNAME", TTL: 60, Data: "edge.example.org"},
				{Name: "edge.example.org", Type: "A", TTL: 60, Data: "52.1.2.3", Addr: netip.MustParseAddr("52.1.2.3")},
				{Name: "example.org", Type: "NS", TTL: 60, Data: "ns1.example.org."},
			},
			note: "dns: partly malformed message",
		},
		{
			name: "garbage", src: "192.168.1.20:5000", dst: "192.168.1.1:53",
			payload: []byte{1, 2, 3}, note: "dns: malformed message",
		},
		{
			name: "not a DNS port", src: "192.168.1.20:5000", dst: "192.168.1.1:80",
			payload: dnsQuery(t, "example.com.", dns.TypeA),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := packet(capture.UDP, tc.src, tc.dst, tc.payload)
			ev := eventsOf[*capture.DNSEvent](run(NewDNS(), p))
			if tc.note != "" && p.Flow.Notes[tc.note] != 1 {
				t.Errorf("notes = %v, want %q", p.Flow.Notes, tc.note)
			}
			if tc.proto == "" {
				if len(ev) != 0 {
					t.Fatalf("got %d events, want none", len(ev))
				}
				return
			}
			if len(ev) != 1 {
				t.Fatalf("got %d events, want 1", len(ev))
			}
			e := ev[0]
			if e.Proto != tc.proto || p.Flow.App != tc.proto {
				t.Errorf("proto = %q, flow app = %q, want %q", e.Proto, p.Flow.App, tc.proto)
			}
			if !reflect.DeepEqual(e.Questions, tc.questions) {
				t.Errorf("questions = %+v\nwant %+v", e.Questions, tc.questions)
			}
			if !reflect.DeepEqual(e.Answers, tc.answers) {
				t.Errorf("answers = %+v\nwant %+v", e.Answers, tc.answers)
			}
		})
	}
}

func TestMDNS(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		want    *capture.MDNSEvent // nil: no MDNSEvent
	}{
		{"DNS-SD announcement", dnsSD(t), &capture.MDNSEvent{
			Hostnames: []string{"tv-1.local"},
			Services: []capture.ServiceInstance{{Instance: "Living Room._googlecast._tcp.local", Service: "_googlecast._tcp",
				Host: "tv-1.local", Port: 8009, TXT: []string{"md=Chromecast", "fn=Living Room"}}},
		}},
		{"service types asked for", mdnsServiceQuery(t), &capture.MDNSEvent{Queries: []string{"_airplay._tcp.local", "_hue._tcp.local"}}},
		{"host query only", dnsQuery(t, "printer.local.", dns.TypeA), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := packet(capture.UDP, "192.168.1.23:5353", "224.0.0.251:5353", tc.payload)
			ev := run(NewDNS(), p)
			if n := len(eventsOf[*capture.DNSEvent](ev)); n != 1 {
				t.Errorf("%d DNS events, want 1", n)
			}
			me := eventsOf[*capture.MDNSEvent](ev)
			if tc.want == nil {
				if len(me) != 0 {
					t.Fatalf("unexpected MDNSEvent %+v", me[0])
				}
				return
			}
			if len(me) != 1 {
				t.Fatalf("%d MDNSEvents, want 1", len(me))
			}
			tc.want.Meta = p.Meta
			if !reflect.DeepEqual(me[0], tc.want) {
				t.Errorf("got  %+v\nwant %+v", me[0], tc.want)
			}
		})
	}
}

func framed(msgs ...[]byte) string {
	var b []byte
	for _, m := range msgs {
		b = binary.BigEndian.AppendUint16(b, uint16(len(m)))
		b = append(b, m...)
	}
	return string(b)
}

func TestDNSOverTCP(t *testing.T) {
	q1 := dnsQuery(t, "one.example.", dns.TypeA)
	q2 := dnsQuery(t, "two.example.", dns.TypeA)
	q3 := dnsQuery(t, "three.example.", dns.TypeA)
	both := framed(q1, q2)
	tests := []struct {
		name  string
		segs  []seg
		names []string
		note  string
	}{
		{"one message", inOrder(0, framed(q1)), []string{"one.example"}, ""},
		{"length prefix split", inOrder(0, framed(q1), 1), []string{"one.example"}, ""},
		{"two messages in one segment", inOrder(0, both), []string{"one.example", "two.example"}, ""},
		{"second message split across segments", inOrder(0, both, len(q1)+5), []string{"one.example", "two.example"}, ""},
		{"retransmission does not repeat", append(inOrder(0, both, len(q1)+2), inOrder(0, both, len(q1)+2)...), []string{"one.example", "two.example"}, ""},
		{"segments swapped", []seg{{0, 10, both[10:]}, {0, 0, both[:10]}}, []string{"one.example", "two.example"}, ""},
		{"missing bytes resynchronise", []seg{{0, 0, both[:10]}, {0, uint32(len(both)), framed(q3)}, {0, uint32(len(both) + len(q3) + 2), framed(q1)}},
			[]string{"three.example", "one.example"}, "dns: gap in tcp stream"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, f := feed(NewDNS(), "192.168.1.20:5000", "192.168.1.1:53", tc.segs)
			var names []string
			for _, e := range eventsOf[*capture.DNSEvent](ev) {
				names = append(names, e.Questions[0].Name)
			}
			if !reflect.DeepEqual(names, tc.names) {
				t.Errorf("queries = %q, want %q", names, tc.names)
			}
			if tc.note != "" && f.Notes[tc.note] == 0 {
				t.Errorf("notes = %v, want %q", f.Notes, tc.note)
			}
			if f.App != "dns" {
				t.Errorf("flow app = %q", f.App)
			}
		})
	}
}

func FuzzDNS(f *testing.F) {
	fuzzDissector(f, NewDNS, capture.UDP, "192.168.1.1:5353", "224.0.0.251:5353",
		dnsCNAMEResponse(f), dnsQuery(f, "a.example.", dns.TypeA), dnsSD(f), mdnsServiceQuery(f))
}

func FuzzDNSTCP(f *testing.F) {
	f.Add([]byte(framed(dnsCNAMEResponse(f), dnsQuery(f, "a.", dns.TypeA))), uint16(7), false)
	f.Add([]byte(framed(dnsSD(f))), uint16(1), true)
	f.Fuzz(func(t *testing.T, stream []byte, cut uint16, swap bool) {
		c := min(int(cut), len(stream))
		segs := []seg{{0, 0, string(stream[:c])}, {0, uint32(c), string(stream[c:])}}
		if swap {
			segs[0], segs[1] = segs[1], segs[0]
		}
		segs = append(segs, seg{1, 0, string(stream)}, seg{0, 0, string(stream)})
		feed(NewDNS(), "192.168.1.20:5000", "192.168.1.1:53", segs)
	})
}

func BenchmarkDNSResponse(b *testing.B) {
	d := NewDNS()
	p := packet(capture.UDP, "192.168.1.1:53", "192.168.1.20:5000", dnsCNAMEResponse(b))
	b.ReportAllocs()
	b.SetBytes(int64(len(p.Payload)))
	for b.Loop() {
		d.Dissect(p, func(capture.Event) {})
	}
}

func BenchmarkMDNSAnnouncement(b *testing.B) {
	d := NewDNS()
	payload := dnsSD(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		p := packet(capture.UDP, "192.168.1.23:5353", "224.0.0.251:5353", payload)
		d.Dissect(p, func(capture.Event) {})
	}
}

// The same announcement again on its flow: the events are copied, not
// parsed again.
func BenchmarkMDNSAnnouncementRepeated(b *testing.B) {
	d := NewDNS()
	p := packet(capture.UDP, "192.168.1.23:5353", "224.0.0.251:5353", dnsSD(b))
	b.ReportAllocs()
	b.SetBytes(int64(len(p.Payload)))
	for b.Loop() {
		d.Dissect(p, func(capture.Event) {})
	}
}

// A datagram equal to the previous one on its flow gives the events a
// fresh parse gives, with its own packet's metadata; a different one, or
// a malformed one, is parsed (and noted) each time.
func TestDNSRepeatedDatagrams(t *testing.T) {
	a, b := dnsSD(t), mdnsServiceQuery(t)
	resp := dnsCNAMEResponse(t)
	withID := func(m []byte, id uint16) []byte {
		c := append([]byte(nil), m...)
		binary.BigEndian.PutUint16(c, id)
		return c
	}
	bad := []byte{0, 1, 2}
	badTail := append(append([]byte(nil), resp[:len(resp)-3]...), 0xff, 0xff, 0xff)
	d := NewDNS()
	mdns := packet(capture.UDP, "192.168.1.23:5353", "224.0.0.251:5353", nil)
	type sent struct {
		src, dst string
		payload  []byte
	}
	// The same messages again in the same flow, in other flows, with other
	// IDs, over another protocol (the same bytes to port 53).
	for i, s := range []sent{
		{"192.168.1.23:5353", "224.0.0.251:5353", a},
		{"192.168.1.23:5353", "224.0.0.251:5353", a},
		{"192.168.1.23:5353", "224.0.0.251:5353", b},
		{"192.168.1.24:5353", "224.0.0.251:5353", a},
		{"192.168.1.23:5353", "224.0.0.251:5353", bad},
		{"192.168.1.23:5353", "224.0.0.251:5353", bad},
		{"8.8.8.8:53", "192.168.1.23:40001", resp},
		{"8.8.8.8:53", "192.168.1.23:40002", withID(resp, 0xbeef)},
		{"8.8.8.8:53", "192.168.1.24:40001", withID(resp, 7)},
		{"192.168.1.23:53", "192.168.1.24:53", a},
		{"8.8.8.8:53", "192.168.1.23:40003", badTail},
		{"8.8.8.8:53", "192.168.1.23:40003", badTail},
	} {
		p := packet(capture.UDP, s.src, s.dst, s.payload)
		if s.src == "192.168.1.23:5353" {
			p = mdns // one flow: its notes add up
			p.Payload = s.payload
		}
		p.Packet = uint64(i + 1)
		got := run(d, p)
		fresh := packet(capture.UDP, s.src, s.dst, s.payload)
		fresh.Packet = uint64(i + 1)
		want := run(NewDNS(), fresh)
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		if string(gj) != string(wj) {
			t.Fatalf("datagram %d:\n got  %s\n want %s", i+1, gj, wj)
		}
		if len(s.payload) > 12 && len(got) == 0 {
			t.Fatalf("datagram %d gave no events", i+1)
		}
		if i == 1 && len(got) != 2 {
			t.Fatalf("repeated announcement gave %d events, want 2", len(got))
		}
		if i == 10 || i == 11 {
			if n := p.Flow.Notes["dns: partly malformed message"]; n != 1 {
				t.Fatalf("datagram %d: partly malformed message noted %d times in its flow, want 1", i+1, n)
			}
		}
	}
	if n := mdns.Flow.Notes["mdns: malformed message"]; n != 2 {
		t.Fatalf("malformed datagrams noted %d times, want 2", n)
	}
	if n := len(d.(*DNS).seen.m); n != 4 {
		t.Fatalf("%d messages kept, want 4 (a, b, the response, a over DNS)", n)
	}
}

func TestDNSRepeatCacheBounded(t *testing.T) {
	d := NewDNS().(*DNS)
	for i := 0; i < 40000; i++ {
		q := dnsQuery(t, fmt.Sprintf("host-%d.a-rather-long-label-so-that-the-cache-fills-up-sooner.example.com.", i), dns.TypeA)
		p := packet(capture.UDP, "192.168.1.23:40000", "192.168.1.1:53", q)
		if got := run(d, p); len(got) != 1 {
			t.Fatalf("query %d gave %d events", i, len(got))
		}
		if d.seen.bytes > maxDNSSeen {
			t.Fatalf("after %d queries %d bytes kept, limit %d", i+1, d.seen.bytes, maxDNSSeen)
		}
	}
	if len(d.seen.m) == 0 || len(d.seen.m) >= 40000 {
		t.Fatalf("%d queries kept of 40000: the cache should have started again", len(d.seen.m))
	}
}

func TestUnescapeName(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "tv.local", "tv.local"},
		{"escaped space", `Living\ Room._googlecast._tcp.local`, "Living Room._googlecast._tcp.local"},
		{"decimal escape", `Living\032Room`, "Living Room"},
		{"escaped dot stays escaped", `Mr\.Smith._http._tcp`, `Mr\.Smith._http._tcp`},
		{"decimal dot stays escaped", `a\046b`, `a\.b`},
		{"escaped backslash stays escaped", `a\\b`, `a\\b`},
		{"out of range decimal kept", `a\999b`, `a\999b`},
		{"trailing backslash kept", `a\`, `a\`},
		{"control byte", `a\000b`, "a\x00b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := unescapeName(tc.in); got != tc.want {
				t.Errorf("unescapeName(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// BenchmarkDNSUncached parses every message as if it had not been seen
// before (the repeat cache off), as on traffic that does not repeat.
func BenchmarkDNSUncached(b *testing.B) {
	defer func(off bool) { repeat.Off = off }(repeat.Off)
	repeat.Off = true
	for _, bc := range []struct {
		name, src, dst string
		msg            []byte
	}{
		{"query", "192.168.1.20:5000", "192.168.1.1:53", dnsQuery(b, "devs.tplinkcloud.com.", dns.TypeA)},
		{"response", "192.168.1.1:53", "192.168.1.20:5000", dnsCNAMEResponse(b)},
		{"mdns-announcement", "192.168.1.23:5353", "224.0.0.251:5353", dnsSD(b)},
		{"mdns-query", "192.168.1.23:5353", "224.0.0.251:5353", mdnsServiceQuery(b)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			d := NewDNS()
			p := packet(capture.UDP, bc.src, bc.dst, bc.msg)
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.msg)))
			for b.Loop() {
				d.Dissect(p, func(capture.Event) {})
			}
		})
	}
}

// typeName and rcodeName give what miekg/dns's maps give, for every
// type and every RCODE a message can carry (12 bits with EDNS).
func TestDNSTypeAndRcodeNames(t *testing.T) {
	for i := 0; i <= 0xFFFF; i++ {
		if got, want := typeName(uint16(i)), dns.Type(i).String(); got != want {
			t.Fatalf("typeName(%d) = %q, want %q", i, got, want)
		}
	}
	for c := 0; c < 1<<12; c++ {
		want, ok := dns.RcodeToString[c]
		if !ok {
			want = fmt.Sprintf("RCODE%d", c)
		}
		if got := rcodeName(c); got != want {
			t.Fatalf("rcodeName(%d) = %q, want %q", c, got, want)
		}
	}
}

// serviceOfSplit is serviceOf as it was written first, the reference
// for the version that does not split the name.
func serviceOfSplit(instance string) string {
	labels := strings.Split(strings.TrimSuffix(instance, "."), ".")
	for i := 0; i+1 < len(labels); i++ {
		if strings.HasPrefix(labels[i], "_") && (labels[i+1] == "_tcp" || labels[i+1] == "_udp") {
			return strings.ToLower(labels[i] + "." + labels[i+1])
		}
	}
	return ""
}

func TestServiceOf(t *testing.T) {
	for _, s := range []string{
		"", ".", "..", "_tcp", "_a._tcp", "_A._TCP", "_a._Tcp.local", "Living Room._googlecast._tcp.local",
		"Living Room._googlecast._tcp.local.", "x._hap._udp.local", "a\\._b._tcp.local", "_x.._tcp", "_._tcp",
		"._tcp", "_a._tcpx.local", "_a._tc", "a._b.c._d._udp", "_a._tcp.", "_a._tcp..", "_a.", "_a._udp._b._tcp",
	} {
		if got, want := serviceOf(s), serviceOfSplit(s); got != want {
			t.Errorf("serviceOf(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzServiceOf(f *testing.F) {
	f.Add("Living Room._googlecast._tcp.local")
	f.Add("_a._udp.")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := serviceOf(s), serviceOfSplit(s); got != want {
			t.Errorf("serviceOf(%q) = %q, want %q", s, got, want)
		}
	})
}
