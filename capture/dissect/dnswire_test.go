package dissect

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/tattle-audit/tattle/capture"
	"github.com/tattle-audit/tattle/internal/testutil"
)

// dnsTap collects the UDP payloads a scan sends to the DNS dissector,
// and the protocol of the first datagram of each.
type dnsTap struct {
	msgs   map[string][]byte
	protos map[string]string
}

func (*dnsTap) Name() string { return "dnstap" }

func (d *dnsTap) Dissect(p *capture.Packet, _ func(capture.Event)) {
	if p.Transport != capture.UDP || dnsProto(p) == "" {
		p.Done()
		return
	}
	if _, ok := d.msgs[string(p.Payload)]; !ok && len(d.msgs) < 20000 {
		d.msgs[string(p.Payload)] = append([]byte(nil), p.Payload...)
		d.protos[string(p.Payload)] = dnsProto(p)
	}
}

type nopSink struct{}

func (nopSink) Event(capture.Event) {}
func (nopSink) Flow(*capture.Flow)  {}

// capturedDNS returns the distinct DNS, mDNS and LLMNR datagrams of the
// project's captures and, where they are present, the shared ones, in a
// fixed order.
func capturedDNS(t testing.TB) [][]byte {
	t.Helper()
	out, _ := capturedDNSProtos(t)
	return out
}

// capturedDNSProtos is capturedDNS with the protocol of each datagram.
func capturedDNSProtos(t testing.TB) ([][]byte, []string) {
	t.Helper()
	root := testutil.ModuleRoot(t)
	paths, _ := filepath.Glob(filepath.Join(root, "testdata", "*.pcapng"))
	shared := filepath.Join(root, "..", "shared", "captures")
	if _, err := os.Stat(shared); err == nil {
		_ = filepath.WalkDir(shared, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				switch filepath.Ext(path) {
				case ".pcap", ".pcapng", ".cap":
					paths = append(paths, path)
				}
			}
			return nil
		})
	}
	tap := &dnsTap{msgs: map[string][]byte{}, protos: map[string]string{}}
	for _, path := range paths {
		src, err := capture.Open(path)
		if err != nil {
			continue
		}
		_ = capture.NewScanner(nopSink{}, capture.Options{Dissectors: []capture.Dissector{tap}}).Run(src)
		src.Close()
	}
	keys := make([]string, 0, len(tap.msgs))
	for k := range tap.msgs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out, protos := make([][]byte, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		out[i], protos[i] = tap.msgs[k], tap.protos[k]
	}
	return out, protos
}

// generatedDNS are messages built with miekg/dns, with the shapes the
// walker reads itself and the ones it leaves to miekg/dns.
func generatedDNS(t testing.TB) [][]byte {
	inst := `Kitchen "A".b\c._hap._tcp.local.`
	m := new(dns.Msg)
	m.Response = true
	m.Rcode = dns.RcodeBadVers // extended: 16, needs the OPT record
	m.Answer = []dns.RR{
		&dns.PTR{Hdr: hdr("_hap._tcp.local.", dns.TypePTR), Ptr: inst},
		&dns.SRV{Hdr: hdr(inst, dns.TypeSRV), Port: 80, Target: "Kitchen\\.x.local."},
		&dns.TXT{Hdr: hdr(inst, dns.TypeTXT), Txt: []string{"", "a=\\\"b\\\"", "\\001\\255x"}},
		&dns.NSEC{Hdr: hdr(inst, dns.TypeNSEC), NextDomain: inst, TypeBitMap: []uint16{dns.TypeTXT, dns.TypeSRV}},
		&dns.HINFO{Hdr: hdr("Kitchen.local.", dns.TypeHINFO), Cpu: "ARM", Os: "Linux"},
		&dns.AAAA{Hdr: hdr("Kitchen.local.", dns.TypeAAAA), AAAA: []byte{0: 0xfe, 1: 0x80, 15: 1}},
		&dns.AAAA{Hdr: hdr("Kitchen.local.", dns.TypeAAAA), AAAA: []byte{10: 0xff, 11: 0xff, 12: 10, 15: 1}},
	}
	m.Ns = []dns.RR{&dns.SOA{Hdr: hdr("local.", dns.TypeSOA), Ns: "ns.local.", Mbox: "a.local.", Serial: 1}}
	m.Extra = []dns.RR{&dns.A{Hdr: hdr("Kitchen.local.", dns.TypeA), A: []byte{10, 0, 0, 1}}}
	m.SetEdns0(4096, true)
	m.Compress = true
	withOpts := new(dns.Msg)
	withOpts.SetQuestion("example.com.", dns.TypeHTTPS)
	o := &dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT}}
	o.Option = append(o.Option, &dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: "0102030405060708"})
	withOpts.Extra = []dns.RR{o}
	https := new(dns.Msg)
	https.SetQuestion("example.com.", dns.TypeHTTPS)
	https.Response = true
	https.Answer = []dns.RR{&dns.HTTPS{SVCB: dns.SVCB{Hdr: hdr("example.com.", dns.TypeHTTPS), Priority: 1, Target: ".",
		Value: []dns.SVCBKeyValue{&dns.SVCBAlpn{Alpn: []string{"h2", "h3"}}}}}}
	nx := new(dns.Msg)
	nx.SetQuestion("NoSuch.Example.", dns.TypeAAAA)
	nx.Response, nx.Rcode = true, dns.RcodeNameError
	return [][]byte{pack(t, m), pack(t, withOpts), pack(t, https), pack(t, nx),
		dnsCNAMEResponse(t), dnsQuery(t, "a.example.", dns.TypeA), dnsSD(t), mdnsServiceQuery(t)}
}

// compareDNS checks that the dissector's reading of b (the walker, or
// miekg/dns where the walker leaves it) gives the events and notes of
// the former reading (legacyMessage), for each protocol, and that
// whatever the walker reads miekg/dns unpacks without error into the
// same fields.
func compareDNS(t *testing.T, b []byte) (walked bool) {
	t.Helper()
	var w dnsWalker
	var got dnsMsg
	if walked = w.read(b, &got); walked {
		m := new(dns.Msg)
		if err := m.Unpack(b); err != nil {
			t.Fatalf("walker read %x, miekg/dns: %v", b, err)
		}
		var want dnsMsg
		want.fromMiekg(m)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("walker read %x as\n%+v\nmiekg/dns as\n%+v", b, got, want)
		}
	}
	for _, dst := range []string{"192.168.1.1:53", "224.0.0.251:5353", "224.0.0.252:5355"} {
		p := packet(capture.UDP, "192.168.1.20:5000", dst, b)
		q := packet(capture.UDP, "192.168.1.20:5000", dst, b)
		proto := dnsProto(p)
		var got, want []capture.Event
		gotClean := NewDNS().(*DNS).message(p, proto, b, func(e capture.Event) { got = append(got, e) })
		wantClean := legacyMessage(q, proto, b, func(e capture.Event) { want = append(want, e) })
		if gotClean != wantClean || !reflect.DeepEqual(got, want) || !reflect.DeepEqual(p.Flow.Notes, q.Flow.Notes) {
			t.Fatalf("%s %x:\nclean %v, events %s, notes %v\nbefore: clean %v, events %s, notes %v",
				proto, b, gotClean, dump(got), p.Flow.Notes, wantClean, dump(want), q.Flow.Notes)
		}
	}
	return walked
}

func dump(evs []capture.Event) string {
	s := ""
	for _, e := range evs {
		s += fmt.Sprintf("\n  %+v", e)
	}
	return s
}

// TestDNSWalkerMatchesMiekg compares the two readings on every DNS
// datagram of the captures at hand, on generated messages, and on each
// of them cut short and with single bytes changed.
func TestDNSWalkerMatchesMiekg(t *testing.T) {
	msgs := append(generatedDNS(t), capturedDNS(t)...)
	walked, variants, variantsWalked := 0, 0, 0
	for i, b := range msgs {
		if compareDNS(t, b) {
			walked++
		}
		if i%64 != 0 && i >= 16 {
			continue // variants of a sample only: they take a while
		}
		for n := 0; n < len(b); n++ {
			c := append([]byte(nil), b...)
			for _, v := range []byte{0, 0xc0, 0x3f, c[n] ^ 0x80, c[n] + 1} {
				c[n] = v
				variants++
				if compareDNS(t, c) {
					variantsWalked++
				}
			}
			variants++
			if compareDNS(t, b[:n]) {
				variantsWalked++
			}
		}
	}
	t.Logf("%d messages, %d read by the walker; %d variants, %d read by the walker", len(msgs), walked, variants, variantsWalked)
	if walked < len(msgs)/2 {
		t.Errorf("the walker read only %d of %d messages", walked, len(msgs))
	}
}

// FuzzDNSWalker compares the walker with miekg/dns and the former
// reading on arbitrary bytes.
func FuzzDNSWalker(f *testing.F) {
	for _, b := range append(generatedDNS(f), capturedDNS(f)...) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		compareDNS(t, b)
	})
}

// BenchmarkDNSReading reads each message with the former code (every
// message unpacked by miekg/dns) and with the walker, side by side, so
// that the two are timed under the same load.
func BenchmarkDNSReading(b *testing.B) {
	for _, bc := range []struct {
		name string
		dst  string
		msg  []byte
	}{
		{"query", "192.168.1.1:53", dnsQuery(b, "devs.tplinkcloud.com.", dns.TypeA)},
		{"response", "192.168.1.20:5000", dnsCNAMEResponse(b)},
		{"mdns-announcement", "224.0.0.251:5353", dnsSD(b)},
		{"mdns-query", "224.0.0.251:5353", mdnsServiceQuery(b)},
	} {
		p := packet(capture.UDP, "192.168.1.1:53", bc.dst, bc.msg)
		if bc.dst == "224.0.0.251:5353" {
			p = packet(capture.UDP, "192.168.1.23:5353", bc.dst, bc.msg)
		}
		proto := dnsProto(p)
		b.Run(bc.name+"/miekg", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				legacyMessage(p, proto, bc.msg, func(capture.Event) {})
			}
		})
		b.Run(bc.name+"/walker", func(b *testing.B) {
			x := NewDNS().(*DNS)
			b.ReportAllocs()
			for b.Loop() {
				x.message(p, proto, bc.msg, func(capture.Event) {})
			}
		})
	}
}

// BenchmarkDNSCaptured reads every distinct DNS, mDNS and LLMNR datagram
// of the captures at hand (those of the benchmark file's round when the
// shared captures are there), each under the protocol it came with, as
// the dissector does with the repeat cache off; one op is one message
// on average.
func BenchmarkDNSCaptured(b *testing.B) {
	msgs, protos := capturedDNSProtos(b)
	if len(msgs) == 0 {
		b.Skip("no captures")
	}
	x := NewDNS().(*DNS)
	p := packet(capture.UDP, "192.168.1.20:5000", "192.168.1.1:53", nil)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		x.message(p, protos[i], msgs[i], func(capture.Event) {})
		if i++; i == len(msgs) {
			i = 0
		}
	}
}

// appendData writes an address as String gives it, IPv4-mapped ones too.
func TestAppendDataAddr(t *testing.T) {
	for _, s := range []string{"0.0.0.0", "192.168.1.23", "::", "::1", "fe80::1", "2001:db8::53", "::ffff:10.0.0.1", "::ffff:0:0", "64:ff9b::1.2.3.4"} {
		a := netip.MustParseAddr(s)
		r := dnsRR{rrtype: dns.TypeAAAA, addr: a}
		if a.Is4() {
			r.rrtype = dns.TypeA
		}
		got, ok := appendData(nil, &r)
		if !ok || string(got) != a.String() {
			t.Errorf("appendData(%s) = %q, %v", a, got, ok)
		}
	}
	if _, ok := appendData(nil, &dnsRR{rrtype: dns.TypeA}); ok {
		t.Error("appendData wrote the data of a record without an address")
	}
}

// A name that is the end of one read before in the message (a pointer
// into its labels) or has the same bytes (an uncompressed message) is
// not made a string again: the messages below cost the question name's
// string (as sent and lower-cased, made one string), and uncompressed
// that of Example.com, which is no name's end there.
func TestDNSWalkerNameStrings(t *testing.T) {
	for _, compress := range []bool{true, false} {
		m := new(dns.Msg)
		m.SetQuestion("www.Example.com.", dns.TypeA)
		m.Response = true
		m.Answer = []dns.RR{&dns.CNAME{Hdr: hdr("www.Example.com.", dns.TypeCNAME), Target: "www.Example.com."}}
		m.Ns = []dns.RR{&dns.NS{Hdr: hdr("Example.com.", dns.TypeNS), Ns: "www.Example.com."}}
		m.Compress = compress
		b := pack(t, m)
		compareDNS(t, b)
		var w dnsWalker
		var got dnsMsg
		allocs := testing.AllocsPerRun(100, func() {
			if !w.read(b, &got) {
				t.Fatal("not read")
			}
		})
		want := 1 // the question's name and its lower-case form
		if !compress {
			want = 2 // and Example.com's
		}
		if int(allocs) != want {
			t.Errorf("compress %v: %v allocations, want %d", compress, allocs, want)
		}
		if ns := got.rrs[1]; ns.name != "Example.com" || ns.lower != "example.com" || ns.target != "www.Example.com" {
			t.Errorf("compress %v: NS record %+v", compress, ns)
		}
	}
}

// strings gives a name as sent and strings.ToLower of it, whichever way
// it makes them.
func TestDNSWalkerStrings(t *testing.T) {
	for _, s := range []string{"", "example.com", "www.Example.COM", "Living Room._googlecast._tcp.local", "ÉCOLE.fr", "\xff\xfeA", "İx", "a\\.B"} {
		var w dnsWalker
		ascii, upper := true, false
		for _, c := range []byte(s) {
			ascii = ascii && c < 0x80
			upper = upper || 'A' <= c && c <= 'Z'
		}
		u, lower := w.strings([]byte(s), ascii, upper)
		if u != s || lower != strings.ToLower(s) {
			t.Errorf("strings(%q) = %q, %q", s, u, lower)
		}
	}
}
